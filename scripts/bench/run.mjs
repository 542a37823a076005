// `npm run bench [-- --quick] [--no-build]`: builds, bundles the benchmarks, then runs them one after another,
// each in a process of its own (so one's memory does not weigh on the next's figures):
//   scripts/bench/core.ts        the image layer (1 MiB and 1 GiB images: writer, reader, index)
//                                and the kernel's calls against the writer and reader alone
//   scripts/bench/scale.ts       checkpoint and restart of a 256 MiB task to and from a file on
//                                disk, against a raw write and a raw read (time and peak memory)
//   scripts/bench/validation.ts  images per second through readImage and an unprivileged restart
//   scripts/bench/interpreter.ts instructions per second of a .crlab compute loop against plain JS
//   scripts/bench/lab.ts         the host stall of a checkpoint and restart of a 256 MiB task in the
//                                lab session as the panel runs them (in turns), and one-shot
//   scripts/bench/editor.mjs     the custom editor in the real VS Code (code-server + Chromium)
//   scripts/bench/language.mjs   .crlab diagnostics on a 2 000-line scenario, keystroke to squiggle
//                                (--quick: a 200-line one, two keystrokes)
// Every line a benchmark prints starts with `bench `. The TypeScript benchmarks run as esbuild
// bundles (.bench/dist/), built as the extension and the CLI are, so the figures are the shipped
// code's.
//
// `--quick` (the smoke run of `npm test`) runs every benchmark on small inputs with few repeats,
// in about a minute. Nothing here judges a figure: a benchmark fails (and so does the run) only
// when it cannot run: a build error, an exception, an editor that shows no records.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = Date.now();
const quick = process.argv.includes('--quick');
const passOn = quick ? ['--quick'] : [];
// `npm test` has built everything by the time its bench stage runs.
const skipBuild = process.argv.includes('--no-build');

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

const benches = ['core', 'scale', 'validation', 'interpreter', 'lab'];
const bundleDir = path.join(repoRoot, '.bench', 'dist');

/** The TypeScript benchmarks as Node bundles, with the extension's esbuild settings. */
async function bundleBenches() {
  mkdirSync(bundleDir, { recursive: true });
  await esbuild.build({
    entryPoints: Object.fromEntries(
      benches.map((name) => [name, path.join(repoRoot, 'scripts', 'bench', `${name}.ts`)]),
    ),
    outdir: bundleDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    absWorkingDir: repoRoot,
    // As in scripts/build-bundles.mjs: kaitai-struct's optional text decoder is never used.
    external: ['iconv-lite'],
  });
}

// Absolute figures only mean something next to the machine and how busy it was.
const cpus = os.cpus();
console.log(
  `bench machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(
      ' ',
    )} at start, Node ${process.version}${quick ? ' (--quick: small inputs, few repeats)' : ''}`,
);

let failed = false;
// The editor bench needs dist/; when the full build fails (e.g. mid-rewrite), the other
// benchmarks still run on the generated parser alone.
const built = skipBuild || (await node(['scripts/build.mjs'])) === 0;
if (!built) {
  console.log('bench: the full build failed; building the Kaitai parser only');
  if ((await node(['scripts/build.mjs', '--ksy-only'])) !== 0) {
    console.log('bench: SKIPPED — the Kaitai parser does not build');
    process.exit(1);
  }
  failed = true;
}
try {
  await bundleBenches();
} catch (error) {
  console.log(`bench: FAILED — the benchmarks do not bundle: ${String(error)}`);
  process.exit(1);
}
for (const name of benches) {
  // --expose-gc: a benchmark frees one input before measuring the next (and its peak memory).
  const status = await node(['--expose-gc', path.join(bundleDir, `${name}.mjs`), ...passOn]);
  if (status !== 0) {
    console.log(`bench ${name}: FAILED (exit ${status})`);
    failed = true;
  }
}
if (built) {
  if ((await node(['scripts/bench/editor.mjs', ...passOn])) !== 0) failed = true;
  if ((await node(['scripts/bench/language.mjs', ...passOn])) !== 0) failed = true;
} else {
  console.log('bench editor: SKIPPED — dist/ did not build');
}
console.log(`bench: finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
