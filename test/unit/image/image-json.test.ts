/**
 * The lossless JSON codec and the byte-text helpers of the image layer (image/image-json.ts,
 * image/byte-text.ts): pure functions, tested without the CLI.
 */
import assert from 'node:assert/strict';
import {
  decodeImageJson,
  encodeImageJson,
  fromBase64,
  fromHex,
  ImageJsonError,
  toBase64,
  toHex,
  writeImage,
  type ImageJson,
} from '../../../extension/image/index';
import { find } from './craft';
import { MACHINE_KEY, containerImage, sampleImage, signedImage } from './fixtures';

function refusal(run: () => unknown): ImageJsonError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ImageJsonError, String(error));
    return error;
  }
  assert.fail('expected an ImageJsonError');
}

describe('image/byte-text', () => {
  it('hex and base64 agree with Node for every length up to 70 bytes', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) % 256);
      assert.equal(toHex(bytes), Buffer.from(bytes).toString('hex'));
      assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'));
      assert.deepEqual(fromHex(toHex(bytes)), bytes);
      assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
    }
  });

  it('refuses text that is not exactly one byte string', () => {
    for (const text of ['0', 'zz', '0g', ' 00']) assert.equal(fromHex(text), null, text);
    assert.deepEqual(fromHex('0A'), Uint8Array.of(10));
    // Node's decoder skips junk and ignores missing padding; this one names one byte string per text.
    for (const text of ['AAA', 'AA=A', 'A===', 'AB==', 'AA*=', 'AAAA\n']) {
      assert.equal(fromBase64(text), null, JSON.stringify(text));
    }
    assert.deepEqual(fromBase64('AA=='), Uint8Array.of(0));
  });
});

describe('image/image-json', () => {
  it('round-trips sample, container and signed images byte for byte', () => {
    for (const bytes of [
      writeImage(sampleImage()),
      writeImage(containerImage()),
      writeImage(signedImage(), { signingKey: { keyId: 'machine', key: MACHINE_KEY } }),
    ]) {
      const json = decodeImageJson(bytes);
      assert.equal(json.size, bytes.length);
      // Through JSON text, as `crlab image decode | crlab image encode` does.
      const again = encodeImageJson(JSON.parse(JSON.stringify(json)));
      assert.deepEqual(again, bytes);
    }
  });

  it('decodes fields in stream order with path, type, size and value', () => {
    const json = decodeImageJson(writeImage(sampleImage()));
    const headFields = json.records[0]?.fields ?? [];
    assert.deepEqual(
      headFields.slice(0, 4).map((f) => [f.field, f.size]),
      [
        ['hdr.type', 2],
        ['hdr.len', 2],
        ['hdr.parent', 4],
        ['HEAD.magic', 8],
      ],
    );
    assert.equal(headFields[3]?.value, '00d2a2c00cedfe00');
    const page = json.records.flatMap((r) => r.fields).find((f) => f.field === 'PGARR.pages[0]');
    assert.equal(page?.encoding, 'base64');
    assert.equal(page?.size, 4096);
  });

  it('refuses an invalid image with the reader verdict', () => {
    const bytes = writeImage(sampleImage()).slice(0, 100);
    const error = refusal(() => decodeImageJson(bytes));
    assert.equal(error.kind, 'invalid-image');
    assert.equal(error.imageError?.errno, 'EPIPE');
    assert.match(error.message, /^EPIPE at 0x0 \(/);
  });

  it('encode refuses a malformed result (invalid-image, offset and field) and bad shapes (bad-json)', () => {
    const bytes = writeImage(sampleImage());
    const json = decodeImageJson(bytes);
    const cred = json.records.find((r) => r.record === 'CRED');
    const ngroups = cred?.fields.find((f) => f.field === 'CRED.ngroups');
    assert.ok(ngroups);
    ngroups.value = 9000;
    const malformed = refusal(() => encodeImageJson(json));
    assert.equal(malformed.kind, 'invalid-image');
    assert.equal(malformed.imageError?.field, 'CRED.ngroups');
    assert.equal(malformed.imageError?.offset, find(bytes, 'CRED').offset);

    const shapes: unknown[] = [
      null,
      { format: 'other', version: 1, records: [] },
      { ...json, records: [{ fields: [{ type: 'u8[2]', size: 2, value: 'xyz' }] }] },
      { ...json, records: [{ fields: [{ type: 'u8[3]', size: 3, value: 'AAA' }] }] },
      { ...json, records: [{ fields: [{ type: 'u16', size: 2, value: 70000 }] }] },
      { ...json, records: [{ fields: [{ type: 'char[4]', size: 4, value: 'hello' }] }] },
    ];
    for (const shape of shapes) {
      assert.equal(refusal(() => encodeImageJson(shape as ImageJson)).kind, 'bad-json');
    }
  });
});
