/**
 * The `crlab` debugger as a person uses it, in a browser on a real VS Code: a breakpoint on a
 * program line of the passwd example, "Debug Scenario" from the palette, continue to the
 * breakpoint, the task's credentials in the Variables view and the tasks in the Call Stack;
 * a screenshot of that stopped session is kept under test-artifacts/e2e/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  e2eEnvironment,
  failOnCspViolations,
  launchBrowser,
  openWorkbench,
  quickOpen,
  runCommand,
  screenshot,
} from './workbench';

const SCENARIO = '01-passwd-authorized.crlab';

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`no line with ${needle}`);
  return index + 1;
}

/** Ctrl+G: puts the active editor's cursor on `line`, with the editor focused. */
async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

describe('debugging a scenario in the browser', function () {
  this.timeout(180_000);
  const env = e2eEnvironment();
  // Any Content Security Policy violation in any frame fails the test it happened in.
  const csp = failOnCspViolations();
  let browser: BrowserContext;
  let page: Page;

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
    }
  });

  after(async () => {
    await browser?.close();
  });

  it('stops at a program breakpoint with the task credentials, the tasks as threads and its program in the Disassembly view', async () => {
    const source = readFileSync(path.join(env.workspace, SCENARIO), 'utf8');
    const line = lineOf(source, 'checkpoint self');
    await quickOpen(page, SCENARIO);
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ timeout: 30_000 });
    await page.locator('.tab.active', { hasText: SCENARIO }).waitFor();

    // Go to the program's `checkpoint self` line and put a breakpoint there (F9).
    await goToLine(page, line);
    await page.keyboard.press('F9');
    await page.locator('.codicon-debug-breakpoint').first().waitFor({ timeout: 30_000 });

    await runCommand(page, 'Checkpoint/Restart: Debug Scenario');
    const toolbar = page.locator('.debug-toolbar');
    await toolbar.waitFor({ timeout: 60_000 });
    // The Run and Debug view: variables, watch, call stack, breakpoints.
    await page.keyboard.press('Control+Shift+D');
    const callStack = page.locator('.debug-call-stack');
    // Stopped on entry at the first statement (the toolbar offers Continue only when stopped);
    // continue to the breakpoint.
    await callStack
      .locator('.monaco-list-row', { hasText: 'script' })
      .first()
      .waitFor({ timeout: 60_000 });
    const continueButton = toolbar.locator('.action-label.codicon-debug-continue');
    await continueButton.waitFor({ timeout: 60_000 });
    await continueButton.click();
    const task = callStack.locator('.monaco-list-row', { hasText: /passwd \(500\)/ }).first();
    await task.waitFor({ timeout: 60_000 });
    await callStack
      .locator('.monaco-list-row', { hasText: /passwd: checkpoint self/ })
      .first()
      .waitFor({ timeout: 60_000 });

    const variables = page.locator('.debug-variables');
    await variables
      .locator('.monaco-list-row', { hasText: 'buf' })
      .first()
      .waitFor({ timeout: 30_000 });
    await variables.locator('.monaco-list-row', { hasText: 'Credentials' }).first().click();
    const euid = variables.locator('.monaco-list-row', { hasText: /euid/ }).first();
    await euid.waitFor({ timeout: 30_000 });
    assert.match((await euid.textContent()) ?? '', /0 \(root\)/);
    const uid = variables.locator('.monaco-list-row').filter({ hasText: /^uid/ }).first();
    assert.match((await uid.textContent()) ?? '', /500 \(hallyn\)/);

    const threads = await callStack.locator('.monaco-list-row').allTextContents();
    assert.ok(
      threads.some((row) => row.includes('1 init (0)')),
      threads.join(' | '),
    );
    assert.ok(
      threads.some((row) => row.includes('script')),
      threads.join(' | '),
    );
    await screenshot(page, env, 'debug-stopped');

    // The Disassembly view lists the task's program IR, at its program counter.
    await runCommand(page, 'Open Disassembly View');
    const disassembly = page.locator('.disassembly-view');
    await disassembly
      .locator('.monaco-list-row', { hasText: 'checkpoint(0, "/tmp/passwd.crimg", 0x0)' })
      .first()
      .waitFor({ timeout: 30_000 });
    await disassembly
      .locator('.monaco-list-row', { hasText: 'open("/etc/shadow", O_RDWR)' })
      .first()
      .waitFor({ timeout: 30_000 });
    await screenshot(page, env, 'debug-disassembly');

    // Stop the session and take the breakpoint away again.
    await page.keyboard.press('Shift+F5');
    await toolbar.waitFor({ state: 'hidden', timeout: 60_000 });
    await runCommand(page, 'Remove All Breakpoints');
    await page
      .locator('.debug-breakpoints .monaco-list-row', { hasText: SCENARIO })
      .first()
      .waitFor({ state: 'detached', timeout: 30_000 });
  });
});
