/**
 * Text from an image made safe to read: characters that are invisible or that reorder what
 * follows them — controls, bidirectional overrides and isolates, zero-width characters, line and
 * paragraph separators, fillers that render as blanks — are shown as `⟨U+202E⟩`, so that
 * `/tmp/\u202Egpj.exe` cannot pass for `/tmp/exe.jpg` and two labels that look alike are told
 * apart. For views only: the image's bytes and edits keep the characters themselves.
 *
 * Pure: no I/O, no `node:`, no DOM (the host and any webview may use it).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/gu;

/** `text` with every invisible or reordering character written as `⟨U+XXXX⟩`. */
export function visibleText(text: string): string {
  return text.replace(HIDDEN, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')}⟩`;
  });
}

const WRITTEN_OUT = /⟨U\+([0-9A-F]{4,6})⟩/g;

/**
 * The inverse of {@link visibleText}: `⟨U+XXXX⟩` back to the character, so that text shown
 * visibly can be edited and applied without losing (or, typed in, with) such characters.
 */
export function fromVisibleText(text: string): string {
  return text.replace(WRITTEN_OUT, (written, hex: string) => {
    const code = Number.parseInt(hex, 16);
    return code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
      ? String.fromCodePoint(code)
      : written;
  });
}
