import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  analyzeScenario,
  completionsAt,
  definitionsAt,
  expectationSites,
  foldingRegions,
  hoverAt,
  outlineOf,
  prepareRename,
  quickFixes,
  referencesAt,
  relatedPlaces,
  renameAt,
  testScenario,
} from '../../../extension/lab/language-service';
import { examples } from './helpers';

/** Every editor feature at `positions` of `source`; throws whatever a feature throws. */
function exercise(source: string, positions: readonly { line: number; column: number }[]): number {
  const analysis = analyzeScenario(source);
  let answers = 0;
  outlineOf(analysis.scenario, analysis.lines);
  foldingRegions(analysis.lines);
  expectationSites(source);
  for (const diagnostic of analysis.diagnostics) {
    relatedPlaces(analysis, diagnostic);
    answers += quickFixes(analysis, diagnostic).length;
  }
  for (const { line, column } of positions) {
    if (hoverAt(analysis, line, column) !== undefined) answers++;
    answers += completionsAt(analysis, line, column).items.length > 0 ? 1 : 0;
    answers += definitionsAt(analysis, line, column).length;
    answers += referencesAt(analysis, line, column).length;
    prepareRename(analysis, line, column);
    renameAt(analysis, line, column, 'renamed');
  }
  return answers;
}

/** Positions worth asking about: every character of the last line, and each line's start. */
function positionsOf(source: string): { line: number; column: number }[] {
  const lines = source.split('\n');
  const last = lines.length;
  const positions = lines.map((_, index) => ({ line: index + 1, column: 1 }));
  for (let column = 1; column <= (lines[last - 1]?.length ?? 0) + 1; column++)
    positions.push({ line: last, column });
  // Past the end of the text too: editors ask about positions the text no longer has.
  positions.push({ line: last + 1, column: 1 }, { line: 1, column: 500 });
  return positions;
}

describe('language service on broken text', () => {
  it('never throws on any truncation of any example, at the cut and on every line', function () {
    this.timeout(300_000);
    let truncations = 0;
    let answers = 0;
    for (const { name, source } of examples()) {
      // Cut at every line end and in the middle of lines, as text being typed looks.
      const cuts = new Set<number>();
      for (let i = 0; i < source.length; i++) if (source[i] === '\n' || i % 9 === 0) cuts.add(i);
      for (const cut of cuts) {
        const text = source.slice(0, cut);
        try {
          answers += exercise(text, positionsOf(text));
        } catch (error) {
          assert.fail(`${name} cut at ${cut}: ${error instanceof Error ? error.stack : error}`);
        }
        truncations++;
        // Running is the costliest part: every 25th cut is enough to reach every statement kind.
        if (truncations % 25 === 0) testScenario(text);
      }
    }
    assert.ok(truncations > 1000, `${truncations} truncations`);
    assert.ok(answers > truncations, 'the features answered on most cut texts');
  });

  it('never throws on random edits of examples (seeded)', function () {
    this.timeout(300_000);
    const sources = examples().map((e) => e.source);
    const alphabet = [...'abcdefghijklmnopqrstuvwxyz_ 0123456789/."#:,-=>\\\n\t[]|'];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sources.length - 1 }),
        fc.array(
          fc.record({
            at: fc.nat(),
            remove: fc.nat({ max: 12 }),
            insert: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 8 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (which, edits) => {
          let text = sources[which] ?? '';
          for (const edit of edits) {
            const at = edit.at % (text.length + 1);
            text = text.slice(0, at) + edit.insert + text.slice(at + edit.remove);
          }
          exercise(text, positionsOf(text));
          testScenario(text);
        },
      ),
      { seed: 20081001, numRuns: 300 },
    );
  });
});
