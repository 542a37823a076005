// The custom editor in the real VS Code: code-server with the built extension linked in, driven
// by Debian's Chromium through playwright-core. For the 1 MiB and 1 GiB benchmark images (written
// by scripts/bench/core.ts into .bench/) it measures
//   - first render: from pressing Enter in Quick Open to the webview showing its first record
//     rows (or a `data-first-render` marker, should the viewer add one);
//   - the extension host's memory: VmRSS before opening, after the first render and at its peak
//     (VmHWM, reset before each open through /proc/PID/clear_refs), against the file size.
// The 1 MiB image is opened twice: the first open includes activating the extension.
// Then (issue #13, item 5) the 256 MiB task's image (16 MiB with --quick) is opened and restarted
// through Restart This Image… as a user would (palette, user, flags), while a probe extension in
// the same extension host (scripts/bench/host-probe) samples the host's event-loop delay: the
// longest stall during the restart against the 100 ms limit and the idle host's own longest.
// The lab refuses images above 4 MiB (IMPORT_LIMIT), so that stage measures the refusal; the lab
// stage then does what the issue asks: it loads the same task as a scenario (the text of
// touchingTaskScenario of test/e2e/fixtureScenarios.ts, written into the workspace) through Load
// Scenario into Lab…,
// checkpoints it through Checkpoint Task… and restarts the image it wrote through Restart
// Image…, all from the palette as hallyn, and takes the host's longest stall of each.
// Everything it starts (the code-server process group, Chromium) is stopped, even on failure.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { launchChromium } from '../vscode/browser.mjs';
import { busiestStretch, profileWindow } from './host-profile.mjs';
import { ensureVsCode } from '../vscode/install.mjs';
import { repoRoot } from '../vscode/paths.mjs';
import { linkExtension, prepareRun, quietSettings, startCodeServer } from '../vscode/server.mjs';

const cacheDir = path.join(repoRoot, '.bench');
// --quick (the smoke run): the 1 MiB image only; the 1 GiB one is not written then.
const quick = process.argv.includes('--quick');
// --profile: the save, the lab checkpoint and restarts are profiled in the host (V8 CPU profile through the probe), and
// their lines say what ran in the host's longest busy stretch (profiling slows the host: the
// stall figures of a --profile run are not the bench's).
const profile = process.argv.includes('--profile');
// --lab-only: the lab stage only (no image opened before it): quicker, for looking into it.
const labOnly = process.argv.includes('--lab-only');
// --no-port-finder: the window runs with VS Code's port finder off (`remote.autoForwardPorts`
// false, its source `output`: either stops it). By default the remote extension host looks for
// new listening ports every 2 s by exec'ing `ls -l /proc/[0-9]*/fd/…`, and the fork behind that
// exec copies the page tables of the whole host (about 1 GiB after the lab's restart). This
// shows the lab's stalls without it (not the bench's figures: a user has the default).
const noPortFinder = process.argv.includes('--no-port-finder');
const images = [
  { name: 'bench-1m.crimg', label: '1 MiB', open: 'cold (activates the extension)' },
  { name: 'bench-1m.crimg', label: '1 MiB', open: 'warm' },
  { name: 'bench-1g.crimg', label: '1 GiB', open: 'warm' },
].slice(0, quick ? 2 : 3);
// What counts as "the first record rows": the viewer's tree items or record elements, or an
// explicit marker. Roles and data attributes, not class names, so a restyled viewer still counts.
const firstRenderSelector =
  '[data-first-render], [role="treeitem"], [role="row"][data-record-index], [data-record-name]';
const renderTimeoutMs = 120_000;
// The image restarted through Restart This Image… (issue #13, item 5), and the limit of a stall.
const restartImage = quick
  ? { name: 'bench-16m.crimg', label: '16 MiB task', pages: 4096 }
  : { name: 'bench-256m.crimg', label: '256 MiB task', pages: 65_536 };
const stallLimitMs = 100;
// The copy of it the save stage edits and saves: made before VS Code starts, so that Quick Open
// lists it (its file search did not list a file made later in the window's life).
// No fuzzy match for the image's name: Quick Open, asked for the image, offered the copy once it
// had been opened (the restart stage then opened the copy).
const saveImageName = restartImage.name.replace(/^bench-/, 'saved-');
const restartTimeoutMs = 2 * 60_000;
// The lab stage's task: the lab bench's (scripts/bench/lab.ts), frozen so it can be checkpointed.
const labTask = quick
  ? { label: '16 MiB task', pages: 4096 }
  : { label: '256 MiB task', pages: 65_536 };
const labScenarioName = `bench-lab-${labTask.pages}.crlab`;
// A load, a checkpoint or a restart of the 256 MiB task takes seconds; on a loaded machine more.
const labTimeoutMs = 4 * 60_000;
// Where Checkpoint Task… writes the image in the workspace (removed before and after).
const labCheckpoints = path.join(cacheDir, 'checkpoints');

/** @param {string} line */
function print(line) {
  console.log(line);
}

/** @param {number} ms */
function formatMs(ms) {
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** @param {number} bytes */
function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/** @param {unknown} error */
function firstLine(error) {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

/** @param {number} ms */
function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The extension host of our code-server: a process of its process group (the server runs
 * detached, so its pid is the group id) whose command line names the extension host.
 * @param {number} groupId
 * @returns {number | null}
 */
function findExtensionHost(groupId) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid pgrp ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== groupId) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (/extensionHost|--type=extensionHost/.test(cmdline)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}

/**
 * VmRSS and VmHWM of a process, in bytes.
 * @param {number} pid
 */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  /** @param {string} key */
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}

/**
 * Resets VmHWM to the current RSS so the next reading is the peak of one open only; false when
 * the kernel does not allow it (the peak then covers the process's whole life).
 * @param {number} pid
 */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * The visible webview's content frame: VS Code hosts each webview in an outer iframe whose
 * document holds the extension's page in `#active-frame`, or still in `#pending-frame` when the
 * outer document has not swapped it in yet (the page is already live and rendering then).
 * @param {import('playwright-core').Page} page
 */
function webviewContent(page) {
  return page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .last()
    .contentFrame()
    .locator('#active-frame, #pending-frame')
    .last()
    .contentFrame();
}

/**
 * What the webview holds when no record row came: its body text, cut short, or why it could not
 * be read, so a SKIPPED line says what to fix.
 * @param {import('playwright-core').Page} page
 */
async function webviewSummary(page) {
  try {
    const text = await webviewContent(page)
      .locator('body')
      .evaluate(
        (body) => `${body.querySelectorAll('*').length} elements: ${body.innerText}`,
        null,
        {
          timeout: 5_000,
        },
      );
    return JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 300));
  } catch (error) {
    return `unreadable (${firstLine(error)})`;
  }
}

/**
 * Quick Open (Ctrl+P) up to the point where Enter opens `fileName`.
 * @param {import('playwright-core').Page} page
 * @param {string} fileName
 */
async function quickOpenReady(page, fileName) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor();
}

/**
 * Closes every editor through the command palette, so the next open starts from nothing.
 * @param {import('playwright-core').Page} page
 */
async function closeAllEditors(page) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill('>View: Close All Editors');
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: 'Close All Editors' })
    .first()
    .waitFor();
  await page.keyboard.press('Enter');
  await page.locator('iframe.webview').filter({ visible: true }).waitFor({ state: 'detached' });
}

/**
 * Links the probe extension (scripts/bench/host-probe) into the run's extensions, beside ours.
 * @param {ReturnType<typeof prepareRun>} run
 */
function linkProbe(run) {
  const probe = path.join(repoRoot, 'scripts', 'bench', 'host-probe');
  const manifest = JSON.parse(readFileSync(path.join(probe, 'package.json'), 'utf8'));
  symlinkSync(
    probe,
    path.join(run.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`),
  );
}

/**
 * The probe's samples: one line per 50 ms, each the host's longest event-loop delay since the
 * line before, the time since it and the host's CPU time in it.
 * @param {string} file
 * @returns {{ t: number, maxMs: number, wallMs: number, cpuMs: number }[]}
 */
function probeSamples(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((sample) => typeof sample.maxMs === 'number');
}

/**
 * The longest delay the probe saw in [from, to] (a stall shows in the first line after it
 * ends), the sample that holds it, and how many samples the window took.
 * @param {{ t: number, maxMs: number, wallMs: number, cpuMs: number }[]} samples
 * @param {number} from
 * @param {number} to
 */
function longestStall(samples, from, to) {
  const inside = samples.filter((sample) => sample.t >= from && sample.t <= to);
  let worst = { t: from, maxMs: 0, wallMs: 0, cpuMs: 0 };
  for (const sample of inside) if (sample.maxMs > worst.maxMs) worst = sample;
  return { ms: worst.maxMs, worst, samples: inside.length };
}

/**
 * Runs a command of the palette (F1), typing `title` and choosing the row that shows it.
 * @param {import('playwright-core').Page} page
 * @param {string} title
 */
async function runFromPalette(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  // A click on the command's own row: the first row (Enter's) may be another that matches the
  // words, e.g. "Open Checkpoint Image…" for "Restart Image…".
  await page
    .locator('.quick-input-list .monaco-list-row')
    .filter({
      has: page.locator('.label-name', {
        hasText: new RegExp(`(^|: )${escapeRegExp(title)}\\s*$`),
      }),
    })
    .first()
    .click();
}

/**
 * Waits until the probe has written a sample at or after `at` (ms since the epoch), so that a
 * stall ending at `at` is in the file. Polls the file: the probe writes a line every 50 ms.
 * @param {string} file
 * @param {number} at
 * @param {number} timeoutMs
 */
async function waitForSample(file, at, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!probeSamples(file).some((sample) => sample.t >= at)) {
    if (Date.now() > deadline)
      throw new Error(`no probe sample after ${new Date(at).toISOString()}`);
    await delay(50);
  }
}

/**
 * What the lab showed for the call just asked for: the panel's check table (in any webview
 * frame: the panel's view is one of them) with the verdict of its deciding row, or an error
 * notification's text. Polls the page's frames (the panel's webview is created on demand), and
 * fails after `timeoutMs`.
 * @param {import('playwright-core').Page} page
 * @param {number} timeoutMs
 * @returns {Promise<{ kind: 'checks' | 'error', text: string }>}
 */
async function labOutcome(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const error = page
    .locator('.notifications-toasts .notification-list-item')
    .filter({ has: page.locator('.codicon-error') })
    .first();
  for (;;) {
    if (await error.isVisible().catch(() => false)) {
      const text = await error
        .locator('.notification-list-item-message')
        .innerText({ timeout: 5_000 })
        .catch(() => 'an error');
      return { kind: 'error', text: text.trim() };
    }
    for (const frame of page.frames()) {
      const rows = frame.locator('.check-table vscode-data-grid-row[data-index]');
      const count = await rows.count().catch(() => 0);
      if (count > 0) {
        const deciding = await frame
          .locator('.check-table vscode-data-grid-row[data-deciding]')
          .getAttribute('data-check', { timeout: 1_000 })
          .catch(() => null);
        return {
          kind: 'checks',
          text: `${count} checks, ${deciding === null ? 'none failed' : `refused by ${deciding}`}`,
        };
      }
    }
    if (Date.now() > deadline) throw new Error('nothing shown');
    await delay(100);
  }
}

/**
 * Issue #13, item 5, in the real VS Code: opens the image, runs Restart This Image… as hallyn
 * with no flags from the palette, and waits for what the lab shows (the panel's check table, or
 * the error when the lab refuses the image); meanwhile watches for a progress notification and, through the probe, the extension host's event loop.
 * @param {import('playwright-core').Page} page
 * @param {string} probeFile
 * @param {number | null} hostPid
 * @param {ReturnType<typeof prepareRun>} run
 */
async function restartResponsiveness(page, probeFile, hostPid, run) {
  const what = `${restartImage.label} (${restartImage.pages.toLocaleString('en-US')} touched pages, image ${formatBytes(statSync(path.join(cacheDir, restartImage.name)).size)})`;
  if (probeSamples(probeFile).length === 0) {
    print(`bench editor restart ${what}: SKIPPED — the host probe wrote nothing to ${probeFile}`);
    return 1;
  }
  const idle = await openIdle(page, probeFile, restartImage.name);
  const peakReset = hostPid !== null && resetPeak(hostPid);
  const before = hostPid === null ? null : memoryOf(hostPid);
  await runFromPalette(page, 'Restart This Image…');
  await choose(page, `Restart ${restartImage.name} as…`, 'hallyn');
  // The flags: none (a plain restart); Enter accepts the empty selection.
  const flags = await tick(page, 'sys_restart flags', []);
  const started = Date.now();
  await answer(flags);
  /** @type {number | null} */
  let notifiedAfter = null;
  // Any progress notification (the lab shows one for long operations).
  const watchNotification = page
    .locator('.notifications-toasts .notification-list-item .monaco-progress-container.active')
    .first()
    .waitFor({ state: 'visible', timeout: restartTimeoutMs })
    .then(() => {
      notifiedAfter = Date.now() - started;
    })
    .catch(() => undefined);
  // Restart This Image… runs the restart in the window's lab session: it ends in the panel's
  // check table for the call, or in an error notification when the lab refuses the image.
  const outcome = await labOutcome(page, restartTimeoutMs).catch((error) => {
    print(
      `bench editor restart ${what}: FAILED — neither the panel's check table nor an error within ${formatMs(restartTimeoutMs)}: ${firstLine(error)}`,
    );
    return null;
  });
  if (outcome === null) {
    await page
      .screenshot({ path: path.join(run.runDir, 'bench-restart.png'), timeout: 10_000 })
      .catch(() => undefined);
    return 1;
  }
  const ended = Date.now();
  const after = hostPid === null ? null : memoryOf(hostPid);
  // The stall that ends the restart shows in the next probe sample: wait until one after it.
  await waitForSample(probeFile, ended + 100, restartTimeoutMs);
  await Promise.race([watchNotification, delay(100)]);
  const verdict = outcome.kind === 'checks' ? outcome.text : `refused by the lab: ${outcome.text}`;
  const stall = longestStall(probeSamples(probeFile), started, ended + 300);
  const memory =
    before !== null && after !== null
      ? `; extension host RSS ${formatBytes(before.rss)} before → peak ${formatBytes(after.hwm)}${peakReset ? '' : ' (peak since start)'}`
      : '';
  const shown =
    notifiedAfter === null
      ? 'no progress notification seen'
      : `progress notification shown ${formatMs(notifiedAfter)} after the flags were chosen`;
  print(
    `bench editor restart ${what} through Restart This Image… as hallyn: longest extension-host event-loop stall ${formatMs(stall.ms)} (${Number((stall.ms / stallLimitMs).toPrecision(2))}× the ${stallLimitMs} ms limit; ${Number((stall.ms / Math.max(idle.ms, 1)).toPrecision(2))}× the idle host's longest ${formatMs(idle.ms)}; monitorEventLoopDelay in the host, ${stall.samples} samples; the host used ${formatMs(stall.worst.cpuMs)} of CPU in that stall's ${formatMs(stall.worst.wallMs)} sample), restart ${formatMs(ended - started)} from choosing the flags to the ${outcome.kind === 'checks' ? 'check table in the panel' : 'error'}; ${shown}${memory} [${verdict}]`,
  );
  return 0;
}

/**
 * Opens `fileName` with Quick Open, waits for its first rows, and returns the idle host's own
 * longest delay over the two seconds after (the image open), to compare a stall with.
 * @param {import('playwright-core').Page} page
 * @param {string} probeFile
 * @param {string} fileName
 */
async function openIdle(page, probeFile, fileName) {
  await quickOpenReady(page, fileName);
  await page.keyboard.press('Enter');
  await webviewContent(page)
    .locator(firstRenderSelector)
    .first()
    .waitFor({ state: 'visible', timeout: renderTimeoutMs });
  await delay(2000);
  const idleUntil = Date.now();
  return longestStall(probeSamples(probeFile), idleUntil - 2000, idleUntil);
}

/**
 * The image editor's save of the restart stage's image with one field edited: a copy of it
 * opened, `CRED.euid` set to 0 through Edit Image Field…, then Ctrl+S; the longest stall of the
 * extension host from the key to the tab's clean mark, and whether a progress notification
 * showed. The saved file must differ from the image in that field's bytes only.
 * @param {import('playwright-core').Page} page
 * @param {string} probeFile
 * @param {{ runDir: string }} run
 */
async function saveResponsiveness(page, probeFile, run) {
  const file = path.join(cacheDir, saveImageName);
  const original = path.join(cacheDir, restartImage.name);
  const what = `the ${restartImage.label} image (${formatBytes(statSync(file).size)}) with CRED.euid set to 0 through Edit Image Field…`;
  if (probeSamples(probeFile).length === 0) {
    print(`bench editor save of ${what}: SKIPPED — the host probe wrote nothing to ${probeFile}`);
    return 1;
  }
  const idle = await openIdle(page, probeFile, saveImageName);
  await runFromPalette(page, 'Edit Image Field…');
  const field = await step(page, 'Edit field');
  await field.locator('input').first().fill('CRED.euid');
  await answer(field);
  const value = await step(page, 'New value of CRED.euid');
  await value.locator('input').first().fill('0');
  await answer(value);
  const dirtyTab = page.locator('.tabs-container .tab.active.dirty');
  await dirtyTab.waitFor({ timeout: 60_000 });
  await delay(500);
  if (profile) await probeCommand(probeFile, 'start', 'profiling');
  /** @type {number | null} */
  let notifiedAfter = null;
  const started = Date.now();
  // The save's own notification (its progress bar is a determinate one).
  const watchNotification = page
    .locator('.notifications-toasts .notification-list-item', {
      hasText: `Saving ${saveImageName}`,
    })
    .first()
    .waitFor({ state: 'visible', timeout: restartTimeoutMs })
    .then(() => {
      notifiedAfter = Date.now() - started;
    })
    .catch(() => undefined);
  await page.keyboard.press('Control+S');
  try {
    await dirtyTab.waitFor({ state: 'detached', timeout: restartTimeoutMs });
  } catch (error) {
    print(
      `bench editor save of ${what}: FAILED — the tab still shows unsaved changes after ${formatMs(restartTimeoutMs)}: ${firstLine(error)}`,
    );
    await page
      .screenshot({ path: path.join(run.runDir, 'bench-save.png'), timeout: 10_000 })
      .catch(() => undefined);
    return 1;
  }
  const ended = Date.now();
  // The stall that ends the save shows in the next probe sample: wait until one after it.
  await waitForSample(probeFile, ended + 100, restartTimeoutMs);
  await Promise.race([watchNotification, delay(100)]);
  const stall = longestStall(probeSamples(probeFile), started, ended + 300);
  const profileFile = path.join(run.runDir, 'bench-save.cpuprofile');
  const profiled = profile
    ? await probeCommand(probeFile, `stop ${profileFile}`, 'profiled').then(() =>
        profileSummary(probeFile, profileFile, started, ended),
      )
    : '';
  const saved = readFileSync(file);
  const before = readFileSync(original);
  let changed = 0;
  for (let i = 0; i < saved.length; i++) if (saved[i] !== before[i]) changed++;
  const verdict =
    saved.length === before.length
      ? `${changed} bytes changed, the size as it was`
      : `the size changed: ${saved.length} bytes, not ${before.length}`;
  const shown =
    notifiedAfter === null
      ? 'no progress notification seen'
      : `progress notification shown ${formatMs(notifiedAfter)} after the key`;
  print(
    `bench editor save of ${what}, then Ctrl+S: longest extension-host event-loop stall ${formatMs(stall.ms)} (${Number((stall.ms / stallLimitMs).toPrecision(2))}× the ${stallLimitMs} ms limit; ${Number((stall.ms / Math.max(idle.ms, 1)).toPrecision(2))}× the idle host's longest ${formatMs(idle.ms)}; monitorEventLoopDelay in the host, ${stall.samples} samples; the host used ${formatMs(stall.worst.cpuMs)} of CPU in that stall's ${formatMs(stall.worst.wallMs)} sample), save ${formatMs(ended - started)} from the key to the tab's clean mark; ${shown} [${verdict}]${gcFigures(probeFile, started, ended, 'save')}${profiled}`,
  );
  await closeAllEditors(page);
  rmSync(file, { force: true });
  return changed > 0 && changed <= 4 && saved.length === before.length ? 0 : 1;
}

/** The open quick pick or input box (one just answered fades out while the next opens). */
function quickInput(/** @type {import('playwright-core').Page} */ page) {
  return page.locator('.quick-input-widget:not(.quick-input-widget-closing)');
}

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The quick pick or input box titled `title`, once it shows.
 * @param {import('playwright-core').Page} page
 * @param {string} title
 */
async function step(page, title) {
  const widget = quickInput(page).filter({
    has: page.locator('.quick-input-title', { hasText: title }),
  });
  await widget.waitFor({ timeout: 60_000 });
  return widget;
}

/**
 * Answers the quick pick titled `title` with the row whose label is exactly `label` (icons
 * aside): types it, waits until that row is the focused one, and presses Enter.
 * @param {import('playwright-core').Page} page
 * @param {string} title
 * @param {string} label
 */
async function choose(page, title, label) {
  const widget = await step(page, title);
  await widget.locator('input').first().fill(label);
  await widget
    .locator('.quick-input-list .monaco-list-row.focused .label-name')
    .filter({ hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) })
    .waitFor({ timeout: 60_000 });
  await answer(widget);
}

/**
 * Enter in the question's own input. A key pressed at the page goes wherever the focus is, and
 * a webview can take it a moment after a quick input closed (see extension/quickInputSteps.ts):
 * the question stays open then, but an Enter pressed at the page would miss it.
 * @param {import('playwright-core').Locator} widget
 */
async function answer(widget) {
  await widget.locator('input').first().press('Enter');
}

/**
 * Ticks the rows labelled `labels` in the multi-select quick pick titled `title` (a click on a
 * row ticks it); the caller presses Enter, so that it can time the choice.
 * @param {import('playwright-core').Page} page
 * @param {string} title
 * @param {readonly string[]} labels
 */
async function tick(page, title, labels) {
  const widget = await step(page, title);
  await widget.locator('.quick-input-list .monaco-list-row').first().waitFor();
  for (const [index, label] of labels.entries()) {
    await widget
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: label }) })
      .first()
      .click();
    await widget
      .locator('.quick-input-count', { hasText: `${index + 1} Selected` })
      .waitFor({ timeout: 10_000 });
  }
  await widget.locator('input').first().focus();
  return widget;
}

/**
 * The Checkpoint/Restart panel's webview frame, once it shows the session loaded from
 * `scenario` (its status line names the scenario only after the load has ended).
 * @param {import('playwright-core').Page} page
 * @param {string} scenario
 * @param {number} timeoutMs
 */
async function loadedPanel(page, scenario, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const status = frame.locator('.session-status', { hasText: `From ${scenario}` });
      if ((await status.count().catch(() => 0)) > 0) return frame;
    }
    await failOnError(page);
    if (Date.now() > deadline) throw new Error(`the panel never showed the session of ${scenario}`);
    await delay(100);
  }
}

/**
 * Throws with the text of an error notification, if one shows (the lab's failures end in one).
 * @param {import('playwright-core').Page} page
 */
async function failOnError(page) {
  const error = page
    .locator('.notifications-toasts .notification-list-item')
    .filter({ has: page.locator('.codicon-error') })
    .first();
  if (await error.isVisible().catch(() => false)) {
    const text = await error
      .locator('.notification-list-item-message')
      .innerText({ timeout: 5_000 })
      .catch(() => 'an error');
    throw new Error(`error notification: ${text.trim()}`);
  }
}

/**
 * The Checkpoint/Restart panel's webview frame: the frame whose page shows the session status.
 * @param {import('playwright-core').Page} page
 * @param {number} timeoutMs
 */
async function panelFrame(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (
        (await frame
          .locator('.session-status')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    await failOnError(page);
    if (Date.now() > deadline) throw new Error('the Checkpoint/Restart panel is not shown');
    await delay(100);
  }
}

/**
 * Waits until the panel's Security Checks show the call `call` (checkpoint or restart) that
 * names `kernelPath`, with its check table (or a refusal before the checks), and returns its
 * verdict; throws when an error notification shows first. Waits in the panel's frame (found
 * again should the webview be made again), so the moment it shows is taken as it happens.
 * A call whose title starts with `shownBefore` (an earlier call of the same statement, e.g.
 * "Call #2:") does not count.
 * @param {import('playwright-core').Page} page
 * @param {'checkpoint' | 'restart'} call
 * @param {string} kernelPath
 * @param {number} timeoutMs
 * @param {string} [shownBefore]
 */
async function labCallShown(page, call, kernelPath, timeoutMs, shownBefore) {
  const deadline = Date.now() + timeoutMs;
  const statement = new RegExp(`^\\s*${call} .*${escapeRegExp(kernelPath)}`);
  const errorShown = page
    .locator('.notifications-toasts .notification-list-item')
    .filter({ has: page.locator('.codicon-error') })
    .first();
  for (;;) {
    const frame = await panelFrame(page, Math.max(deadline - Date.now(), 0));
    let header = frame
      .locator('.call-header')
      .filter({ has: frame.locator('.call-statement', { hasText: statement }) });
    if (shownBefore !== undefined)
      header = header.filter({
        hasNot: frame.locator('.call-title', { hasText: shownBefore }),
      });
    // Polled in the page every 50 ms (a locator's wait backs off to 500 ms), and timed on its
    // own clock (the same wall clock as ours): when the call's header and its check table (or a
    // refusal before any check) first show. The table follows the header in the same render.
    const shown = frame.waitForFunction(
      ({ call, path, before }) => {
        for (const code of document.querySelectorAll('.call-header .call-statement')) {
          const text = code.textContent?.trim() ?? '';
          if (!text.startsWith(`${call} `) || !text.includes(path)) continue;
          const title = code.closest('.call-header')?.querySelector('.call-title');
          if (before !== null && (title?.textContent?.trim() ?? '').startsWith(before)) continue;
          const section = code.closest('.call');
          if (section?.querySelector('.check-table vscode-data-grid-row[data-index], .hint'))
            return Date.now();
        }
        return false;
      },
      { call, path: kernelPath, before: shownBefore ?? null },
      { polling: 50, timeout: Math.max(deadline - Date.now(), 1) },
    );
    const found = await Promise.race([
      shown.then(async (handle) => /** @type {number} */ (await handle.jsonValue())),
      errorShown
        .waitFor({ state: 'visible', timeout: Math.max(deadline - Date.now(), 1) })
        .then(() => false),
    ]).catch(() => null);
    if (found === false) await failOnError(page);
    if (typeof found === 'number') {
      const title = await header.locator('.call-title').innerText({ timeout: 5_000 });
      const rows = await frame.locator('.check-table vscode-data-grid-row[data-index]').count();
      const deciding = await frame
        .locator('.check-table vscode-data-grid-row[data-deciding]')
        .getAttribute('data-check', { timeout: 1_000 })
        .catch(() => null);
      return {
        at: found,
        ok: /succeeded/.test(title),
        text: `${title.trim()}; ${rows} checks, ${deciding === null ? 'none failed' : `refused by ${deciding}`}`,
      };
    }
    if (Date.now() > deadline)
      throw new Error(`the panel never showed the ${call} of ${kernelPath}`);
  }
}

/**
 * When (ms after `from`) a notification whose text holds `text` first shows, or null when none
 * shows within `timeoutMs`; never rejects.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 * @param {number} from
 * @param {number} timeoutMs
 * @returns {Promise<number | null>}
 */
function notificationAfter(page, text, from, timeoutMs) {
  return page
    .locator('.notifications-toasts .notification-list-item', { hasText: text })
    .first()
    .waitFor({ state: 'visible', timeout: timeoutMs })
    .then(() => Date.now() - from)
    .catch(() => null);
}

/**
 * The host's stall in [started, ended] and the lab line's figures, once the probe has a sample
 * after it (a stall that ends the window shows in the next sample).
 * @param {string} probeFile
 * @param {number} started
 * @param {number} ended
 * @param {{ ms: number }} idle
 */
async function stallFigures(probeFile, started, ended, idle) {
  await waitForSample(probeFile, ended + 100, restartTimeoutMs);
  const stall = longestStall(probeSamples(probeFile), started, ended + 300);
  return `longest extension-host event-loop stall ${formatMs(stall.ms)} (${Number((stall.ms / stallLimitMs).toPrecision(2))}× the ${stallLimitMs} ms limit; ${Number((stall.ms / Math.max(idle.ms, 1)).toPrecision(2))}× the idle host's longest ${formatMs(idle.ms)}; monitorEventLoopDelay in the host, ${stall.samples} samples; the host used ${formatMs(stall.worst.cpuMs)} of CPU in that stall's ${formatMs(stall.worst.wallMs)} sample)`;
}

/**
 * The extension host's RSS before an operation and its peak since, as the lines print it.
 * @param {{ rss: number } | null} before
 * @param {number | null} hostPid
 * @param {boolean} peakReset
 */
function memoryFigure(before, hostPid, peakReset) {
  if (before === null || hostPid === null) return '';
  const after = memoryOf(hostPid);
  return `; extension host RSS ${formatBytes(before.rss)} before → peak ${formatBytes(after.hwm)}${peakReset ? '' : ' (peak since start)'}`;
}

/**
 * Issue #13, item 5, as the issue asks it, in the real VS Code: loads the lab bench's task
 * (`labScenarioName`, in the workspace) through Load Scenario into Lab…, then from the palette as
 * a person would: Checkpoint Task… (toucher, as hallyn, CHECKPOINT_SUBTREE, the file name it
 * offers) and Restart Image… (the image it wrote in the lab kernel, as hallyn, no flags). For
 * each: the host's longest stall from the last choice to the call shown in the panel's check
 * table (the checkpoint's until its image is also written to the workspace), whether its
 * progress notification showed, and the outcome.
 * @param {import('playwright-core').Page} page
 * @param {string} probeFile
 * @param {number | null} hostPid
 * @param {ReturnType<typeof prepareRun>} run
 */
async function labResponsiveness(page, probeFile, hostPid, run) {
  const what = `${labTask.label} (${labTask.pages.toLocaleString('en-US')} touched pages)`;
  const checkpointLine = `bench editor lab checkpoint of the ${what}`;
  const restartLine = `bench editor lab restart of its image`;
  // The probe starts with the host's other startup extensions (later than the window shows,
  // when no stage came before this one).
  await waitForSample(probeFile, 0, 60_000).catch(() => undefined);
  if (probeSamples(probeFile).length === 0) {
    print(`${checkpointLine}: SKIPPED — the host probe wrote nothing to ${probeFile}`);
    print(`${restartLine}: SKIPPED — the host probe wrote nothing`);
    return 1;
  }
  /** @param {string} name */
  const screenshot = (name) =>
    page
      .screenshot({ path: path.join(run.runDir, `bench-lab-${name}.png`), timeout: 10_000 })
      .catch(() => undefined);
  // Nothing of the stages before: no editor, no notification (an error toast would read as this
  // stage's failure).
  await runFromPalette(page, 'View: Close All Editors');
  await runFromPalette(page, 'Notifications: Clear All Notifications');
  await delay(1000);

  // The load (not a figure of the issue's; its time is printed beside the checkpoint).
  const loadStarted = Date.now();
  /** @type {string | null} */
  let kernelPath = null;
  /** @type {string} */
  let imageFile = '';
  try {
    await runFromPalette(page, 'Load Scenario into Lab…');
    await choose(page, 'Load which scenario into the lab?', labScenarioName);
    await loadedPanel(page, labScenarioName, labTimeoutMs);
  } catch (error) {
    print(`${checkpointLine}: FAILED — the scenario did not load: ${firstLine(error)}`);
    print(`${restartLine}: SKIPPED — no checkpoint`);
    await screenshot('load');
    return 1;
  }
  const loadMs = Date.now() - loadStarted;
  await delay(2000);
  const idleUntil = Date.now();
  const idle = longestStall(probeSamples(probeFile), idleUntil - 2000, idleUntil);
  await runFromPalette(page, 'Notifications: Clear All Notifications');

  try {
    const peakReset = hostPid !== null && resetPeak(hostPid);
    const before = hostPid === null ? null : memoryOf(hostPid);
    await runFromPalette(page, 'Checkpoint Task…');
    await choose(page, 'Checkpoint which task?', 'toucher');
    await choose(page, 'Checkpoint toucher as which user?', 'hallyn');
    const flags = await tick(page, 'sys_checkpoint flags', ['CHECKPOINT_SUBTREE']);
    await answer(flags);
    await flags.waitFor({ state: 'hidden', timeout: 60_000 });
    // The file name it offers (under checkpoints/ in the workspace, and /tmp in the lab kernel).
    const nameBox = (await step(page, 'Checkpoint image file')).locator('input').first();
    imageFile = (await nameBox.inputValue()).trim();
    kernelPath = `/tmp/${imageFile}`;
    if (profile) await probeCommand(probeFile, 'start', 'profiling');
    const started = Date.now();
    await nameBox.press('Enter');
    const notified = notificationAfter(page, 'Checkpointing pid', started, labTimeoutMs);
    const written = notificationAfter(page, 'Checkpoint written to', started, 60_000);
    const outcome = await labCallShown(page, 'checkpoint', kernelPath, labTimeoutMs);
    const shownMs = outcome.at - started;
    // The command writes the image to the workspace file before it says so.
    const writtenMs = outcome.ok ? await written : null;
    const ended = started + Math.max(shownMs, writtenMs ?? 0);
    const figures = await stallFigures(probeFile, started, ended, idle);
    const notifiedMs = await Promise.race([notified, delay(100).then(() => null)]);
    const file = path.join(cacheDir, 'checkpoints', imageFile);
    const size = existsSync(file) ? `, image ${formatBytes(statSync(file).size)}` : '';
    const checkpointProfile = path.join(run.runDir, 'bench-lab-checkpoint.cpuprofile');
    const profiled = profile
      ? await probeCommand(probeFile, `stop ${checkpointProfile}`, 'profiled').then(() =>
          profileSummary(probeFile, checkpointProfile, started, ended),
        )
      : '';
    const checkpointFigures = `${figures}, checkpoint ${formatMs(shownMs)} from entering the file name to the check table in the panel${writtenMs === null ? '' : `, ${formatMs(writtenMs)} to "Checkpoint written to" (the image in the workspace)`}; ${notifiedMs === null ? 'no progress notification seen' : `progress notification shown ${formatMs(notifiedMs)} after the choice`}${memoryFigure(before, hostPid, peakReset)} [${outcome.text}]${gcFigures(probeFile, started, ended, 'checkpoint')}${profiled}`;
    print(
      `${checkpointLine}, loaded from ${labScenarioName} through Load Scenario into Lab… in ${formatMs(loadMs)}, through Checkpoint Task… as hallyn with CHECKPOINT_SUBTREE to checkpoints/${imageFile}${size}: ${checkpointFigures}`,
    );
    if (!outcome.ok) {
      print(`${restartLine}: SKIPPED — the checkpoint was refused`);
      return 1;
    }
  } catch (error) {
    print(`${checkpointLine}: FAILED — ${firstLine(error)}`);
    print(`${restartLine}: SKIPPED — no checkpoint`);
    await screenshot('checkpoint');
    return 1;
  }

  // The restart, then a second one of the same image in the same window: a stall of the first
  // only would be the host's first run of the restart's code (compiling it), not its work.
  const first = await labRestart(page, probeFile, hostPid, run, kernelPath, idle, restartLine);
  if (first === null) return 1;
  const second = await labRestart(
    page,
    probeFile,
    hostPid,
    run,
    kernelPath,
    idle,
    `bench editor lab restart again (the second in the same window) of its image`,
    first,
  );
  return second === null ? 1 : 0;
}

/**
 * One lab restart from the palette (Restart Image… of `kernelPath`, as hallyn, no flags) and its
 * line: the host's longest stall, the garbage collections in that stall's sample, and with
 * --profile what ran in the host's longest busy stretch. Returns the call's title prefix ("Call
 * #2:"), or null when it failed (the line says why).
 * @param {import('playwright-core').Page} page
 * @param {string} probeFile
 * @param {number | null} hostPid
 * @param {ReturnType<typeof prepareRun>} run
 * @param {string} kernelPath
 * @param {{ ms: number }} idle
 * @param {string} line
 * @param {string} [shownBefore]
 */
async function labRestart(page, probeFile, hostPid, run, kernelPath, idle, line, shownBefore) {
  await runFromPalette(page, 'Notifications: Clear All Notifications');
  await delay(1000);
  const profileFile = path.join(run.runDir, `bench-lab-restart-${shownBefore ? 2 : 1}.cpuprofile`);
  try {
    const peakReset = hostPid !== null && resetPeak(hostPid);
    const before = hostPid === null ? null : memoryOf(hostPid);
    await runFromPalette(page, 'Restart Image…');
    await choose(page, 'Restart which image?', kernelPath);
    await choose(page, `Restart ${kernelPath} as which user?`, 'hallyn');
    // The flags: none (a plain restart); Enter accepts the empty selection.
    const flags = await step(page, 'sys_restart flags');
    await flags.locator('.quick-input-list .monaco-list-row').first().waitFor();
    if (profile) await probeCommand(probeFile, 'start', 'profiling');
    const started = Date.now();
    await answer(flags);
    const notified = notificationAfter(page, 'Restarting', started, labTimeoutMs);
    const outcome = await labCallShown(page, 'restart', kernelPath, labTimeoutMs, shownBefore);
    const ended = outcome.at;
    const figures = await stallFigures(probeFile, started, ended, idle);
    const notifiedMs = await Promise.race([notified, delay(100).then(() => null)]);
    const profiled = profile
      ? await probeCommand(probeFile, `stop ${profileFile}`, 'profiled').then(() =>
          profileSummary(probeFile, profileFile, started, ended),
        )
      : '';
    print(
      `${line} ${kernelPath} through Restart Image… as hallyn with no flags: ${figures}, restart ${formatMs(ended - started)} from choosing the flags to the check table in the panel; ${notifiedMs === null ? 'no progress notification seen' : `progress notification shown ${formatMs(notifiedMs)} after the choice`}${memoryFigure(before, hostPid, peakReset)} [${outcome.text}]${gcFigures(probeFile, started, ended, 'restart')}${profiled}`,
    );
    return /^\s*(Call #\d+:)/.exec(outcome.text)?.[1] ?? outcome.text;
  } catch (error) {
    print(`${line} ${kernelPath}: FAILED — ${firstLine(error)}`);
    await page
      .screenshot({
        path: path.join(run.runDir, `bench-lab-restart-${shownBefore ? 2 : 1}.png`),
        timeout: 10_000,
      })
      .catch(() => undefined);
    return null;
  }
}

/**
 * Asks the probe for something through its command file and waits for its answer line (a line
 * holding `answer`) written after the request.
 * @param {string} probeFile
 * @param {string} command
 * @param {string} answer
 */
async function probeCommand(probeFile, command, answer) {
  const asked = Date.now();
  writeFileSync(`${probeFile}.cmd`, command);
  const deadline = asked + 30_000;
  for (;;) {
    const lines = readFileSync(probeFile, 'utf8').split('\n').filter(Boolean);
    if (lines.some((text) => text.includes(`"${answer}"`) && JSON.parse(text).t >= asked)) return;
    if (Date.now() > deadline) throw new Error(`the probe did not answer ${command}`);
    await delay(50);
  }
}

/**
 * The garbage collections of the host's main heap (the probe's gc lines) in the window's
 * longest stall's sample, as "; GC in that sample: mark-compact 80 ms, …".
 * @param {string} probeFile
 * @param {number} started
 * @param {number} ended
 * @param {string} call
 */
function gcFigures(probeFile, started, ended, call) {
  const stall = longestStall(probeSamples(probeFile), started, ended + 300);
  const from = stall.worst.t - stall.worst.wallMs;
  const lines = readFileSync(probeFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((text) => JSON.parse(text))
    .filter((entry) => typeof entry.gc === 'string');
  const inSample = lines.filter((gc) => gc.t + gc.ms >= from && gc.t <= stall.worst.t);
  const inWindow = lines.filter((gc) => gc.t >= started && gc.t <= ended);
  const sum = (/** @type {{ ms: number }[]} */ list) => list.reduce((a, gc) => a + gc.ms, 0);
  const named = inSample.map((gc) => `${gc.gc} ${formatMs(gc.ms)}`).join(', ');
  return `; GC on the host's main thread in that sample: ${inSample.length === 0 ? 'none' : named}; in the whole ${call} ${inWindow.length} GCs, ${formatMs(sum(inWindow))}, the longest ${formatMs(Math.max(0, ...inWindow.map((gc) => gc.ms)))}`;
}

/**
 * What ran in the host in the probe sample of the restart's longest stall, and in its longest
 * busy stretch (samples with no idle one between them: the sliced work's turns go idle only
 * when nothing else waits, so that stretch may span several turns), from the CPU profile the
 * probe took.
 * @param {string} probeFile
 * @param {string} file
 * @param {number} started
 * @param {number} ended
 */
function profileSummary(probeFile, file, started, ended) {
  if (!existsSync(file)) return '; no CPU profile written';
  const profiled = JSON.parse(readFileSync(file, 'utf8'));
  const clock = readFileSync(probeFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((text) => JSON.parse(text))
    .filter((entry) => entry.profiling === true)
    .at(-1);
  let stallPart = '';
  if (typeof clock?.monotonicUs === 'number') {
    const stall = longestStall(probeSamples(probeFile), started, ended + 300);
    // Wall-clock ms to the profile's µs, through the pair the probe noted at its start.
    const toUs = (/** @type {number} */ wall) => clock.monotonicUs + (wall - clock.t) * 1000;
    const inStall = profileWindow(
      profiled,
      toUs(stall.worst.t - stall.worst.wallMs),
      toUs(stall.worst.t),
    );
    stallPart = ` in the longest stall's sample (${formatMs(stall.worst.wallMs)}): self time: ${inStall.self}; the extension's frames (total): ${inStall.total};`;
  }
  const busiest = busiestStretch(profiled);
  return `; CPU profile (${file}):${stallPart} the host's longest busy stretch ${formatMs(busiest.ms)}${busiest.hasIdle ? '' : ' (no idle samples: the whole profile)'}: self time: ${busiest.self}; the extension's frames (total): ${busiest.total}`;
}

/**
 * The lab stage's scenario: the lab bench's task (scripts/bench/lab.ts loads the same text),
 * frozen, from the one TypeScript source the tests and benches share, bundled by esbuild here
 * (this script runs as plain JavaScript).
 * @returns {Promise<string>}
 */
async function labScenarioText() {
  const built = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'test', 'e2e', 'fixtureScenarios.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  const code = built.outputFiles[0]?.text ?? '';
  /** @type {{ touchingTaskScenario: (options: { pages: number, memoryLimit: string, freeze?: boolean }) => string }} */
  const fixtures = await import(
    `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
  );
  return `# scripts/bench/editor.mjs: the lab bench's task, frozen\n${fixtures.touchingTaskScenario({ pages: labTask.pages, memoryLimit: '2 GiB', freeze: true })}`;
}

/** @type {Array<() => Promise<void>>} */
const cleanups = [];
/** The window's page, for a screenshot when a step fails. @type {import('playwright-core').Page | null} */
let failurePage = null;
/** @type {Promise<void> | null} */
let cleaning = null;
/**
 * Stops what was started, newest first. One shared promise: a signal arriving while the bench
 * fails must not let either path exit before the code-server group is gone.
 */
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

async function main() {
  const missing = images.filter((image) => !existsSync(path.join(cacheDir, image.name)));
  if (missing.length > 0) {
    print(
      `bench editor: SKIPPED — ${missing[0]?.name} is missing (scripts/bench/core.ts writes it)`,
    );
    return 0;
  }
  if (!existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    print('bench editor: SKIPPED — dist/extension.js is missing (node scripts/build.mjs)');
    return 0;
  }
  // The lab stage's scenario, and no image left from an earlier run's checkpoint.
  /** @type {string | null} */
  let labScenarioProblem = null;
  try {
    writeFileSync(path.join(cacheDir, labScenarioName), await labScenarioText());
  } catch (error) {
    labScenarioProblem = firstLine(error);
  }
  rmSync(labCheckpoints, { recursive: true, force: true });
  cleanups.push(async () => rmSync(labCheckpoints, { recursive: true, force: true }));
  const saveImage = path.join(cacheDir, saveImageName);
  if (!labOnly && existsSync(path.join(cacheDir, restartImage.name)))
    copyFileSync(path.join(cacheDir, restartImage.name), saveImage);
  cleanups.push(async () => rmSync(saveImage, { force: true }));
  ensureVsCode();
  const run = prepareRun('bench');
  linkExtension(run);
  linkProbe(run);
  const probeFile = path.join(run.runDir, 'host-probe.jsonl');
  const server = await startCodeServer({
    folder: cacheDir,
    run,
    env: { CRLAB_BENCH_PROBE: probeFile },
    ...(noPortFinder
      ? {
          settings: {
            ...quietSettings,
            'remote.autoForwardPorts': false,
            'remote.autoForwardPortsSource': 'output',
          },
        }
      : {}),
  });
  if (noPortFinder)
    print('bench editor: note — the port finder is off in this run (--no-port-finder)');
  cleanups.push(() => server.stop());
  const context = await launchChromium(run.runDir);
  cleanups.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  failurePage = page;
  await page.goto(`${server.url}?folder=${encodeURIComponent(cacheDir)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });

  let hostPid = null;
  for (let deadline = Date.now() + 60_000; hostPid === null && Date.now() < deadline;) {
    hostPid = findExtensionHost(server.pid);
    if (hostPid === null) await delay(250);
  }
  // Let the host settle (extensions starting up) before the baseline.
  await delay(3000);
  const startMemory = hostPid === null ? null : memoryOf(hostPid);
  if (hostPid === null)
    print('bench editor memory: SKIPPED — no extension host process found under code-server');

  /** @type {Map<string, number>} */
  const firstRenders = new Map();
  let status = 0;
  for (const image of labOnly ? [] : images) {
    const size = statSync(path.join(cacheDir, image.name)).size;
    const what = `${image.label} image, ${image.open}`;
    const before = hostPid === null ? null : memoryOf(hostPid);
    const peakReset = hostPid !== null && resetPeak(hostPid);
    await quickOpenReady(page, image.name);
    const started = Date.now();
    await page.keyboard.press('Enter');
    try {
      await webviewContent(page)
        .locator(firstRenderSelector)
        .first()
        .waitFor({ state: 'visible', timeout: renderTimeoutMs });
    } catch (error) {
      const reason = firstLine(error);
      print(
        `bench editor ${what}: SKIPPED — no record rows (${firstRenderSelector}) within ${formatMs(renderTimeoutMs)}: ${reason}`,
      );
      print(`bench editor: the webview shows: ${await webviewSummary(page)}`);
      await page
        .screenshot({ path: path.join(run.runDir, `bench-${image.label}.png`), timeout: 10_000 })
        .catch(() => undefined);
      status = 1;
      continue;
    }
    const firstRenderMs = Date.now() - started;
    // Should the viewer mark its own first render, say when that was on the page's own clock.
    const mark = await webviewContent(page)
      .locator(firstRenderSelector)
      .first()
      .evaluate(() => performance.getEntriesByName('crlab:first-render')[0]?.startTime ?? null)
      .catch(() => null);
    const markNote =
      typeof mark === 'number'
        ? `; the viewer's crlab:first-render mark ${formatMs(mark)} after its page started`
        : '';
    const reference = firstRenders.get('1 MiB');
    const compared =
      image.label !== '1 MiB' && reference !== undefined
        ? ` (${Number((firstRenderMs / reference).toPrecision(2))}× the warm 1 MiB image's ${formatMs(reference)})`
        : '';
    if (image.open === 'warm' && image.label === '1 MiB') firstRenders.set('1 MiB', firstRenderMs);
    print(`bench editor first render ${what}: ${formatMs(firstRenderMs)}${compared}${markNote}`);
    if (hostPid !== null && before !== null && startMemory !== null) {
      // The host keeps working after the first rows (fields, more rows): give it a moment.
      await delay(2000);
      const after = memoryOf(hostPid);
      const growth = after.rss - before.rss;
      print(
        `bench editor memory ${what}: extension host RSS ${growth >= 0 ? '+' : '−'}${formatBytes(Math.abs(growth))} (${Number((growth / size).toPrecision(2))}× the file ${formatBytes(size)}; ${formatBytes(before.rss)} before opening → ${formatBytes(after.rss)}, peak ${formatBytes(after.hwm)}${peakReset ? ' during this open' : ' since start'}; ${formatBytes(startMemory.rss)} before any image)`,
      );
    }
    try {
      await closeAllEditors(page);
    } catch (error) {
      // The next open still measures a fresh editor of another file; note it and go on.
      print(`bench editor: note — closing the editors failed: ${firstLine(error)}`);
    }
    await delay(1000);
  }
  if (labOnly) {
    // The lab stage only.
  } else if (!existsSync(path.join(cacheDir, restartImage.name))) {
    print(
      `bench editor save: SKIPPED — ${restartImage.name} is missing (scripts/bench/scale.ts writes it)`,
    );
    status = 1;
  } else if ((await saveResponsiveness(page, probeFile, run)) !== 0) {
    status = 1;
  }
  if (labOnly) {
    // The lab stage only.
  } else if (!existsSync(path.join(cacheDir, restartImage.name))) {
    print(
      `bench editor restart: SKIPPED — ${restartImage.name} is missing (scripts/bench/scale.ts writes it)`,
    );
    status = 1;
  } else if ((await restartResponsiveness(page, probeFile, hostPid, run)) !== 0) {
    status = 1;
  }
  if (labScenarioProblem !== null) {
    print(
      `bench editor lab checkpoint: FAILED — the scenario could not be written: ${labScenarioProblem}`,
    );
    print('bench editor lab restart: SKIPPED — no checkpoint');
    status = 1;
  } else if ((await labResponsiveness(page, probeFile, hostPid, run)) !== 0) {
    status = 1;
  }
  return status;
}

/**
 * What a failed step was waiting for (Playwright's call log names the locator) and a screenshot
 * of the window, kept in test-artifacts/bench/ (the run's folder goes with the next run).
 * @param {unknown} error
 */
async function describeFailure(error) {
  const waitedFor =
    error instanceof Error
      ? (error.message.split('\n').find((line) => line.includes('waiting for')) ?? '').trim()
      : '';
  if (failurePage === null) return waitedFor;
  const shot = path.join(repoRoot, 'test-artifacts', 'bench', 'editor-failure.png');
  mkdirSync(path.dirname(shot), { recursive: true });
  const saved = await failurePage
    .screenshot({ path: shot, timeout: 10_000 })
    .then(() => `screenshot ${path.relative(repoRoot, shot)}`)
    .catch(() => 'no screenshot');
  return [waitedFor, saved].filter(Boolean).join('; ');
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  print(`bench editor: FAILED — ${firstLine(error)} (${await describeFailure(error)})`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
