/**
 * Which extension host runs the extension in this e2e run, seen from the browser: the runner
 * puts it in the Node.js one (package.json `main`) or, with `--host=web`, in the web worker one
 * (`browser`). The other e2e files of the run check features; this one proves where their code
 * ran. Both runs share one code-server per run, and an extension runs in one host per window.
 *
 * The proof is the extension's activation line (extension/host/runtime.ts), which names the
 * bundle and what the runtime itself says it is (`process.versions.node`, or a
 * WorkerGlobalScope): VS Code forwards extension host console lines to the workbench's console
 * as `[Extension Host] …`, where Playwright reads them.
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

// The workbench logs it with CSS arguments after it (`%c` styling): match the runtime exactly.
const activationPattern =
  /Checkpoint\/Restart Lab: the (\w+) bundle is active in (Node\.js \d+\.\d+\.\d+|a web worker|a JavaScript host without Node\.js)/;

describe(`the extension host of this run`, function () {
  this.timeout(120_000);
  const env = e2eEnvironment();
  const csp = failOnCspViolations();
  let browser: BrowserContext;
  let page: Page;
  const activations: { bundle: string; runtime: string }[] = [];

  before(async () => {
    browser = await launchBrowser(env);
    page = await browser.newPage();
    csp.watch(page);
    // Listening from the page's start: a new window starts its own extension host, so the
    // activation this window causes is logged after this.
    page.on('console', (message) => {
      const match = activationPattern.exec(message.text());
      if (match) activations.push({ bundle: match[1]!, runtime: match[2]! });
    });
    await openWorkbench(page, env);
  });

  after(async () => {
    await browser?.close();
  });

  it(`runs the ${env.extensionHost === 'web' ? 'web bundle in a web worker' : 'Node.js bundle in Node.js'}`, async () => {
    // A command of the extension activates it (onCommand:crlab.showWalkthrough).
    await runCommand(page, 'Checkpoint/Restart: Get Started');
    const deadline = Date.now() + 60_000;
    while (activations.length === 0) {
      if (Date.now() > deadline) {
        await screenshot(page, env, 'failed-extension-host');
        throw new Error('the extension logged no activation line in 60 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(activations.length, 1, `one activation: ${JSON.stringify(activations)}`);
    const [activation] = activations;
    if (env.extensionHost === 'web') {
      assert.equal(activation?.bundle, 'web', 'dist/web/extension.js (package.json browser) runs');
      assert.equal(activation?.runtime, 'a web worker', 'its runtime is a web worker');
    } else {
      assert.equal(activation?.bundle, 'node', 'dist/extension.js (package.json main) runs');
      assert.match(activation?.runtime ?? '', /^Node\.js \d+\.\d+\.\d+$/, 'its runtime is Node.js');
    }
  });
});
