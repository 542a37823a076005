/** Sparse file contents (kernel/filedata.ts) against a dense model, and what they cost. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FileData } from '../../../extension/kernel/filedata';

describe('sparse file contents', () => {
  it('read, view and size agree with a dense model for any sequence of writes', () => {
    const write = fc.record({
      pos: fc.integer({ min: 0, max: 3000 }),
      bytes: fc.uint8Array({ minLength: 0, maxLength: 300 }),
    });
    fc.assert(
      fc.property(
        fc.array(write, { maxLength: 25 }),
        fc.nat(3400),
        fc.nat(400),
        (writes, at, n) => {
          const data = new FileData();
          let model = new Uint8Array(0);
          for (const { pos, bytes } of writes) {
            data.write(pos, bytes);
            if (bytes.length === 0) continue;
            const grown = new Uint8Array(Math.max(model.length, pos + bytes.length));
            grown.set(model);
            grown.set(bytes, pos);
            model = grown;
          }
          assert.equal(data.size, model.length);
          const expected = model.slice(Math.min(at, model.length), Math.min(at + n, model.length));
          assert.deepEqual(data.read(at, n), expected);
          assert.deepEqual(data.view(at, n), expected);
          assert.ok(data.stored <= model.length);
        },
      ),
      { seed: 0x5ba75e, numRuns: 400 },
    );
  });

  it('costs only the bytes written: one byte at 2^53 - 2 and at 4 GiB - 1', () => {
    for (const pos of [2 ** 53 - 2, 4 * 1024 ** 3 - 1]) {
      const data = new FileData();
      data.write(pos, Uint8Array.of(7));
      assert.equal(data.size, pos + 1);
      assert.equal(data.stored, 1);
      assert.deepEqual(data.read(pos - 2, 10), Uint8Array.of(0, 0, 7));
    }
  });

  it('keeps an adopted image without a copy, and read() never shares its memory', () => {
    const image = Uint8Array.from({ length: 64 }, (_, i) => i);
    const data = FileData.of(image);
    assert.equal(data.view(8, 8).buffer, image.buffer);
    const copy = data.read(8, 8);
    copy[0] = 99;
    assert.equal(image[8], 8);
  });

  it('appends 10 000 consecutive writes into one extent of exactly the bytes written', () => {
    const data = new FileData();
    for (let i = 0; i < 10_000; i++) data.write(i * 100, new Uint8Array(100).fill(i % 256));
    assert.equal(data.size, 1_000_000);
    assert.equal(data.stored, 1_000_000);
    assert.equal(data.read(999_999, 1)[0], 9999 % 256);
  });
});
