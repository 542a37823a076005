/**
 * Every quick pick and input box a command opens carries `stepOptions` (extension/
 * quickInputSteps.ts): it stays open when the focus moves. A question without it closes when a
 * webview takes the focus back a moment after the palette closed, and its command ends silently
 * (issue #8). The real VS Code test is in test/e2e/imageEditor.test.ts; this one finds the
 * question someone adds later without the options, by reading the sources.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error: a build script in JavaScript, without declarations.
import { sourceFiles } from '../../../scripts/l10n.mjs';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The text between the parentheses of the call whose `(` is at `open`. */
function argumentsOf(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced call at ${open}`);
}

describe('the questions of the commands', () => {
  it('every quick pick and input box stays open when the focus moves (stepOptions)', () => {
    const calls = /\bwindow\.(showQuickPick|showInputBox|createQuickPick|createInputBox)\s*\(/g;
    const found: string[] = [];
    const without: string[] = [];
    const extension = path.join(ROOT, 'extension') + path.sep;
    for (const file of (sourceFiles() as string[]).filter((name) => name.startsWith(extension))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(calls)) {
        const line = text.slice(0, match.index).split('\n').length;
        const where = `${path.relative(ROOT, file)}:${line} ${match[1]}`;
        found.push(where);
        if (match[1]?.startsWith('create')) without.push(`${where} (set ignoreFocusOut on it)`);
        else if (!argumentsOf(text, match.index + match[0].length - 1).includes('...stepOptions'))
          without.push(where);
      }
    }
    assert.ok(found.length >= 10, `the scan found the questions (${found.length})`);
    assert.deepEqual(
      without,
      [],
      'spread stepOptions from extension/quickInputSteps.ts into these',
    );
  });
});
