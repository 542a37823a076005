/**
 * Mutated dumps (fast-check, fixed seed so CI sees the same runs): reading, the viewer's tree,
 * locating any byte, the mapping onto the 2008 image and the restart matrix never throw; every
 * problem names a file, an offset within it and a field; the mapping only ever produces images
 * the 2008 reader accepts.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readDump, type CriuDump } from '../../../extension/criu/dump';
import { mapDumpToImage } from '../../../extension/criu/restart-map';
import { DumpTree } from '../../../extension/criu/view';
import { whoMayRestart } from '../../../extension/criu/who-may-restart';
import { readImage, writeImage } from '../../../extension/image/index';
import { defaultWorld } from '../../../extension/kernel/index';
import { MemoryDump, sampleDump, singleTaskDump } from './dump-writer';

const bases = [sampleDump('v1.1'), sampleDump('v1'), singleTaskDump('v1.1')];

/** One change to a file of the dump. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'drop'; at: number; length: number }
  | { kind: 'delete' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('byte' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xffff_ffff, 0x8000_0000, 4096), fc.nat()),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ maxLength: 24 }),
  }),
  fc.record({
    kind: fc.constant('drop' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 32 }),
  }),
  fc.record({ kind: fc.constant('delete' as const) }),
);

function apply(bytes: Uint8Array, change: Mutation): Uint8Array | null {
  const at = bytes.length === 0 ? 0 : change.kind === 'delete' ? 0 : change.at % (bytes.length + 1);
  switch (change.kind) {
    case 'flip': {
      const out = bytes.slice();
      if (at < out.length) out[at] = (out[at] ?? 0) ^ (1 << change.bit);
      return out;
    }
    case 'byte': {
      const out = bytes.slice();
      if (at < out.length) out[at] = change.value;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'u32': {
      const out = bytes.slice();
      if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, change.value >>> 0, true);
      return out;
    }
    case 'insert':
      return new Uint8Array([...bytes.subarray(0, at), ...change.bytes, ...bytes.subarray(at)]);
    case 'drop':
      return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + change.length)]);
    case 'delete':
      return null;
  }
}

const mutatedDump = fc
  .record({
    base: fc.integer({ min: 0, max: bases.length - 1 }),
    changes: fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 6 }),
  })
  .map(({ base, changes }) => {
    const contents = { ...(bases[base] as Record<string, Uint8Array>) };
    for (const [pick, change] of changes) {
      const names = Object.keys(contents).sort();
      const name = names[pick % names.length];
      if (name === undefined) continue;
      const changed = apply(contents[name] as Uint8Array, change);
      if (changed === null) delete contents[name];
      else contents[name] = changed;
    }
    return contents;
  });

function checkProblems(dump: CriuDump, contents: Record<string, Uint8Array>): void {
  for (const problem of dump.problems) {
    assert.ok(problem.file.length > 0, JSON.stringify(problem));
    assert.ok(problem.field.length > 0 && problem.message.length > 0, JSON.stringify(problem));
    assert.ok(Number.isSafeInteger(problem.offset) && problem.offset >= 0, JSON.stringify(problem));
    const size = contents[problem.file]?.length;
    if (size !== undefined)
      assert.ok(problem.offset <= size, `${JSON.stringify(problem)} beyond ${size} bytes`);
  }
}

describe('criu: mutated dumps (fuzz)', () => {
  it('reading, the tree, locate and the mapping never throw; problems say where', function () {
    this.timeout(120_000);
    let problems = 0;
    fc.assert(
      fc.property(mutatedDump, fc.nat(), (contents, probe) => {
        const dump = readDump(new MemoryDump(contents));
        checkProblems(dump, contents);
        problems += dump.problems.length;
        const tree = new DumpTree(dump);
        let rows = 0;
        for (const { node } of tree.walk()) {
          rows++;
          assert.ok(node.offset >= 0 && node.size >= 0, JSON.stringify(node));
          if (rows > 50_000) break;
        }
        const names = Object.keys(contents);
        const name = names[probe % Math.max(1, names.length)];
        if (name !== undefined) {
          const size = contents[name]?.length ?? 0;
          const path = tree.locate(name, size === 0 ? 0 : probe % size);
          if (path !== null) assert.ok(path.length > 0);
        }
        const mapping = mapDumpToImage(dump);
        if (mapping.image !== null) {
          const read = readImage(writeImage(mapping.image));
          assert.ok(
            read.ok,
            read.ok ? '' : `mapped image rejected: ${read.error.field}: ${read.error.message}`,
          );
        }
      }),
      { seed: 0x14c41, numRuns: 400 },
    );
    assert.ok(problems > 400, `the mutations found ${problems} problems`);
  });

  it('the restart matrix never throws on mutated dumps', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(mutatedDump, (contents) => {
        const result = whoMayRestart(readDump(new MemoryDump(contents)), {
          world: defaultWorld(),
          worldName: 'the default world',
        });
        if (result.mapping.image !== null) assert.equal(result.error, null);
        for (const row of result.rows)
          assert.ok(row.allowed || row.refusedBy !== null || row.reason !== null);
      }),
      { seed: 0x14c42, numRuns: 40 },
    );
  });
});
