// Runs test/vscode inside the extension host of a real VS Code (code-server), the way VS Code's
// own smoke tests do in a browser: the workbench is opened with a `payload` naming the extension
// under development and the test entry; VS Code calls the page's `codeAutomationExit(code)` when
// the tests end. Each test's result is read from a results file and printed here, and any
// failure (or no result at all) makes this script exit non-zero.
// Needs `npm run build` first (dist/extension.js and dist/test/vscode/).
//
// `--restricted` runs test/vscode/restricted instead, in a window with workspace trust on and
// the examples folder untrusted (Restricted Mode), in a run of its own: the other suites keep
// trust off.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './browser.mjs';
import { writeFixtures } from './fixtures.mjs';
import { ensureVsCode } from './install.mjs';
import { repoRoot } from './paths.mjs';
import { prepareRun, quietSettings, startCodeServer } from './server.mjs';

const restricted = process.argv.includes('--restricted');
// The summary line's label (scripts/test.mjs counts `LABEL: N passed, M failed`).
const label = restricted ? 'restricted' : 'vscode';

const timeoutMs = 5 * 60_000;
const started = Date.now();

const testEntry = path.join(
  repoRoot,
  'dist',
  'test',
  'vscode',
  ...(restricted ? ['restricted'] : []),
  'index.js',
);
if (!existsSync(testEntry) || !existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
  console.error('vscode tests: dist/ is not built; run `npm run build` first');
  process.exit(1);
}

const installSeconds = ensureVsCode();
if (installSeconds > 0.5)
  console.log(`vscode tests: installed VS Code in ${installSeconds.toFixed(1)}s`);

const run = prepareRun(restricted ? 'vscode-restricted' : 'vscode-tests');
const fixtures = writeFixtures(path.join(run.runDir, 'fixtures'));
const resultsFile = path.join(run.runDir, 'results.jsonl');
// What the page and its frames (webviews included) print: a webview that never says it is
// ready leaves its reason here, not in any log of VS Code's.
const consoleFile = path.join(run.runDir, 'browser-console.log');

// Restricted Mode: trust on, no folder trusted, and no prompt at startup (the tests look at what
// the extension does while untrusted).
const restrictedSettings = {
  ...quietSettings,
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};
const folder = restricted ? fixtures.examples : fixtures.plain;

const server = await startCodeServer({
  folder,
  run,
  ...(restricted ? { settings: restrictedSettings, workspaceTrust: true } : {}),
  // This release build honours the `payload` URL parameter only with the smoke-test driver on.
  extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
  env: { CRLAB_TEST_RESULTS: resultsFile, CRLAB_TEST_FIXTURES: run.runDir + '/fixtures' },
});

let browser;
let printedLines = 0;
const counts = { passed: 0, failed: 0, ended: false };
const failures = [];

/** Prints the result lines written since the last call. */
function printNewResults() {
  if (!existsSync(resultsFile)) return;
  const lines = readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean);
  for (const line of lines.slice(printedLines)) {
    const result = JSON.parse(line);
    if (result.event === 'pass') {
      counts.passed++;
      console.log(`  ✔ ${result.title} (${result.ms} ms)`);
    } else if (result.event === 'fail') {
      counts.failed++;
      failures.push(result);
      void recordWebviewState(result.title);
      console.log(`  ✘ ${result.title}\n      ${result.message}`);
    } else if (result.event === 'note') {
      console.log(`  · ${result.text}`);
    } else if (result.event === 'end') {
      counts.ended = true;
    }
  }
  printedLines = lines.length;
}

/** @type {import('playwright-core').Page | undefined} */
let page;

function logBrowser(/** @type {string} */ line) {
  appendFileSync(consoleFile, `${new Date().toISOString()} ${line}\n`);
}

/**
 * After a failed test: the service worker registrations webviews load through, and whether
 * each webview frame is controlled by one (a webview's page waits for that before it loads).
 */
async function recordWebviewState(/** @type {string} */ title) {
  if (page === undefined) return;
  try {
    const registrations = await page.evaluate(async () =>
      (await navigator.serviceWorker.getRegistrations()).map((r) => ({
        scope: r.scope,
        installing: r.installing?.state ?? null,
        waiting: r.waiting?.state ?? null,
        active: r.active?.state ?? null,
      })),
    );
    logBrowser(`after failure of "${title}": registrations ${JSON.stringify(registrations)}`);
    for (const frame of page.frames()) {
      if (!frame.url().includes('/webview/browser/pre/index.html')) continue;
      const controlled = await frame
        .evaluate(() => navigator.serviceWorker.controller?.state ?? 'none')
        .catch((error) => `unreadable (${String(error).split('\n')[0]})`);
      logBrowser(`  webview frame ${frame.url().split('?')[0]}: controller ${controlled}`);
    }
  } catch (error) {
    logBrowser(`after failure of "${title}": could not read the webview state: ${error}`);
  }
}

let exitCode = 1;
try {
  browser = await launchChromium(run.runDir);
  page = await browser.newPage();
  page.on('console', (message) => {
    const where = message.location().url.split('?')[0];
    logBrowser(`${message.type()} ${where}: ${message.text()}`);
  });
  page.on('pageerror', (error) => logBrowser(`pageerror: ${error.message}`));
  page.on('framenavigated', (frame) => logBrowser(`frame navigated: ${frame.url().split('?')[0]}`));
  const exited = new Promise((resolve) => {
    void page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
  });
  const remote = (fsPath) => `vscode-remote://127.0.0.1:${server.port}${fsPath}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(repoRoot)],
    ['extensionTestsPath', remote(testEntry)],
  ]);
  const url = `${server.url}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`;
  console.log(`${label} tests: VS Code on ${server.url}, workspace ${folder}`);
  // Only the navigation is awaited: the page's load event can come late on a busy machine, and
  // what this runner waits for is VS Code's codeAutomationExit (or the time limit below).
  await page.goto(url, { waitUntil: 'commit' });
  const poll = setInterval(printNewResults, 250);
  const timedOut = new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
  const outcome = await Promise.race([exited, timedOut]);
  clearInterval(poll);
  printNewResults();
  if (outcome === 'timeout') {
    console.error(
      `vscode tests: no result from VS Code within ${timeoutMs / 1000}s; see ${run.log}`,
    );
  } else if (!counts.ended) {
    console.error(
      `vscode tests: VS Code exited with code ${outcome} before the tests ended; see ${run.log}`,
    );
  } else {
    exitCode = outcome === 0 && counts.failed === 0 && counts.passed > 0 ? 0 : 1;
  }
} finally {
  await browser?.close().catch(() => {});
  await server.stop();
}

for (const failure of failures) {
  console.log(`\n  ${failure.title}\n${failure.stack || failure.message}`);
}
console.log(`\n${label}: ${counts.passed} passed, ${counts.failed} failed`);
console.log(`vscode tests: finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);
process.exit(exitCode);
