/**
 * Responsiveness of the lab session (issue #13, item 5, the panel's path): the panel, the palette
 * and Restart This Image… run their checkpoints and restarts through the window's LabService,
 * which calls LabSession's checkpoint/restart synchronously on the extension host, so each call's
 * duration here is the event-loop stall it causes there. Next to it, the same calls made a slice
 * at a time by the kernel (checkpointInSlices/restartInSlices, as runInTurns drives them): their
 * longest slice is the stall the lab would cause if it ran them in turns.
 *
 * The task is a `.crlab` program that maps N pages and stores one 8-byte word in each (the lab
 * language cannot fill pages faster: a program runs at most MAX_RUN_STEPS instructions a
 * statement), so its image is smaller than N × 4 KiB; the figure names both. It runs exactly
 * the instructions that touch every page (`until done` would stop at the default step budget).
 *
 * Usage (from the repository root): node --expose-gc .bench/dist/lab.mjs [--quick]
 */
import { performance } from 'node:perf_hooks';
import { CheckpointFlag } from '../../extension/kernel/index';
import type { SlicedCall } from '../../extension/kernel/index';
import { LabSession } from '../../extension/lab/session';
import { formatBytes, formatMs, formatRatio } from './measure';

const quick = process.argv.includes('--quick');
const PAGES = quick ? 4096 : 65_536;
const LIMIT_MS = 100;

function print(line: string): void {
  console.log(line);
}

const SCENARIO = `world default
limit memory 2 GiB
program toucher
  mmap anon ${PAGES} pages rw -> mem
  set p = mem
  set i = 0
loop:
  store p i
  set p = p + 4096
  set i = i + 1
  if i < ${PAGES} goto loop
done:
  exit 0
end
spawn toucher as hallyn -> toucher
run toucher ${3 + 4 * PAGES} steps
`;

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

/** Runs a sliced call to its end, timing each slice. */
function slices(call: SlicedCall): {
  longest: number;
  count: number;
  totalMs: number;
  ok: boolean;
} {
  let longest = 0;
  let count = 0;
  const started = performance.now();
  for (;;) {
    const sliceStarted = performance.now();
    const step = call.next();
    longest = Math.max(longest, performance.now() - sliceStarted);
    count++;
    if (step.done === true) {
      return {
        longest,
        count,
        totalMs: performance.now() - started,
        ok: step.value.errno === null,
      };
    }
  }
}

function main(): number {
  const loaded = timed(() => LabSession.load(SCENARIO, null));
  const session = loaded.value;
  const task = session.tasks().find((entry) => entry.name === 'toucher');
  if (task === undefined) {
    print('bench lab: FAILED — the scenario left no task toucher');
    return 1;
  }
  const frozen = session.freeze(task.pid);
  const checkpoint = timed(() =>
    session.checkpoint(task.pid, 'hallyn', '/tmp/toucher.crimg', CheckpointFlag.SUBTREE),
  );
  const restart = timed(() => session.restart('/tmp/toucher.crimg', 'hallyn', 0));
  const image = session.kernel.readFile('/tmp/toucher.crimg');
  if (!frozen.ok || !checkpoint.value.ok || !restart.value.ok || image === null) {
    print(
      `bench lab: FAILED — ${[frozen, checkpoint.value, restart.value].find((result) => !result.ok)?.summary ?? 'no image written'}`,
    );
    return 1;
  }
  const what = `${PAGES.toLocaleString('en-US')}-page task (one word stored a page; image ${formatBytes(image.length)})`;
  const verdict = (ms: number): string =>
    `${formatRatio(ms / LIMIT_MS)} the ${LIMIT_MS} ms limit${ms > LIMIT_MS ? ': OVER' : ''}`;
  print(
    `bench lab session checkpoint of a ${what} as LabService runs it (one synchronous call on the host): ${formatMs(checkpoint.ms)} stall (${verdict(checkpoint.ms)}); restart of its image: ${formatMs(restart.ms)} stall (${verdict(restart.ms)}); the scenario loaded in ${formatMs(loaded.ms)}`,
  );
  // The same calls in the kernel a slice at a time (the session's kernel, now idle).
  const slicedCheckpoint = slices(
    session.kernel.checkpointInSlices(
      'hallyn',
      task.pid,
      '/tmp/toucher-sliced.crimg',
      CheckpointFlag.SUBTREE,
    ),
  );
  const slicedRestart = slices(session.kernel.restartInSlices('hallyn', '/tmp/toucher.crimg', 0));
  print(
    `bench lab kernel checkpointInSlices/restartInSlices of the same task: longest slice ${formatMs(slicedCheckpoint.longest)} of ${slicedCheckpoint.count} (checkpoint, ${formatMs(slicedCheckpoint.totalMs)} in all), ${formatMs(slicedRestart.longest)} of ${slicedRestart.count} (restart, ${formatMs(slicedRestart.totalMs)}) — the stall if the lab ran them in turns (${verdict(Math.max(slicedCheckpoint.longest, slicedRestart.longest))})${slicedCheckpoint.ok && slicedRestart.ok ? '' : ' [a sliced call FAILED]'}`,
  );
  return slicedCheckpoint.ok && slicedRestart.ok ? 0 : 1;
}

process.exitCode = main();
