/** Loading `.crlab` files for the CLI: diagnostics become exit-2 errors, one line each. */
import { basename } from 'node:path';
import { checkScenario, formatDiagnostic, type CheckedScenario } from '../lab/index';
import { CliError } from './errors';
import { readText } from './io';

export function loadChecked(file: string): { source: string; checked: CheckedScenario } {
  const source = readText(file);
  const checked = checkScenario(source);
  if (checked.diagnostics.length > 0) {
    // Every diagnostic on its own line, compiler style; the first one carries the exit.
    const lines = checked.diagnostics.map((d) => formatDiagnostic(d, file));
    throw new CliError(lines.join('\ncrlab: '));
  }
  return { source, checked };
}

export function displayName(file: string): string {
  return basename(file);
}
