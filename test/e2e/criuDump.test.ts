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
import { rowsDrawn } from './imageViewerPage';
import {
  closeAllEditors,
  e2eEnvironment,
  failOnCspViolations,
  launchBrowser,
  openWorkbench,
  quickOpen,
  runFromExplorerMenu,
  screenshot,
  webviewShowing,
} from './workbench';

/** The dump folder the tests write into the workspace, and the title its view shows. */
const dumpFolder = 'criu-dump';

/**
 * The tree row with `key`, in view. The tree is a virtual list: only the rows around its scroll
 * position exist, redrawn one frame after it scrolls, so rows are looked for only once the ones
 * in the DOM are those of the current position; the tree is walked from its top a page at a time.
 */
async function row(viewer: FrameLocator, key: string): Promise<Locator> {
  const tree = viewer.locator('[role="tree"]');
  const found = viewer.locator(`[data-key=${JSON.stringify(key)}]`).first();
  await rowsDrawn(tree);
  if ((await found.count()) === 0) {
    await tree.evaluate((element) => element.scrollTo(0, 0));
    await rowsDrawn(tree);
    while ((await found.count()) === 0) {
      const moved = await tree.evaluate((element) => {
        const before = element.scrollTop;
        element.scrollTop = before + element.clientHeight;
        return element.scrollTop !== before;
      });
      if (!moved) throw new Error(`no row of the dump's tree has the key ${key}`);
      await rowsDrawn(tree);
    }
  }
  // Drawn is not yet visible (two rows are drawn below the view): bring it in.
  await found.evaluate((element) => element.scrollIntoView({ block: 'nearest' }));
  await rowsDrawn(tree);
  return found;
}

/** Opens the row with `key` unless it is open, and waits for its children from the host. */
async function expand(viewer: FrameLocator, key: string): Promise<void> {
  const found = await row(viewer, key);
  if ((await found.getAttribute('aria-expanded')) === 'false') await found.click();
  await viewer.locator(`[data-key=${JSON.stringify(key)}][aria-expanded="true"]`).waitFor();
  // While they are on their way, the row right below is a placeholder ("Reading…").
  await viewer.locator(`[data-key=${JSON.stringify(`${key}:loading`)}]`).waitFor({
    state: 'detached',
  });
  await rowsDrawn(viewer.locator('[role="tree"]'));
}

/** Opens the dump through its inventory.img with Quick Open; returns its view. */
async function openDump(page: Page): Promise<FrameLocator> {
  await quickOpen(page, 'inventory.img');
  return webviewShowing(page, '.file-name', dumpFolder);
}

async function highlighted(viewer: FrameLocator): Promise<number[]> {
  return viewer
    .locator('.hex-byte.selected')
    .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-offset'))));
}

describe('the CRIU dump view in a browser', function () {
  this.timeout(180_000);
  const env = e2eEnvironment();
  const csp = failOnCspViolations();
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    writeDumpFolder(path.join(env.workspace, dumpFolder), sampleDump('v1.1'));
    browser = await launchBrowser(env);
    page = await browser.newPage();
    csp.watch(page);
    await openWorkbench(page, env);
  });

  // Each test opens the dump in a fresh view: no state is carried from the one before.
  beforeEach(async () => {
    await closeAllEditors(page);
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
    await runFromExplorerMenu(page, dumpFolder, 'Open CRIU Dump');
    const viewer = await webviewShowing(page, '.file-name', dumpFolder);
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
    const viewer = await openDump(page);
    await expand(viewer, 'p:4242');
    await expand(viewer, 'file:mm-4242.img');
    const vma = await row(viewer, 'f:mm-4242.img#0:mm_entry.vmas[1]');
    const start = Number(await vma.getAttribute('data-offset'));
    // Selecting vmas[1] shows mm-4242.img in the hex view, from vmas[1] on.
    await vma.click();
    await viewer.locator('.criu-hex-caption', { hasText: /^mm-4242\.img/ }).waitFor();
    // A byte inside vmas[1].end: the host finds the row, the view opens the way to it.
    const target = start + 2 + 6 + 1;
    await viewer.locator(`.hex-byte[data-offset="${target}"]`).click();
    await viewer
      .locator('[data-key="f:mm-4242.img#0:mm_entry.vmas[1].end"][aria-selected="true"]')
      .waitFor();
  });

  it('shows a page of memory from pagemap + pages in pages-<id>.img', async () => {
    const viewer = await openDump(page);
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
});
