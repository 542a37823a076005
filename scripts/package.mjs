// `npm run package`: builds, then packs the extension into dist/crlab-<version>.vsix with
// @vscode/vsce (offline; everything is bundled, hence --no-dependencies) and prints its size.
// Fails when the package reaches 5 MB: it should stay small. The e2e tests install this package.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizeLimit = 5 * 1024 * 1024;

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  }
  return result.stdout.toString();
}

/**
 * Packs the built extension (dist/ must be current) into a .vsix in `outDir` (dist/ by default;
 * the e2e runner packs into its own run folder, so that runs at the same time do not share it).
 * @param {{ outDir?: string }} [options]
 * @returns {{ vsix: string, bytes: number }}
 */
export function packageVsix({ outDir = path.join(root, 'dist') } = {}) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.join(outDir, `${manifest.name}-${manifest.version}.vsix`);
  rmSync(vsix, { force: true });
  run('npx', [
    'vsce',
    'package',
    '--no-dependencies',
    '--allow-missing-repository',
    // The README links to docs/ in this repository; there is no public URL to rewrite them to.
    '--no-rewrite-relative-links',
    '--out',
    vsix,
  ]);
  const bytes = statSync(vsix).size;
  if (bytes >= sizeLimit) throw new Error(`${vsix} is ${bytes} bytes, over the 5 MB limit`);
  return { vsix, bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const build = spawnSync(process.execPath, [path.join('scripts', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const { vsix, bytes } = packageVsix();
  console.log(`package: ${path.relative(root, vsix)} is ${(bytes / 1024).toFixed(1)} KiB`);
}
