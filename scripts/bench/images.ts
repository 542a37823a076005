/**
 * Deterministic benchmark images: one task of the emulated kernel (the default world's
 * `/usr/bin/counter`, spawned as hallyn, frozen and checkpointed by the kernel itself) with
 * `pages` touched pages added in several anonymous VMAs, every page filled from a seeded
 * xorshift32 stream. The same arguments always give the same bytes, so a cached file can be
 * checked against a manifest instead of being rewritten on every run. The images restart in the
 * default world (so the image editor's Restart This Image… restores them too) and in
 * {@link benchWorld}.
 *
 * Paths are relative to the working directory: the benchmarks run from the repository root
 * (`npm run bench`), bundled by esbuild into `.bench/dist/`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../../extension/image/index';
import {
  PAGE_SIZE,
  VmFlag,
  VmaType,
  type CheckpointImage,
  type VmaRecord,
} from '../../extension/image/model';
import {
  CheckpointFlag,
  createKernel,
  defaultWorld,
  imm,
  v,
  type KernelApi,
  type WorldSpec,
} from '../../extension/kernel/index';
import { MMAP_BASE } from '../../extension/kernel/mm';

/** What a benchmark image is made of. */
export interface ImageSpec {
  /** File name inside the cache, e.g. `bench-1g.crimg`. */
  name: string;
  /** A short label for output lines: `1 MiB`, `1 GiB`. */
  label: string;
  pages: number;
  vmas: number;
  seed: number;
}

export const SMALL_IMAGE: ImageSpec = {
  name: 'bench-1m.crimg',
  label: '1 MiB',
  pages: 256,
  vmas: 4,
  seed: 0x1badb002,
};

export const LARGE_IMAGE: ImageSpec = {
  name: 'bench-1g.crimg',
  label: '1 GiB',
  pages: 262_144,
  vmas: 8,
  seed: 0x5eed1e55,
};

/** The task of the checkpoint/restart benchmark (issue #13: 256 MiB of touched memory). */
export const SCALE_IMAGE: ImageSpec = {
  name: 'bench-256m.crimg',
  label: '256 MiB',
  pages: 65_536,
  vmas: 4,
  seed: 0x0c0ffee5,
};

/** The same task at 16 MiB, for `npm run bench -- --quick`. */
export const SCALE_IMAGE_QUICK: ImageSpec = {
  name: 'bench-16m.crimg',
  label: '16 MiB',
  pages: 4096,
  vmas: 4,
  seed: 0x0c0ffee5,
};

/** Bumped whenever the generator changes, so stale cached files are rewritten. */
const GENERATOR_VERSION = 3;

/** Where the cached images live (git-ignored). */
export const cacheDir = path.resolve('.bench');

/** The kernel benchmark's program (core.ts): maps and touches one page, then idles. */
export const TOUCHER_PATH = '/usr/bin/toucher';

/** The images' task: the default world's counter. */
const COUNTER_PATH = '/usr/bin/counter';

/** The default world plus the toucher program (the kernel benchmark's task in core.ts). */
export function benchWorld(): WorldSpec {
  const world = defaultWorld();
  world.programs.push({
    name: 'toucher',
    items: [
      { op: 'mmap', pages: imm(1), prot: 3, dst: 'buf' },
      { op: 'store', addr: v('buf'), data: { value: imm(1) } },
      { op: 'label', name: 'idle' },
      { op: 'sleep', ticks: imm(1) },
      { op: 'jump', target: 'idle' },
    ],
  });
  world.files.push({
    path: TOUCHER_PATH,
    kind: 'file',
    mode: 0o755,
    uid: 0,
    gid: 0,
    contents: '#!crlab toucher\n',
    runs: 'toucher',
  });
  return world;
}

/** A kernel of {@link benchWorld} with a fixed clock. */
export function benchKernel(): KernelApi {
  return createKernel({ world: benchWorld(), clock: () => 1_224_000_000 });
}

/**
 * The default world's counter, spawned as hallyn, run a few steps, frozen and checkpointed by the
 * kernel: a task every default-world kernel can restart.
 */
function templateImage(): CheckpointImage {
  const kernel = benchKernel();
  const spawned = kernel.spawn({ user: 'hallyn', exe: COUNTER_PATH });
  if (!spawned.ok) throw new Error(`bench: cannot spawn the counter: ${spawned.reason}`);
  kernel.run(spawned.pid, { steps: 10 });
  kernel.freeze(spawned.pid);
  const outcome = kernel.checkpointAs(
    'hallyn',
    spawned.pid,
    '/tmp/template.crimg',
    CheckpointFlag.SUBTREE,
  );
  const bytes = kernel.readFile('/tmp/template.crimg');
  if (outcome.ret <= 0 || bytes === null) throw new Error('bench: the template checkpoint failed');
  const read = readImage(bytes);
  if (!read.ok) throw new Error(`bench: the template image is invalid: ${read.error.message}`);
  return read.image;
}

/** Page memory of a spec: one buffer (not 262 144 small allocations), filled by xorshift32. */
function seededPages(spec: ImageSpec): Uint8Array {
  const memory = new Uint8Array(spec.pages * PAGE_SIZE);
  const words = new Uint32Array(memory.buffer);
  let state = spec.seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    words[i] = state;
  }
  // The writer skips all-zero pages: a non-zero first byte keeps every page in the image.
  for (let page = 0; page < spec.pages; page++) {
    const first = page * PAGE_SIZE;
    memory[first] = (memory[first] ?? 0) | 1;
  }
  return memory;
}

/**
 * The image model of a spec: the counter's own mappings (program, variables, stack) and the
 * seeded ones; pages are views into one seeded buffer.
 */
export function benchImage(spec: ImageSpec): CheckpointImage {
  const image = templateImage();
  const task = image.tasks[0];
  if (task === undefined) throw new Error('the template image has no task');
  const memory = seededPages(spec);
  const perVma = Math.ceil(spec.pages / spec.vmas);
  // VMAs start at 256 MiB with a one-page hole between them, between the program's data and
  // its stack, far below TASK_SIZE.
  let start = 0x1000_0000;
  const seeded: VmaRecord[] = [];
  for (let first = 0; first < spec.pages; first += perVma) {
    const count = Math.min(perVma, spec.pages - first);
    const pages = [];
    for (let i = 0; i < count; i++) {
      const offset = (first + i) * PAGE_SIZE;
      pages.push({
        addr: start + i * PAGE_SIZE,
        data: memory.subarray(offset, offset + PAGE_SIZE),
      });
    }
    seeded.push({
      vma_type: VmaType.ANON,
      vm_start: start,
      vm_end: start + count * PAGE_SIZE,
      vm_page_prot: 3,
      vm_flags: 3,
      vm_pgoff: 0,
      file: null,
      pages,
    });
    start += (count + 1) * PAGE_SIZE;
  }
  // Any anonymous mmap of the task's own (at MMAP_BASE) gives way to the seeded mappings; its
  // program, variables and stack (VM_GROWSDOWN) stay.
  const kept = task.vmas.filter(
    (vma) =>
      vma.file !== null || vma.vm_start < MMAP_BASE || (vma.vm_flags & VmFlag.GROWSDOWN) !== 0,
  );
  task.vmas = [...kept, ...seeded].sort((a, b) => a.vm_start - b.vm_start);
  return image;
}

/** The manifest kept next to a cached image. */
interface Manifest {
  version: number;
  spec: ImageSpec;
  size: number;
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Makes sure `.bench/<name>` holds exactly `bytes` (the writer's output of `spec`). The file is
 * rewritten only when it is missing or its manifest (size and hash) disagrees, so later runs
 * read a file that is already in the page cache, as an editor reopening it would.
 * @returns the image's path and whether it was (re)written.
 */
export function cacheImage(spec: ImageSpec, bytes: Uint8Array): { file: string; written: boolean } {
  mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, spec.name);
  const manifestFile = `${file}.json`;
  const wanted: Manifest = {
    version: GENERATOR_VERSION,
    spec,
    size: bytes.length,
    sha256: sha256Hex(bytes),
  };
  if (existsSync(file) && existsSync(manifestFile)) {
    try {
      const stored = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
      if (JSON.stringify(stored) === JSON.stringify(wanted) && sameFile(file, wanted))
        return { file, written: false };
    } catch {
      // An unreadable manifest: rewrite both.
    }
  }
  writeFileSync(file, bytes);
  writeFileSync(manifestFile, `${JSON.stringify(wanted, null, 2)}\n`);
  return { file, written: true };
}

/** The file on disk has the manifest's size and hash (a cheap guard against edits). */
function sameFile(file: string, manifest: Manifest): boolean {
  const bytes = readFileSync(file);
  return bytes.length === manifest.size && sha256Hex(bytes) === manifest.sha256;
}
