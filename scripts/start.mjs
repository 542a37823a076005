// `npm start`: builds the extension, installs the real VS Code on first use (code-server, into
// .vscode-test/), and serves it on 127.0.0.1 with the extension loaded and examples/ open.
// Prints the URL to open in a browser; runs until Ctrl-C, then stops the server.
// The port is $PORT when set, else 8080 when free, else any free port.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { ensureVsCode } from './vscode/install.mjs';
import { repoRoot } from './vscode/paths.mjs';
import {
  freePort,
  linkExtension,
  prepareRun,
  quietSettings,
  startCodeServer,
} from './vscode/server.mjs';

function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function choosePort() {
  const requested = Number(process.env.PORT);
  if (Number.isInteger(requested) && requested > 0) return requested;
  return (await portIsFree(8080)) ? 8080 : freePort();
}

const build = spawnSync(process.execPath, [path.join('scripts', 'build.mjs')], {
  cwd: repoRoot,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const installSeconds = ensureVsCode();
if (installSeconds > 0.5) console.log(`start: installed VS Code in ${installSeconds.toFixed(1)}s`);

const run = prepareRun('start', { keep: true });
linkExtension(run);
const folder = path.join(repoRoot, 'examples');
const server = await startCodeServer({
  folder,
  run,
  port: await choosePort(),
  // The user's first run shows the walkthrough; later runs keep whatever settings they chose.
  settings: { ...quietSettings, 'workbench.startupEditor': 'welcomePage' },
});
const url = `${server.url}?folder=${encodeURIComponent(folder)}`;
console.log(`\nCheckpoint/Restart Lab is running in VS Code at:\n\n    ${url}\n`);
console.log(`Server log: ${run.log}\nPress Ctrl-C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstart: stopping VS Code');
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);
