/**
 * PageTable, the address space's touched pages: it answers as a Map of page index → bytes would
 * (property against a Map under seeded operations, its counts of pages in a range included), and
 * pages a restart restored from one buffer read, write and iterate as the buffer's bytes without
 * being copied.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PAGE_SIZE, type PageRun } from '../../../extension/image/model';
import { PageTable } from '../../../extension/kernel/mm';

/** Page indexes spread over chunks: low memory, the mmap area (above 2^31), the stack's top. */
const BASES = [0x400, 0x7f00_0000, 0x7_ffff_f000];

function page(fill: number): Uint8Array {
  return new Uint8Array(PAGE_SIZE).fill(fill);
}

/** Runs of pages as [address, bytes] pairs, checking each run's bytes hold its pages. */
function flatten(runs: PageRun[]): [number, Uint8Array][] {
  return runs.flatMap((run) => {
    assert.equal(run.data.length, run.addrs.length * PAGE_SIZE);
    return [...run.addrs].map((addr, i): [number, Uint8Array] => [
      addr,
      run.data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE),
    ]);
  });
}

describe('PageTable', () => {
  it('answers as a Map would, under seeded sets, deletes, gets and clears', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), base: fc.nat(2), at: fc.nat(2100) }),
      fc.record({ kind: fc.constant('delete' as const), base: fc.nat(2), at: fc.nat(2100) }),
      fc.record({ kind: fc.constant('get' as const), base: fc.nat(2), at: fc.nat(2100) }),
      fc.record({ kind: fc.constant('clear' as const), base: fc.nat(2), at: fc.nat(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new PageTable();
        const model = new Map<number, Uint8Array>();
        let fill = 0;
        for (const { kind, base, at } of ops) {
          const index = (BASES[base] as number) + at;
          if (kind === 'set') {
            const bytes = page(++fill & 0xff);
            table.set(index, bytes);
            model.set(index, bytes);
          } else if (kind === 'delete') assert.equal(table.delete(index), model.delete(index));
          else if (kind === 'get') assert.equal(table.get(index), model.get(index));
          else {
            table.clear();
            model.clear();
          }
          assert.equal(table.size, model.size);
          assert.equal(table.has(index), model.has(index));
        }
        // countIn: the pages in a range, as the Map's keys in it, for ranges that take whole
        // chunks, cut them, or fall between them.
        for (const [base, from, to] of [
          [0, 0, 2100],
          [1, 0, 1024],
          [1, 100, 1500],
          [2, 1023, 1025],
          [0, 2000, 5000],
        ] as const) {
          const first = (BASES[base] as number) + from;
          const last = (BASES[base] as number) + to;
          const expected = [...model.keys()].filter((key) => key >= first && key < last).length;
          assert.equal(table.countIn(first, last), expected, `countIn(${first}, ${last})`);
        }
        // runsIn: the pages in a range, ascending, each with its bytes.
        const first = BASES[1] as number;
        const last = first + 1500;
        assert.deepEqual(
          flatten(table.runsIn(first, last)),
          [...model]
            .filter(([key]) => key >= first && key < last)
            .sort(([a], [b]) => a - b)
            .map(([key, bytes]) => [key * PAGE_SIZE, bytes]),
        );
        const sorted = (keys: Iterable<number>) => [...keys].sort((a, b) => a - b);
        assert.deepEqual(sorted(table.keys()), sorted(model.keys()));
        assert.deepEqual(
          new Map([...table].sort(([a], [b]) => a - b)),
          new Map([...model].sort(([a], [b]) => a - b)),
        );
      }),
      { seed: 0x13, numRuns: 200 },
    );
  });

  it('counts the pages in a range after sets, deletes and clears, whole chunks and cut ones', () => {
    const table = new PageTable();
    const model = new Set<number>();
    const base = 0x7f00_0000;
    // Every third page of three chunks, then every second one of those deleted.
    for (let at = 0; at < 3 * 1024; at += 3) {
      table.set(base + at, page(1));
      model.add(base + at);
    }
    for (let at = 0; at < 3 * 1024; at += 6) {
      assert.ok(table.delete(base + at));
      model.delete(base + at);
    }
    const expect = (first: number, last: number): void =>
      assert.equal(
        table.countIn(first, last),
        [...model].filter((index) => index >= first && index < last).length,
        `countIn(${first}, ${last})`,
      );
    for (const [from, to] of [
      [0, 3 * 1024],
      [1024, 2048],
      [5, 2500],
      [1023, 1025],
      [-10, 0],
      [3 * 1024, 4 * 1024],
    ] as const)
      expect(base + from, base + to);
    table.clear();
    model.clear();
    expect(base, base + 3 * 1024);
    table.set(base + 1024, page(2));
    model.add(base + 1024);
    expect(base, base + 3 * 1024);
  });

  it('holds restored pages in their buffer: views of it, kept once asked for, never copies', () => {
    const buffer = new Uint8Array(4 * PAGE_SIZE);
    for (let i = 0; i < 4; i++) buffer.fill(i + 1, i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const table = new PageTable();
    const base = 0x7f00_0000;
    // Two runs of one buffer: pages 0..1 at base, pages 2..3 further up (another chunk).
    table.adoptRestored(buffer, 0, [base * PAGE_SIZE, (base + 1) * PAGE_SIZE]);
    table.adoptRestored(buffer, 2 * PAGE_SIZE, [
      (base + 5000) * PAGE_SIZE,
      (base + 5001) * PAGE_SIZE,
    ]);
    assert.equal(table.size, 4);
    assert.equal(table.countIn(base, base + 5001), 3, 'restored pages count in their chunks');
    assert.deepEqual(
      [...table.keys()].sort((a, b) => a - b),
      [base, base + 1, base + 5000, base + 5001],
    );
    const first = table.get(base + 5001);
    assert.ok(first !== undefined);
    assert.equal(Object.getPrototypeOf(first), Uint8Array.prototype);
    assert.equal(first.buffer, buffer.buffer, 'a view of the buffer, not a copy');
    assert.equal(first.byteOffset, 3 * PAGE_SIZE);
    assert.equal(first.length, PAGE_SIZE);
    assert.equal(table.get(base + 5001), first, 'the same view the second time');
    first[7] = 0xee;
    assert.equal(buffer[3 * PAGE_SIZE + 7], 0xee, 'a store lands in the buffer');
    assert.equal(table.peek(base + 5001)?.[7], 0xee);
    assert.deepEqual(table.peek(base), page(1));
    const iterated = new Map(table);
    assert.deepEqual(iterated.get(base + 1), page(2));
    assert.deepEqual(iterated.get(base + 5000), page(3));
    assert.ok(table.delete(base));
    assert.equal(table.get(base), undefined);
    assert.equal(table.size, 3);
    assert.throws(() => table.adoptRestored(new Uint8Array(PAGE_SIZE), 0, [0]), /one buffer/);
  });

  it('gives a range’s pages as runs: one view per stretch of the restored buffer, a written page alone', () => {
    const buffer = new Uint8Array(6 * PAGE_SIZE);
    for (let i = 0; i < 6; i++) buffer.fill(i + 1, i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const table = new PageTable();
    const base = 0x7f00_0000;
    // Buffer pages 0..2 at base, +1, +3 (an address gap, the bytes still one after another);
    // pages 3..5 at base + 1023 .. base + 1025 (across two chunks).
    table.adoptRestored(
      buffer,
      0,
      [base, base + 1, base + 3].map((index) => index * PAGE_SIZE),
    );
    table.adoptRestored(
      buffer,
      3 * PAGE_SIZE,
      [base + 1023, base + 1024, base + 1025].map((index) => index * PAGE_SIZE),
    );
    // A page of its own in the middle of the first stretch cuts it.
    table.set(base + 1, page(0xaa));
    const runs = table.runsIn(base, base + 1026);
    assert.deepEqual(
      runs.map((run) => [[...run.addrs].map((addr) => addr / PAGE_SIZE - base), run.data.length]),
      [
        [[0], PAGE_SIZE],
        [[1], PAGE_SIZE],
        [[3, 1023], 2 * PAGE_SIZE],
        [[1024, 1025], 2 * PAGE_SIZE],
      ],
    );
    assert.ok(
      [0, 2, 3].every((i) => runs[i]?.data.buffer === buffer.buffer),
      'views of the buffer, not copies',
    );
    assert.deepEqual(
      flatten(runs).map(([, bytes]) => bytes[0]),
      [1, 0xaa, 3, 4, 5, 6],
    );
    assert.deepEqual(
      flatten(table.runsIn(base + 2, base + 1024)).map(([addr]) => addr / PAGE_SIZE - base),
      [3, 1023],
    );
  });

  it('gives plain Uint8Array pages over a Node Buffer', () => {
    const table = new PageTable();
    table.adoptRestored(Buffer.alloc(PAGE_SIZE, 9), 0, [0x1000 * PAGE_SIZE]);
    const got = table.get(0x1000);
    assert.ok(got !== undefined && !Buffer.isBuffer(got));
    assert.deepEqual(got, page(9));
  });
});
