/**
 * Timing and formatting shared by the benchmarks. Every figure is a median of repeated runs
 * (one run when a single run already takes longer than the budget), so one slow run caused by
 * the garbage collector or the page cache does not decide the number.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  /** Keep repeating while the runs so far took less than this many milliseconds. */
  budgetMs?: number;
  /** Never more runs than this (e.g. when each run adds state, like a restart). */
  maxRuns?: number;
}

/** Runs `work` at least once and returns the median duration in milliseconds. */
export function measure(work: () => unknown, options: MeasureOptions = {}): number {
  const budgetMs = options.budgetMs ?? 500;
  const maxRuns = options.maxRuns ?? 25;
  const durations: number[] = [];
  let total = 0;
  while (durations.length < maxRuns && (durations.length === 0 || total < budgetMs)) {
    const started = performance.now();
    work();
    const elapsed = performance.now() - started;
    durations.push(elapsed);
    total += elapsed;
  }
  return median(durations);
}

/** A work's timings in {@link measureInterleaved}: the median of the timed runs, and the first run. */
export interface InterleavedTiming {
  median: number;
  /** The mean of the timed runs: with the runs a collection or a page fault made slow. */
  mean: number;
  /** The very first run, warm-up included: the JIT and the caches cold. */
  first: number;
  /**
   * The median of the timed runs' minor page faults (this process's, read outside the timed
   * window): how much new memory a run touched for the first time.
   */
  pageFaults: number;
}

/**
 * Runs each of `works` in turn (A B C A B C ...), `warmup` untimed rounds then `runs` timed ones,
 * and returns each one's median: for figures compared with each other, so a change in the
 * machine's load weighs on all alike. `before(index)`, untimed, runs before each (e.g. to drop
 * the last run's output and {@link settle}). After the warm-up, {@link settle} frees what it left.
 */
export function measureInterleaved(
  works: readonly (() => unknown)[],
  runs: number,
  before?: (index: number) => void,
  warmup = 0,
): InterleavedTiming[] {
  const durations: number[][] = works.map(() => []);
  const faults: number[][] = works.map(() => []);
  const firsts: number[] = [];
  for (let run = 0; run < warmup + runs; run++) {
    if (run === warmup && warmup > 0) settle();
    works.forEach((work, index) => {
      before?.(index);
      const faulted = process.resourceUsage().minorPageFault;
      const started = performance.now();
      work();
      const elapsed = performance.now() - started;
      const pageFaults = process.resourceUsage().minorPageFault - faulted;
      if (run === 0) firsts[index] = elapsed;
      if (run >= warmup) {
        durations[index]?.push(elapsed);
        faults[index]?.push(pageFaults);
      }
    });
  }
  return durations.map((timed, index) => ({
    median: median(timed),
    mean: timed.reduce((sum, ms) => sum + ms, 0) / Math.max(1, timed.length),
    first: firsts[index] ?? 0,
    pageFaults: median(faults[index] ?? []),
  }));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? 0;
  return ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** `4.1 ms`, `312 ms`, `1.78 s`, `35 µs`: three significant digits at most. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${Number((ms * 1000).toPrecision(3))} µs`;
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** `0.0023×`, `1.4×`, `210×`. */
export function formatRatio(ratio: number): string {
  return `${Number(ratio.toPrecision(2))}×`;
}

/** `1.0 MiB`, `1.00 GiB`, `36.2 KiB`, `512 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/** A reference a measurement is compared with: `raw read of the file 1.78 s`. */
export interface Reference {
  name: string;
  ms: number;
}

/** `(0.0023× raw read of the file 1.78 s, 0.9× plain pass over the bytes 410 ms)`. */
export function against(ms: number, references: readonly Reference[]): string {
  const parts = references.map(
    (reference) => `${formatRatio(ms / reference.ms)} ${reference.name} ${formatMs(reference.ms)}`,
  );
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** `412 MB/s` (decimal megabytes, as disks and `dd` count them). */
export function formatRate(bytes: number, ms: number): string {
  return `${Number((bytes / 1e6 / (ms / 1000)).toPrecision(3))} MB/s`;
}

/** This process's resident memory now and at its peak (VmRSS, VmHWM), in bytes. */
export function memoryNow(): { rss: number; peak: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
}

/**
 * Resets VmHWM to the current RSS (Linux `clear_refs` 5), so the next peak covers what follows
 * only. False when the kernel refuses (the peak then covers the process's whole life).
 */
export function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `file`'s dirty pages back to disk (fsync), untimed, after a timed write: the next
 * measurement does not compete with their writeback. Not sync(1): spawning a process forks
 * this one, and every page it then writes faults once (copy on write): a 512 MiB fill took
 * 220 ms after a spawnSync, 64 ms without.
 */
export function writeBack(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Collects garbage and waits until this process's resident memory stops changing (the same for
 * five polls 10 ms apart, a second at most; the thread sleeps in Atomics.wait, so it can be called from
 * synchronous code). V8 unmaps a dropped buffer's memory on a thread of its own after the
 * collection, and a measurement started meanwhile paid for it: unmapping 257 MiB beside a
 * checkpoint's writes took its CPU time from 84 to 112–131 ms, and a plain copy of 1 GiB took
 * 0.74–3.6 s while the last copy was being unmapped.
 */
export function settle(): void {
  collectGarbage();
  let last = memoryNow().rss;
  let unchanged = 0;
  // Still for five polls in a row: the unmapping may start a few polls after the collection.
  for (let polls = 0; polls < 100 && unchanged < 5; polls++) {
    Atomics.wait(sleeper, 0, 0, 10);
    const now = memoryNow().rss;
    unchanged = now === last ? unchanged + 1 : 0;
    last = now;
  }
}

/** Collects garbage when node runs with --expose-gc (the bench runner passes it). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
