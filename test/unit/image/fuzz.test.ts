/**
 * Seeded mutation of valid images through readImage and the record index: whatever the
 * bytes, readImage returns (never throws), and a rejection has an errno, a field, a message
 * and an offset within the image.
 */
import assert from 'node:assert/strict';
import type { ImageErrno } from '../../../extension/image/model';
import { readImage } from '../../../extension/image/reader';
import { indexRecords, memoryReader } from '../../../extension/image/record-index';
import { recordFieldTree } from '../../../extension/image/field-tree';
import { writeFailedImage, writeImage } from '../../../extension/image/writer';
import { recordsOf, splice } from './craft';
import { MACHINE_KEY, containerImage, head, sampleImage, signedImage } from './fixtures';

/** xorshift32: small, seeded, deterministic. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const ERRNOS: ReadonlySet<ImageErrno> = new Set(['EINVAL', 'EPIPE', 'EIO', 'EBADMSG']);

function mutate(base: Uint8Array, random: () => number, headerOffsets: number[]): Uint8Array {
  const pick = (n: number): number => Math.floor(random() * n);
  let bytes: Uint8Array = base.slice();
  const kind = pick(7);
  if (kind === 0) {
    // Flip a few random bits anywhere.
    for (let i = 0, n = 1 + pick(4); i < n; i++) {
      const at = pick(bytes.length);
      bytes[at] = (bytes[at] ?? 0) ^ (1 << pick(8));
    }
  } else if (kind === 1) {
    // Overwrite a record header field with an extreme value.
    const at = headerOffsets[pick(headerOffsets.length)] ?? 0;
    const view = new DataView(bytes.buffer);
    const values = [0, 1, -1, 0x7fff, -32768, 224, 8, 9999, 5001];
    view.setInt16(at + 2 * pick(2), values[pick(values.length)] ?? 0, true);
  } else if (kind === 2) {
    bytes = bytes.subarray(0, pick(bytes.length + 1));
  } else if (kind === 3) {
    // Set a u64-sized window to all ones (counts, lengths, addresses).
    const at = pick(Math.max(1, bytes.length - 8));
    bytes.fill(0xff, at, at + 8);
  } else if (kind === 4) {
    // Duplicate or drop a byte range.
    const at = pick(bytes.length);
    const len = 1 + pick(64);
    const out = new Uint8Array(bytes.length + len);
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(at, at + len), at);
    out.set(bytes.subarray(at), at + Math.min(len, bytes.length - at));
    bytes = out.subarray(0, bytes.length + Math.min(len, bytes.length - at));
  } else if (kind === 5) {
    // Drop up to 32 bytes.
    const at = pick(bytes.length);
    bytes = splice(bytes, at, Math.min(bytes.length - at, 1 + pick(32)));
  } else {
    // A random byte in a header's parent or a payload's first word.
    const at = (headerOffsets[pick(headerOffsets.length)] ?? 0) + 4 + pick(8);
    if (at < bytes.length) bytes[at] = pick(256);
  }
  return bytes;
}

describe('image reader: seeded mutation (fuzz)', () => {
  it('never throws and always names errno, offset and field', function () {
    this.timeout(120_000);
    const bases = [
      writeImage(sampleImage()),
      writeImage(containerImage()),
      writeImage(signedImage(), { signingKey: { keyId: 'machine', key: MACHINE_KEY } }),
      writeFailedImage(head(), 'checkpoint failed'),
    ];
    const random = prng(0xc0ffee);
    const seen = new Map<string, number>();
    const started = Date.now();
    let runs = 0;
    for (let i = 0; i < 3000 && Date.now() - started < 60_000; i++) {
      const base = bases[i % bases.length] as Uint8Array;
      const headers = recordsOf(base).map((r) => r.offset);
      const bytes = mutate(base, random, headers);
      let result: ReturnType<typeof readImage>;
      try {
        result = readImage(bytes, { keys: { machine: MACHINE_KEY } });
      } catch (err) {
        assert.fail(`readImage threw on mutation ${i}: ${String(err)}`);
      }
      runs++;
      if (!result.ok) {
        const { errno, offset, field, message } = result.error;
        assert.ok(ERRNOS.has(errno), `errno ${errno}`);
        assert.ok(
          Number.isInteger(offset) && offset >= 0 && offset <= bytes.length,
          `offset ${offset} of ${bytes.length}`,
        );
        assert.ok(field.length > 0 && message.length > 0);
        seen.set(errno, (seen.get(errno) ?? 0) + 1);
      } else {
        seen.set('ok', (seen.get('ok') ?? 0) + 1);
      }
      for (const entry of result.records) assert.ok(entry.offset < bytes.length);
      // The index faces the same bytes, and (every tenth time, they are slower) the field tree.
      const index = indexRecords(memoryReader(bytes), bytes.length);
      for (const entry of i % 10 === 0 ? index.entries : []) {
        if (entry.kind === 'record') {
          const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
          assert.equal(tree.root.offset, entry.offset);
        }
      }
    }
    assert.ok(runs >= 1000, `only ${runs} mutations ran`);
    // The mutations reach more than one verdict.
    assert.ok(
      (seen.get('EINVAL') ?? 0) > 0 && (seen.get('EPIPE') ?? 0) > 0,
      JSON.stringify([...seen]),
    );
  });
});
