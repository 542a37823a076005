/** Loading `.crlab` files for the CLI: diagnostics become exit-2 errors, one line each. */
import { basename } from 'node:path';
import { checkScenario, formatDiagnostic, type CheckedScenario } from '../lab/index';
import { CliError } from './errors';
import { readText } from './io';

export function loadChecked(file: string): { source: string; checked: CheckedScenario } {
  const source = readText(file);
  const checked = checkScenario(source);
  const [first, ...others] = checked.diagnostics;
  if (first !== undefined) {
    // One line: the first mistake in full, then where the others are (the editor lists all).
    const more =
      others.length === 0
        ? ''
        : ` (and ${others.length} more at ${others.map((d) => `${d.line}:${d.column}`).join(', ')})`;
    throw new CliError(`${formatDiagnostic(first, file)}${more}`);
  }
  return { source, checked };
}

export function displayName(file: string): string {
  return basename(file);
}
