/**
 * Responsiveness of the lab session (issue #13, item 5, the panel's path): the panel, the palette
 * and Restart This Image… run their checkpoints and restarts through the window's LabService,
 * which runs LabSession's checkpointInSlices/restartInSlices with runLabInTurns (16 ms of slices,
 * then a turn of the event loop; extension/lab/session-turns.ts) on the extension host. This
 * bench runs the same generators under the same policy in this process, with the host's
 * nextTurn (setImmediate), and measures what a host's other work would see meanwhile:
 *
 * - the event-loop delay: perf_hooks.monitorEventLoopDelay (1 ms resolution) enabled only while
 *   the operation runs; its max is how late a timer due during the operation fired, i.e. the
 *   longest stall (plus up to the resolution);
 * - the longest turn: the longest stretch of synchronous work between two turns, timed directly;
 * - how soon a cancellation takes effect (asked halfway through a checkpoint), and that the
 *   cancelled session is exactly as before.
 *
 * Beside it, the same calls made one-shot (checkpoint()/restart(), as LabService ran them before):
 * their duration is the stall they cause, the reference the sliced figures are set against.
 *
 * The task is a `.crlab` program that maps N pages and stores one 8-byte word in each (the lab
 * language cannot fill pages faster: a program runs at most MAX_RUN_STEPS instructions a
 * statement), so its image is smaller than N × 4 KiB; the figure names both. It runs exactly
 * the instructions that touch every page (`until done` would stop at the default step budget).
 * The scenario's load is measured the same way (its `run` yields every RUN_SLICE_STEPS
 * instructions).
 *
 * Usage (from the repository root): node --expose-gc .bench/dist/lab.mjs [--quick]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { CheckpointFlag, type CallProgress } from '../../extension/kernel/index';
import { LabSession, type LabSlices } from '../../extension/lab/session';
import { LAB_TURN_BUDGET_MS, runLabInTurns } from '../../extension/lab/session-turns';
import { touchingTaskScenario } from '../../test/e2e/fixtureScenarios';
import { formatBytes, formatMs, formatRatio } from './measure';

const quick = process.argv.includes('--quick');
const PAGES = quick ? 4096 : 65_536;
const LIMIT_MS = 100;

function print(line: string): void {
  console.log(line);
}

const SCENARIO = touchingTaskScenario({ pages: PAGES, memoryLimit: '2 GiB', freeze: false });

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

interface InTurns<T> {
  value: T | null;
  /** monitorEventLoopDelay's max while the operation ran (ms). */
  delayMs: number;
  /** The longest synchronous stretch between two turns (ms). */
  longestTurnMs: number;
  /**
   * This process's CPU time in that turn (ms): less than the turn when the process waited for a
   * CPU, more when the garbage collector's threads worked beside it.
   */
  longestTurnCpuMs: number;
  /** The turn's number, from 1. */
  longestTurnIndex: number;
  turns: number;
  totalMs: number;
  /** From the cancellation being asked to the operation's end (ms), when it was cancelled. */
  cancelMs: number | null;
}

/**
 * Runs a session operation as LabService does (runLabInTurns, setImmediate between turns),
 * with the event-loop delay monitored while it runs. With `cancelAt`, the operation is cancelled
 * once its progress reaches that fraction.
 */
async function inTurns<T>(
  slices: LabSlices<T, CallProgress>,
  cancelAt: number | null = null,
): Promise<InTurns<T>> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let turns = 0;
  let longestTurnMs = 0;
  let longestTurnCpuMs = 0;
  let longestTurnIndex = 0;
  let turnStarted = performance.now();
  let turnCpu = process.cpuUsage();
  const endTurn = (): void => {
    const ms = performance.now() - turnStarted;
    if (ms > longestTurnMs) {
      const cpu = process.cpuUsage(turnCpu);
      longestTurnMs = ms;
      longestTurnCpuMs = (cpu.user + cpu.system) / 1000;
      longestTurnIndex = turns + 1;
    }
  };
  let cancelAskedAt: number | null = null;
  delay.enable();
  // The histogram records from its second tick on: let it tick before the operation starts, so
  // that a stall in the operation's first turn is recorded too.
  await pause(5);
  const started = performance.now();
  turnStarted = started;
  turnCpu = process.cpuUsage();
  const value = await runLabInTurns(slices, {
    now: () => performance.now(),
    nextTurn: () => {
      endTurn();
      turns++;
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          turnStarted = performance.now();
          turnCpu = process.cpuUsage();
          resolve();
        }),
      );
    },
    onProgress: (progress) => {
      if (
        cancelAt !== null &&
        cancelAskedAt === null &&
        progress.total > 0 &&
        progress.done >= cancelAt * progress.total
      )
        cancelAskedAt = performance.now();
    },
    cancelled: () => cancelAskedAt !== null,
  });
  endTurn();
  const ended = performance.now();
  // And a tick after it ends, so that the last turn's stall is recorded.
  await pause(5);
  delay.disable();
  return {
    value,
    delayMs: delay.count > 0 ? delay.max / 1e6 : 0,
    longestTurnMs,
    longestTurnCpuMs,
    longestTurnIndex,
    turns: turns + 1,
    totalMs: ended - started,
    cancelMs: cancelAskedAt === null ? null : ended - cancelAskedAt,
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Everything a view of the session can observe, to compare before and after a cancellation. */
function observe(session: LabSession): string {
  return JSON.stringify({
    text: session.text,
    history: session.history.length,
    tasks: session.kernel.tasks().map((task) => [task.pid, task.state]),
    image: session.kernel.readFile('/tmp/toucher.crimg')?.length ?? null,
  });
}

const verdict = (ms: number): string =>
  `${formatRatio(ms / LIMIT_MS)} the ${LIMIT_MS} ms limit${ms > LIMIT_MS ? ': OVER' : ''}`;

async function main(): Promise<number> {
  // The scenario loaded as LabService loads it (in turns: its `run` yields every
  // RUN_SLICE_STEPS instructions), and a twin loaded one-shot for the one-shot calls.
  const loaded = await inTurns(LabSession.loadInSlices(SCENARIO, null));
  const session = loaded.value;
  const reference = timed(() => LabSession.load(SCENARIO, null)).value;
  if (session === null) {
    print('bench lab: FAILED — the load was cancelled');
    return 1;
  }
  const task = session.tasks().find((entry) => entry.name === 'toucher');
  if (task === undefined) {
    print('bench lab: FAILED — the scenario left no task toucher');
    return 1;
  }
  const frozen = [session.freeze(task.pid), reference.freeze(task.pid)];

  // A checkpoint cancelled halfway: how soon it stops, and that it left nothing.
  const before = observe(session);
  const cancelled = await inTurns(
    session.checkpointInSlices(task.pid, 'hallyn', '/tmp/toucher.crimg', CheckpointFlag.SUBTREE),
    0.5,
  );
  const unchanged = cancelled.value === null && observe(session) === before;

  // The checkpoint and restart as LabService runs them now.
  const checkpoint = await inTurns(
    session.checkpointInSlices(task.pid, 'hallyn', '/tmp/toucher.crimg', CheckpointFlag.SUBTREE),
  );
  // What LabService does next: judge the new image in turns, then the panel lists the images.
  const judged = await inTurns(session.describeImagesInSlices());
  const described = timed(() => session.images());
  const restart = await inTurns(session.restartInSlices('/tmp/toucher.crimg', 'hallyn', 0));
  // What the views do next, in the one turn LabService tells them of the change: the status bar
  // lists the tasks twice, the panel once (each listing names every task). A task's info counted
  // its pages with a pass over its page table: 96–160 ms of stall in the real host after this.
  const listed = timed(() => [session.tasks(), session.tasks(), session.tasks()]);
  // The same calls one-shot, in the reference session (as LabService ran them before).
  const oneShotCheckpoint = timed(() =>
    reference.checkpoint(task.pid, 'hallyn', '/tmp/toucher.crimg', CheckpointFlag.SUBTREE),
  );
  const oneShotRestart = timed(() => reference.restart('/tmp/toucher.crimg', 'hallyn', 0));
  const image = session.kernel.readFile('/tmp/toucher.crimg');
  const results = [...frozen, checkpoint.value, restart.value, oneShotCheckpoint.value];
  const failed = results.find((result) => result === null || !result.ok);
  if (failed !== undefined || image === null || !oneShotRestart.value.ok) {
    print(`bench lab: FAILED — ${failed?.summary ?? oneShotRestart.value.summary}`);
    return 1;
  }
  // Sliced and one-shot make the same session (the same log, the same calls and checks).
  const same = session.text === reference.text;
  const what = `${PAGES.toLocaleString('en-US')}-page task (one word stored a page; image ${formatBytes(image.length)})`;
  const figures = (run: InTurns<unknown>): string =>
    `longest event-loop delay ${formatMs(run.delayMs)} (${verdict(run.delayMs)}), longest turn ${formatMs(run.longestTurnMs)} (turn ${run.longestTurnIndex}; the process's CPU time in it ${formatMs(run.longestTurnCpuMs)}, GC threads included), ${run.turns} turns, ${formatMs(run.totalMs)} in all`;
  print(
    `bench lab session checkpoint of a ${what} as LabService runs it (LabSession.checkpointInSlices under runLabInTurns, ${LAB_TURN_BUDGET_MS} ms of slices a turn, setImmediate between turns; monitorEventLoopDelay at 1 ms resolution while it runs): ${figures(checkpoint)}; then LabService judging the new image for the panel (describeImagesInSlices, in turns): ${figures(judged)}, and the panel's listing after it ${formatMs(described.ms)}; one-shot as before: ${formatMs(oneShotCheckpoint.ms)} stall (${verdict(oneShotCheckpoint.ms)})`,
  );
  print(
    `bench lab session restart of its image as LabService runs it: ${figures(restart)}; then the views' task listings after it (LabSession.tasks() three times, as the status bar and the panel take them on a change, ${listed.value[0]?.length ?? 0} tasks) ${formatMs(listed.ms)} (${verdict(listed.ms)}); one-shot as before: ${formatMs(oneShotRestart.ms)} stall (${verdict(oneShotRestart.ms)}); sliced and one-shot sessions ${same ? 'identical (same log, calls and checks)' : 'DIFFER'}`,
  );
  print(
    `bench lab session checkpoint cancelled at half its image: stopped ${cancelled.cancelMs === null ? 'never (not cancelled)' : formatMs(cancelled.cancelMs)} after the cancellation, session ${unchanged ? 'unchanged' : 'CHANGED'}; the scenario (its \`run\` of ${(3 + 4 * PAGES).toLocaleString('en-US')} steps touching the pages) loaded as LabService loads it: ${figures(loaded)}`,
  );
  return same && unchanged ? 0 : 1;
}

process.exitCode = await main();
