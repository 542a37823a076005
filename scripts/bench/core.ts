/**
 * Benchmarks of the image layer and the kernel, in plain Node (through tsx), printed one line
 * per measurement with ratios against references measured in the same run:
 *
 *   - raw read: `fs.readFileSync` of the same file (what any viewer pays to see every byte);
 *   - plain pass: one XOR per byte over the bytes in memory (the cheapest possible "parse");
 *   - raw write: `fs.writeFileSync` of the same bytes (no fsync), and plain copy: `slice()` of
 *     them (the writer's own limits).
 *
 * Usage (from the repository root): node --import tsx scripts/bench/core.ts [--quick] [small|large|kernel]
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writevSync,
} from 'node:fs';
import path from 'node:path';
import {
  ImageEncoder,
  indexRecords,
  readImage,
  recordFieldTree,
  writeImage,
  type PositionedReader,
  type RecordIndexEntry,
} from '../../extension/image/index';
import { RecordType } from '../../extension/image/model';
import { CheckpointFlag, RestartFlag, createKernel, imm, v } from '../../extension/kernel/index';
import {
  LARGE_IMAGE,
  SMALL_IMAGE,
  benchImage,
  benchWorld,
  cacheDir,
  cacheImage,
  type ImageSpec,
} from './images';
import {
  against,
  collectGarbage,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  measure,
  measureInterleaved,
  settle,
  type InterleavedTiming,
  type Reference,
  writeBack,
} from './measure';

/** One XOR per byte: a lower bound for any pass that looks at every byte in JavaScript. */
function plainPass(bytes: Uint8Array): number {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc ^= bytes[i] ?? 0;
  return acc;
}

/** A positioned reader over a real file descriptor that counts what it reads. */
function fileReader(fd: number): { read: PositionedReader; reads: number; bytes: number } {
  const counter = {
    reads: 0,
    bytes: 0,
    read: ((offset, length) => {
      const buffer = Buffer.alloc(length);
      const got = readSync(fd, buffer, 0, length, offset);
      counter.reads++;
      counter.bytes += got;
      return buffer.subarray(0, got);
    }) as PositionedReader,
  };
  return counter;
}

function print(line: string): void {
  console.log(line);
}

/** The image written by the same writer as `writeImage`, one `writev` a slice to `file`. */
function streamImage(model: ReturnType<typeof benchImage>, file: string): void {
  const fd = openSync(file, 'w');
  try {
    const encoder = new ImageEncoder(model);
    for (let chunks = encoder.next(); chunks !== null; chunks = encoder.next()) {
      if (chunks.length > 0) writevSync(fd, chunks);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The writer against the cost of the bytes themselves: `writeImage` of the model, a raw write of
 * its output to a file (`fs.writeFileSync`, no fsync), a plain copy of it, and the same writer
 * streamed to a file (ImageEncoder, one writev a slice, as the kernel's checkpoint writes a host
 * file), interleaved. writeImage returns new memory, which costs more here than the page cache a
 * write fills (the plain copy alone is slower than the raw write); the streamed writer is what
 * the raw write bounds.
 */
function benchWriter(
  spec: ImageSpec,
  model: ReturnType<typeof benchImage>,
  runs: number,
): Uint8Array {
  let written: Uint8Array = writeImage(model);
  const large = written.length >= 64 * 1024 * 1024;
  const scratch = path.join(cacheDir, `raw-write-${spec.name}`);
  const streamed = path.join(cacheDir, `stream-write-${spec.name}`);
  // The small image's timed runs follow as many untimed ones (the JIT compiles the writer in
  // them; its first, cold run is printed beside), a hundred and one of each: the writer's
  // steady state, as in a host that has run a while. With fifteen, no collection fell in the
  // timed runs, nothing they allocated was freed, and each fresh 1 MiB buffer faulted in its
  // 256 pages (0.5–3.4 ms on this virtual machine, more than the raw write's 205–350 µs); with
  // a hundred and one, collections fall among the runs and the allocator hands their memory
  // back (0 faults a run). The means are printed too: they keep the runs a collection or a
  // fault made slow. The large image's runs are long enough.
  const warmup = large ? 0 : runs;
  const [write, rawWrite, copy, stream] = measureInterleaved(
    [
      () => (written = writeImage(model)),
      () => writeFileSync(scratch, written),
      () => written.slice(),
      () => streamImage(model, streamed),
    ],
    runs,
    (index) => {
      // A large image's runs start settled: the last image (before a write) and the last copy
      // freed. Each write goes to a new file (truncating the last one is not the write's work)
      // and its pages go to disk before the next run.
      if (index === 0 && existsSync(streamed)) writeBack(streamed);
      if (index === 2) writeBack(scratch);
      if (index === 1) rmSync(scratch, { force: true });
      if (index === 3) rmSync(streamed, { force: true });
      if (large) {
        if (index === 0) written = new Uint8Array(0);
        settle();
      }
    },
    warmup,
  ) as [InterleavedTiming, InterleavedTiming, InterleavedTiming, InterleavedTiming];
  const [writeMs, rawWriteMs, copyMs, streamMs] = [write, rawWrite, copy, stream].map(
    (timing) => timing.median,
  ) as [number, number, number, number];
  const runsNote =
    warmup > 0
      ? `; median of ${runs} after ${warmup} untimed (mean ${formatMs(write.mean)}, the raw write's ${formatMs(rawWrite.mean)}, the streamed writer's ${formatMs(stream.mean)}), the first run cold ${formatMs(write.first)}, the raw write's ${formatMs(rawWrite.first)}`
      : '';
  // New memory is what separates writeImage and the plain copy from the raw write (which fills
  // the page cache): each run's page faults show how much of it they touched first.
  const faults = (timing: InterleavedTiming): string => timing.pageFaults.toLocaleString('en-US');
  const faultsNote = `; page faults a run ${faults(write)}, the plain copy's ${faults(copy)}, the raw write's ${faults(rawWrite)}`;
  rmSync(scratch, { force: true });
  const same = readFileSync(streamed).equals(written);
  rmSync(streamed, { force: true });
  if (!same) throw new Error('bench writer: the streamed image differs from writeImage’s');
  const size = written.length;
  const label = `${spec.label} image`;
  print(
    `bench raw write ${label}: ${formatMs(rawWriteMs)}, ${formatRate(size, rawWriteMs)} (fs.writeFileSync of ${formatBytes(size)}, no fsync)`,
  );
  print(
    `bench plain copy ${label}: ${formatMs(copyMs)}, ${formatRate(size, copyMs)} (Uint8Array slice)`,
  );
  print(
    `bench writeImage ${label}: ${formatMs(writeMs)}, ${formatRate(size, writeMs)} (${formatRatio(rawWriteMs / writeMs)} the raw write's throughput, ${formatRatio(copyMs / writeMs)} the plain copy's${runsNote}${faultsNote})`,
  );
  print(
    `bench writeImage streamed to a file ${label}: ${formatMs(streamMs)}, ${formatRate(size, streamMs)} (${formatRatio(rawWriteMs / streamMs)} the raw write's throughput; ImageEncoder, one writev a slice, no fsync${warmup > 0 ? `; the first run cold ${formatMs(stream.first)}` : ''}; page faults a run ${faults(stream)}) [the same bytes]`,
  );
  return written;
}

/** Write, read, index and field-tree benchmarks of one image. */
function benchImageLayer(spec: ImageSpec, runs: number): void {
  let model: ReturnType<typeof benchImage> | null = benchImage(spec);
  let written: Uint8Array = benchWriter(spec, model, runs);
  const { file, written: rewritten } = cacheImage(spec, written);
  const size = written.length;
  // Let the model (and its page buffer) and the writer's output go before reading 1 GiB more.
  model = null;
  written = new Uint8Array(0);
  collectGarbage();

  let fileBytes: Uint8Array = new Uint8Array(0);
  const rawReadMs = measure(() => {
    fileBytes = readFileSync(file);
  });
  const plainMs = measure(() => plainPass(fileBytes));
  const references: Reference[] = [
    { name: 'raw read of the file', ms: rawReadMs },
    { name: 'plain pass over the bytes', ms: plainMs },
  ];
  const label = `${spec.label} image`;
  print(
    `bench raw read ${label} (${formatBytes(size)}, ${spec.pages} pages, ${spec.vmas} VMAs): ${formatMs(rawReadMs)} (fs.readFileSync) [${rewritten ? 'file written this run: no cache or it differed' : 'cached file matches its manifest'}]`,
  );
  print(`bench plain pass ${label}: ${formatMs(plainMs)} (one XOR per byte)`);

  let verdict = '';
  const readMs = measure(() => {
    const result = readImage(fileBytes);
    verdict = result.ok
      ? `valid, ${result.records.length} records`
      : `INVALID ${result.error.field}`;
  });
  print(`bench readImage ${label}: ${formatMs(readMs)}${against(readMs, references)} [${verdict}]`);
  fileBytes = new Uint8Array(0);

  const fd = openSync(file, 'r');
  try {
    let counted = fileReader(fd);
    let entries: RecordIndexEntry[] = [];
    const indexMs = measure(() => {
      counted = fileReader(fd);
      const index = indexRecords(counted.read, size);
      if (index.damage) throw new Error(`bench index: damage ${index.damage.message}`);
      entries = index.entries.filter((entry): entry is RecordIndexEntry => entry.kind === 'record');
    });
    print(
      `bench index ${label}: ${formatMs(indexMs)}${against(indexMs, references)} [${entries.length} records, ${counted.reads} reads, ${formatBytes(counted.bytes)} read]`,
    );

    // The record a person is most likely to wait for: the largest kind, PGARR, with the most
    // pages (the first such).
    const pgarrs = entries.filter((entry) => entry.type === RecordType.PGARR);
    const most = Math.max(0, ...pgarrs.map((entry) => entry.pageCount ?? 0));
    const record = pgarrs.find((entry) => (entry.pageCount ?? 0) === most);
    if (!record) throw new Error('bench field tree: the image has no PGARR');
    let fields = 0;
    const treeMs = measure(() => {
      const bytes = fileReader(fd).read(record.offset, record.end - record.offset);
      const tree = recordFieldTree(bytes, record.offset);
      if (tree.error !== null) throw new Error(`bench field tree: ${tree.error}`);
      fields = tree.root.children?.length ?? 0;
    });
    print(
      `bench field tree ${label}, first full PGARR (${record.pageCount ?? 0} pages, ${formatBytes(record.end - record.offset)}): ${formatMs(treeMs)}${against(treeMs, references)} [${fields} top-level fields]`,
    );
  } finally {
    closeSync(fd);
  }
}

/** Checkpoint and restart in the emulated kernel against the writer and reader alone. */
function benchKernelCalls(pages: number): void {
  const world = benchWorld();
  world.programs = world.programs.filter((program) => program.name !== 'toucher');
  world.programs.push({
    name: 'toucher',
    items: [
      { op: 'mmap', pages: imm(pages), prot: 3, dst: 'buf' },
      { op: 'set', dst: 'i', value: imm(0) },
      { op: 'label', name: 'loop' },
      { op: 'store', addr: v('buf'), offset: v('i'), data: { value: v('i') } },
      { op: 'arith', dst: 'i', fn: 'add', a: v('i'), b: imm(4096) },
      { op: 'jump', target: 'loop', when: { fn: 'lt', a: v('i'), b: imm(pages * 4096) } },
      { op: 'label', name: 'done' },
      { op: 'label', name: 'idle' },
      { op: 'sleep', ticks: imm(1) },
      { op: 'jump', target: 'idle' },
    ],
  });
  const kernel = createKernel({ world, clock: () => 1_224_000_000 });
  const spawned = kernel.spawn({ user: 'hallyn', exe: '/usr/bin/toucher' });
  if (!spawned.ok) throw new Error(`bench kernel: ${spawned.reason}`);
  const pid = spawned.pid;
  const ran = kernel.run(pid, { untilLabel: 'done', steps: 4 * pages + 10 });
  if (ran.stopped !== 'label')
    throw new Error(`bench kernel: the toucher stopped (${ran.stopped})`);
  kernel.freeze(pid);
  const imagePath = '/tmp/bench.crimg';

  const checkpointMs = measure(() => {
    const outcome = kernel.checkpointAs('root', pid, imagePath, CheckpointFlag.SUBTREE);
    if (outcome.ret <= 0)
      throw new Error(
        `bench kernel: checkpoint returned ${outcome.ret}: ${outcome.checks.find((check) => check.result === 'fail')?.reason ?? ''}`,
      );
  });
  const bytes = kernel.readFile(imagePath);
  if (bytes === null) throw new Error('bench kernel: no image');
  const read = readImage(bytes);
  if (!read.ok) throw new Error(`bench kernel: the image is invalid: ${read.error.message}`);
  const image = read.image;
  const writeMs = measure(() => writeImage(image));
  const readMs = measure(() => readImage(bytes));
  // Every restart adds a task holding all its pages: a few runs keep the machine's memory free.
  const restartMs = measure(
    () => {
      const outcome = kernel.restartAs('root', imagePath, RestartFlag.FROZEN);
      if (outcome.ret !== 0) throw new Error(`bench kernel: restart returned ${outcome.ret}`);
    },
    { maxRuns: 8 },
  );
  const label = `${pages.toLocaleString('en-US')} touched pages (${formatBytes(bytes.length)} image)`;
  print(
    `bench kernel checkpoint ${label}: ${formatMs(checkpointMs)}${against(checkpointMs, [{ name: 'writeImage of the same image', ms: writeMs }])}`,
  );
  print(
    `bench kernel restart ${label}: ${formatMs(restartMs)}${against(restartMs, [{ name: 'readImage of the same image', ms: readMs }])}`,
  );
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((arg) => !arg.startsWith('--'));
const wants = (name: string): boolean => only.length === 0 || only.includes(name);
if (wants('small')) benchImageLayer(SMALL_IMAGE, quick ? 3 : 101);
// The 1 GiB image takes a minute and 4 GiB of memory: not in the quick smoke run.
if (wants('large') && !quick) benchImageLayer(LARGE_IMAGE, 3);
if (wants('kernel')) benchKernelCalls(quick ? 1000 : 10_000);
