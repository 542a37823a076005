/**
 * Bytes as text and back, strictly: lower-case hex and RFC 4648 base64 (with padding). Pure
 * (no Buffer), so the image layer runs the same in Node, a browser and a web worker.
 */

const HEX_DIGITS = '0123456789abcdef';

/** `00d2a2c0...`: two lower-case hex digits per byte, no separators. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += (HEX_DIGITS[byte >> 4] ?? '') + (HEX_DIGITS[byte & 15] ?? '');
  return out;
}

/** The bytes of an even-length hex string (either case), or null when it is not one. */
export function fromHex(text: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Map([...BASE64_ALPHABET].map((char, value) => [char, value] as const));

/** Standard base64 with `=` padding. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const word = a * 0x10000 + b * 0x100 + c;
    const chars = [18, 12, 6, 0].map(
      (shift) => BASE64_ALPHABET[Math.floor(word / 2 ** shift) % 64],
    );
    const kept = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    out += chars.slice(0, kept).join('') + '='.repeat(4 - kept);
  }
  return out;
}

/**
 * The bytes of standard, padded base64, or null for anything else (other characters, missing or
 * misplaced padding, non-zero bits in the last character): one text, one byte string.
 */
export function fromBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let at = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let word = 0;
    for (let k = 0; k < 4; k++) {
      const char = text[i + k] ?? '';
      const pad = last && k >= 4 - padding;
      const value = pad ? (char === '=' ? 0 : undefined) : BASE64_VALUES.get(char);
      if (value === undefined) return null;
      word = word * 64 + value;
    }
    const bytes = [Math.floor(word / 0x10000) % 256, Math.floor(word / 0x100) % 256, word % 256];
    const kept = last ? 3 - padding : 3;
    // The bits a padded group does not use must be zero, or two texts would name one byte string.
    if (bytes.slice(kept).some((byte) => byte !== 0)) return null;
    for (let k = 0; k < kept; k++) out[at++] = bytes[k] ?? 0;
  }
  return out;
}
