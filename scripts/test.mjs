// `npm test`: every check the project has, in order, stopping at the first stage that fails.
// Each stage is a command; its output streams through unchanged, and the test counts its runners
// print (mocha's `N passing` / `N failing`, our runners' `N passed, M failed`) add up to the
// closing line `npm test: N passed, M failed`.
import { spawn } from 'node:child_process';

const stages = [
  ['format', 'npx', ['prettier', '--check', '.']],
  ['lint', 'npx', ['eslint', '.']],
  // The Kaitai parser is generated (git-ignored): a fresh clone needs it before type checking.
  ['generate', 'node', ['scripts/build.mjs', '--ksy-only']],
  ['typecheck', 'npx', ['tsc', '-p', '.', '--noEmit']],
  ['typecheck webview', 'npx', ['tsc', '-p', 'webview', '--noEmit']],
  // The webview's unit tests run in a DOM (happy-dom): DOM types, and Node's and mocha's.
  ['typecheck webview tests', 'npx', ['tsc', '-p', 'test/unit/webview', '--noEmit']],
  ['build', 'node', ['scripts/build.mjs']],
  ['unit', 'npx', ['mocha']],
  // Every example scenario is a test case of the built `crlab` (dist/cli.js from the build stage).
  ['examples', 'node', ['bin/crlab.js', 'test', 'examples/']],
  // A real VS Code (code-server, installed into .vscode-test/ on first use): tests inside its
  // extension host, then Debian's Chromium driving its workbench.
  ['vscode', 'node', ['scripts/vscode/run-vscode-tests.mjs']],
  // The same in Restricted Mode (workspace trust on, the folder untrusted), a window of its own.
  ['vscode restricted', 'node', ['scripts/vscode/run-vscode-tests.mjs', '--restricted']],
  ['e2e', 'node', ['scripts/vscode/run-e2e-tests.mjs']],
  // Every benchmark on small inputs: fails only when one cannot run, never on a figure.
  ['bench smoke', 'node', ['scripts/bench/run.mjs', '--quick', '--no-build']],
];

/** Test counts a stage's output reports, summed over every summary line in it. */
function countTests(rawOutput) {
  // Runners colour their output when they think a terminal (or CI) is watching.
  const output = rawOutput.replace(/\u001b\[[0-9;]*m/g, '');
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/^\s*(\d+) passing\b/gm)) passed += Number(m[1]);
  for (const m of output.matchAll(/^\s*(\d+) failing\b/gm)) failed += Number(m[1]);
  for (const m of output.matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed\b/gm)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

/** Runs one stage, echoing its output as it comes; resolves with its exit code and output. */
function runStage(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      output += chunk.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const total = { passed: 0, failed: 0 };
for (const [name, cmd, args] of stages) {
  const started = Date.now();
  console.log(`\n=== npm test: ${name} ===`);
  const { code, output } = await runStage(cmd, args);
  const counted = countTests(output);
  total.passed += counted.passed;
  total.failed += counted.failed;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (code !== 0) {
    console.error(`\nnpm test: stage '${name}' failed (exit ${code}) after ${seconds}s`);
    // A stage that fails without a failing test (a lint error, a crash) still counts as one.
    console.log(`npm test: ${total.passed} passed, ${Math.max(total.failed, 1)} failed`);
    process.exit(1);
  }
  console.log(`=== ${name} passed in ${seconds}s ===`);
}
console.log(`\nnpm test: ${total.passed} passed, ${total.failed} failed`);
