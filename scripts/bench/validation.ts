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
 * The reference is a plain pass (one XOR per byte) over the same bytes. A restart runs in a
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

/** Runs `pass` over the whole stream until the budget is spent; the median time per image. */
function perImage(stream: readonly Uint8Array[], pass: () => void, budgetMs: number): number {
  const durations: number[] = [];
  let total = 0;
  while (durations.length < 3 || total < budgetMs) {
    const started = performance.now();
    pass();
    const elapsed = performance.now() - started;
    durations.push(elapsed / stream.length);
    total += elapsed;
  }
  return median(durations);
}

function benchStream(name: string, stream: readonly Uint8Array[], budgetMs: number): void {
  const key = defaultMachineKey();
  const bytes = stream.reduce((sum, image) => sum + image.length, 0);
  const plainMs = perImage(stream, () => plainPass(stream), budgetMs);
  let valid = 0;
  const readMs = perImage(
    stream,
    () => {
      valid = 0;
      for (const image of stream) if (readImage(image, { keys: { machine: key } }).ok) valid++;
    },
    budgetMs,
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
    budgetMs,
  );
  const bootMs = measure(() => benchKernel());
  const rate = (ms: number): string => `${Math.round(1000 / ms).toLocaleString('en-US')} images/s`;
  const what = `${name} (${stream.length} images, ${formatBytes(bytes / stream.length)} on average)`;
  print(
    `bench plain pass ${what}: ${rate(plainMs)}, ${formatMs(plainMs)} per image (one XOR per byte)`,
  );
  print(
    `bench readImage ${what}: ${rate(readMs)}, ${formatMs(readMs)} per image (${formatRatio(readMs / plainMs)} the plain pass) [${valid} valid]`,
  );
  print(
    `bench readImage + unprivileged restart ${what}: ${rate(restartMs)}, ${formatMs(restartMs)} per image (${formatRatio(restartMs / plainMs)} the plain pass) [${restored} restored as hallyn; a kernel booted for every ${KERNEL_REUSE} images, ${formatMs(bootMs)} a boot]`,
  );
}

const examples = exampleImages();
if (examples.length === 0)
  throw new Error('bench validation: no example images in examples/images');
benchStream('example images', examples, quick ? 50 : 1000);
benchStream('mixed mutants', mutants(examples, quick ? 100 : 1000), quick ? 50 : 1000);
