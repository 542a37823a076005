import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { hostileText, largeImagePages } from './fixtures';
import {
  activeWebview,
  e2eEnvironment,
  launchBrowser,
  openWorkbench,
  quickOpen,
  screenshot,
} from './workbench';

/**
 * The tree row `selector` matches, scrolled into the DOM: the tree is virtual, so a row below
 * the fold does not exist until the list is scrolled to it.
 */
async function findRow(viewer: FrameLocator, selector: string): Promise<Locator> {
  const tree = viewer.locator('[role="tree"]');
  const row = viewer.locator(selector).first();
  await tree.waitFor({ timeout: 30_000 });
  await tree.evaluate((element) => element.scrollTo(0, 0));
  // Rows may still be on their way from the host: sweep the tree until the deadline.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await row.waitFor({ timeout: 400 });
      return row;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await tree.evaluate((element) => {
        const before = element.scrollTop;
        element.scrollTop = before + element.clientHeight / 2;
        if (element.scrollTop === before) element.scrollTop = 0;
      });
    }
  }
}

/** Opens a tree row (task, record or field group) unless it is open already. */
async function expand(viewer: FrameLocator, selector: string): Promise<void> {
  const row = await findRow(viewer, selector);
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
  await viewer.locator(`${selector}[aria-expanded="true"]`).first().waitFor();
}

/** The offset a tree row shows (hex by default). */
async function rowOffset(row: Locator): Promise<number> {
  const text = (await row.locator('.tree-offset').textContent())?.trim() ?? '';
  assert.match(text, /^0x[0-9a-f]+$/);
  return Number.parseInt(text.slice(2), 16);
}

/** The byte offsets of the hex cells highlighted now. */
async function highlightedOffsets(viewer: FrameLocator): Promise<number[]> {
  return viewer
    .locator('.hex-byte.selected')
    .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-offset'))));
}

describe('the checkpoint image viewer in a browser', function () {
  this.timeout(180_000);
  const env = e2eEnvironment();
  let browser: BrowserContext;
  let page: Page;
  const consoleLines: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    browser = await launchBrowser(env);
    page = await browser.newPage();
    page.on('console', (message) => consoleLines.push(message.text()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await openWorkbench(page, env);
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
    await quickOpen(page, 'one-task.crimg');
    const viewer = activeWebview(page);
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
    await quickOpen(page, 'one-task.crimg');
    const viewer = activeWebview(page);
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
    await quickOpen(page, 'one-task.crimg');
    const viewer = activeWebview(page);
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
    await quickOpen(page, 'truncated.crimg');
    const viewer = activeWebview(page);
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
    await quickOpen(page, 'hostile.crimg');
    const viewer = activeWebview(page);
    const task = viewer.locator('[data-vpid="1"] .tree-name');
    await task.filter({ hasText: 'onerror' }).waitFor({ timeout: 30_000 });
    assert.equal((await task.textContent())?.trim(), `task 1 ${hostileText.comm}`);
    await expand(viewer, '[data-record-name="CRED"]');
    await expand(viewer, '[data-record-name="SECURITY"]');
    const label = (await findRow(viewer, '[data-field="SECURITY.label"]')).locator('.tree-value');
    assert.equal(await label.textContent(), hostileText.label);
    await expand(viewer, '[data-record-name="MM"]');
    await expand(viewer, '[data-record-name="FNAME"]');
    const exeRow = await findRow(viewer, '[data-field="FNAME.value"]');
    assert.equal(await exeRow.locator('.tree-value').textContent(), hostileText.exe);
    await exeRow.click();
    assert.equal(
      (await viewer.locator('.inspector .fact-value').nth(3).textContent())?.trim(),
      hostileText.exe,
    );
    // Locators pierce the toolkit's shadow roots too: nothing was parsed as markup anywhere.
    const injected = {
      images: await viewer.locator('img').count(),
      bold: await viewer.locator('b').count(),
      // The page's scripts are ours and VS Code's; none carries the image's text.
      scripts: (
        await viewer
          .locator('script')
          .evaluateAll((scripts) =>
            scripts.map(
              (script) => `${script.getAttribute('src') ?? ''}${script.textContent ?? ''}`,
            ),
          )
      ).filter((text) => text.includes('crlabPwned') || text.includes('alert(')).length,
      handlers: await viewer.locator('[onerror], [onmouseover], [onload]').count(),
      pwned: await viewer
        .locator('body')
        .evaluate(() => (globalThis as Record<string, unknown>)['crlabPwned'] ?? null),
    };
    assert.deepEqual(injected, { images: 0, bold: 0, scripts: 0, handlers: 0, pwned: null });
    assert.deepEqual(dialogs, [], 'no alert() ran');
    assert.ok(!consoleLines.some((line) => line.includes('pwned')), 'no injected console.log ran');
    await screenshot(page, env, 'image-viewer-hostile');
  });

  it('edits CRED.euid through the inspector and shows the host refusing a bad value', async () => {
    await quickOpen(page, 'edit-me.crimg');
    const viewer = activeWebview(page);
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
    await quickOpen(page, 'edit-me.crimg');
    const viewer = activeWebview(page);
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

  it('opens a 96 MiB image with only the rows in view in the DOM, down to its last record', async () => {
    const size = statSync(path.join(env.workspace, 'large.crimg')).size;
    await quickOpen(page, 'large.crimg');
    const viewer = activeWebview(page);
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
});
