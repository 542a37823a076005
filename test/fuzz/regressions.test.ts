/**
 * Every mutant that ever broke a property, kept under test/fixtures/fuzz/ by the fuzzer (the
 * bytes, and a JSON note of what it broke and with which restart flags), judged again.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REGRESSION_DIR } from './campaign';
import type { JsonEdit } from './mutations';
import { MutantJudge } from './properties';

interface Note {
  broke: string;
  restartFlags: number;
  json: JsonEdit | null;
}

const kept = existsSync(REGRESSION_DIR)
  ? readdirSync(REGRESSION_DIR)
      .filter((file) => file.endsWith('.crimg'))
      .sort()
  : [];

describe('fuzz: kept mutants (test/fixtures/fuzz)', () => {
  it('are kept with a note of what they broke', () => {
    assert.ok(kept.length > 0, 'no kept mutant: the regression suite would test nothing');
    for (const file of kept) {
      const note = path.join(REGRESSION_DIR, file.replace(/\.crimg$/, '.json'));
      assert.ok(existsSync(note), `${file} has no note`);
    }
  });

  for (const file of kept) {
    it(`${file} breaks no property any more`, () => {
      const note = JSON.parse(
        readFileSync(path.join(REGRESSION_DIR, file.replace(/\.crimg$/, '.json')), 'utf8'),
      ) as Note;
      const bytes = new Uint8Array(readFileSync(path.join(REGRESSION_DIR, file)));
      const judge = new MutantJudge();
      judge.judge(bytes, note.restartFlags, note.json);
    });
  }
});
