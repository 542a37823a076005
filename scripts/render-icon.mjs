// Renders media/icon.svg to media/icon.png (128 × 128, transparent corners) with Debian's
// Chromium through playwright-core: the marketplace and VS Code want a PNG icon.
//   node scripts/render-icon.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = readFileSync(path.join(root, 'media', 'icon.svg'), 'utf8');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(`<body style="margin:0;background:transparent">${svg}</body>`);
  const png = await page.locator('svg').screenshot({ omitBackground: true });
  writeFileSync(path.join(root, 'media', 'icon.png'), png);
  console.log(`render-icon: media/icon.png, ${png.length} bytes`);
} finally {
  await browser.close();
}
