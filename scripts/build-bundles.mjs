// The esbuild bundles, all into dist/:
//   dist/extension.js               the extension host code (cjs, `vscode` external)
//   dist/web/extension.js           the same for the web worker extension host (scripts/build-web.mjs)
//   dist/webview/image-viewer.{js,css}  the image editor's webview (browser, iife)
//   dist/webview/lab-panel.{js,css}     the Checkpoint/Restart panel's webview (browser, iife)
//   dist/webview/criu-viewer.{js,css}   the CRIU dump view's webview (browser, iife)
//   dist/cli.js                     the `crlab` command line tool (when extension/cli/main.ts exists)
//   dist/test/vscode/*.js           the tests that run inside VS Code's extension host
// Sources are bundled so the .vsix needs no node_modules. Source maps are written next to the
// bundles for debugging and left out of the .vsix by .vscodeignore.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { webBundlePath, webExtensionBundle } from './build-web.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fromRoot = (...parts) => path.join(root, ...parts);

/** Options every Node-side bundle shares. VS Code 1.138's extension host runs Node 22 or newer. */
const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  // kaitai-struct requires iconv-lite only for text encodings other than UTF-8/UTF-16LE, which
  // the image format never uses; leaving it out keeps the bundle free of an unused dependency.
  external: ['iconv-lite'],
};

function extensionBundle() {
  return esbuild.build({
    ...nodeBundle,
    entryPoints: [fromRoot('extension', 'extension.ts')],
    outfile: fromRoot('dist', 'extension.js'),
    external: [...nodeBundle.external, 'vscode'],
    minify: true,
  });
}

function webviewBundles() {
  return esbuild.build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    sourcemap: 'linked',
    minify: true,
    logLevel: 'warning',
    absWorkingDir: root,
    // Each surface's main.ts imports its stylesheet, so esbuild writes `<surface>.css` beside it.
    entryPoints: {
      'image-viewer': fromRoot('webview', 'image-viewer', 'main.ts'),
      'lab-panel': fromRoot('webview', 'panel', 'main.ts'),
      'criu-viewer': fromRoot('webview', 'criu-viewer', 'main.ts'),
    },
    outdir: fromRoot('dist', 'webview'),
  });
}

function cliBundle() {
  const entry = fromRoot('extension', 'cli', 'main.ts');
  if (!existsSync(entry)) return Promise.resolve();
  return esbuild.build({
    ...nodeBundle,
    entryPoints: [entry],
    outfile: fromRoot('dist', 'cli.js'),
  });
}

/** Every `*.ts` file under test/vscode, as entry points named by their path in that folder. */
function vscodeTestEntries() {
  const folder = fromRoot('test', 'vscode');
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(folder, name));
}

function vscodeTestBundles() {
  // The in-host runner loads every *.test.js there: a deleted test must not leave its bundle.
  rmSync(fromRoot('dist', 'test', 'vscode'), { recursive: true, force: true });
  const entryPoints = vscodeTestEntries();
  if (entryPoints.length === 0) return Promise.resolve();
  return esbuild.build({
    ...nodeBundle,
    entryPoints,
    outbase: fromRoot('test', 'vscode'),
    outdir: fromRoot('dist', 'test', 'vscode'),
    // mocha is loaded from node_modules at run time; the tests run from the repository.
    external: [...nodeBundle.external, 'vscode', 'mocha'],
  });
}

/** Builds every bundle; rejects with esbuild's errors when one fails. */
export async function buildBundles() {
  const started = Date.now();
  const [, webBytes] = await Promise.all([
    extensionBundle(),
    webExtensionBundle(),
    webviewBundles(),
    cliBundle(),
    vscodeTestBundles(),
  ]);
  console.log(`build: bundles written to dist/ in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(
    `build: ${path.relative(root, webBundlePath)} is ${(webBytes / 1024).toFixed(1)} KiB, with no Node.js built-in module or global`,
  );
}
