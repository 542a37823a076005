/**
 * Deterministic benchmark images: one task (the e2e fixture's task) whose memory is `pages`
 * touched pages spread over several anonymous VMAs, every page filled from a seeded xorshift32
 * stream. The same arguments always give the same bytes, so a cached file can be checked
 * against a manifest instead of being rewritten on every run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  PAGE_SIZE,
  VmaType,
  type CheckpointImage,
  type VmaRecord,
} from '../../extension/image/model';
import { oneTaskImage } from '../../test/e2e/fixtures';

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

/** Bumped whenever the generator changes, so stale cached files are rewritten. */
const GENERATOR_VERSION = 1;

/** Where the cached images live (git-ignored). */
export const cacheDir = path.resolve(import.meta.dirname, '..', '..', '.bench');

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

/** The image model of a spec; pages are views into one seeded buffer. */
export function benchImage(spec: ImageSpec): CheckpointImage {
  const image = oneTaskImage();
  const task = image.tasks[0];
  if (task === undefined) throw new Error('the fixture image has no task');
  const memory = seededPages(spec);
  const perVma = Math.ceil(spec.pages / spec.vmas);
  // VMAs start at 256 MiB with a one-page hole between them, far below TASK_SIZE.
  let start = 0x1000_0000;
  const vmas: VmaRecord[] = [];
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
    vmas.push({
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
  task.vmas = vmas;
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
