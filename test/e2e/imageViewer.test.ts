import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { indexRecords, memoryReader } from '../../extension/image/index';
import { writeImage } from '../../extension/image/writer';
import { hostileImage, hostileText, largeImagePages } from './fixtureImages';
import {
  expand,
  findRow,
  highlightedOffsets,
  openImage,
  rowOffset,
  treeSettled,
} from './imageViewerPage';
import {
  closeAllEditors,
  e2eEnvironment,
  failOnCspViolations,
  fileDialogPath,
  launchBrowser,
  openWorkbench,
  reloadWindow,
  runCommand,
  screenshot,
  waitForActiveEditor,
  webviewShowing,
} from './workbench';

/** The index of the `nth` record named `name` of the hostile fixture (from its own bytes). */
function hostileRecord(name: string, after = -1): number {
  const bytes = writeImage(hostileImage());
  const entries = indexRecords(memoryReader(bytes), bytes.length).entries;
  const index = entries.findIndex(
    (entry, i) => i > after && entry.kind === 'record' && entry.name === name,
  );
  assert.ok(index >= 0, `the hostile image has a ${name} after record ${after}`);
  return index;
}

/** Polls `condition` every 100 ms until it holds; fails, naming `what`, after 60 s. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Files under `folder`, recursively (none when it does not exist). */
function filesUnder(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const file = path.join(folder, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe('the checkpoint image viewer in a browser', function () {
  this.timeout(180_000);
  const env = e2eEnvironment();
  const csp = failOnCspViolations();
  let browser: BrowserContext;
  let page: Page;
  /** Console messages of every frame, the webviews' included. */
  const consoleLines: string[] = [];

  before(async () => {
    browser = await launchBrowser(env);
    page = await browser.newPage();
    csp.watch(page);
    page.on('console', (message) => consoleLines.push(message.text()));
    await openWorkbench(page, env);
  });

  // Each test opens its own image in a fresh editor: no state is carried from the one before.
  beforeEach(async () => {
    await closeAllEditors(page);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await screenshot(
        page,
        env,
        `failed-viewer-${(this.currentTest.title ?? 'test').replace(/\W+/g, '-')}`,
      );
    }
  });

  after(async () => {
    await browser?.close();
  });

  it('highlights exactly the 4 bytes of CRED.euid when the field is chosen', async () => {
    const viewer = await openImage(page, 'one-task.crimg');
    await expand(viewer, '[data-record-name="CRED"]');
    const euid = await findRow(viewer, '[data-field="CRED.euid"]');
    await euid.click();
    const offset = await rowOffset(euid);
    // uid 1000 is e8 03 00 00, little-endian; wait for the bytes to arrive from the host.
    await viewer.locator('.hex-byte.selected', { hasText: 'e8' }).waitFor();
    assert.deepEqual(await highlightedOffsets(viewer), [
      offset,
      offset + 1,
      offset + 2,
      offset + 3,
    ]);
    assert.deepEqual(await viewer.locator('.hex-byte.selected').allTextContents(), [
      'e8',
      '03',
      '00',
      '00',
    ]);
    assert.equal(await viewer.locator('.hex-char.selected').count(), 4, 'the ASCII column too');
    assert.equal(await euid.getAttribute('aria-selected'), 'true');
    assert.equal((await viewer.locator('.inspector-title').textContent())?.trim(), 'CRED.euid');
    await screenshot(page, env, 'image-viewer-euid');
  });

  it('selects the page in the tree when a byte of page data is clicked', async () => {
    const viewer = await openImage(page, 'one-task.crimg');
    await expand(viewer, '[data-record-name="MM"]');
    await expand(viewer, '[data-record-name="VMA"]');
    await expand(viewer, '[data-record-name="PGARR"]');
    // The page array starts where its first page does; the page rows are still folded.
    const pages = await findRow(viewer, '[data-field="PGARR.pages"]');
    const pageOffset = await rowOffset(pages);
    assert.equal(await pages.getAttribute('aria-expanded'), 'false');
    // The record is selected, so the hex view shows its start: click the last byte in view
    // that lies inside the page (how many rows fit depends on the window).
    const rendered = await viewer
      .locator('.hex-byte')
      .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-offset'))));
    const inPage = rendered.filter((offset) => offset > pageOffset && offset < pageOffset + 4096);
    assert.ok(inPage.length > 0, 'some page bytes are in view');
    const byte = viewer.locator(`.hex-byte[data-offset="${Math.max(...inPage)}"]`);
    await byte.click();
    await viewer.locator('[data-field="PGARR.pages[0]"][aria-selected="true"]').waitFor();
    const highlighted = await highlightedOffsets(viewer);
    assert.equal(highlighted[0], pageOffset, 'the highlight starts at the page');
    assert.ok(highlighted.every((offset) => offset >= pageOffset && offset < pageOffset + 4096));
    assert.equal(
      (await viewer.locator('.inspector-title').textContent())?.trim(),
      'PGARR.pages[0]',
    );
    await screenshot(page, env, 'image-viewer-page');
  });

  it('goes to an offset typed in the toolbar and selects the field there', async () => {
    const viewer = await openImage(page, 'one-task.crimg');
    const goTo = viewer.locator('vscode-text-field.goto-offset input');
    await goTo.fill('0x999999999');
    await goTo.press('Enter');
    const status = viewer.locator('.goto-status');
    await status.filter({ hasText: 'Not an offset' }).waitFor();
    // 0x150 is the second byte of CRED.euid in this fixture (HEAD 232, TREE 40, TASK 32,
    // STRING 15, CRED header 8, uid/suid 8): the whole field is selected.
    await goTo.fill('0x150');
    await goTo.press('Enter');
    const euid = viewer.locator('[data-field="CRED.euid"][aria-selected="true"]');
    await euid.waitFor();
    assert.equal(await rowOffset(euid), 0x14f);
    assert.deepEqual(await highlightedOffsets(viewer), [0x14f, 0x150, 0x151, 0x152]);
    assert.equal(await viewer.locator('.hex-byte.cursor').getAttribute('data-offset'), '336');
    assert.equal((await status.textContent())?.trim(), '');
  });

  it('shows a truncated image up to the damage, and the damage where it is', async () => {
    const viewer = await openImage(page, 'truncated.crimg');
    const problem = viewer.locator('.problem').first();
    await problem.waitFor({ timeout: 30_000 });
    const problemOffset = Number(await problem.getAttribute('data-offset'));
    const errno = (await problem.locator('vscode-tag').textContent())?.trim() ?? '';
    assert.equal(errno, 'EPIPE', 'a cut image ends too early');
    // Every record before the damage is there, and none is blamed.
    for (const name of ['HEAD', 'TREE', 'TASK', 'CRED', 'MM']) {
      const row = await findRow(viewer, `[data-record-name="${name}"]`);
      assert.ok(
        !((await row.getAttribute('class')) ?? '').includes('has-problem'),
        `${name} is intact`,
      );
    }
    // The row blamed is the one at the problem's offset, with the errno on it.
    await problem.click();
    const blamed = viewer.locator('.tree-row.has-problem[aria-selected="true"]');
    await blamed.waitFor();
    assert.equal(await rowOffset(blamed), problemOffset);
    assert.equal((await blamed.locator('.tree-problem').textContent())?.trim(), 'EPIPE');
    assert.ok(
      (await viewer.locator('.hex-byte.damaged').count()) > 0,
      'the damaged bytes are marked',
    );
    await screenshot(page, env, 'image-viewer-truncated');
  });

  it('shows HTML and script in comm, paths and labels as text and runs none of it', async () => {
    const viewer = await openImage(page, 'hostile.crimg');
    // Every hostile text on screen, each in its own row, as the text it is.
    const task = await findRow(viewer, '[data-vpid="1"]');
    assert.equal(
      await task.locator('.tree-name').textContent(),
      `task 1 ${hostileText.comm}`,
      'comm',
    );
    const cred = hostileRecord('CRED');
    const credLabel = hostileRecord('SECURITY', cred);
    const exe = hostileRecord('FNAME');
    const fdData = hostileRecord('FD_DATA');
    const filePath = hostileRecord('FNAME', fdData);
    const fileLabel = hostileRecord('SECURITY', fdData);
    const shown: [string, string, number, string][] = [
      ['CRED', '', credLabel, 'SECURITY.label'],
      ['MM', '', exe, 'FNAME.value'],
      ['FILES', 'FD_ENT', filePath, 'FNAME.value'],
      ['FILES', 'FD_ENT', fileLabel, 'SECURITY.label'],
    ];
    const texts: Record<number, string> = {
      [credLabel]: hostileText.label,
      [exe]: hostileText.exe,
      [filePath]: hostileText.file,
      [fileLabel]: hostileText.fileLabel,
    };
    for (const [owner, inner, record, field] of shown) {
      await expand(viewer, `[data-record-name="${owner}"]`);
      if (inner) {
        await expand(viewer, `[data-record-name="${inner}"]`);
        await expand(viewer, '[data-record-name="FD_DATA"]');
      }
      await expand(viewer, `[data-record-index="${record}"]`);
      const row = await findRow(viewer, `[data-field="${field}"][data-record="${record}"]`);
      assert.equal(await row.locator('.tree-value').textContent(), texts[record], field);
    }
    // The inspector shows the chosen field's value as text too.
    const exeRow = await findRow(viewer, `[data-field="FNAME.value"][data-record="${exe}"]`);
    await exeRow.click();
    await viewer.locator('.inspector-title', { hasText: 'FNAME.value' }).waitFor();
    assert.ok(
      (await viewer.locator('.inspector .fact-value').allTextContents()).includes(hostileText.exe),
      'the inspector shows the path',
    );
    await treeSettled(viewer);
    await screenshot(page, env, 'image-viewer-hostile');
    // Locators pierce the toolkit's shadow roots too: nothing was parsed as markup anywhere.
    const injected = {
      elements: await viewer.locator('img, svg, b, iframe').count(),
      handlers: await viewer.locator('[onerror], [onload], [onmouseover]').count(),
      // The page's scripts are ours (by nonce); none carries the image's text.
      scripts: (
        await viewer
          .locator('script')
          .evaluateAll((scripts) => scripts.map((script) => script.textContent ?? ''))
      ).filter((text) => text.includes('crlabPwned')).length,
      global: await viewer
        .locator('body')
        .evaluate(() => (globalThis as Record<string, unknown>)['crlabPwned'] ?? null),
      console: consoleLines.filter((line) => line.includes('crlab-pwned')),
    };
    assert.deepEqual(injected, { elements: 0, handlers: 0, scripts: 0, global: null, console: [] });
    // And the afterEach hook fails the test if any payload was blocked by the CSP.
  });

  it('edits CRED.euid through the inspector and shows the host refusing a bad value', async () => {
    const viewer = await openImage(page, 'edit-me.crimg');
    await expand(viewer, '[data-record-name="CRED"]');
    await (await findRow(viewer, '[data-field="CRED.euid"]')).click();
    const input = viewer.locator('.inspector .edit-control input');
    await input.fill('501');
    await viewer.locator('.inspector vscode-button.edit-apply').click();
    await viewer
      .locator('[data-field="CRED.euid"] .tree-value', { hasText: '501 (oren)' })
      .waitFor({ timeout: 30_000 });
    await viewer.locator('.hex-byte.selected', { hasText: 'f5' }).waitFor();
    assert.deepEqual(await viewer.locator('.hex-byte.selected').allTextContents(), [
      'f5',
      '01',
      '00',
      '00',
    ]);
    await viewer.locator('.inspector .fact-value', { hasText: /^501$/ }).waitFor();
    await viewer.locator('.inspector .edit-control input').fill('not a number');
    await viewer.locator('.inspector vscode-button.edit-apply').click();
    const refusal = viewer.locator('.inspector .edit-status.edit-refused');
    await refusal.waitFor();
    assert.notEqual((await refusal.textContent())?.trim(), '');
    assert.equal(
      (await viewer.locator('[data-field="CRED.euid"] .tree-value').textContent())?.trim(),
      '501 (oren)',
      'a refused value changes nothing',
    );
    await screenshot(page, env, 'image-viewer-edit');
  });

  it('edits an enum with its dropdown and flags with checkboxes', async () => {
    const viewer = await openImage(page, 'edit-enum-flags.crimg');
    await expand(viewer, '[data-record-name="TASK"]');
    await (await findRow(viewer, '[data-field="TASK.state"]')).click();
    const dropdown = viewer.locator('.inspector vscode-dropdown.edit-control');
    await dropdown.click();
    await dropdown.locator('vscode-option', { hasText: /^STOPPED/ }).click();
    await viewer.locator('.inspector vscode-button.edit-apply').click();
    await viewer
      .locator('[data-field="TASK.state"] .tree-value', { hasText: /STOPPED/ })
      .waitFor({ timeout: 30_000 });

    await expand(viewer, '[data-record-name="CRED"]');
    await (await findRow(viewer, '[data-field="CRED.cap_permitted"]')).click();
    const kill = viewer.locator('.inspector vscode-checkbox', { hasText: 'CAP_KILL' });
    assert.equal(await kill.getAttribute('aria-checked'), 'false');
    await kill.click();
    await viewer.locator('.inspector vscode-button.edit-apply').click();
    await viewer
      .locator('[data-field="CRED.cap_permitted"] .tree-value', { hasText: 'CAP_KILL' })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, env, 'image-viewer-flags');
  });

  it("saves an edit as another file through VS Code's own Save As", async () => {
    const source = path.join(env.workspace, 'edit-save-as.crimg');
    const target = path.join(env.workspace, `saved-as-${process.pid}.crimg`);
    const original = readFileSync(source);
    const viewer = await openImage(page, 'edit-save-as.crimg');
    await expand(viewer, '[data-record-name="CRED"]');
    const euid = await findRow(viewer, '[data-field="CRED.euid"]');
    const offset = await rowOffset(euid);
    await euid.click();
    await viewer.locator('.inspector .edit-control input').fill('501');
    await viewer.locator('.inspector vscode-button.edit-apply').click();
    await page.locator('.tabs-container .tab.active.dirty').waitFor();
    // workbench.action.files.saveAs: VS Code asks for the path in its own file dialog.
    await runCommand(page, 'File: Save As...');
    assert.equal(await fileDialogPath(page), source, 'the dialog starts at the file');
    await page.locator('.quick-input-widget input').fill(target);
    await page.keyboard.press('Enter');
    await waitForActiveEditor(page, path.basename(target));
    await page.locator('.tabs-container .tab.active:not(.dirty)').waitFor();
    const expected = Buffer.from(original);
    expected.writeUInt32LE(501, offset);
    assert.deepEqual(readFileSync(target), expected, 'the new file has the edit, nothing else');
    assert.deepEqual(readFileSync(source), original, 'the original file is untouched');
    const saved = await webviewShowing(page, '.file-name', path.basename(target));
    await expand(saved, '[data-record-name="CRED"]');
    const savedEuid = await findRow(saved, '[data-field="CRED.euid"]');
    assert.equal((await savedEuid.locator('.tree-value').textContent())?.trim(), '501 (oren)');
  });

  it('keeps an unsaved edit across a window reload (hot exit) and leaves the file alone', async function () {
    // Not a wait for a race: this test loads the workbench twice (the reload restarts the
    // extension host and the webview), measured at 77–168 s on a machine with load 20.
    this.timeout(360_000);
    const file = path.join(env.workspace, 'edit-hot-exit.crimg');
    const original = readFileSync(file);
    const backups = path.join(env.scratch, 'user-data', 'User', 'Backups');
    const customEditorBackups = (): string[] =>
      filesUnder(backups).filter(
        (name) =>
          name.includes(`${path.sep}vscode-custom-editor${path.sep}`) && statSync(name).size > 0,
      );
    const before = new Set(customEditorBackups());
    const viewer = await openImage(page, 'edit-hot-exit.crimg');
    await expand(viewer, '[data-record-name="CRED"]');
    await (await findRow(viewer, '[data-field="CRED.euid"]')).click();
    await viewer.locator('.inspector .edit-control input').fill('501');
    await viewer.locator('.inspector vscode-button.edit-apply').click();
    await page.locator('.tabs-container .tab.active.dirty').waitFor();
    // VS Code for the Web cannot write backups while the page unloads: it writes them shortly
    // after each change. Reload once the backup of this edit is on disk.
    await until('the backup of the edit', () =>
      customEditorBackups().some((name) => !before.has(name)),
    );
    await reloadWindow(page);
    await waitForActiveEditor(page, 'edit-hot-exit.crimg');
    await page.locator('.tabs-container .tab.active.dirty').waitFor();
    const restored = await webviewShowing(page, '.file-name', 'edit-hot-exit.crimg');
    await expand(restored, '[data-record-name="CRED"]');
    const euid = await findRow(restored, '[data-field="CRED.euid"]');
    assert.equal((await euid.locator('.tree-value').textContent())?.trim(), '501 (oren)');
    assert.deepEqual(readFileSync(file), original, 'the file on disk is untouched');
  });

  it('opens a 96 MiB image with only the rows in view in the DOM, down to its last record', async () => {
    const size = statSync(path.join(env.workspace, 'large.crimg')).size;
    const viewer = await openImage(page, 'large.crimg');
    await viewer.locator('[data-first-render]').waitFor({ timeout: 60_000 });
    await viewer
      .locator('.summary-pages .summary-value', { hasText: String(largeImagePages + 1) })
      .waitFor();
    const domRows = async (): Promise<{ tree: number; hex: number }> => ({
      tree: await viewer.locator('[role="treeitem"]').count(),
      hex: await viewer.locator('.hex-row').count(),
    });
    // Open the big mapping and one of its chunks: thousands of rows exist, few are built.
    await expand(viewer, '[data-record-name="MM"]');
    // The fixture's records: ... MM 6, FNAME 7, VMA 8 (one page), PGARR 9-10, VMA 11 (large).
    await expand(viewer, '[data-record-index="11"][data-record-name="VMA"]');
    await expand(viewer, '[data-record-index="15"][data-record-name="PGARR"]');
    await expand(viewer, '[data-field="PGARR.addrs"]');
    await findRow(viewer, '[data-field="PGARR.addrs[3]"]');
    let rows = await domRows();
    assert.ok(rows.tree > 10 && rows.tree <= 80, `tree rows in the DOM: ${rows.tree}`);
    assert.ok(rows.hex > 10 && rows.hex <= 100, `hex rows in the DOM: ${rows.hex}`);
    // The end of the tree: the TAIL record.
    await viewer.locator('[role="tree"]').focus();
    await page.keyboard.press('End');
    await viewer.locator('[data-record-name="TAIL"][aria-selected="true"]').waitFor();
    // The end of the file in the hex view: its last byte, read from the host.
    await viewer.locator('[role="grid"]').focus();
    await page.keyboard.press('Control+End');
    const lastRow = size - 1 - ((size - 1) % 16);
    await viewer.locator(`.hex-row[data-row-offset="${lastRow}"]`).waitFor();
    await viewer.locator(`.hex-byte[data-offset="${size - 1}"]`, { hasText: '00' }).waitFor();
    rows = await domRows();
    assert.ok(
      rows.tree <= 80 && rows.hex <= 100,
      `rows in the DOM after scrolling: ${JSON.stringify(rows)}`,
    );
    await screenshot(page, env, 'image-viewer-large');
  });

  it('catches a Content Security Policy violation inside the image viewer (the check works)', async () => {
    const viewer = await openImage(page, 'one-task.crimg');
    csp.take();
    // What a viewer that parsed image text as HTML would do: an inline handler, which the
    // webview's CSP blocks and Chromium reports.
    await viewer.locator('body').evaluate((body) => {
      const probe = body.ownerDocument.createElement('div');
      probe.innerHTML = '<img src="missing" onerror="globalThis.crlabProbe = 1">';
      body.append(probe);
    });
    let violations: string[] = [];
    await until('the violation report', () => (violations = csp.take()).length > 0);
    assert.match(violations[0] ?? '', /script-src/);
    assert.equal(
      await viewer
        .locator('body')
        .evaluate(() => (globalThis as Record<string, unknown>)['crlabProbe'] ?? null),
      null,
      'the handler did not run',
    );
  });
});
