/** `crlab run FILE.crlab [--json] [--export DIR]`: the transcript of one scenario. */
import { join } from 'node:path';
import { formatTranscript, loadScenario } from '../../lab/index';
import { EXIT_FAILED, EXIT_OK } from '../errors';
import { printJson, printLines, writeBytes } from '../io';
import { loadChecked } from '../scenario';
import type { ParsedArgs } from '../args';

/** The JSON of `crlab run --json` (docs/cli.md). */
function entryJson(entry: ReturnType<typeof loadScenario>['entries'][number]): unknown {
  if (entry.kind !== 'action') return entry;
  return {
    ...entry,
    calls: entry.calls.map((call) => ({
      ...call,
      checks: call.checks.map((check) => ({
        id: check.id,
        result: check.result,
        errno: check.errno,
        reason: check.reason,
        offset: check.offset,
        subject: check.subject,
        object: check.object,
        models: check.models,
        line: check.line ?? null,
      })),
    })),
  };
}

export function runCommand(args: ParsedArgs, file: string): number {
  const { source, checked } = loadChecked(file);
  const session = loadScenario(source, checked);
  session.run();
  const passed = session.failures === 0;
  const exportDir = args.values.get('export');
  if (exportDir !== undefined) {
    for (const exported of session.exports)
      writeBytes(join(exportDir, exported.name), exported.bytes);
  }
  if (args.flags.has('json')) {
    printJson({
      file,
      passed,
      expectations: session.expectations,
      failures: session.failures,
      entries: session.entries.map(entryJson),
      exports: session.exports.map((e) => ({
        line: e.line,
        path: e.path,
        name: e.name,
        size: e.bytes.length,
      })),
    });
  } else {
    printLines(formatTranscript(session.entries));
    const failedExpectations = session.entries.filter((e) => e.kind === 'expect' && !e.passed);
    const error = session.entries.find((e) => e.kind === 'error');
    const held = session.expectations - failedExpectations.length;
    printLines([
      `${passed ? 'PASS' : 'FAIL'}: ${held} of ${session.expectations} expectations held${error ? `; stopped at line ${error.line}` : ''}`,
    ]);
  }
  return passed ? EXIT_OK : EXIT_FAILED;
}
