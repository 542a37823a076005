/**
 * The text rules of image-format.md: strict UTF-8, fixed char arrays, NUL-terminated text
 * and absolute paths. Each check returns null when the bytes are fine, or a one-line reason
 * (image text in it with its invisible and line-breaking characters written as ⟨U+XXXX⟩).
 */
import { visibleText } from './visible-text';

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when it is not valid. */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  let need: number;
  let min: number;
  let code: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 1;
    min = 0x80;
    code = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    min = 0x800;
    code = b0 & 0x0f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    min = 0x10000;
    code = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + need >= end) return 0;
  for (let k = 1; k <= need; k++) {
    const b = bytes[i + k] ?? 0;
    if ((b & 0xc0) !== 0x80) return 0;
    code = (code << 6) | (b & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are not UTF-8.
  if (code < min || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return 0;
  return need + 1;
}

/** True when `bytes[start, end)` is well-formed UTF-8. */
export function isUtf8(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  let i = start;
  while (i < end) {
    const n = sequenceLength(bytes, i, end);
    if (n === 0) return false;
    i += n;
  }
  return true;
}

// Text is exactly its bytes: a leading EF BB BF is U+FEFF, a character like any other, not a
// byte-order mark to strip (which TextDecoder does unless told `ignoreBOM`).
const exact = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
const lossy = new TextDecoder('utf-8', { ignoreBOM: true, fatal: false });

/** Decodes bytes already checked with {@link isUtf8} (throws on anything else). */
export function decodeUtf8(bytes: Uint8Array): string {
  return exact.decode(bytes);
}

/**
 * Decodes bytes that may not be UTF-8 for a person to read (a damaged field in a viewer):
 * invalid sequences read as U+FFFD, U+FEFF stays.
 */
export function decodeUtf8Lossy(bytes: Uint8Array): string {
  return lossy.decode(bytes);
}

/** A fixed char array: UTF-8 text, then at least one NUL, then only NULs. */
export function checkCharArray(field: Uint8Array): string | null {
  const nul = field.indexOf(0);
  if (nul < 0) return `no NUL in char[${field.length}]`;
  for (let i = nul + 1; i < field.length; i++) {
    if (field[i] !== 0) return `byte 0x${(field[i] ?? 0).toString(16)} after the NUL at ${i}`;
  }
  if (!isUtf8(field, 0, nul)) return 'text is not UTF-8';
  return null;
}

/** The text of a char array that passed {@link checkCharArray}. */
export function charArrayText(field: Uint8Array): string {
  const nul = field.indexOf(0);
  return decodeUtf8(field.subarray(0, nul < 0 ? field.length : nul));
}

/** STRING, FNAME or label text: UTF-8 whose last byte is its only NUL. */
export function checkText(text: Uint8Array): string | null {
  if (text.length === 0 || text[text.length - 1] !== 0) return 'text lacks its final NUL';
  const nul = text.indexOf(0);
  if (nul < text.length - 1) return `NUL at byte ${nul} before the end of the text`;
  if (!isUtf8(text, 0, text.length - 1)) return 'text is not UTF-8';
  return null;
}

/** The string of a text that passed {@link checkText}. */
export function textValue(text: Uint8Array): string {
  return decodeUtf8(text.subarray(0, text.length - 1));
}

const MAX_COMPONENT = 255;
const encoder = new TextEncoder();

/** An absolute path: no empty, `.` or `..` component, no trailing `/`, components <= 255 bytes. */
export function checkPath(path: string): string | null {
  if (!path.startsWith('/')) return `'${visibleText(path)}' is not absolute`;
  if (path === '/') return null;
  if (path.endsWith('/')) return `'${visibleText(path)}' has a trailing '/'`;
  for (const component of path.slice(1).split('/')) {
    if (component === '') return `'${visibleText(path)}' has an empty component`;
    if (component === '.' || component === '..')
      return `'${visibleText(path)}' has a '${component}' component`;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only a long component needs encoding to tell.
    if (component.length * 3 <= MAX_COMPONENT) continue;
    const size = encoder.encode(component).length;
    if (size > MAX_COMPONENT) return `a component of ${size} bytes (over ${MAX_COMPONENT})`;
  }
  return null;
}
