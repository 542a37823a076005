/**
 * The Node half of the language benchmark (scripts/bench/language.mjs runs it): writes a valid
 * 2 000-line scenario (and a 40-line one) into the folder given, and measures the check each keystroke costs the
 * extension host: `analyzeScenario` (parse, name resolution, type checks: the diagnostics),
 * against lexing every line (the cheapest pass any check must make).
 *
 * Usage: node --import tsx scripts/bench/language-check.ts FOLDER [--quick]
 * (`--quick`, the smoke run: a 200-line scenario and few repeats).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexLine } from '../../extension/lab/index';
import { analyzeScenario } from '../../extension/lab/language-service';
import { formatMs, formatRatio, measure } from './measure';

const quick = process.argv.includes('--quick');
const LINES = quick ? 200 : 2000;
const SMALL_LINES = 40;
const runs = quick ? { maxRuns: 3, budgetMs: 50 } : {};

function print(line: string): void {
  console.log(line);
}

/**
 * A valid scenario of exactly `lines` lines: programs and the script that runs, checkpoints and
 * restarts each, the shape of the examples repeated. Its last line is `run ... until loop`, so a
 * character typed at the end names a label that does not exist.
 */
function largeScenario(lines: number): string {
  const out = [
    '# a generated scenario for the language benchmark',
    'world default',
    'limit nproc 1000',
  ];
  const units: string[][] = [];
  for (let i = 0; out.length + units.flat().length < lines - 12; i++) {
    units.push([
      '',
      `program counter_${i}`,
      '  set n = 0',
      'loop:',
      '  set n = n + 1',
      '  print n',
      '  goto loop',
      'end',
      `spawn counter_${i} as hallyn -> task_${i}`,
      `run task_${i} until loop`,
      `expect var task_${i} n 0`,
      `freeze task_${i}`,
      `checkpoint task_${i} as hallyn flags SUBTREE to /tmp/c_${i}.crimg`,
      'expect last ok',
      `restart /tmp/c_${i}.crimg as hallyn -> again_${i}`,
      'expect last ok',
    ]);
  }
  out.push(...units.flat());
  while (out.length < lines - 1) out.push('# padding');
  out.push('run task_0 until loop');
  return out.join('\n');
}

function benchCheck(source: string): void {
  const diagnostics = analyzeScenario(source).diagnostics;
  if (diagnostics.length > 0) {
    throw new Error(`the generated scenario has mistakes: ${JSON.stringify(diagnostics[0])}`);
  }
  const lines = source.split('\n');
  const lexMs = measure(() => lines.forEach((line, index) => lexLine(line, index + 1)), runs);
  const checkMs = measure(() => analyzeScenario(source).diagnostics, runs);
  print(
    `bench language check ${LINES}-line scenario: ${formatMs(checkMs)} (analyzeScenario, median; ${formatRatio(checkMs / lexMs)} lexing every line ${formatMs(lexMs)})`,
  );
}

const folder = process.argv[2];
if (folder === undefined) {
  print('bench language check: usage: language-check.ts FOLDER');
  process.exit(2);
}
// The small one is the keystroke benchmark's reference: the same edit in a 40-line scenario.
writeFileSync(join(folder, `bench-${SMALL_LINES}-lines.crlab`), largeScenario(SMALL_LINES));
const source = largeScenario(LINES);
writeFileSync(join(folder, `bench-${LINES}-lines.crlab`), source);
benchCheck(source);
