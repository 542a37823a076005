// The .crlab language features on a 2 000-line scenario:
//   - scripts/bench/language-check.ts (plain Node): writes the scenario and measures the check
//     each keystroke costs the extension host;
//   - keystroke to diagnostic in the real VS Code (code-server with the built extension, Debian's
//     Chromium): from the keydown of a character that makes a mistake to the error squiggle on
//     screen, and from the keydown that undoes it to the squiggle gone, both timed on the page's
//     own clock, against the 500 ms the language features promise, next to VS Code's own echo
//     of the keystroke and the same edit in a 40-line scenario (the cost of the path, not of
//     the size).
// Everything it starts (the code-server process group, Chromium) is stopped, even on failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../vscode/browser.mjs';
import { ensureVsCode } from '../vscode/install.mjs';
import { repoRoot } from '../vscode/paths.mjs';
import { linkExtension, prepareRun, startCodeServer } from '../vscode/server.mjs';

// `--quick` (the smoke run of `npm test`): a 200-line scenario and two keystrokes per file,
// enough to show the benchmark still runs end to end.
const quick = process.argv.includes('--quick');
const LINES = quick ? 200 : 2000;
const LIMIT_MS = 500;
const KEYSTROKES = quick ? 2 : 10;
const SMALL_LINES = 40;

/** @param {string} line */
function print(line) {
  console.log(line);
}

/** @param {number} ms */
function formatMs(ms) {
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Watches, on the page's clock, keydowns and whether an error squiggle is on screen.
 * @param {import('playwright-core').Page} page
 */
async function installProbe(page) {
  await page.evaluate(() => {
    const probe = { keydowns: [], changes: [], shown: false, echoes: [], echoed: false };
    globalThis.crlabProbe = probe;
    document.addEventListener('keydown', (event) => probe.keydowns.push(event.timeStamp), true);
    const look = () => {
      const lines = document.querySelector('.editor-instance .view-lines');
      const echoed = (lines?.textContent ?? '').replace(/\u00a0/g, ' ').includes('until loopx');
      if (echoed !== probe.echoed) {
        probe.echoed = echoed;
        probe.echoes.push(performance.now());
      }
      const shown = document.querySelector('.editor-instance .squiggly-error') !== null;
      if (shown !== probe.shown) {
        probe.shown = shown;
        probe.changes.push({ shown, at: performance.now() });
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['class'],
    });
  });
}

/**
 * The times from the last keydown to the editor showing the edit (its own echo, the reference)
 * and to the squiggle being `shown`, once both happened.
 * @param {import('playwright-core').Page} page
 * @param {boolean} shown
 */
async function latency(page, shown) {
  await page.waitForFunction(
    (want) => globalThis.crlabProbe.shown === want && globalThis.crlabProbe.echoed === want,
    shown,
    { timeout: 30_000 },
  );
  return page.evaluate(() => {
    const probe = globalThis.crlabProbe;
    const key = probe.keydowns.at(-1) ?? 0;
    return {
      echo: (probe.echoes.at(-1) ?? 0) - key,
      squiggle: (probe.changes.at(-1)?.at ?? 0) - key,
    };
  });
}

/** @type {Array<() => Promise<void>>} */
const cleanups = [];
/** @type {Promise<void> | null} */
let cleaning = null;
function cleanUp() {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Keep stopping the rest.
      }
    }
  })();
  return cleaning;
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    void cleanUp().then(() => process.exit(130));
  });
}

/**
 * Opens `fileName` and types KEYSTROKES times a character that makes a mistake, and erases it.
 * @param {import('playwright-core').Page} page
 * @param {string} fileName
 */
async function measureFile(page, fileName) {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: fileName }).click();
  await page.locator('.tab.active', { hasText: fileName }).waitFor({ timeout: 120_000 });
  // The Run Scenario lens means the extension is active and has analysed the file.
  await page
    .locator('.editor-instance .codelens-decoration', { hasText: 'Run Scenario' })
    .waitFor({ timeout: 120_000 });
  await page.locator('.editor-instance .view-lines').first().click();
  await page.keyboard.press('Control+End');
  await installProbe(page);
  /** @type {{ shown: number[], cleared: number[], echoes: number[] }} */
  const result = { shown: [], cleared: [], echoes: [] };
  for (let i = 0; i < KEYSTROKES; i++) {
    // `until loop` becomes `until loopx`: a label no program has.
    await page.keyboard.press('x');
    const typed = await latency(page, true);
    await page.keyboard.press('Backspace');
    const erased = await latency(page, false);
    result.shown.push(typed.squiggle);
    result.cleared.push(erased.squiggle);
    result.echoes.push(typed.echo, erased.echo);
  }
  return result;
}

/** @param {number[]} values */
function spread(values) {
  return `${formatMs(median(values))} median, ${formatMs(Math.max(...values))} max of ${values.length}`;
}

async function main() {
  const run = prepareRun('bench-language');
  const folder = path.join(run.runDir, 'workspace');
  mkdirSync(folder, { recursive: true });
  const check = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join('scripts', 'bench', 'language-check.ts'),
      folder,
      ...(quick ? ['--quick'] : []),
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  const large = `bench-${LINES}-lines.crlab`;
  const small = `bench-${SMALL_LINES}-lines.crlab`;
  if (check.status !== 0 || !existsSync(path.join(folder, large))) {
    print('bench language: FAILED — the scenarios were not written');
    return 1;
  }
  if (!existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    print(
      'bench language keystroke: SKIPPED — dist/extension.js is missing (node scripts/build.mjs)',
    );
    return 0;
  }
  ensureVsCode();
  linkExtension(run);
  const server = await startCodeServer({ folder, run });
  cleanups.push(() => server.stop());
  const context = await launchChromium(run.runDir);
  cleanups.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}?folder=${encodeURIComponent(folder)}`);
  await page.locator('.explorer-folders-view').waitFor({ timeout: 120_000 });
  // A first round on the small file warms up what every first time costs (activation, the
  // editor's first squiggle); then the large file, then the small one as the reference.
  await measureFile(page, small);
  const measured = await measureFile(page, large);
  const reference = await measureFile(page, small);
  const echo = median(measured.echoes);
  print(
    `bench language keystroke to the edit on screen (VS Code's own echo), ${LINES}-line scenario: ${spread(measured.echoes)}`,
  );
  for (const [what, values, smallValues] of /** @type {const} */ ([
    ['diagnostic shown', measured.shown, reference.shown],
    ['diagnostic cleared', measured.cleared, reference.cleared],
  ])) {
    const middle = median(values);
    const ratio = (/** @type {number} */ n) => `${Number(n.toPrecision(2))}×`;
    print(
      `bench language keystroke to ${what}, ${LINES}-line scenario: ${spread(values)} (${ratio(middle / LIMIT_MS)} the ${LIMIT_MS} ms limit${middle > LIMIT_MS ? ': OVER' : ''}; ${ratio(middle / echo)} the echo; ${ratio(middle / median(smallValues))} the ${SMALL_LINES}-line scenario's ${formatMs(median(smallValues))})`,
    );
  }
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  print(
    `bench language: FAILED — ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`,
  );
} finally {
  await cleanUp();
}
process.exit(exitCode);
