/**
 * `.crlab` scenarios, generated and mutated: every example with lines deleted, duplicated,
 * swapped or cut, words replaced by other words of the language, by edge numbers or by hostile
 * text; and scenarios made of the language's words in any order. The parser and checker never
 * throw, every diagnostic points inside the file, and a scenario that runs always ends — a
 * program that never exits is stopped by the interpreter's step limit, and says so.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  DEFAULT_RUN_STEPS,
  parseScenario,
  runScenario,
  type Diagnostic,
} from '../../extension/lab/index';
import { REPO_ROOT } from './corpus';

const examplesDir = path.join(REPO_ROOT, 'examples');
const examples = readdirSync(examplesDir)
  .filter((name) => name.endsWith('.crlab'))
  .sort()
  .map((name) => readFileSync(path.join(examplesDir, name), 'utf8'));

/** The language's words, as the examples use them. */
const words = [...new Set(examples.flatMap((text) => text.split(/\s+/)).filter(Boolean))].sort();

const edgeWords = [
  '0',
  '-1',
  '2147483648',
  '4294967295',
  '9007199254740993',
  '18446744073709551616',
  '0x',
  '0xffffffffffffffffff',
  '1e999',
  'NaN',
  '"',
  '"unterminated',
  '#',
  '->',
  ':',
  '\u202Egpj.exe',
  '\u200B',
  '\u0000',
  '\r',
  '<script>alert(1)</script>',
  'x'.repeat(4096),
];

type Edit =
  | { kind: 'delete'; line: number }
  | { kind: 'duplicate'; line: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'cut'; at: number }
  | { kind: 'word'; line: number; word: number; text: string }
  | { kind: 'insert'; line: number; text: string };

const wordArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...words) },
  { weight: 2, arbitrary: fc.constantFrom(...edgeWords) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('word' as const),
    line: fc.nat(),
    word: fc.nat(8),
    text: wordArbitrary,
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    line: fc.nat(),
    text: fc.array(wordArbitrary, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(' ')),
  }),
);

function applyEdit(text: string, edit: Edit): string {
  const lines = text.split('\n');
  const at = (n: number): number => n % Math.max(1, lines.length);
  switch (edit.kind) {
    case 'delete':
      lines.splice(at(edit.line), 1);
      break;
    case 'duplicate':
      lines.splice(at(edit.line), 0, lines[at(edit.line)] ?? '');
      break;
    case 'swap': {
      const [a, b] = [at(edit.a), at(edit.b)];
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      break;
    }
    case 'cut':
      return text.slice(0, edit.at % (text.length + 1));
    case 'word': {
      const line = at(edit.line);
      const parts = (lines[line] ?? '').split(' ');
      parts[edit.word % Math.max(1, parts.length)] = edit.text;
      lines[line] = parts.join(' ');
      break;
    }
    case 'insert':
      lines.splice(at(edit.line), 0, edit.text);
      break;
  }
  return lines.join('\n');
}

const mutatedScenario = fc
  .record({
    example: fc.nat(examples.length - 1),
    edits: fc.array(editArbitrary, { minLength: 1, maxLength: 4 }),
  })
  .map(({ example, edits }) => edits.reduce(applyEdit, examples[example] ?? ''));

const generatedScenario = fc
  .array(fc.array(wordArbitrary, { minLength: 0, maxLength: 7 }), { maxLength: 25 })
  .map((lines) => ['world default', ...lines.map((parts) => parts.join(' '))].join('\n'));

/** Throws unless the diagnostic points at characters of the file. */
function checkPosition(source: string, diagnostic: Diagnostic): void {
  const lines = source.split(/\r?\n/);
  const where = `${diagnostic.code} at ${diagnostic.line}:${diagnostic.column}+${diagnostic.length}`;
  assert.ok(diagnostic.message.length > 0, `${where}: no message`);
  assert.ok(
    Number.isInteger(diagnostic.line) && diagnostic.line >= 1 && diagnostic.line <= lines.length,
    `${where}: line outside the file (${lines.length} lines)`,
  );
  const lineText = lines[diagnostic.line - 1] ?? '';
  assert.ok(
    Number.isInteger(diagnostic.column) &&
      diagnostic.column >= 1 &&
      diagnostic.column <= lineText.length + 1,
    `${where}: column outside line ${diagnostic.line} (${lineText.length} characters)`,
  );
  assert.ok(Number.isInteger(diagnostic.length) && diagnostic.length >= 1, `${where}: length`);
}

/** Parses, checks and runs `source`; throws when a property does not hold. */
function judgeScenario(source: string): 'diagnostics' | 'ran' {
  const parsed = parseScenario(source);
  for (const diagnostic of parsed.diagnostics) checkPosition(source, diagnostic);
  const result = runScenario(source);
  for (const diagnostic of result.diagnostics) checkPosition(source, diagnostic);
  if (result.diagnostics.length > 0) return 'diagnostics';
  const lineCount = source.split(/\r?\n/).length;
  for (const entry of result.entries) {
    if (entry.line === null) continue;
    assert.ok(entry.line >= 1 && entry.line <= lineCount, `a ${entry.kind} entry at ${entry.line}`);
  }
  return 'ran';
}

describe('fuzz: scenarios', function () {
  this.timeout(0);

  it('mutated examples: no exception, every diagnostic inside the file, every run ends', () => {
    const outcomes = { diagnostics: 0, ran: 0 };
    fc.assert(
      fc.property(mutatedScenario, (source) => {
        outcomes[judgeScenario(source)]++;
      }),
      { seed: 20081027, numRuns: 2000 },
    );
    // Mutants both run and are refused: a fuzzer all of whose mutants fail to parse proves little.
    assert.ok(outcomes.diagnostics > 100 && outcomes.ran > 100, JSON.stringify(outcomes));
  });

  it('scenarios made of the language’s words in any order', () => {
    fc.assert(
      fc.property(generatedScenario, (source) => {
        judgeScenario(source);
      }),
      { seed: 20081027, numRuns: 1000 },
    );
  });

  it('a program that never exits is stopped by the step limit, and the run says so', () => {
    const statement = fc.constantFrom(
      '  set n = n + 1',
      '  print n',
      '  mmap anon 1 page rw -> buf',
      '  set n = 0',
      '  getpid',
    );
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 4 }), (body) => {
        const source = [
          'world default',
          'program spin',
          '  set n = 0',
          'again:',
          ...body,
          '  goto again',
          'end',
          'spawn spin as hallyn -> spin',
          'run spin',
          '',
        ].join('\n');
        const result = runScenario(source);
        if (result.diagnostics.length > 0) {
          // A statement this build of the language does not know: still a positioned diagnostic.
          for (const diagnostic of result.diagnostics) checkPosition(source, diagnostic);
          return;
        }
        const run = result.entries.find(
          (entry) => entry.kind === 'action' && entry.line === 8 + body.length,
        );
        assert.ok(run, 'the run statement has its entry');
        assert.equal(
          run.kind === 'action' ? run.summary : '',
          `stopped after ${DEFAULT_RUN_STEPS} steps`,
        );
      }),
      { seed: 20081027, numRuns: 20 },
    );
  });
});
