/**
 * The .crlab language features as a person sees them in the browser: a typo underlined as it
 * is typed, its message and quick fix, and the hover over a check id. Screenshots are kept in
 * test-artifacts/e2e/ (language-*.png).
 */
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import {
  e2eEnvironment,
  failOnCspViolations,
  launchBrowser,
  openWorkbench,
  runCommand,
  screenshot,
} from './workbench';

describe('the .crlab language in the browser', function () {
  this.timeout(180_000);
  const env = e2eEnvironment();
  // Any Content Security Policy violation in any frame fails the test it happened in.
  const csp = failOnCspViolations();
  let browser: BrowserContext;
  let page: Page;

  /**
   * Opens `fileName` from the Explorer (Quick Open's file search can lag behind a cold
   * workbench on a busy machine; the Explorer lists the folder once the workbench is up) and
   * waits until its text is rendered.
   */
  async function openScenario(fileName: string, firstText: string): Promise<void> {
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: fileName })
      .first()
      .click();
    await page
      .locator('.editor-instance .view-lines', { hasText: firstText })
      .first()
      .waitFor({ timeout: 60_000 });
  }

  /** Selects the first match of `text` in the active editor with the find widget. */
  async function select(text: string): Promise<void> {
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.click({ position: { x: 200, y: 10 } });
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+F');
    const find = page.locator('.find-widget .input').first();
    await find.waitFor();
    await find.fill(text);
    await page.locator('.find-widget .matchesCount', { hasText: /^1 of/ }).waitFor();
    await page.keyboard.press('Escape');
  }

  /** Shows the hover at the cursor (Ctrl+K Ctrl+I), as the keyboard user does. */
  async function showHover(containing: string): Promise<void> {
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: containing }).first();
    await hover.waitFor({ timeout: 30_000 });
    // The hover fades in: a screenshot taken before its animation ends shows it half drawn.
    await hover.evaluate((element) =>
      Promise.all(
        element
          .getAnimations({ subtree: true })
          .map((animation: { finished: Promise<unknown> }) => animation.finished),
      ),
    );
  }

  before(async () => {
    browser = await launchBrowser(env);
    page = await browser.newPage();
    csp.watch(page);
    await openWorkbench(page, env);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await screenshot(
        page,
        env,
        `failed-${(this.currentTest.title ?? 'test').replace(/\W+/g, '-')}`,
      );
      // Whatever popup a failure left open must not block the next test.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
    }
  });

  after(async () => {
    await browser?.close();
  });

  it('underlines a typo as it is typed and fixes it with the quick fix', async () => {
    await openScenario('10-counter.crlab', 'spawn counter as hallyn');
    await select('as hallyn -> counter');
    // Typing replaces the selection: the user is now misspelt.
    await page.keyboard.type('as halyn -> counter', { delay: 20 });
    const squiggle = page.locator('.editor-instance .squiggly-error').first();
    await squiggle.waitFor({ timeout: 30_000 });
    await select('halyn');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await showHover('unknown user `halyn`');
    const hover = page.locator('.monaco-hover:not(.hidden)').first();
    assert.match((await hover.textContent()) ?? '', /did you mean `hallyn`\?/);
    await screenshot(page, env, 'language-diagnostic');
    // The hover's own "Quick Fix..." link, as a person clicks it: VS Code shows it once it
    // has the code actions of that range.
    await hover.locator('.action', { hasText: 'Quick Fix' }).first().click({ timeout: 30_000 });
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Change to `hallyn`' });
    await fix.first().waitFor({ timeout: 30_000 });
    await screenshot(page, env, 'language-quick-fix');
    await page.keyboard.press('Enter');
    await squiggle.waitFor({ state: 'detached', timeout: 30_000 });
    await page
      .locator('.editor-instance .view-lines', { hasText: 'spawn counter as hallyn -> counter' })
      .waitFor();
    // Leave the example as it is on disk for the other tests.
    await runCommand(page, 'File: Revert File');
  });

  it('explains a check id on hover', async () => {
    await openScenario('01-passwd-authorized.crlab', 'world default');
    await select('restart.creds.uid');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await showHover('security check of');
    const text = (await page.locator('.monaco-hover:not(.hidden)').first().textContent()) ?? '';
    assert.match(text, /restart\.creds\.uid/);
    assert.match(text, /cred_setresuid/);
    assert.match(text, /EPERM/);
    await screenshot(page, env, 'language-check-hover');
    await page.keyboard.press('Escape');
  });

  it('lists the scenarios in the Test Explorer and runs them', async () => {
    await runCommand(page, 'Testing: Focus on Test Explorer View');
    const tree = page.locator('.test-explorer');
    const scenario = tree.locator('.monaco-list-row', { hasText: '01-passwd-authorized.crlab' });
    await scenario.first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'Test: Run All Tests');
    // Every example passes: its row gets the passed icon.
    await scenario.locator('.codicon-testing-passed-icon').first().waitFor({ timeout: 120_000 });
    await tree
      .locator('.monaco-list-row', { hasText: '16-unpriv-disallowed.crlab' })
      .locator('.codicon-testing-passed-icon')
      .first()
      .waitFor({ timeout: 120_000 });
    assert.equal(await tree.locator('.codicon-testing-failed-icon').count(), 0, 'no failure');
    await screenshot(page, env, 'language-test-explorer');
  });
});
