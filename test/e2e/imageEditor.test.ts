import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { openImage } from './imageViewerPage';
import {
  closeAllEditors,
  e2eEnvironment,
  failOnCspViolations,
  launchBrowser,
  openWorkbench,
  quickOpen,
  runCommand,
  screenshot,
  webviewShowing,
} from './workbench';

describe('the workbench in a browser', function () {
  this.timeout(120_000);
  const env = e2eEnvironment();
  const csp = failOnCspViolations();
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    browser = await launchBrowser(env);
    page = await browser.newPage();
    csp.watch(page);
    await openWorkbench(page, env);
  });

  // Each test starts from no open editor: none depends on what the one before it opened.
  beforeEach(async () => {
    await closeAllEditors(page);
  });

  afterEach(async function () {
    // A failing test leaves a picture of what the browser showed.
    if (this.currentTest?.state === 'failed') {
      await screenshot(
        page,
        env,
        `failed-${(this.currentTest.title ?? 'test').replace(/\W+/g, '-')}`,
      );
    }
  });

  after(async () => {
    await browser?.close();
  });

  it('runs a Checkpoint/Restart command from the command palette', async () => {
    await runCommand(page, 'Checkpoint/Restart: Get Started');
    const title = page.locator(
      '.gettingStartedContainer .getting-started-category .category-title',
      {
        hasText: 'Checkpoint/Restart Lab',
      },
    );
    await title.first().waitFor({ timeout: 30_000 });
    await screenshot(page, env, 'walkthrough');
  });

  it('opens the example image from the walkthrough', async () => {
    await runCommand(page, 'Checkpoint/Restart: Get Started');
    await page.locator('.getting-started-step', { hasText: 'Open an example image' }).click();
    await page.getByRole('button', { name: 'Open the passwd image' }).click();
    const viewer = await webviewShowing(page, '.file-name', 'passwd.crimg');
    assert.ok((await viewer.locator('[data-record-name="CRED"]').count()) > 0, 'a CRED record');
    await screenshot(page, env, 'walkthrough-image');
  });

  it('takes a command from the palette right after Quick Open opened an image or a scenario', async () => {
    // A palette opened between the new tab showing and the new editor taking the focus closes
    // at once (issue #8's panel failure): quickOpen returns only once the editor has the focus.
    for (const fileName of [
      'counter.crimg',
      '10-counter.crlab',
      'passwd.crimg',
      '04-ptrace.crlab',
    ]) {
      await quickOpen(page, fileName);
      await runCommand(page, 'View: Close All Editors');
      await page.waitForFunction(`document.querySelectorAll('.tabs-container .tab').length === 0`);
    }
  });

  it('keeps asking Restart This Image…’s questions when the image editor takes the focus back', async () => {
    // When the palette or a question closes, VS Code gives the focus back to the image editor's
    // webview, whose frame takes it a moment later; on a busy machine, once the command's next
    // question is open (issue #8: the bench smoke's restart then showed nothing). Done here on
    // purpose, at each question: each must stay open, and the restart must happen.
    await openImage(page, 'counter.crimg');
    await runCommand(page, 'Checkpoint/Restart: Restart This Image…');
    for (const [title, answer] of [
      ['Restart counter.crimg as…', 'hallyn'],
      ['sys_restart flags', ''],
    ] as const) {
      const widget = page.locator('.quick-input-widget:not(.quick-input-widget-closing)').filter({
        has: page.locator('.quick-input-title', { hasText: title }),
      });
      const input = widget.locator('.quick-input-box input');
      await input.waitFor();
      // A string, evaluated in the page: this file is compiled without the DOM's types.
      const takeFocus = `(async () => {
        const frame = [...document.querySelectorAll('iframe.webview.ready')].find(
          (candidate) => candidate.getBoundingClientRect().width > 0,
        );
        if (frame === undefined) return 'no image editor webview is showing';
        frame.focus();
        const focused = document.activeElement === frame;
        // A quick input that loses the focus hides from a timer of its own: let it run.
        await new Promise((resolve) => setTimeout(resolve, 0));
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const open = [...document.querySelectorAll('.quick-input-widget')].some(
          (element) =>
            !element.classList.contains('quick-input-widget-closing') &&
            getComputedStyle(element).display !== 'none' &&
            (element.querySelector('.quick-input-title')?.textContent ?? '').includes(${JSON.stringify(title)}),
        );
        return (focused ? 'the webview has the focus' : 'the webview did not take the focus') +
          ', the question is ' + (open ? 'open' : 'closed');
      })()`;
      const after = await page.evaluate(takeFocus);
      assert.equal(after, 'the webview has the focus, the question is open', title);
      // The user answers with the mouse: the user's row, or OK for no flags. Not with the keys:
      // the webview reports its focus to the workbench from a 250 ms poll (its pre/index.html),
      // and the workbench then focuses it again, so a key pressed in the question can land in the
      // webview (a fresh clone's run waited 30 s for the flags question to close on an Enter).
      await (
        answer === ''
          ? widget.getByRole('button', { name: 'OK' })
          : widget.locator('.quick-input-list .monaco-list-row', { hasText: answer })
      ).click();
      await widget.waitFor({ state: 'hidden' });
    }
    // The restart ran as hallyn: the panel shows its call.
    const header = async (): Promise<string | null> => {
      for (const frame of page.frames()) {
        const call = frame.locator('.call-header').filter({
          has: frame.locator('.call-statement', {
            hasText: /^restart \S*counter\.crimg as hallyn/,
          }),
        });
        if ((await call.count().catch(() => 0)) > 0)
          return call.first().locator('.call-title').innerText();
      }
      return null;
    };
    const deadline = Date.now() + 60_000;
    let title = await header();
    while (title === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      title = await header();
    }
    assert.match(title ?? 'no call shown', /restart succeeded/);
    // The panel took half the editor's height: the next tests want it whole.
    await runCommand(page, 'View: Hide Panel');
    await page.locator('.part.panel').waitFor({ state: 'hidden' });
  });

  it('opens an image in the custom editor and shows its records and fields', async () => {
    const viewer = await openImage(page, 'one-task.crimg');
    const cred = viewer.locator('[data-record-name="CRED"]').first();
    await cred.waitFor({ timeout: 30_000 });
    if ((await cred.getAttribute('aria-expanded')) !== 'true') await cred.click();
    // The field tree comes from the image helper's parser: the CRED payload, decoded.
    const euid = viewer.locator('[data-field="CRED.euid"]');
    await euid.waitFor();
    const value = await euid.locator('.tree-value').textContent();
    assert.equal(value?.trim(), '1000', 'the task runs as uid 1000');
    const offset = await euid.locator('.tree-offset').textContent();
    assert.match(offset?.trim() ?? '', /^0x[0-9a-f]+$/, 'offsets are shown in hex by default');
    assert.equal(await viewer.locator('.problem').count(), 0, 'a valid image shows no problems');
    await screenshot(page, env, 'image-editor');
  });

  it('lets a keyboard user walk and expand the record tree', async () => {
    const viewer = await openImage(page, 'one-task.crimg');
    const head = viewer.locator('[data-record-name="HEAD"]');
    await head.waitFor({ timeout: 30_000 });
    // A click selects HEAD (and toggles it); the tree keeps the keyboard focus from then on.
    await head.click();
    if ((await head.getAttribute('aria-expanded')) === 'true')
      await page.keyboard.press('ArrowLeft');
    await viewer.locator('[data-record-name="HEAD"][aria-expanded="false"]').waitFor();
    await page.keyboard.press('ArrowDown');
    const tree = viewer.locator('[data-record-name="TREE"]');
    await viewer.locator('[data-record-name="TREE"][aria-selected="true"]').waitFor();
    const activeId = await viewer
      .locator('[role="tree"]')
      .evaluate((element) => element.getAttribute('aria-activedescendant'));
    assert.equal(activeId, await tree.getAttribute('id'), 'the tree points at the TREE row');
    assert.equal(await tree.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('ArrowRight');
    await viewer.locator('[data-record-name="TREE"][aria-expanded="true"]').waitFor();
    await viewer.locator('[data-field="TREE.nr_tasks"][data-record="1"]').waitFor();
    await page.keyboard.press('ArrowLeft');
    await viewer.locator('[data-record-name="TREE"][aria-expanded="false"]').waitFor();
  });

  it('shows the problem of a truncated image with its offset', async () => {
    const viewer = await openImage(page, 'truncated.crimg');
    const problem = viewer.locator('.problem').first();
    await problem.waitFor({ timeout: 30_000 });
    assert.match(
      (await problem.locator('.problem-offset').textContent()) ?? '',
      /^(0x[0-9a-f]+|\d+)$/,
    );
    assert.notEqual(((await problem.locator('.problem-message').textContent()) ?? '').trim(), '');
    await screenshot(page, env, 'image-editor-problems');
  });
});
