/**
 * Runs the real `crlab` bin (`node bin/crlab.js ...`) in a child process. The bundle it loads,
 * dist/cli.js, is built once per test run with esbuild from the current sources, so the unit
 * tests never run a stale bundle (`npm run build` makes the same file).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

export const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'crlab.js');

let built = false;

export function buildCli(): void {
  if (built) return;
  buildSync({
    entryPoints: [join(ROOT, 'extension', 'cli', 'main.ts')],
    outfile: join(ROOT, 'dist', 'cli.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
    // As in scripts/build-bundles.mjs: kaitai-struct only needs iconv-lite for encodings we never use.
    external: ['iconv-lite'],
  });
  built = true;
}

export interface CrlabResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function crlab(
  args: readonly string[],
  options: { cwd?: string; input?: string } = {},
): CrlabResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'crlab-test-'));
}

/** The stderr of a user error: exactly one line, starting with `crlab: `. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.length > 0);
  if (lines.length !== 1 || !lines[0]?.startsWith('crlab: ')) {
    throw new Error(`expected one error line, got: ${JSON.stringify(stderr)}`);
  }
  return lines[0];
}
