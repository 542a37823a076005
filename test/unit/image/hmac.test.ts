/**
 * SHA-256 and HMAC-SHA256 as the image layer uses them: the published known answers (FIPS 180-4's
 * examples, RFC 4231's test cases), agreement with node:crypto on generated data around the block
 * boundaries, incremental use, and the MAC comparison.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  createHmacSha256,
  createSha256,
  hmacSha256,
  macEquals,
  sha256,
} from '../../../extension/image/hmac';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const repeat = (byte: number, length: number): Uint8Array => new Uint8Array(length).fill(byte);

/** A fixed seed: the same data on every run. */
const SEED = 20081027;

describe('image HMAC-SHA256', () => {
  it('SHA-256 gives the FIPS 180-4 example digests', () => {
    const vectors: Array<[Uint8Array, string]> = [
      [text(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      [text('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
      [
        text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
        '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
      ],
      [
        text(
          'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
        ),
        'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
      ],
      [repeat(0x61, 1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
    ];
    for (const [message, digest] of vectors) assert.equal(hex(sha256(message)), digest);
  });

  it('HMAC-SHA256 gives the RFC 4231 test case MACs', () => {
    const key4 = Uint8Array.from({ length: 25 }, (_, i) => i + 1);
    const cases: Array<[Uint8Array, Uint8Array, string]> = [
      [
        repeat(0x0b, 20),
        text('Hi There'),
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      ],
      [
        text('Jefe'),
        text('what do ya want for nothing?'),
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      ],
      [
        repeat(0xaa, 20),
        repeat(0xdd, 50),
        '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
      ],
      [key4, repeat(0xcd, 50), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
      [
        repeat(0xaa, 131),
        text('Test Using Larger Than Block-Size Key - Hash Key First'),
        '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      ],
      [
        repeat(0xaa, 131),
        text(
          'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
        ),
        '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
      ],
    ];
    for (const [key, data, mac] of cases) assert.equal(hex(hmacSha256(key, data)), mac);
    // Test case 5 is truncated to 128 bits.
    const truncated = hmacSha256(repeat(0x0c, 20), text('Test With Truncation')).subarray(0, 16);
    assert.equal(hex(truncated), 'a3b6167473100ee06e0c796c2955552b');
  });

  it('SHA-256 equals node:crypto on lengths around the block boundaries', () => {
    const lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 70_001];
    const around = fc
      .constantFrom(...lengths)
      .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
    fc.assert(
      fc.property(around, (data) => {
        assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('incremental updates in any pieces give the one-shot digest and MAC', () => {
    const pieces = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 });
    fc.assert(
      fc.property(pieces, fc.uint8Array({ maxLength: 100 }), (chunks, key) => {
        const joined = Buffer.concat(chunks);
        const hash = createSha256();
        const mac = createHmacSha256(key);
        for (const chunk of chunks) {
          hash.update(chunk);
          mac.update(chunk);
        }
        assert.equal(hex(hash.digest()), createHash('sha256').update(joined).digest('hex'));
        assert.equal(hex(mac.digest()), createHmac('sha256', key).update(joined).digest('hex'));
        assert.equal(
          hex(hmacSha256(key, ...chunks)),
          createHmac('sha256', key).update(joined).digest('hex'),
        );
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('HMAC-SHA256 equals node:crypto for short, block-sized and long keys', () => {
    const key = fc
      .constantFrom(0, 1, 25, 63, 64, 65, 200)
      .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
    fc.assert(
      fc.property(key, fc.uint8Array({ maxLength: 5000 }), (k, data) => {
        assert.equal(hex(hmacSha256(k, data)), createHmac('sha256', k).update(data).digest('hex'));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('refuses to be used after digest', () => {
    const hash = createSha256().update(text('abc'));
    hash.digest();
    assert.throws(() => hash.update(text('d')));
  });

  it('compares MACs: equal, one bit off anywhere, or another length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(255), (mac, bit) => {
        assert.equal(macEquals(mac, mac.slice()), true);
        const other = mac.slice();
        const at = bit >> 3;
        other[at] = (other[at] ?? 0) ^ (1 << (bit & 7));
        assert.equal(macEquals(mac, other), false);
        assert.equal(macEquals(mac, mac.subarray(0, 31)), false);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
