// `npm run bench`: builds, then runs the benchmarks one after another, each in a process of its
// own (so one's memory does not weigh on the next's figures):
//   scripts/bench/core.ts    the image layer (1 MiB and 1 GiB images) and the kernel
//   scripts/bench/editor.mjs the custom editor in the real VS Code (code-server + Chromium)
//   scripts/bench/language.mjs .crlab diagnostics on a 2 000-line scenario, keystroke to squiggle
// Every line a benchmark prints starts with `bench `. Not part of `npm test`: the figures depend
// on the machine, so they are read by people, not asserted.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = Date.now();

/** @type {import('node:child_process').ChildProcess | null} */
let current = null;
let interrupted = false;
// A signal to this script alone (not to the terminal's whole group) is passed on to the running
// benchmark, which then stops what it started (code-server, Chromium) before exiting.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    interrupted = true;
    if (current) current.kill(signal);
    else process.exit(130);
  });
}

/**
 * Runs `node ...args` in the repository with inherited output; resolves to its exit status.
 * @param {string[]} args
 * @returns {Promise<number>}
 */
function node(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
    current = child;
    child.on('exit', (code, signal) => {
      current = null;
      // Interrupted: no further benchmark starts.
      if (interrupted || signal) process.exit(130);
      resolve(code ?? 1);
    });
  });
}

// Absolute figures only mean something next to the machine and how busy it was.
const cpus = os.cpus();
console.log(
  `bench machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')} at start, Node ${process.version}`,
);

let failed = false;
// The editor bench needs dist/; when the full build fails (e.g. mid-rewrite), the image and
// kernel benches still run on the generated parser alone.
const built = (await node(['scripts/build.mjs'])) === 0;
if (!built) {
  console.log('bench: the full build failed; building the Kaitai parser only');
  if ((await node(['scripts/build.mjs', '--ksy-only'])) !== 0) {
    console.log('bench: SKIPPED — the Kaitai parser does not build');
    process.exit(1);
  }
  failed = true;
}
if ((await node(['--import', 'tsx', 'scripts/bench/core.ts'])) !== 0) failed = true;
if (built) {
  if ((await node(['scripts/bench/editor.mjs'])) !== 0) failed = true;
  if ((await node(['scripts/bench/language.mjs'])) !== 0) failed = true;
} else {
  console.log('bench editor: SKIPPED — dist/ did not build');
}
console.log(`bench: finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
