/**
 * How the tests inside VS Code report to the runner outside it: one JSON object per line,
 * appended to the file named by the CRLAB_TEST_RESULTS environment variable (the extension host
 * inherits the server's environment). The outer runner prints them and decides pass or fail.
 */
import { appendFileSync } from 'node:fs';

/** One line of the results file. */
export type ResultEvent =
  | { readonly event: 'pass'; readonly title: string; readonly ms: number }
  | {
      readonly event: 'fail';
      readonly title: string;
      readonly message: string;
      readonly stack: string;
    }
  | { readonly event: 'note'; readonly text: string }
  | {
      readonly event: 'end';
      readonly passed: number;
      readonly failed: number;
      readonly pending: number;
    };

/** Appends `event` to the results file (or to the console when no file was given). */
export function report(event: ResultEvent): void {
  const file = process.env['CRLAB_TEST_RESULTS'];
  const line = JSON.stringify(event);
  if (file) appendFileSync(file, `${line}\n`);
  else console.log(line);
}

/** A measurement or fact a test wants printed by the outer runner, e.g. an activation time. */
export function note(text: string): void {
  report({ event: 'note', text });
}
