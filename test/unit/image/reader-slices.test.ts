/**
 * readImageSlices: readImage a slice at a time gives readImage's verdict, for sound, damaged
 * and signed images alike, judging at most one PGARR's pages (or 4 MiB of the MAC) per slice.
 */
import assert from 'node:assert/strict';
import { readImage, readImageSlices } from '../../../extension/image/reader';
import { writeImage } from '../../../extension/image/writer';
import { MACHINE_KEY, bigImage, containerImage, sampleImage, signedImage } from './fixtures';

function drain(bytes: Uint8Array, keys?: Record<string, Uint8Array>) {
  const slices = readImageSlices(bytes, keys === undefined ? {} : { keys });
  const offsets: number[] = [];
  for (;;) {
    const step = slices.next();
    if (step.done === true) return { result: step.value, offsets };
    offsets.push(step.value);
  }
}

describe('readImageSlices: the reader in slices', () => {
  const key = { keyId: 'machine', key: MACHINE_KEY };
  const images: [string, Uint8Array][] = [
    ['sample', writeImage(sampleImage())],
    ['container', writeImage(containerImage())],
    ['big', writeImage(bigImage(5000))],
    ['signed', writeImage(signedImage(), { signingKey: key })],
  ];

  it('gives readImage’s verdict on sound images, judging a PGARR at a time', () => {
    for (const [name, bytes] of images) {
      const { result, offsets } = drain(bytes, { machine: MACHINE_KEY });
      assert.deepEqual(result, readImage(bytes, { keys: { machine: MACHINE_KEY } }), name);
      assert.ok(result.ok, name);
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => a - b),
        name,
      );
      assert.ok(
        offsets.every((offset) => offset <= bytes.length),
        name,
      );
    }
    const big = drain(images[2]?.[1] ?? new Uint8Array(0)).offsets;
    // 5000 pages, at most 1024 a PGARR: at least five slices, each about one PGARR.
    assert.ok(big.length >= 5, `${big.length} slices`);
    for (let i = 1; i < big.length; i++)
      assert.ok((big[i] ?? 0) - (big[i - 1] ?? 0) <= 1024 * (4096 + 8) + 4096);
  });

  it('gives readImage’s verdict on damaged images: the same errno, offset and field', () => {
    for (const [name, bytes] of images) {
      for (const cut of [7, 300, Math.floor(bytes.length / 2), bytes.length - 3]) {
        const damaged = bytes.slice(0, cut);
        assert.deepEqual(drain(damaged).result, readImage(damaged), `${name} cut at ${cut}`);
      }
      const flipped = bytes.slice();
      flipped[bytes.length - 12] = (flipped[bytes.length - 12] ?? 0) ^ 0xff;
      assert.deepEqual(
        drain(flipped, { machine: MACHINE_KEY }).result,
        readImage(flipped, { keys: { machine: MACHINE_KEY } }),
        name,
      );
    }
  });

  it('verifies a large signed image’s MAC in slices of 4 MiB', () => {
    const image = bigImage(3000);
    image.head.flags = signedImage().head.flags;
    const bytes = writeImage(image, { signingKey: key });
    const { result, offsets } = drain(bytes, { machine: MACHINE_KEY });
    assert.ok(result.ok && result.signature === 'verified');
    // Pages: three PGARRs at least; the MAC over ~12 MiB: two more slices at least.
    assert.ok(offsets.length >= 5, `${offsets.length} slices`);
    const tampered = bytes.slice();
    tampered[100_000] = (tampered[100_000] ?? 0) ^ 1;
    const verdict = drain(tampered, { machine: MACHINE_KEY }).result;
    assert.ok(!verdict.ok && verdict.error.errno === 'EBADMSG');
  });
});
