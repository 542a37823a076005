// `npm test`: every check the project has, in order, stopping at the first stage that fails.
// Each stage is a command; its output streams through unchanged.
import { spawnSync } from 'node:child_process';

const stages = [
  ['format', 'npx', ['prettier', '--check', '.']],
  ['lint', 'npx', ['eslint', '.']],
  // The Kaitai parser is generated (git-ignored): a fresh clone needs it before type checking.
  ['generate', 'node', ['scripts/build.mjs', '--ksy-only']],
  ['typecheck', 'npx', ['tsc', '-p', '.', '--noEmit']],
  ['typecheck webview', 'npx', ['tsc', '-p', 'webview', '--noEmit']],
  ['build', 'node', ['scripts/build.mjs']],
  ['unit', 'npx', ['mocha']],
  // Every example scenario is a test case of the built `crlab` (dist/cli.js from the build stage).
  ['examples', 'node', ['bin/crlab.js', 'test', 'examples/']],
  // A real VS Code (code-server, installed into .vscode-test/ on first use): tests inside its
  // extension host, then Debian's Chromium driving its workbench.
  ['vscode', 'node', ['scripts/vscode/run-vscode-tests.mjs']],
  ['e2e', 'node', ['scripts/vscode/run-e2e-tests.mjs']],
];

for (const [name, cmd, args] of stages) {
  const started = Date.now();
  console.log(`\n=== npm test: ${name} ===`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`\nnpm test: stage '${name}' failed (exit ${result.status}) after ${seconds}s`);
    process.exit(1);
  }
  console.log(`=== ${name} passed in ${seconds}s ===`);
}
