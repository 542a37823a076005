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
