// Runs test/e2e: Debian's Chromium, driven by playwright-core, on a real VS Code (code-server)
// with the freshly built extension packed into a .vsix and installed by --install-extension, and
// the examples plus two generated images as its workspace. The tests themselves are plain mocha
// files (test/e2e/*.test.ts, through tsx); this script owns the server's lifecycle and hands its
// URL over in the environment.
// Needs `npm run build` first. Arguments go to mocha: test files replace the default glob, e.g.
// `node scripts/vscode/run-e2e-tests.mjs test/e2e/imageViewer.test.ts --grep hostile`.
//
// `--host=web` runs the extension in VS Code's web worker extension host instead of the Node.js
// one (package.json `browser`, dist/web/extension.js): the user setting `remote.extensionKind`
// moves it there, and the tests learn the mode from CRLAB_E2E_HOST. Every e2e file runs in both
// modes: all the extension's browser-visible features work without Node.js, and a new one must
// too (test/e2e/extensionHost.test.ts proves where the extension ran).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFixtures } from './fixtures.mjs';
import { ensureVsCode } from './install.mjs';
import { repoRoot } from './paths.mjs';
import { packageVsix } from '../package.mjs';
import { installVsix, prepareRun, quietSettings, startCodeServer } from './server.mjs';

const started = Date.now();
const hostArgument = process.argv.slice(2).find((arg) => arg.startsWith('--host='));
const extensionHost = hostArgument?.slice('--host='.length) ?? 'node';
if (extensionHost !== 'node' && extensionHost !== 'web') {
  console.error(`e2e tests: --host is node or web, not ${extensionHost}`);
  process.exit(1);
}
const mochaArgs = process.argv.slice(2).filter((arg) => arg !== hostArgument);
if (!existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
  console.error('e2e tests: dist/ is not built; run `npm run build` first');
  process.exit(1);
}
if (!existsSync('/usr/bin/chromium')) {
  console.error(
    'e2e tests: /usr/bin/chromium is missing; install it with `apt-get install -y chromium`',
  );
  process.exit(1);
}

const installSeconds = ensureVsCode();
if (installSeconds > 0.5)
  console.log(`e2e tests: installed VS Code in ${installSeconds.toFixed(1)}s`);

const run = prepareRun(extensionHost === 'web' ? 'e2e-web' : 'e2e');
const fixtures = writeFixtures(path.join(run.runDir, 'fixtures'));
// The extension as users get it: packed into a .vsix and installed with --install-extension.
const { vsix, bytes } = packageVsix({ outDir: run.runDir });
const installVsixSeconds = installVsix(run, vsix);
console.log(
  `e2e tests: installed ${path.basename(vsix)} (${(bytes / 1024).toFixed(1)} KiB) in ${installVsixSeconds.toFixed(1)}s`,
);

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const server = await startCodeServer({
  folder: fixtures.examples,
  run,
  settings: {
    ...quietSettings,
    // VS Code for the Web saves edits after a delay by default; the tests decide when to save
    // (and keep unsaved edits for the hot-exit test).
    'files.autoSave': 'off',
    // An extension with both `main` and `browser` runs in the Node.js extension host unless the
    // user moves it: this moves it into the web worker extension host, where there is no Node.js.
    ...(extensionHost === 'web'
      ? { 'remote.extensionKind': { [`${manifest.publisher}.${manifest.name}`]: ['web'] } }
      : {}),
  },
});
console.log(
  `e2e tests: VS Code on ${server.url}, workspace ${fixtures.examples}, the extension in the ${extensionHost === 'web' ? 'web worker' : 'Node.js'} extension host`,
);
let status = 1;
try {
  const mocha = spawnSync(
    'npx',
    [
      'mocha',
      '--no-config',
      '--node-option',
      'import=tsx',
      '--timeout',
      '120000',
      '--forbid-only',
      '--forbid-pending',
      '--reporter',
      'spec',
      ...(mochaArgs.some((arg) => arg.endsWith('.ts')) ? [] : ['test/e2e/**/*.test.ts']),
      ...mochaArgs,
    ],
    {
      cwd: repoRoot,
      stdio: 'inherit',
      env: {
        ...process.env,
        CRLAB_E2E_URL: server.url,
        CRLAB_E2E_HOST: extensionHost,
        CRLAB_E2E_WORKSPACE: fixtures.examples,
        CRLAB_E2E_SCRATCH: run.runDir,
        CRLAB_E2E_ARTIFACTS: path.join(
          repoRoot,
          'test-artifacts',
          extensionHost === 'web' ? 'e2e-web' : 'e2e',
        ),
      },
    },
  );
  status = mocha.status ?? 1;
} finally {
  await server.stop();
}
console.log(
  `e2e tests: screenshots in test-artifacts/${extensionHost === 'web' ? 'e2e-web' : 'e2e'}/; finished in ${((Date.now() - started) / 1000).toFixed(1)}s`,
);
process.exit(status);
