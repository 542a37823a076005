import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import {
  activeWebview,
  e2eEnvironment,
  launchBrowser,
  openWorkbench,
  quickOpen,
  runCommand,
  screenshot,
} from './workbench';

describe('the workbench in a browser', function () {
  this.timeout(120_000);
  const env = e2eEnvironment();
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    browser = await launchBrowser(env);
    page = await browser.newPage();
    await openWorkbench(page, env);
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
    await page.keyboard.press('Control+K');
    await page.keyboard.press('W');
  });

  it('opens an image in the custom editor and shows its records and fields', async () => {
    await quickOpen(page, 'one-task.crimg');
    const viewer = activeWebview(page);
    const cred = viewer.locator('[data-record-name="CRED"]').first();
    await cred.waitFor({ timeout: 30_000 });
    if ((await cred.getAttribute('aria-expanded')) !== 'true')
      await cred.locator('.record-head').click();
    const lenRow = cred.locator('[data-field="len"]');
    await lenRow.waitFor();
    const value = await lenRow.locator('vscode-data-grid-cell[grid-column="4"]').textContent();
    assert.equal(value?.trim(), '72', 'a CRED record has a 72-byte payload');
    assert.equal(await viewer.locator('.problem').count(), 0, 'a valid image shows no problems');
    await screenshot(page, env, 'image-editor');
  });

  it('shows the problem of a truncated image with its offset', async () => {
    await quickOpen(page, 'truncated.crimg');
    const viewer = activeWebview(page);
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
