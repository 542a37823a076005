// Debian's Chromium, driven by playwright-core (which never downloads a browser of its own).
import { existsSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/**
 * Launches a headless Chromium with a fresh profile under `parentDir`.
 * @returns {Promise<import('playwright-core').BrowserContext>}
 */
export async function launchChromium(parentDir) {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install it with apt-get install -y chromium`);
  }
  const profile = mkdtempSync(path.join(parentDir, 'chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
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
