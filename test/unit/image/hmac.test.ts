/** The pure TypeScript SHA-256 and HMAC-SHA256 against node:crypto. */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Sha256, hmacSha256, macEquals, sha256 } from '../../../extension/image/hmac';

/** Deterministic bytes of a given length. */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('image HMAC-SHA256', () => {
  const lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 70_001];

  it('SHA-256 equals node:crypto on lengths around the block boundaries', () => {
    for (const length of lengths) {
      const data = bytesOf(length, length + 7);
      assert.equal(
        hex(sha256(data)),
        createHash('sha256').update(data).digest('hex'),
        `length ${length}`,
      );
    }
  });

  it('incremental updates in odd pieces give the same digest', () => {
    const data = bytesOf(10_000, 99);
    const hash = new Sha256();
    for (let at = 0, step = 1; at < data.length; at += step, step = ((step * 7) % 193) + 1) {
      hash.update(data.subarray(at, Math.min(data.length, at + step)));
    }
    assert.equal(hex(hash.digest()), createHash('sha256').update(data).digest('hex'));
  });

  it('HMAC-SHA256 equals node:crypto for short, block-sized and long keys', () => {
    for (const keyLength of [0, 1, 25, 64, 65, 200]) {
      const key = bytesOf(keyLength, keyLength + 1);
      for (const length of lengths) {
        const data = bytesOf(length, length * 3 + 1);
        const expected = createHmac('sha256', key).update(data).digest('hex');
        assert.equal(hex(hmacSha256(key, data)), expected, `key ${keyLength}, data ${length}`);
      }
    }
  });

  it('HMAC over several chunks equals HMAC over their concatenation', () => {
    const key = new TextEncoder().encode('crlab-default-machine-key');
    const a = bytesOf(100, 1);
    const b = bytesOf(37, 2);
    const joined = new Uint8Array([...a, ...b]);
    assert.equal(
      hex(hmacSha256(key, a, b)),
      createHmac('sha256', key).update(joined).digest('hex'),
    );
  });

  it('refuses to be used after digest', () => {
    const hash = new Sha256().update(bytesOf(3, 3));
    hash.digest();
    assert.throws(() => hash.update(bytesOf(1, 1)), /after digest/);
  });

  it('compares MACs', () => {
    const mac = bytesOf(32, 5);
    assert.equal(macEquals(mac, mac.slice()), true);
    const other = mac.slice();
    other[31] = (other[31] ?? 0) ^ 1;
    assert.equal(macEquals(mac, other), false);
    assert.equal(macEquals(mac, mac.subarray(0, 31)), false);
  });
});
