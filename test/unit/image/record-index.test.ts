/** The record index: header reads only, damage entries, agreement with readImage. */
import assert from 'node:assert/strict';
import { RecordType } from '../../../extension/image/model';
import { readImage } from '../../../extension/image/reader';
import {
  indexRecords,
  memoryReader,
  type PositionedReader,
  type RecordIndexEntry,
} from '../../../extension/image/record-index';
import { writeImage } from '../../../extension/image/writer';
import { HDR, find, setS16, setU64 } from './craft';
import { bigImage, containerImage, sampleImage } from './fixtures';

/** A reader over `bytes` that counts what it was asked for. */
function countingReader(bytes: Uint8Array): {
  read: PositionedReader;
  requested: () => number;
  calls: () => number;
} {
  let requested = 0;
  let calls = 0;
  const inner = memoryReader(bytes);
  return {
    read: (offset, length) => {
      requested += length;
      calls++;
      return inner(offset, length);
    },
    requested: () => requested,
    calls: () => calls,
  };
}

const records = (entries: ReturnType<typeof indexRecords>['entries']): RecordIndexEntry[] =>
  entries.filter((e): e is RecordIndexEntry => e.kind === 'record');

describe('image record index', () => {
  it('lists the same records as readImage, with page data skipped', () => {
    const bytes = writeImage(containerImage());
    const index = indexRecords(memoryReader(bytes), bytes.length);
    assert.equal(index.damage, null);
    const read = readImage(bytes);
    assert.ok(read.ok);
    assert.deepEqual(
      records(index.entries).map((e) => [e.name, e.offset, e.len, e.parent]),
      read.records.map((r) => [r.name, r.offset, r.len, r.parent]),
    );
    const last = index.entries.at(-1);
    assert.ok(
      last?.kind === 'record' && last.type === RecordType.TAIL && last.end === bytes.length,
    );
    const pgarr = records(index.entries).find((e) => e.name === 'PGARR' && (e.pageCount ?? 0) > 0);
    assert.ok(pgarr);
    assert.equal(pgarr.pageDataOffset, pgarr.offset + HDR + 8);
    assert.equal(pgarr.end - (pgarr.pageDataOffset ?? 0), (pgarr.pageCount ?? 0) * (8 + 4096));
  });

  it('indexes a 64 MiB image reading only headers', function () {
    this.timeout(60_000);
    const bytes = writeImage(bigImage(20_000));
    assert.ok(bytes.length > 64 * 1024 * 1024, `${bytes.length} bytes`);
    const reader = countingReader(bytes);
    const started = Date.now();
    const index = indexRecords(reader.read, bytes.length);
    const elapsed = Date.now() - started;
    assert.equal(index.damage, null);
    const entries = records(index.entries);
    const pageCount = entries.reduce((sum, e) => sum + (e.pageCount ?? 0), 0);
    const written = (bigImage(20_000).tasks[0]?.vmas ?? [])
      .flatMap((v) => v.pages)
      .filter((p) => p.data.some((b) => b !== 0)).length;
    assert.equal(pageCount, written);
    // 8 bytes a header, 8 more for each PGARR: a few kilobytes out of 64 MiB.
    const pgarrs = entries.filter((e) => e.type === RecordType.PGARR).length;
    assert.equal(reader.requested(), entries.length * 8 + pgarrs * 8);
    assert.ok(reader.requested() < 4096, `${reader.requested()} bytes requested`);
    assert.ok(elapsed < 1000, `${elapsed} ms`);
  });

  it('stops with a damage entry where the framing breaks', () => {
    const bytes = writeImage(sampleImage());
    const vma = find(bytes, 'VMA', 1).offset;
    const cut = indexRecords(memoryReader(bytes), vma + 20);
    assert.deepEqual(cut.damage && [cut.damage.errno, cut.damage.offset], ['EPIPE', vma]);
    assert.equal(cut.entries.at(-1), cut.damage);

    const badType = bytes.slice();
    setS16(badType, vma, 77);
    const typed = indexRecords(memoryReader(badType), badType.length);
    assert.deepEqual(
      typed.damage && [typed.damage.errno, typed.damage.offset, typed.damage.field],
      ['EINVAL', vma, 'hdr.type'],
    );
    assert.equal(records(typed.entries).at(-1)?.end, vma);

    const hugePages = bytes.slice();
    const pgarr = find(bytes, 'PGARR').offset;
    setU64(hugePages, pgarr + HDR, 1n << 55n);
    const pages = indexRecords(memoryReader(hugePages), hugePages.length);
    assert.deepEqual(pages.damage && [pages.damage.errno, pages.damage.field], [
      'EINVAL',
      'PGARR.nr_pages',
    ]);

    const extra = new Uint8Array(bytes.length + 3);
    extra.set(bytes);
    const after = indexRecords(memoryReader(extra), extra.length);
    assert.deepEqual(
      after.damage && [after.damage.errno, after.damage.offset, after.damage.field],
      ['EINVAL', bytes.length, 'TAIL'],
    );
  });

  it('reports a cut page array', () => {
    const bytes = writeImage(sampleImage());
    const pgarr = find(bytes, 'PGARR').offset;
    const index = indexRecords(memoryReader(bytes), pgarr + HDR + 8 + 100);
    assert.deepEqual(index.damage && [index.damage.errno, index.damage.offset], ['EPIPE', pgarr]);
  });
});
