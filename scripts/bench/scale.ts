/**
 * Checkpoint and restart at scale (issue #13, item 1): a task with 256 MiB of touched memory
 * (seeded random contents) restarted from a file on disk and checkpointed back to a file on disk,
 * against one raw read and one raw write of the same bytes (no fsync on either side), with this
 * process's peak resident memory as a multiple of the touched memory.
 *
 * The task is the benchmark image's (scripts/bench/images.ts): hallyn's toucher with 65 536
 * touched pages. Each round: a raw read and a raw write of the image's bytes, then the restart
 * (read the file, restart it as hallyn, frozen) and the checkpoint of the restored task (as
 * hallyn, to a new file), each with the peak memory reset before it.
 *
 * Usage (from the repository root): node --expose-gc .bench/dist/scale.mjs [--quick]
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readImage, writeImage } from '../../extension/image/index';
import { CheckpointFlag, RestartFlag, type KernelApi } from '../../extension/kernel/index';
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
} from './measure';

const quick = process.argv.includes('--quick');
const spec = quick ? SCALE_IMAGE_QUICK : SCALE_IMAGE;
const rounds = quick ? 1 : 3;
const touched = spec.pages * 4096;

function print(line: string): void {
  console.log(line);
}

function timed<T>(work: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = work();
  return { ms: performance.now() - started, value };
}

/** The host restarting an image file from disk: read it, hand it to the kernel, restart. */
function restartFromFile(kernel: KernelApi, file: string): number {
  const bytes = readFileSync(file);
  kernel.writeFile('/tmp/bench-in.crimg', bytes, { uid: 500, gid: 500 });
  const outcome = kernel.restartAs('hallyn', '/tmp/bench-in.crimg', RestartFlag.FROZEN);
  if (outcome.ret !== 0 || outcome.restored?.[0] === undefined)
    throw new Error(
      `bench scale: restart returned ${outcome.ret}: ${outcome.checks.find((check) => check.result === 'fail')?.reason ?? ''}`,
    );
  return outcome.restored[0];
}

/** The host checkpointing a task to a file on disk: checkpoint, take the bytes, write them. */
function checkpointToFile(kernel: KernelApi, pid: number, file: string): void {
  const outcome = kernel.checkpointAs(
    'hallyn',
    pid,
    '/tmp/bench-out.crimg',
    CheckpointFlag.SUBTREE,
  );
  if (outcome.ret <= 0)
    throw new Error(
      `bench scale: checkpoint returned ${outcome.ret}: ${outcome.checks.find((check) => check.result === 'fail')?.reason ?? ''}`,
    );
  const bytes = kernel.readFile('/tmp/bench-out.crimg');
  if (bytes === null) throw new Error('bench scale: the checkpoint wrote no image');
  writeFileSync(file, bytes);
}

function main(): void {
  // The image, written once and cached like the others; its making is not measured.
  const { file } = cacheImage(spec, writeImage(benchImage(spec)));
  collectGarbage();
  const size = statSync(file).size;
  const output = path.join(cacheDir, `checkpoint-${spec.name}`);
  const rawOutput = path.join(cacheDir, `raw-write-${spec.name}`);

  const rawRead: number[] = [];
  const rawWrite: number[] = [];
  const restart: number[] = [];
  const checkpoint: number[] = [];
  let restartPeak = 0;
  let checkpointPeak = 0;
  let baseline = Infinity;
  let peakReset = true;
  for (let round = 0; round < rounds; round++) {
    // The references: one raw read and one raw write of the same bytes.
    rawRead.push(timed(() => readFileSync(file)).ms);
    collectGarbage();
    {
      const bytes = readFileSync(file);
      rawWrite.push(timed(() => writeFileSync(rawOutput, bytes)).ms);
    }
    collectGarbage();

    const before = memoryNow().rss;
    baseline = Math.min(baseline, before);
    peakReset &&= resetPeak();
    const kernel = benchKernel();
    const restarted = timed(() => restartFromFile(kernel, file));
    restart.push(restarted.ms);
    restartPeak = Math.max(restartPeak, memoryNow().peak);

    collectGarbage();
    peakReset &&= resetPeak();
    checkpoint.push(timed(() => checkpointToFile(kernel, restarted.value, output)).ms);
    checkpointPeak = Math.max(checkpointPeak, memoryNow().peak);
    collectGarbage();
  }
  rmSync(rawOutput, { force: true });

  // What came back is a valid image of the same task: as large as the one restarted.
  const written = readFileSync(output);
  const verdict = readImage(written);
  const check = verdict.ok
    ? `valid, ${formatBytes(written.length)}${written.length === size ? ', as large as the image' : `, the image has ${formatBytes(size)}`}`
    : `INVALID ${verdict.error.field}`;
  rmSync(output, { force: true });

  const readMs = median(rawRead);
  const writeMs = median(rawWrite);
  const restartMs = median(restart);
  const checkpointMs = median(checkpoint);
  const what = `${spec.label} task (${spec.pages.toLocaleString('en-US')} touched pages, image ${formatBytes(size)})`;
  const memory = (peak: number): string =>
    `peak RSS ${formatBytes(peak)} = ${formatRatio(peak / touched)} the touched memory (${formatBytes(baseline)} before${peakReset ? '' : '; the peak covers the whole process'})`;
  print(
    `bench raw read ${what}: ${formatMs(readMs)}, ${formatRate(size, readMs)} (fs.readFileSync)`,
  );
  print(
    `bench raw write ${what}: ${formatMs(writeMs)}, ${formatRate(size, writeMs)} (fs.writeFileSync, no fsync)`,
  );
  print(
    `bench restart ${what} from a file: ${formatMs(restartMs)}, ${formatRate(size, restartMs)} (${formatRatio(readMs / restartMs)} the raw read's throughput); ${memory(restartPeak)}`,
  );
  print(
    `bench checkpoint ${what} to a file: ${formatMs(checkpointMs)}, ${formatRate(size, checkpointMs)} (${formatRatio(writeMs / checkpointMs)} the raw write's throughput); ${memory(checkpointPeak)} [${check}]`,
  );
}

main();
