/**
 * Every allocation driven by image data is bounded by the bytes actually present: an image that
 * claims 2^31 pages, a 32767-byte record, 8189 groups or 1364 tasks it does not hold is refused
 * before anything of that size is allocated — by the reader, the record index, the field tree,
 * the editor's model (and its byte reads) and restart.
 *
 * The test watches the heap two ways: every typed array, ArrayBuffer, Array and Buffer allocation
 * made while a path runs is recorded (the largest must stay within the image's size and a small
 * constant), and the live heap after a forced collection must not grow over repeated runs.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ImageModel, memorySource } from '../../../extension/editor/imageModel';
import {
  RecordType,
  indexRecords,
  memoryReader,
  readImage,
  recordFieldTree,
  writeImage,
  type RecordIndexEntry,
} from '../../../extension/image/index';
import { createKernel, defaultWorld } from '../../../extension/kernel/index';
import { oneTaskImage } from '../../e2e/fixtureImages';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Bytes any path may allocate whatever the image says (headers, small fixed buffers). */
const SLACK = 4096;

type Constructor = abstract new (...args: never[]) => unknown;

/** Runs `run`, recording the size in bytes of every allocation whose size is a number. */
function largestAllocation(run: () => void): number {
  let largest = 0;
  const note = (count: unknown, bytesPer: number): void => {
    if (typeof count === 'number' && Number.isFinite(count))
      largest = Math.max(largest, count * bytesPer);
  };
  const global = globalThis as unknown as Record<string, unknown>;
  const watched: Array<[string, number]> = [
    ['Uint8Array', 1],
    ['Int8Array', 1],
    ['Uint16Array', 2],
    ['Int16Array', 2],
    ['Uint32Array', 4],
    ['Int32Array', 4],
    ['Float64Array', 8],
    ['BigUint64Array', 8],
    ['BigInt64Array', 8],
    ['ArrayBuffer', 1],
    ['Array', 8],
  ];
  const originals = new Map<string, unknown>();
  for (const [name, bytesPer] of watched) {
    const original = global[name] as Constructor;
    originals.set(name, original);
    global[name] = new Proxy(original, {
      construct(target, args: unknown[], newTarget) {
        note(args[0], bytesPer);
        return Reflect.construct(target, args, newTarget === global[name] ? target : newTarget);
      },
      apply(target, self, args: unknown[]) {
        if (name === 'Array' && args.length === 1) note(args[0], bytesPer);
        return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, self, args);
      },
    });
  }
  const { alloc, allocUnsafe, allocUnsafeSlow } = Buffer;
  Buffer.alloc = ((size: number, ...rest: never[]) => {
    note(size, 1);
    return alloc(size, ...rest);
  }) as typeof Buffer.alloc;
  Buffer.allocUnsafe = (size: number) => {
    note(size, 1);
    return allocUnsafe(size);
  };
  Buffer.allocUnsafeSlow = (size: number) => {
    note(size, 1);
    return allocUnsafeSlow(size);
  };
  try {
    run();
  } finally {
    for (const [name, original] of originals) global[name] = original;
    Object.assign(Buffer, { alloc, allocUnsafe, allocUnsafeSlow });
  }
  return largest;
}

const KEY = new TextEncoder().encode('crlab-default-machine-key');

/** Every path the extension takes an image through, as a user's hostile file would. */
function everyPath(bytes: Uint8Array): void {
  const verdict = readImage(bytes, { keys: { machine: KEY } });
  assert.equal(verdict.ok, false, 'the crafted image must be refused');
  const index = indexRecords(memoryReader(bytes), bytes.length);
  for (const entry of index.entries) {
    if (entry.kind === 'record')
      recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
  }
  const model = new ImageModel('hostile.crimg', memorySource(bytes), { machine: KEY });
  for (const record of model.view.records) model.fields(record.index);
  model.source.read(0, 1 << 30);
  model.source.read(bytes.length - 1, 2 ** 31);
}

function restartAsHallyn(bytes: Uint8Array): void {
  const kernel = createKernel({ world: defaultWorld() });
  kernel.writeFile('/tmp/hostile.crimg', bytes, { uid: 500, gid: 500 });
  const outcome = kernel.restartAs(500, '/tmp/hostile.crimg', 0);
  assert.ok(outcome.ret < 0, 'restart must refuse the crafted image');
}

const base = writeImage(oneTaskImage());
const records = indexRecords(memoryReader(base), base.length).entries.filter(
  (entry): entry is RecordIndexEntry => entry.kind === 'record',
);

function recordNamed(name: string): RecordIndexEntry {
  const found = records.find((entry) => entry.name === name);
  if (!found) throw new Error(`no ${name} in the base image`);
  return found;
}

/** The base image up to and including `entry`'s header and `extra` payload bytes, patched. */
function cutAfter(
  entry: RecordIndexEntry,
  extra: number,
  patch: (view: DataView, at: number) => void,
): Uint8Array {
  const bytes = base.slice(0, entry.offset + 8 + extra);
  patch(new DataView(bytes.buffer), entry.offset);
  return bytes;
}

const cases: Array<[string, Uint8Array]> = [
  [
    'PGARR nr_pages 2^31, no page data',
    cutAfter(recordNamed('PGARR'), 8, (view, at) => view.setBigUint64(at + 8, 2n ** 31n, true)),
  ],
  [
    'PGARR nr_pages 2^53 - 1, no page data',
    cutAfter(recordNamed('PGARR'), 8, (view, at) =>
      view.setBigUint64(at + 8, 2n ** 53n - 1n, true),
    ),
  ],
  [
    'PGARR nr_pages 1024 (the most allowed), no page data',
    cutAfter(recordNamed('PGARR'), 8, (view, at) => view.setBigUint64(at + 8, 1024n, true)),
  ],
  [
    'STRING len 32767',
    cutAfter(recordNamed('STRING'), 4, (view, at) => view.setInt16(at + 2, 32767, true)),
  ],
  [
    'TREE len 32767',
    cutAfter(recordNamed('TREE'), 8, (view, at) => view.setInt16(at + 2, 32767, true)),
  ],
  [
    'TREE len 32744 and nr_tasks 1364, one entry present',
    cutAfter(recordNamed('TREE'), 32, (view, at) => {
      view.setInt16(at + 2, 8 + 24 * 1364, true);
      view.setUint32(at + 8, 1364, true);
    }),
  ],
  [
    'GROUPINFO len 32764 and ngroups 8189 after a CRED that announces them',
    (() => {
      const cred = recordNamed('CRED');
      const bytes = new Uint8Array(cred.end + 8 + 8);
      bytes.set(base.subarray(0, cred.end));
      const view = new DataView(bytes.buffer);
      view.setUint32(cred.offset + 8 + 68, 8189, true);
      view.setInt16(cred.end, RecordType.GROUPINFO, true);
      view.setInt16(cred.end + 2, 8 + 4 * 8189, true);
      view.setUint32(cred.end + 4, view.getUint32(cred.offset + 4, true), true);
      view.setUint32(cred.end + 8, 8189, true);
      return bytes;
    })(),
  ],
  [
    'CRED ngroups 8189 and no GROUPINFO',
    cutAfter(recordNamed('CRED'), 72, (view, at) => view.setUint32(at + 8 + 68, 8189, true)),
  ],
];

describe('image limits: allocations bounded by the bytes present', () => {
  for (const [name, bytes] of cases) {
    it(`${name}: refused, nothing larger than the image allocated`, () => {
      const largest = largestAllocation(() => everyPath(bytes));
      assert.ok(
        largest <= bytes.length + SLACK,
        `allocated ${largest} bytes for a ${bytes.length}-byte image`,
      );
      const restartLargest = largestAllocation(() => restartAsHallyn(bytes));
      // Restart copies the image into the emulated file system: once, at its own size.
      assert.ok(
        restartLargest <= bytes.length + SLACK,
        `restart allocated ${restartLargest} bytes for a ${bytes.length}-byte image`,
      );
    });
  }

  it('the watcher sees an allocation the image claims (it is not blind)', () => {
    const claimed = 1 << 20;
    assert.ok(largestAllocation(() => void new Uint8Array(claimed)) >= claimed);
    assert.ok(largestAllocation(() => void new Array<number>(claimed).fill(0)) >= claimed);
    assert.ok(largestAllocation(() => void Buffer.alloc(claimed)) >= claimed);
  });

  it('the live heap does not grow over repeated hostile images', () => {
    for (const [, bytes] of cases) everyPath(bytes);
    collectGarbage();
    const before = process.memoryUsage();
    for (let round = 0; round < 20; round++) for (const [, bytes] of cases) everyPath(bytes);
    collectGarbage();
    const after = process.memoryUsage();
    const growth = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    assert.ok(growth < 2 * 1024 * 1024, `the live heap grew by ${growth} bytes`);
  });
});
