/**
 * Drives the VS Code workbench in the browser the way a person does: keyboard shortcuts, the
 * command palette, Quick Open, and the webviews inside their iframes.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';

/** What the runner (scripts/vscode/run-e2e-tests.mjs) passes through the environment. */
export interface E2eEnvironment {
  /** The running code-server, e.g. `http://127.0.0.1:40123/`. */
  readonly url: string;
  /** The workspace folder the workbench opens. */
  readonly workspace: string;
  /** A scratch folder for browser profiles. */
  readonly scratch: string;
  /** Where screenshots go (git-ignored). */
  readonly artifacts: string;
}

export function e2eEnvironment(): E2eEnvironment {
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run through scripts/vscode/run-e2e-tests.mjs`);
    return value;
  };
  return {
    url: read('CRLAB_E2E_URL'),
    workspace: read('CRLAB_E2E_WORKSPACE'),
    scratch: read('CRLAB_E2E_SCRATCH'),
    artifacts: read('CRLAB_E2E_ARTIFACTS'),
  };
}

/** A fresh headless Debian Chromium with its own profile. */
export async function launchBrowser(env: E2eEnvironment): Promise<BrowserContext> {
  const profile = path.join(env.scratch, `chromium-${process.pid}-${Date.now()}`);
  mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Opens the workbench on the test workspace and waits until it can take keyboard input. */
export async function openWorkbench(page: Page, env: E2eEnvironment): Promise<void> {
  await page.goto(`${env.url}?folder=${encodeURIComponent(env.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The explorer showing the folder means the remote connection and file service are up.
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
}

/**
 * Runs a command by its palette title, e.g. `Checkpoint/Restart: Get Started`: clicks the palette
 * row whose label is exactly `title` (never whichever row VS Code ranked first, which with similar
 * titles, or VS Code's "similar commands", is another command), then waits for the palette to
 * close. Throws when no row, or more than one, carries exactly that label.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  const exactLabel = new RegExp(`^${escapeRegExp(title)}$`);
  const rows = widget.locator('.quick-input-list .monaco-list-row').filter({
    has: page.locator('.quick-input-list-label .label-name').filter({ hasText: exactLabel }),
  });
  // Extensions' commands appear once the extension host has read them, which can be a few
  // seconds after the workbench shows: reopen the palette until the command is listed.
  const deadline = Date.now() + 60_000;
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor();
    await input.fill(`>${title}`);
    let count = 0;
    try {
      await rows.first().waitFor({ timeout: 3_000 });
      count = await rows.count();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (count > 1) {
      await page.keyboard.press('Escape');
      throw new Error(`${count} command palette rows are labelled exactly "${title}"`);
    }
    if (count === 0) {
      await page.keyboard.press('Escape');
      continue;
    }
    await rows.click();
    await widget.waitFor({ state: 'hidden' });
    return;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Opens a workspace file by name with Quick Open (Ctrl+P), as a person would. */
export async function quickOpen(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor();
  await page.keyboard.press('Enter');
}

/**
 * The content frame of the visible webview: VS Code puts each webview in an outer iframe
 * (`iframe.webview.ready`) whose document hosts the extension's page in `#active-frame`.
 */
export function activeWebview(page: Page): FrameLocator {
  return page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .last()
    .contentFrame()
    .locator('#active-frame')
    .contentFrame();
}

/** Saves a screenshot of the page into the artifacts folder; returns its path. */
export async function screenshot(page: Page, env: E2eEnvironment, name: string): Promise<string> {
  mkdirSync(env.artifacts, { recursive: true });
  const file = path.join(env.artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
