/** Small helpers for the language-service tests: positions by the text they point at. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** The examples of the repository, by file name. */
export function examples(): { name: string; source: string }[] {
  const folder = join(ROOT, 'examples');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.crlab'))
    .sort()
    .map((name) => ({ name, source: readFileSync(join(folder, name), 'utf8') }));
}

/**
 * The 1-based line and column of the `nth` occurrence of `needle` outside comments, plus
 * `offset` characters.
 */
export function at(
  source: string,
  needle: string,
  nth = 0,
  offset = 0,
): { line: number; column: number } {
  let seen = 0;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const code = (lines[i] ?? '').replace(/#.*$/, '');
    let from = 0;
    for (;;) {
      const found = code.indexOf(needle, from);
      if (found < 0) break;
      if (seen++ === nth) return { line: i + 1, column: found + 1 + offset };
      from = found + 1;
    }
  }
  throw new Error(`\`${needle}\` (#${nth}) is not in the source`);
}

/** Applies single-line edits (1-based, as the lab gives them) to a text. */
export function applyEdits(
  source: string,
  edits: readonly { line: number; column: number; length: number; newText: string }[],
): string {
  const lines = source.split('\n');
  const sorted = [...edits].sort((a, b) => b.line - a.line || b.column - a.column);
  for (const edit of sorted) {
    const text = lines[edit.line - 1] ?? '';
    lines[edit.line - 1] =
      text.slice(0, edit.column - 1) + edit.newText + text.slice(edit.column - 1 + edit.length);
  }
  return lines.join('\n');
}
