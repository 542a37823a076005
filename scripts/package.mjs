// `npm run package`: builds, then packs the extension into dist/crlab-<version>.vsix with
// @vscode/vsce (offline; everything is bundled, hence --no-dependencies) and prints its size.
// Fails when the package reaches 5 MB: it should stay small.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sizeLimit = 5 * 1024 * 1024;
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.join(root, 'dist', `${manifest.name}-${manifest.version}.vsix`);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [path.join('scripts', 'build.mjs')]);
rmSync(vsix, { force: true });
run('npx', [
  'vsce',
  'package',
  '--no-dependencies',
  '--allow-missing-repository',
  '--skip-license',
  '--out',
  vsix,
]);
const bytes = statSync(vsix).size;
console.log(`package: ${path.relative(root, vsix)} is ${(bytes / 1024).toFixed(1)} KiB`);
if (bytes >= sizeLimit) {
  console.error(`package: over the 5 MB limit`);
  process.exit(1);
}
