/**
 * `crlab test [PATH...]`: every `.crlab` under the paths is a test case; one line per file,
 * then `N passed, M failed`. A file with diagnostics fails with its first diagnostic. A test run
 * cannot pass on nothing: paths without any scenario are an error (exit 2), and a scenario that
 * expects nothing fails (a demo is for `crlab run`).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkScenario, formatDiagnostic, loadScenario } from '../../lab/index';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../errors';
import { printLines, readText, writeBytes } from '../io';
import type { ParsedArgs } from '../args';

function collect(path: string, into: string[]): void {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new CliError(`${path}: no such file or directory`);
  }
  if (stats.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const child = join(path, name);
      if (statSync(child).isDirectory() || name.endsWith('.crlab')) collect(child, into);
    }
  } else {
    into.push(path);
  }
}

export function testCommand(args: ParsedArgs): number {
  const files: string[] = [];
  const paths = args.positionals.length > 0 ? args.positionals : ['.'];
  for (const path of paths) collect(path, files);
  if (files.length === 0) {
    throw new CliError(
      `no .crlab scenarios under ${paths.join(', ')}: nothing to test`,
      EXIT_USAGE,
    );
  }
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    const source = readText(file);
    const checked = checkScenario(source);
    const first = checked.diagnostics[0];
    if (first !== undefined) {
      failed++;
      printLines([`FAIL ${shown}: ${formatDiagnostic(first, shown)}`]);
      continue;
    }
    const session = loadScenario(source, checked);
    try {
      session.run();
    } catch (error) {
      // A bug in the emulator must not hide the other files' results.
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      printLines([`FAIL ${shown}: internal error: ${message.split('\n')[0] ?? ''}`]);
      continue;
    }
    const exportDir = args.values.get('export');
    if (exportDir !== undefined) {
      for (const exported of session.exports)
        writeBytes(join(exportDir, exported.name), exported.bytes);
    }
    if (session.expectations === 0 && session.failures === 0) {
      failed++;
      printLines([
        `FAIL ${shown}: no expectations: a test case must expect something (add \`expect\` lines, or use crlab run for a demo)`,
      ]);
    } else if (session.failures === 0) {
      passed++;
      printLines([`PASS ${shown} (${session.expectations} expectations)`]);
    } else {
      failed++;
      const problem = session.entries.find(
        (e) => (e.kind === 'expect' && !e.passed) || e.kind === 'error',
      );
      const detail =
        problem?.kind === 'expect'
          ? `line ${problem.line}: ${problem.text}: ${problem.detail}`
          : problem?.kind === 'error'
            ? `line ${problem.line}: ${problem.message}`
            : 'failed';
      printLines([`FAIL ${shown}: ${detail}`]);
    }
  }
  printLines([`${passed} passed, ${failed} failed`]);
  return failed === 0 ? EXIT_OK : EXIT_FAILED;
}
