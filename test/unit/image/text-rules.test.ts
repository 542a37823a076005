/** Strict UTF-8, char arrays, text and path rules of image-format.md. */
import assert from 'node:assert/strict';
import { checkCharArray, checkPath, checkText, isUtf8 } from '../../../extension/image/text-rules';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('image text rules', () => {
  it('accepts well-formed UTF-8 of every length and agrees with a fatal TextDecoder', () => {
    for (const text of ['', 'abc', 'é', '€', '🙂', 'a\u07ffb\uffffc\u{10ffff}']) {
      assert.equal(isUtf8(utf8(text)), true, text);
    }
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const samples = [
      bytes(0xc0, 0x80), // overlong NUL
      bytes(0xe0, 0x80, 0x80), // overlong
      bytes(0xed, 0xa0, 0x80), // a surrogate
      bytes(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
      bytes(0xf0, 0x9f, 0x99), // cut short
      bytes(0x80), // a lone continuation byte
      bytes(0xff),
      bytes(0xe2, 0x82, 0xac),
      bytes(0xf0, 0x9f, 0x99, 0x82),
    ];
    for (const sample of samples) {
      let decodes = true;
      try {
        fatal.decode(sample);
      } catch {
        decodes = false;
      }
      assert.equal(isUtf8(sample), decodes, Buffer.from(sample).toString('hex'));
    }
  });

  it('judges char arrays', () => {
    assert.equal(checkCharArray(bytes(0x61, 0, 0, 0)), null);
    assert.match(checkCharArray(bytes(0x61, 0x62)) ?? '', /no NUL/);
    assert.match(checkCharArray(bytes(0x61, 0, 0x62, 0)) ?? '', /after the NUL/);
    assert.match(checkCharArray(bytes(0xff, 0, 0, 0)) ?? '', /UTF-8/);
  });

  it('judges NUL-terminated text', () => {
    assert.equal(checkText(bytes(0)), null);
    assert.equal(checkText(new Uint8Array([...utf8('🙂'), 0])), null);
    assert.match(checkText(bytes(0x61)) ?? '', /final NUL/);
    assert.match(checkText(bytes(0x61, 0, 0x62, 0)) ?? '', /NUL at byte 1/);
    assert.match(checkText(bytes(0xed, 0xa0, 0x80, 0)) ?? '', /UTF-8/);
  });

  it('judges paths', () => {
    for (const ok of ['/', '/a', '/usr/bin/counter', `/${'x'.repeat(255)}`, '/a.b/..c/.d']) {
      assert.equal(checkPath(ok), null, ok);
    }
    for (const bad of [
      '',
      'a',
      './a',
      '/a/',
      '//',
      '/a//b',
      '/a/./b',
      '/a/../b',
      '/..',
      `/${'x'.repeat(256)}`,
      `/${'é'.repeat(128)}`,
    ]) {
      assert.notEqual(checkPath(bad), null, bad);
    }
  });
});
