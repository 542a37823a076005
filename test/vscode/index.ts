/**
 * The test entry VS Code loads in its extension host (`extensionTestsPath`): runs every
 * `*.test.js` bundle next to this file with mocha and reports each result through results.ts.
 * Resolves when all passed; rejects otherwise, which makes VS Code exit with a failure code.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import { report } from './results';

/** Mocha reporter that forwards each test's outcome to the results file. */
class ResultFileReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on('pass', (test: Mocha.Test) => {
      passed++;
      report({ event: 'pass', title: test.fullTitle(), ms: test.duration ?? 0 });
    });
    runner.on('fail', (test: Mocha.Runnable, error: unknown) => {
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      const stack = error instanceof Error ? (error.stack ?? '') : '';
      report({ event: 'fail', title: test.fullTitle(), message, stack });
    });
    runner.on('end', () => {
      report({ event: 'end', passed, failed, pending: runner.stats?.pending ?? 0 });
    });
  }
}

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    forbidOnly: true,
    forbidPending: true,
    reporter: ResultFileReporter,
    // CRLAB_TEST_GREP=pattern runs only the matching tests (while working on one feature).
    ...(process.env['CRLAB_TEST_GREP'] ? { grep: process.env['CRLAB_TEST_GREP'] } : {}),
  });
  const folder = __dirname;
  // Files run in name order: 00-activation must see the extension before anything activates it.
  const files = readdirSync(folder)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  for (const name of files) mocha.addFile(path.join(folder, name));
  await mocha.loadFilesAsync();
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} test(s) failed inside VS Code`);
}
