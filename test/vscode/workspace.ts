/** Where the outer runner put the fixtures (see test/e2e/fixtures.ts), and small helpers. */
import path from 'node:path';
import * as vscode from 'vscode';

/** The folder holding `plain/`, `images/` and `examples/`, passed by the outer runner. */
export function fixturesFolder(): string {
  const folder = process.env['CRLAB_TEST_FIXTURES'];
  if (!folder)
    throw new Error(
      'CRLAB_TEST_FIXTURES is not set: run through scripts/vscode/run-vscode-tests.mjs',
    );
  return folder;
}

/** The URI of a fixture file, e.g. `fixture('images', 'one-task.crimg')`. */
export function fixture(...parts: string[]): vscode.Uri {
  return vscode.Uri.file(path.join(fixturesFolder(), ...parts));
}

/** The extension under test. */
export function crlabExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension('crlab.crlab');
  if (!extension) throw new Error('the extension crlab.crlab is not loaded');
  return extension;
}

/** Polls `condition` every 50 ms until it holds; rejects after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The input of the active tab, whatever kind of editor it is. */
export function activeTabInput(): unknown {
  return vscode.window.tabGroups.activeTabGroup.activeTab?.input;
}
