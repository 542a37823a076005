/**
 * The CRIU dump view in a browser on a real VS Code: a synthesised dump directory in the
 * workspace, opened through its inventory.img; the tree by process, a field's bytes highlighted
 * in its file's hex, a clicked byte selecting its field, a page of memory from pagemap + pages,
 * and who may restart the dump. Screenshots go to test-artifacts/e2e/.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { BrowserContext, FrameLocator, Locator, Page } from 'playwright-core';
import { sampleDump, writeDumpFolder } from '../unit/criu/dump-writer';
import {
  activeWebview,
  e2eEnvironment,
  launchBrowser,
  openWorkbench,
  quickOpen,
  screenshot,
} from './workbench';

/** The tree row with `key`, scrolled into the DOM (the tree is a virtual list). */
async function row(viewer: FrameLocator, key: string): Promise<Locator> {
  const tree = viewer.locator('[role="tree"]');
  const found = viewer.locator(`[data-key="${key}"]`).first();
  await tree.waitFor({ timeout: 30_000 });
  // Usually in view already: a chosen row is scrolled to the middle, its children below it.
  try {
    await found.waitFor({ timeout: 2_000 });
    return found;
  } catch {
    await tree.evaluate((element) => element.scrollTo(0, 0));
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await found.waitFor({ timeout: 400 });
      return found;
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

async function expand(viewer: FrameLocator, key: string): Promise<void> {
  const found = await row(viewer, key);
  if ((await found.getAttribute('aria-expanded')) === 'false') await found.click();
  await viewer.locator(`[data-key="${key}"][aria-expanded="true"]`).first().waitFor();
}

/**
 * Right-clicks `folder` in the Explorer and runs the context menu's `item`, as a person would.
 * The extension's menu items appear once the extension host has read its manifest: retry until
 * the item is there.
 */
async function fromExplorerMenu(page: Page, folder: string, item: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^${folder}$`) }),
  });
  const entry = page.locator('.context-view .monaco-menu .action-item', {
    has: page.locator('.action-label', { hasText: new RegExp(`^${item}$`) }),
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    await row.first().click({ button: 'right' });
    try {
      await entry.first().waitFor({ timeout: 3_000 });
      await entry.first().click();
      return;
    } catch (error) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw error;
    }
  }
}

async function highlighted(viewer: FrameLocator): Promise<number[]> {
  return viewer
    .locator('.hex-byte.selected')
    .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-offset'))));
}

describe('the CRIU dump view in a browser', function () {
  this.timeout(180_000);
  const env = e2eEnvironment();
  let browser: BrowserContext;
  let page: Page;
  const consoleLines: string[] = [];

  before(async () => {
    writeDumpFolder(path.join(env.workspace, 'criu-dump'), sampleDump('v1.1'));
    browser = await launchBrowser(env);
    page = await browser.newPage();
    page.on('console', (message) => consoleLines.push(message.text()));
    await openWorkbench(page, env);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await screenshot(
        page,
        env,
        `failed-criu-${(this.currentTest.title ?? 'test').replace(/\W+/g, '-')}`,
      );
  });

  after(async () => {
    await browser?.close();
  });

  it('opens from the folder in the Explorer, shows the tree by process and highlights a credential in its core file', async () => {
    await fromExplorerMenu(page, 'criu-dump', 'Open CRIU Dump');
    const viewer = activeWebview(page);
    await viewer.locator('.file-name', { hasText: 'criu-dump' }).waitFor({ timeout: 30_000 });
    const process = await row(viewer, 'p:4242');
    assert.match(
      (await process.locator('.tree-value').textContent()) ?? '',
      /passwd · uid 500 euid 0/,
    );
    await expand(viewer, 'p:4242');
    for (const key of [
      'file:core-4242.img',
      'file:core-4243.img',
      'file:mm-4242.img',
      'file:pagemap-4242.img',
      'file:fdinfo-7.img',
      'p:4250',
    ])
      await row(viewer, key);
    await expand(viewer, 'file:core-4242.img');
    await expand(viewer, 'f:core-4242.img#0:core_entry.thread_core');
    await expand(viewer, 'f:core-4242.img#0:core_entry.thread_core.creds');
    const euid = await row(viewer, 'f:core-4242.img#0:core_entry.thread_core.creds.euid');
    await euid.click();
    const offset = Number(await euid.getAttribute('data-offset'));
    assert.equal(await euid.getAttribute('data-file'), 'core-4242.img');
    // euid 0: tag 0x18 then the varint 00, in core-4242.img's hex.
    await viewer.locator('.hex-byte.selected', { hasText: '18' }).waitFor();
    assert.deepEqual(await highlighted(viewer), [offset, offset + 1]);
    assert.deepEqual(await viewer.locator('.hex-byte.selected').allTextContents(), ['18', '00']);
    assert.match(
      (await viewer.locator('.criu-hex-caption').textContent()) ?? '',
      /^core-4242\.img/,
    );
    assert.equal(
      (await viewer.locator('.criu-details .inspector-title').textContent())?.trim(),
      'euid',
    );
    // Who may restart it: root may; the others need a pid namespace for two processes.
    const grid = viewer.locator('.criu-matrix vscode-data-grid');
    await grid.locator('[data-user="root"][data-verdict="allowed"]').waitFor();
    await grid.locator('[data-user="hallyn"][data-check="restart.pidns"]').waitFor();
    await screenshot(page, env, 'criu-dump');
  });

  it('selects the field of a clicked byte, in any file of the dump', async () => {
    await quickOpen(page, 'inventory.img');
    const viewer = activeWebview(page);
    await expand(viewer, 'p:4242');
    await expand(viewer, 'file:mm-4242.img');
    const vma = await row(viewer, 'f:mm-4242.img#0:mm_entry.vmas[1]');
    await vma.click();
    const start = Number(await vma.getAttribute('data-offset'));
    // A byte inside vmas[1].end: the host finds the row, the view opens the way to it.
    const endRow = await row(viewer, 'f:mm-4242.img#0:mm_entry.vmas[1]');
    assert.ok(endRow);
    const target = start + 2 + 6 + 1;
    await viewer.locator(`.hex-byte[data-offset="${target}"]`).click();
    await viewer
      .locator('[data-key="f:mm-4242.img#0:mm_entry.vmas[1].end"][aria-selected="true"]')
      .waitFor();
  });

  it('shows a page of memory from pagemap + pages in pages-<id>.img', async () => {
    await quickOpen(page, 'inventory.img');
    const viewer = activeWebview(page);
    await expand(viewer, 'p:4242');
    await expand(viewer, 'file:pagemap-4242.img');
    await expand(viewer, 'e:pagemap-4242.img#1');
    await expand(viewer, 'pages:pagemap-4242.img#1');
    const page1 = await row(viewer, 'page:pagemap-4242.img#1:1');
    await page1.click();
    await viewer.locator('.criu-hex-caption', { hasText: 'pages-1.img' }).waitFor();
    // The page starts with its own address (0x601000, little-endian), then a2 bytes.
    await viewer.locator('.hex-byte.selected', { hasText: 'a2' }).first().waitFor();
    const offsets = await highlighted(viewer);
    assert.equal(offsets[0], 4096);
    assert.ok(offsets.every((offset) => offset >= 4096 && offset < 8192));
    assert.deepEqual(
      await viewer
        .locator('.hex-byte.selected')
        .evaluateAll((cells) => cells.slice(0, 4).map((c) => c.textContent)),
      ['00', '10', '60', '00'],
    );
    await screenshot(page, env, 'criu-dump-page');
  });

  it('keeps the webview free of CSP violations', () => {
    const violations = consoleLines.filter((line) =>
      /Content Security Policy|Refused to/i.test(line),
    );
    assert.deepEqual(violations, []);
  });
});
