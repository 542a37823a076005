/**
 * Validation throughput (issue #13, item 3): images per second through `readImage` (the judge of
 * image-format.md) and through an unprivileged restart (`restartAs('hallyn', …)`: the kernel
 * reads the image with the same judge, then runs the security checks, then restores or refuses),
 * on two streams:
 *
 *   - the example images (examples/images/*.crimg, 5–20 KiB: typical images);
 *   - a mixed stream of seeded mutants of them: bytes of the record structure changed, images
 *     cut short, bytes appended, and some left intact, the way the fuzzers feed the restart.
 *
 * The reference is a plain pass (one XOR per byte) over the same bytes. Each figure judges about
 * 3000 images (whole passes over the stream) after a warm-up of as many. A restart runs in a
 * kernel of the default world that is booted afresh for every 32 images (restored tasks stay,
 * and hallyn may hold at most 64); the boots are part of the figure.
 *
 * Usage (from the repository root): node --expose-gc .bench/dist/validation.mjs [--quick]
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readImage } from '../../extension/image/index';
import { defaultMachineKey, type KernelApi } from '../../extension/kernel/index';
import { benchKernel } from './images';
import { formatBytes, formatMs, formatRatio, measure, median } from './measure';

const quick = process.argv.includes('--quick');
/** Images restarted in one kernel before the next is booted. */
const KERNEL_REUSE = 32;

function print(line: string): void {
  console.log(line);
}

/** mulberry32: a small seeded generator, so every run judges the same mutants. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exampleImages(): Uint8Array[] {
  const folder = path.resolve('examples', 'images');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.crimg'))
    .sort()
    .map((name) => new Uint8Array(readFileSync(path.join(folder, name))));
}

/** A deterministic mixed stream of mutants of `originals`. */
function mutants(originals: Uint8Array[], count: number): Uint8Array[] {
  const random = generator(0x5eed0013);
  const pick = (n: number): number => Math.floor(random() * n);
  const structures = originals.map((bytes) => {
    const read = readImage(bytes, { keys: { machine: defaultMachineKey() } });
    return read.records.map((record) => [record.offset, record.offset + 8 + record.len] as const);
  });
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const index = pick(originals.length);
    const original = originals[index] as Uint8Array;
    const kind = random();
    if (kind < 0.6) {
      // One to three bytes of record headers or payloads (page contents are plain data).
      const bytes = original.slice();
      const structure = structures[index] ?? [];
      const flips = 1 + pick(3);
      for (let flip = 0; flip < flips; flip++) {
        const [start, end] = structure[pick(structure.length)] ?? [0, 8];
        bytes[start + pick(end - start)] = pick(256);
      }
      out.push(bytes);
    } else if (kind < 0.75) {
      out.push(original.slice(0, pick(original.length)));
    } else if (kind < 0.85) {
      const bytes = new Uint8Array(original.length + 1 + pick(16));
      bytes.set(original);
      bytes.fill(pick(256), original.length);
      out.push(bytes);
    } else {
      out.push(original.slice());
    }
  }
  return out;
}

function plainPass(stream: readonly Uint8Array[]): number {
  let acc = 0;
  for (const bytes of stream) for (let i = 0; i < bytes.length; i++) acc ^= bytes[i] ?? 0;
  return acc;
}

/** Wall time and this process's CPU time (user + system) per image, in milliseconds. */
interface PerImage {
  ms: number;
  cpuMs: number;
}

/**
 * Runs `pass` over the whole stream for about `images` images, after a warm-up of as many: the
 * median wall time per image, and the CPU time per image over all the measured passes (Linux
 * may count CPU time in scheduler ticks of a few milliseconds: only a long interval measures it
 * well). On a shared machine the CPU time swings much less with the others' load than the wall
 * time.
 */
function perImage(stream: readonly Uint8Array[], pass: () => void, images: number): PerImage {
  // Steady state, as in a long fuzzing run or a matrix of restarts: the JIT compiles the hot
  // paths after enough calls (counted, not timed: a loaded machine makes fewer per second).
  const passes = Math.max(3, Math.ceil(images / stream.length));
  for (let warmUp = 0; warmUp < passes; warmUp++) pass();
  const walls: number[] = [];
  const cpu = process.cpuUsage();
  while (walls.length < passes) {
    const started = performance.now();
    pass();
    walls.push((performance.now() - started) / stream.length);
  }
  const used = process.cpuUsage(cpu);
  return {
    ms: median(walls),
    cpuMs: (used.user + used.system) / 1000 / (walls.length * stream.length),
  };
}

function benchStream(name: string, stream: readonly Uint8Array[], images: number): void {
  const key = defaultMachineKey();
  const bytes = stream.reduce((sum, image) => sum + image.length, 0);
  const plainMs = perImage(stream, () => plainPass(stream), images);
  let valid = 0;
  const readMs = perImage(
    stream,
    () => {
      valid = 0;
      for (const image of stream) if (readImage(image, { keys: { machine: key } }).ok) valid++;
    },
    images,
  );
  let restored = 0;
  const restartMs = perImage(
    stream,
    () => {
      restored = 0;
      let kernel: KernelApi = benchKernel();
      for (let i = 0; i < stream.length; i++) {
        const image = stream[i] as Uint8Array;
        if (i > 0 && i % KERNEL_REUSE === 0) kernel = benchKernel();
        kernel.writeFile('/tmp/judged.crimg', image, { uid: 500, gid: 500 });
        if (kernel.restartAs('hallyn', '/tmp/judged.crimg', 0).ret === 0) restored++;
      }
    },
    images,
  );
  const bootMs = measure(() => benchKernel());
  const rate = (ms: number): string => `${Math.round(1000 / ms).toLocaleString('en-US')} images/s`;
  const figures = (run: PerImage): string =>
    `${rate(run.ms)}, ${formatMs(run.ms)} per image (${formatRatio(run.ms / plainMs.ms)} the plain pass); CPU ${rate(run.cpuMs)}, ${formatMs(run.cpuMs)} per image (${formatRatio(run.cpuMs / plainMs.cpuMs)} the plain pass's)`;
  const what = `${name} (${stream.length} images, ${formatBytes(bytes / stream.length)} on average)`;
  print(
    `bench plain pass ${what}: ${rate(plainMs.ms)}, ${formatMs(plainMs.ms)} per image; CPU ${formatMs(plainMs.cpuMs)} per image (one XOR per byte)`,
  );
  print(`bench readImage ${what}: ${figures(readMs)} [${valid} valid]`);
  print(
    `bench readImage + unprivileged restart ${what}: ${figures(restartMs)} [${restored} restored as hallyn; a kernel booted for every ${KERNEL_REUSE} images, ${formatMs(bootMs)} a boot]`,
  );
}

const examples = exampleImages();
if (examples.length === 0)
  throw new Error('bench validation: no example images in examples/images');
// Images judged per figure, after as many for the warm-up.
const judged = quick ? 200 : 3000;
benchStream('example images', examples, judged);
benchStream('mixed mutants', mutants(examples, quick ? 100 : 1000), judged);
