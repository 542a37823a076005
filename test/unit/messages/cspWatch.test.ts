/**
 * Every browser test watches for Content Security Policy violations: a file of test/e2e that
 * opens a page also calls failOnCspViolations() and watches each page it opens (the hook fails the
 * test in which a violation happened; imageViewer.test.ts proves the check itself works).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const e2e = path.join(__dirname, '..', '..', 'e2e');

describe('browser tests: Content Security Policy', () => {
  it('every e2e file that opens a page fails on a violation in it', () => {
    const files = readdirSync(e2e).filter((name) => name.endsWith('.test.ts'));
    const unwatched: string[] = [];
    let pages = 0;
    for (const name of files) {
      const text = readFileSync(path.join(e2e, name), 'utf8');
      const opened = (text.match(/\.newPage\(\)/g) ?? []).length;
      if (opened === 0) continue;
      pages += opened;
      const watched = (text.match(/\bcsp\.watch\(/g) ?? []).length;
      if (!/failOnCspViolations\(\)/.test(text) || watched < opened)
        unwatched.push(`${name}: ${opened} page(s), ${watched} watched`);
    }
    assert.ok(pages >= 4, `found the browser tests (${pages} pages)`);
    assert.deepEqual(unwatched, []);
  });
});
