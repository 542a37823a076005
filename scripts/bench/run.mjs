// `npm run bench`: builds, then runs the benchmarks one after another, each in a process of its
// own (so one's memory does not weigh on the next's figures):
//   scripts/bench/core.ts    the image layer (1 MiB and 1 GiB images) and the kernel
//   scripts/bench/editor.mjs the custom editor in the real VS Code (code-server + Chromium)
// Every line a benchmark prints starts with `bench `. Not part of `npm test`: the figures depend
// on the machine, so they are read by people, not asserted.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = Date.now();

/** Runs `node ...args` in the repository with inherited output; returns its exit status. */
function node(args) {
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit' });
  return result.status ?? 1;
}

let failed = false;
// The editor bench needs dist/; when the full build fails (e.g. mid-rewrite), the image and
// kernel benches still run on the generated parser alone.
const built = node(['scripts/build.mjs']) === 0;
if (!built) {
  console.log('bench: the full build failed; building the Kaitai parser only');
  if (node(['scripts/build.mjs', '--ksy-only']) !== 0) {
    console.log('bench: SKIPPED — the Kaitai parser does not build');
    process.exit(1);
  }
  failed = true;
}
if (node(['--import', 'tsx', 'scripts/bench/core.ts']) !== 0) failed = true;
if (built) {
  if (node(['scripts/bench/editor.mjs']) !== 0) failed = true;
} else {
  console.log('bench editor: SKIPPED — dist/ did not build');
}
console.log(`bench: finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
