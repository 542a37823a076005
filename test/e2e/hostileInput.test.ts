/**
 * Hostile input in a real browser on a real VS Code:
 *
 * - an image whose comm, paths and labels are HTML, script, bidirectional overrides and
 *   zero-width characters, 4 KiB long where the format allows (comm and paths; labels hold 1 KiB),
 *   shows them in the image editor as inert, readable text: nothing parsed as markup, nothing
 *   run, invisible characters written out, long text wrapped or cut in its cell, never widening
 *   the page;
 * - a CRIU dump whose comm carries the same shows it in the dump view as inert, readable text;
 * - messages posted into the host through the webview's own channel are acted on only when the
 *   protocol's guard accepts them; the rest are dropped and logged in the extension's log.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Frame, FrameLocator, Locator, Page } from 'playwright-core';
import {
  indexRecords,
  memoryReader,
  recordFieldTree,
  visibleText,
  writeImage,
} from '../../extension/image/index';
import { sampleDump, writeDumpFolder } from '../unit/criu/dump-writer';
import { hostileImage, oneTaskImage } from './fixtureImages';
import {
  activeWebview,
  e2eEnvironment,
  failOnCspViolations,
  launchBrowser,
  openWorkbench,
  quickOpen,
  runCommand,
  runFromExplorerMenu,
  screenshot,
  webviewShowing,
} from './workbench';

const encoder = new TextEncoder();

/** `unit` repeated, cut on a character boundary to at most `maxBytes` bytes of UTF-8. */
function fill(unit: string, maxBytes: number): string {
  let text = '';
  for (const char of unit.repeat(
    Math.ceil(maxBytes / Math.max(1, encoder.encode(unit).length)) + 1,
  )) {
    if (encoder.encode(text + char).length > maxBytes) break;
    text += char;
  }
  return text;
}

const markup =
  '<img src=x onerror="window.crlabPwned=1"><script>window.crlabPwned=2</script>' +
  '<svg onload="window.crlabPwned=3"></svg><iframe srcdoc="<script>parent.crlabPwned=4</script>"></iframe>' +
  '<b onmouseover=alert(5)>bold</b>javascript:alert(6)&lt;&amp;';
const bidi = '\u202Egpj.exe\u202C \u2066isolated\u2069 \u200Fmark\u061C';
const zeroWidth = 'ro\u200Bot\u200D\u2060\uFEFF';

/** The hostile strings, each as long as its field allows. */
export const hostile = {
  /** TASK.task_comm_len is at most 4095 bytes. */
  comm: fill(`${markup}${bidi}${zeroWidth}`, 4095),
  /** An absolute path of 4095 bytes whose components (at most 255 bytes) carry the same. */
  exe: `/${fill(`${fill(`${markup.replaceAll('/', '')}${bidi}${zeroWidth}`, 250)}/`, 4093).replace(/\/+$/, '')}`,
  /** SECURITY labels hold at most 1023 bytes of text. */
  label: fill(`${zeroWidth}${markup}${bidi}`, 1023),
  file: `/tmp/${bidi.replaceAll(' ', '_')}${zeroWidth}`,
};

/** Where each text field of the hostile image is (the open file's path as `FNAME.value#file`). */
const fieldOffsets = new Map<string, number>();

function hostileImageBytes(): Uint8Array {
  // The file's label carries the cred label's text: both are SECURITY labels.
  const image = hostileImage({ ...hostile, fileLabel: hostile.label });
  const bytes = writeImage(image);
  const fnames: number[] = [];
  for (const entry of indexRecords(memoryReader(bytes), bytes.length).entries) {
    if (entry.kind !== 'record') continue;
    const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
    for (const node of tree.root.children ?? []) {
      if (node.path === 'SECURITY.label' && !fieldOffsets.has(node.path))
        fieldOffsets.set(node.path, node.offset);
      if (node.path === 'FNAME.value') fnames.push(node.offset);
    }
  }
  // The exe (MM's FNAME) comes first, the open file's FNAME last.
  fieldOffsets.set('FNAME.value', fnames[0] ?? -1);
  fieldOffsets.set('FNAME.value#file', fnames.at(-1) ?? -1);
  return bytes;
}

/** Characters that must never reach the screen raw: they reorder or hide what follows. */
const HIDDEN = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;

/** What hostile text could have done to a webview's page: all zero (or null) when it is inert. */
async function injected(viewer: FrameLocator): Promise<Record<string, unknown>> {
  return viewer.locator('body').evaluate((body) => ({
    elements: body.ownerDocument.querySelectorAll('img, svg, iframe, b, object, embed').length,
    handlers: body.ownerDocument.querySelectorAll('[onerror], [onload], [onmouseover]').length,
    scripts: [...body.ownerDocument.scripts].filter((script) =>
      /crlabPwned|alert\(/.test(script.text),
    ).length,
    pwned: (globalThis as Record<string, unknown>)['crlabPwned'] ?? null,
    hidden: /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u.test(
      (body as unknown as { innerText: string }).innerText,
    ),
    overflow:
      body.ownerDocument.documentElement.scrollWidth -
      body.ownerDocument.documentElement.clientWidth,
  }));
}
const INERT = { elements: 0, handlers: 0, scripts: 0, pwned: null, hidden: false, overflow: 0 };

/**
 * The tree row `selector` matches, once scrolled into the DOM (the tree is virtual: a row off
 * screen does not exist): sweeps the tree from the top until it appears.
 */
async function rowInView(viewer: FrameLocator, selector: string): Promise<Locator> {
  const tree = viewer.locator('[role="tree"]');
  const row = viewer.locator(selector).first();
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await row.waitFor({ timeout: 500 });
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

/** The outer frame of the visible webview, which carries the page's messages to the host. */
async function webviewHostFrame(page: Page): Promise<Frame> {
  const outer = page.locator('iframe.webview.ready').filter({ visible: true }).last();
  await outer.waitFor();
  const frame = await (await outer.elementHandle())?.contentFrame();
  if (!frame) throw new Error('no webview frame');
  return frame;
}

/** Posts `message` to the host exactly as the page's `acquireVsCodeApi().postMessage` does. */
async function postFromWebview(frame: Frame, message: unknown): Promise<void> {
  await frame.evaluate((data) => {
    const post = (
      globalThis as unknown as Record<string, (command: string, data: unknown) => void>
    )['__vscode_post_message__'];
    if (typeof post !== 'function') throw new Error('no webview message channel');
    post('onmessage', { message: data });
  }, message);
}

/** Lines of the extension's log (Output: Checkpoint/Restart Lab) written in this run. */
function extensionLog(scratch: string): string[] {
  const logs = path.join(scratch, 'user-data', 'logs');
  if (!existsSync(logs)) return [];
  const lines: string[] = [];
  for (const entry of readdirSync(logs, { recursive: true, encoding: 'utf8' })) {
    if (entry.includes(`crlab.crlab${path.sep}`) && entry.endsWith('.log'))
      lines.push(...readFileSync(path.join(logs, entry), 'utf8').split('\n'));
  }
  return lines;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('hostile input in the browser', function () {
  this.timeout(180_000);
  const env = e2eEnvironment();
  // Any Content Security Policy violation in any frame fails the test it happened in.
  const csp = failOnCspViolations();
  let browser: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    writeFileSync(path.join(env.workspace, 'hostile-strings.crimg'), hostileImageBytes());
    writeFileSync(path.join(env.workspace, 'messages.crimg'), writeImage(oneTaskImage()));
    browser = await launchBrowser(env);
    page = await browser.newPage();
    csp.watch(page);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await openWorkbench(page, env);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await screenshot(
        page,
        env,
        `failed-hostile-${(this.currentTest.title ?? 'test').replace(/\W+/g, '-')}`,
      );
  });

  after(async () => {
    await browser?.close();
  });

  it('shows 4 KiB of markup, bidi overrides and zero-width characters as inert, readable text', async () => {
    await quickOpen(page, 'hostile-strings.crimg');
    const viewer = activeWebview(page);
    const taskName = viewer.locator('[data-vpid="1"] .tree-name');
    await taskName.filter({ hasText: 'onerror' }).waitFor({ timeout: 60_000 });
    // The whole comm, as text, with its invisible characters written out.
    assert.equal(await taskName.textContent(), `task 1 ${visibleText(hostile.comm)}`);
    assert.match(visibleText(hostile.comm), /⟨U\+202E⟩gpj\.exe/);

    // Every field holding hostile text shows it whole and visible, in its tree row and in the
    // inspector; Go to Offset brings each into view (the tree is virtual).
    const rowHeights = new Set<number>();
    for (const [field, text] of [
      ['SECURITY.label', hostile.label],
      ['FNAME.value', hostile.exe],
      ['FNAME.value#file', hostile.file],
    ] as const) {
      const offset = fieldOffsets.get(field);
      assert.ok(offset !== undefined, `the image has ${field}`);
      const goTo = viewer.locator('vscode-text-field.goto-offset input');
      await goTo.fill(`0x${offset.toString(16)}`);
      await goTo.press('Enter');
      const value = viewer.locator('.inspector .fact-value').nth(3);
      await viewer.locator('.inspector-title', { hasText: field.split('#')[0] ?? '' }).waitFor();
      assert.equal(await value.textContent(), visibleText(text), `${field} in the inspector`);
      // The edit box starts from the same visible text (a raw override would reorder it there).
      const editBox = viewer.locator('.inspector vscode-text-field input').first();
      assert.equal(await editBox.inputValue(), visibleText(text), `${field} in its edit box`);
      const row = await rowInView(
        viewer,
        `.tree-row[aria-selected="true"][data-field="${field.split('#')[0]}"]`,
      );
      assert.equal(await row.locator('.tree-value').textContent(), visibleText(text), field);
      // A 4 KiB value stays in its row (cut with an ellipsis), the height of any other row.
      for (const height of await viewer
        .locator('.tree-row')
        .evaluateAll((rows) => rows.map((r) => Math.round(r.getBoundingClientRect().height))))
        rowHeights.add(height);
    }
    assert.equal(rowHeights.size, 1, `rows of one height, not ${[...rowHeights].join(', ')}`);
    const layout = await viewer.locator('body').evaluate((body) => ({
      overflow:
        body.ownerDocument.documentElement.scrollWidth -
        body.ownerDocument.documentElement.clientWidth,
      inspectorOverflow: Math.max(
        0,
        ...[...body.ownerDocument.querySelectorAll('.inspector .fact-value')].map(
          (cell) => cell.scrollWidth - cell.clientWidth,
        ),
      ),
    }));
    assert.deepEqual(layout, { overflow: 0, inspectorOverflow: 0 }, 'nothing widens the page');

    // Nothing was parsed as markup or run, and nothing invisible reached the screen.
    assert.deepEqual(await injected(viewer), INERT);
    assert.equal(HIDDEN.test(visibleText(hostile.comm + hostile.exe + hostile.label)), false);
    assert.equal(
      await page.evaluate(() => (globalThis as Record<string, unknown>)['crlabPwned'] ?? null),
      null,
    );
    assert.deepEqual(dialogs, [], 'no alert() ran');
    await screenshot(page, env, 'hostile-strings');
  });

  it('acts only on messages the protocol accepts; drops and logs the rest', async () => {
    await quickOpen(page, 'messages.crimg');
    const viewer = activeWebview(page);
    const euid = viewer.locator('[data-field="CRED.euid"]').first();
    const cred = viewer.locator('[data-record-name="CRED"]').first();
    await cred.waitFor({ timeout: 60_000 });
    if ((await cred.getAttribute('aria-expanded')) === 'false') await cred.click();
    await euid.waitFor();
    const offset = Number.parseInt(
      ((await euid.locator('.tree-offset').textContent()) ?? '').trim().slice(2),
      16,
    );
    const recordIndex = Number(await euid.getAttribute('data-record'));
    const frame = await webviewHostFrame(page);
    const dirty = page.locator('.tabs-container .tab.active.dirty');
    const logged = (): number =>
      extensionLog(env.scratch).filter((line) =>
        line.includes('image viewer: dropped a malformed message'),
      ).length;
    const before = logged();

    const edit = {
      type: 'editField',
      requestId: 7,
      recordIndex,
      fieldPath: 'CRED.euid',
      offset,
      size: 4,
      input: '0',
      version: 0,
    };
    const malformed: unknown[] = [
      { type: 'saveAs', path: '/etc/shadow' },
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
      { ...edit, size: '4' },
      { ...edit, input: 'x'.repeat(9000) },
      { ...edit, offset: -1 },
      { type: 'requestBytes', offset: 0, length: 1 << 30, version: 0 },
      { type: 'requestFields', indexes: 'all' },
      null,
      'ready',
    ];
    // The extension's log is a file of the server only when the extension runs in the Node.js
    // host; in the web worker host VS Code keeps it in the browser (IndexedDB), out of this
    // test's reach. There only the effects are checked: no malformed message makes the image
    // dirty, and the well-formed edit posted after them (handled after them, in order) does.
    const logOnDisk = env.extensionHost === 'node';
    for (const message of malformed) await postFromWebview(frame, message);
    if (logOnDisk)
      await until('the drops in the extension log', () =>
        logged() - before >= malformed.length ? true : undefined,
      );
    assert.equal(await dirty.count(), 0, 'no malformed message changed the image');

    // The same channel, a well-formed edit: acted on (the image is now dirty).
    await postFromWebview(frame, edit);
    await dirty.waitFor({ timeout: 30_000 });
    if (logOnDisk)
      assert.equal(logged() - before, malformed.length, 'the well-formed edit was not dropped');
    await screenshot(page, env, 'hostile-messages');
    await page.keyboard.press('Escape');
    await quickOpen(page, 'messages.crimg');
    // Leave the workspace as it was for the tests that follow: revert the edit.
    await runCommand(page, 'File: Revert File');
    await until('the revert', async () => ((await dirty.count()) === 0 ? true : undefined));
  });

  it('shows a CRIU dump whose comm is markup, bidi and zero-width text as inert, readable text', async () => {
    // Its own inventory.img, removed at the end, so that other tests find one by Quick Open.
    const folder = path.join(env.workspace, 'hostile-dump');
    writeDumpFolder(folder, sampleDump('v1.1', hostile.comm));
    try {
      await runFromExplorerMenu(page, 'hostile-dump', 'Open CRIU Dump');
      const viewer = await webviewShowing(page, '.file-name', 'hostile-dump');
      const process = viewer.locator('[data-key="p:4242"] .tree-value').first();
      await process.waitFor({ timeout: 60_000 });
      // The comm, whole and visible, at the start of the process row's value.
      const value = (await process.textContent()) ?? '';
      assert.ok(value.startsWith(visibleText(hostile.comm)), value.slice(0, 120));
      assert.match(value, /⟨U\+202E⟩gpj\.exe/);
      assert.deepEqual(await injected(viewer), INERT);
      assert.deepEqual(dialogs, [], 'no alert() ran');
      await screenshot(page, env, 'hostile-criu-dump');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
