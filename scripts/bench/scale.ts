/**
 * Checkpoint and restart at scale (issue #13, item 1): a task with 256 MiB of touched memory
 * (seeded random contents) restarted from a file on disk and checkpointed back to a file on disk,
 * against one raw read and one raw write of the same bytes (no fsync on either side), with this
 * process's peak resident memory as a multiple of the touched memory.
 *
 * The task is the benchmark image's (scripts/bench/images.ts): hallyn's counter with 65 536
 * touched pages. Each round: a raw read of the image's file, then the restart (read the file,
 * restart it as hallyn, frozen); a raw write of its bytes, then the checkpoint of the restored
 * task (as hallyn, to a new file); each call with the peak memory reset before it. Each starts
 * settled, and each write's pages go to disk (fsync, untimed) before the next measurement.
 *
 * Usage (from the repository root): node --expose-gc .bench/dist/scale.mjs [--quick]
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writevSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { readImage, writeImage } from '../../extension/image/index';
import {
  CheckpointFlag,
  RestartFlag,
  type CallOutcome,
  type KernelApi,
  type SlicedCall,
} from '../../extension/kernel/index';
import {
  SCALE_IMAGE,
  SCALE_IMAGE_QUICK,
  benchImage,
  benchKernel,
  cacheDir,
  cacheImage,
} from './images';
import {
  collectGarbage,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  median,
  memoryNow,
  resetPeak,
  settle,
  writeBack,
} from './measure';

const quick = process.argv.includes('--quick');
const spec = quick ? SCALE_IMAGE_QUICK : SCALE_IMAGE;
// Seven rounds: the first pays for compiling the JavaScript, and on this virtual machine a 257 MiB
// write now and then takes 3–8 times its usual time (on either side), which weighed on a median
// of three.
const rounds = quick ? 1 : 7;
const touched = spec.pages * 4096;

function print(line: string): void {
  console.log(line);
}

/** Wall time and this process's CPU time (user + system) of one run, in milliseconds. */
interface Timing {
  ms: number;
  cpuMs: number;
}

function timed<T>(work: () => T): Timing & { value: T } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, value };
}

/**
 * The host restarting an image file from disk, as the lab does: read the file and hand its bytes
 * to the kernel as a host file (the kernel keeps them: the restored pages are views of them).
 */
function restartFromFile(kernel: KernelApi, file: string): { pid: number; bytes: Uint8Array } {
  const bytes = readFileSync(file);
  const outcome = kernel.restartAs('hallyn', { path: file, bytes }, RestartFlag.FROZEN);
  if (outcome.ret !== 0 || outcome.restored?.[0] === undefined)
    throw new Error(
      `bench scale: restart returned ${outcome.ret}: ${outcome.checks.find((check) => check.result === 'fail')?.reason ?? ''}`,
    );
  return { pid: outcome.restored[0], bytes };
}

/** writev until every byte of `chunks` is written (a regular file takes them all at once). */
function writeAll(fd: number, chunks: readonly Uint8Array[]): void {
  let rest = [...chunks];
  while (rest.length > 0) {
    let written = writevSync(fd, rest);
    const next: Uint8Array[] = [];
    for (const chunk of rest) {
      if (written >= chunk.length) written -= chunk.length;
      else {
        next.push(chunk.subarray(written));
        written = 0;
      }
    }
    rest = next;
  }
}

/**
 * The host checkpointing a task to a file on disk, as the lab does: the kernel streams the image
 * to a host file a slice at a time (at most 1024 pages), each slice to the file with one writev.
 */
function checkpointToFile(kernel: KernelApi, pid: number, file: string): void {
  const fd = openSync(file, 'w');
  try {
    const outcome = kernel.checkpointAs(
      'hallyn',
      pid,
      { path: file, write: (chunks) => writeAll(fd, chunks) },
      CheckpointFlag.SUBTREE,
    );
    if (outcome.ret <= 0)
      throw new Error(
        `bench scale: checkpoint returned ${outcome.ret}: ${outcome.checks.find((check) => check.result === 'fail')?.reason ?? ''}`,
      );
  } finally {
    closeSync(fd);
  }
}

/**
 * A raw read of `file`, timed (no closure holds the bytes: V8 would keep them alive and this
 * process's peak memory would count them).
 */
function rawReadOnce(file: string): Timing {
  return timed(() => {
    readFileSync(file);
  });
}

/**
 * A raw write of `bytes` to `output` (no fsync), timed. The bytes are those the restored task's
 * memory is (the restart keeps the file's bytes), so both sides copy from the same memory into
 * a new file. A copy read just before took 257 MiB of new memory, and the write after it was
 * the slow one on this virtual machine: 268–435 ms in eight rounds of eight, where a write of
 * the held bytes in the same rounds took 58–72 ms in six.
 */
function rawWriteOnce(bytes: Uint8Array, output: string): Timing {
  rmSync(output, { force: true });
  const cpu = process.cpuUsage();
  const started = performance.now();
  writeFileSync(output, bytes);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/** How a sliced call went, driven one slice per event-loop turn. */
interface SlicedRun {
  outcome: CallOutcome;
  slices: number;
  ms: number;
  /**
   * The longest slice (wall and CPU time: on a loaded machine a slice's wall time includes the
   * time the process waits for a CPU), and the event loop's longest delay
   * (monitorEventLoopDelay).
   */
  longestSliceMs: number;
  longestSliceCpuMs: number;
  longestDelayMs: number;
}

/**
 * Drives a sliced call as the extension host does: one slice per turn of the event loop
 * (setImmediate between slices), with a monitor of the loop's delay running.
 */
async function driveSliced(call: () => SlicedCall): Promise<SlicedRun> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  const slices = call();
  let longestSliceMs = 0;
  let longestSliceCpuMs = 0;
  let count = 0;
  for (;;) {
    const cpu = process.cpuUsage();
    const sliceStarted = performance.now();
    const step = slices.next();
    longestSliceMs = Math.max(longestSliceMs, performance.now() - sliceStarted);
    const used = process.cpuUsage(cpu);
    longestSliceCpuMs = Math.max(longestSliceCpuMs, (used.user + used.system) / 1000);
    if (step.done === true) {
      const ms = performance.now() - started;
      delay.disable();
      return {
        outcome: step.value,
        slices: count,
        ms,
        longestSliceMs,
        longestSliceCpuMs,
        longestDelayMs: delay.max / 1e6,
      };
    }
    count++;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The restart and the checkpoint again, a slice per event-loop turn, as the lab's panel runs
 * them (issue #13, item 5, outside VS Code): the file read with fs.promises, each checkpoint
 * slice written with one writev.
 */
async function responsiveness(file: string, output: string, what: string): Promise<void> {
  const kernel = benchKernel();
  const bytes = await readFile(file);
  const restart = await driveSliced(() =>
    kernel.restartInSlices('hallyn', { path: file, bytes }, RestartFlag.FROZEN),
  );
  const pid = restart.outcome.restored?.[0];
  if (restart.outcome.ret !== 0 || pid === undefined)
    throw new Error(`bench scale: the sliced restart returned ${restart.outcome.ret}`);
  const fd = openSync(output, 'w');
  let checkpoint: SlicedRun;
  try {
    checkpoint = await driveSliced(() =>
      kernel.checkpointInSlices(
        'hallyn',
        pid,
        { path: output, write: (chunks) => writeAll(fd, chunks) },
        CheckpointFlag.SUBTREE,
      ),
    );
  } finally {
    closeSync(fd);
  }
  if (checkpoint.outcome.ret <= 0)
    throw new Error(`bench scale: the sliced checkpoint returned ${checkpoint.outcome.ret}`);
  const line = (run: SlicedRun): string =>
    `longest event-loop delay ${formatMs(run.longestDelayMs)} (monitorEventLoopDelay), longest slice ${formatMs(run.longestSliceMs)} (CPU ${formatMs(run.longestSliceCpuMs)}), ${run.slices} slices in ${formatMs(run.ms)}`;
  print(`bench sliced restart ${what} from a file: ${line(restart)}`);
  print(`bench sliced checkpoint ${what} to a file: ${line(checkpoint)}`);
}

/** Writes the cached image (in a process of its own, so its memory is not this one's). */
function prepare(): void {
  cacheImage(spec, writeImage(benchImage(spec)));
}

async function main(): Promise<void> {
  // The image, written once and cached like the others, by a child process: its making is
  // neither measured nor part of this process's memory.
  const made = spawnSync(
    process.execPath,
    [process.argv[1] ?? '', '--prepare', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  if (made.status !== 0) throw new Error('bench scale: the image could not be written');
  const file = path.join(cacheDir, spec.name);
  const size = statSync(file).size;
  const output = path.join(cacheDir, `checkpoint-${spec.name}`);
  const rawOutput = path.join(cacheDir, `raw-write-${spec.name}`);

  const rawRead: Timing[] = [];
  const rawWrite: Timing[] = [];
  const restart: Timing[] = [];
  const checkpoint: Timing[] = [];
  let restartPeak = 0;
  let checkpointPeak = 0;
  let baseline = Infinity;
  let peakReset = true;
  for (let round = 0; round < rounds; round++) {
    // Each side right after its reference (a raw read, then the restart; a raw write, then the
    // checkpoint), so that both meet the machine in the same state. Every measurement starts
    // settled (see settle), and each write's pages go to disk before the next starts.
    settle();
    rawRead.push(rawReadOnce(file));
    settle();
    const before = memoryNow().rss;
    baseline = Math.min(baseline, before);
    peakReset &&= resetPeak();
    const kernel = benchKernel();
    const restarted = timed(() => restartFromFile(kernel, file));
    restart.push({ ms: restarted.ms, cpuMs: restarted.cpuMs });
    restartPeak = Math.max(restartPeak, memoryNow().peak);

    settle();
    rawWrite.push(rawWriteOnce(restarted.value.bytes, rawOutput));
    writeBack(rawOutput);
    settle();
    peakReset &&= resetPeak();
    // Each side writes a new file: truncating the last round's 257 MiB (freeing its pages) cost
    // the opening call up to 100 ms of system time, which is neither side's work.
    rmSync(output, { force: true });
    checkpoint.push(timed(() => checkpointToFile(kernel, restarted.value.pid, output)));
    checkpointPeak = Math.max(checkpointPeak, memoryNow().peak);
    writeBack(output);
  }
  rmSync(rawOutput, { force: true });

  // What came back is a valid image of the same task: as large as the one restarted.
  const written = readFileSync(output);
  const verdict = readImage(written);
  const check = verdict.ok
    ? `valid, ${formatBytes(written.length)}${written.length === size ? ', as large as the image' : `, the image has ${formatBytes(size)}`}`
    : `INVALID ${verdict.error.field}`;
  rmSync(output, { force: true });

  const ms = (runs: Timing[]): number => median(runs.map((run) => run.ms));
  const cpuMs = (runs: Timing[]): number => median(runs.map((run) => run.cpuMs));
  const what = `${spec.label} task (${spec.pages.toLocaleString('en-US')} touched pages, image ${formatBytes(size)})`;
  const memory = (peak: number): string =>
    `peak RSS ${formatBytes(peak)} = ${formatRatio(peak / touched)} the touched memory (${formatBytes(baseline)} before${peakReset ? '' : '; the peak covers the whole process'})`;
  // On a shared machine the wall times swing with the others' load; the CPU times (this
  // process's user + system) much less: both are given, each against its own reference.
  const line = (runs: Timing[], reference: Timing[], name: string): string =>
    `${formatMs(ms(runs))}, ${formatRate(size, ms(runs))} (${formatRatio(ms(reference) / ms(runs))} the ${name}'s throughput; CPU ${formatMs(cpuMs(runs))}, ${formatRatio(cpuMs(reference) / cpuMs(runs))} the ${name}'s)`;
  print(
    `bench raw read ${what}: ${formatMs(ms(rawRead))}, ${formatRate(size, ms(rawRead))}, CPU ${formatMs(cpuMs(rawRead))} (fs.readFileSync)`,
  );
  print(
    `bench raw write ${what}: ${formatMs(ms(rawWrite))}, ${formatRate(size, ms(rawWrite))}, CPU ${formatMs(cpuMs(rawWrite))} (fs.writeFileSync of the bytes the restart read, no fsync)`,
  );
  print(
    `bench restart ${what} from a file: ${line(restart, rawRead, 'raw read')}; ${memory(restartPeak)}`,
  );
  print(
    `bench checkpoint ${what} to a file: ${line(checkpoint, rawWrite, 'raw write')}; ${memory(checkpointPeak)} [${check}]`,
  );
  collectGarbage();
  await responsiveness(file, output, what);
  rmSync(output, { force: true });
}

if (process.argv.includes('--prepare')) prepare();
else await main();
