/**
 * Runs the real `crlab` bin (`node bin/crlab.js ...`) in a child process. The bundle it loads,
 * dist/cli.js, is rebuilt with esbuild when it is missing or older than any source it bundles,
 * so `npm run test:unit` never runs a stale bundle and `npm test` (whose build stage just made
 * it) does not rebuild it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

export const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'crlab.js');

let built = false;

/** The newest modification time of the TypeScript and JSON sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.(ts|json)$/.test(entry)) continue;
    newest = Math.max(newest, statSync(join(dir, entry)).mtimeMs);
  }
  return newest;
}

function bundleIsFresh(bundle: string): boolean {
  if (!existsSync(bundle)) return false;
  const sources = ['cli', 'lab', 'kernel', 'image', 'criu'].map((part) =>
    join(ROOT, 'extension', part),
  );
  return statSync(bundle).mtimeMs >= Math.max(...sources.map(newestSource));
}

export function buildCli(): void {
  if (built) return;
  built = true;
  const bundle = join(ROOT, 'dist', 'cli.js');
  if (bundleIsFresh(bundle)) return;
  buildSync({
    entryPoints: [join(ROOT, 'extension', 'cli', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
    // As in scripts/build-bundles.mjs: kaitai-struct only needs iconv-lite for encodings we never use.
    external: ['iconv-lite'],
  });
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
