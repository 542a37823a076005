// Starts and stops code-server (the real VS Code) for `npm start` and the tests.
// Each run gets a private folder under .vscode-test/runs/ (see prepareRun): user data,
// extensions, the XDG and temp folders, so nothing is written outside the cache and runs that
// happen at the same time do not share state.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { codeServerEntry, nodeBinary, repoRoot, runsDir } from './paths.mjs';

/** Settings that keep a test workbench quiet and predictable. */
export const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  // VS Code cancels a code action request whenever any code action provider is registered
  // while it runs, because it compares the model's unfiltered provider list with the
  // kind-filtered one, and these snippet actions (for every language, never a Quick Fix) make
  // the two differ. Extensions that activate seconds into a fresh window (TypeScript on
  // `onLanguage:jsonc`) then turned a hover's quick fix into "No quick fixes available" (the
  // e2e flake of issue #8; test/vscode/language.test.ts shows it with a meddler).
  'editor.snippets.codeActions.enabled': false,
};

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The file in a run folder that names the process owning it (see processIdentity()). */
const ownerFile = 'owner.json';

/**
 * What identifies a live process: its pid and, on Linux, its start time (field 22 of
 * /proc/<pid>/stat), so that a pid the system has since given to another process does not keep a
 * dead run's folder alive.
 */
function processIdentity(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, started: fields[19] };
  } catch {
    return { pid, started: null };
  }
}

/** Whether the process that wrote `owner` is still running. */
function ownerIsAlive(owner) {
  if (!Number.isInteger(owner?.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if (error?.code !== 'EPERM') return false;
  }
  const now = processIdentity(owner.pid);
  return owner.started === null || now.started === null || now.started === owner.started;
}

/** Folders of the layout before owned run folders: fixed names that no runner uses any more. */
const formerFixedRuns = new Set(['e2e', 'vscode-tests', 'bench']);

/**
 * Removes the folders of runs whose process has ended (a run folder is kept after its run, for
 * its log, until a later run clears it). A folder without an owner file is a kept one (npm
 * start's) or one being created right now, and is left alone, unless it is of the former layout.
 */
function removeDeadRuns() {
  let names;
  try {
    names = readdirSync(runsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(runsDir, name);
    let owner = null;
    try {
      owner = JSON.parse(readFileSync(path.join(dir, ownerFile), 'utf8'));
    } catch {
      if (formerFixedRuns.has(name)) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (ownerIsAlive(owner)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Creates the private folders of a run named `name` and returns their paths.
 *
 * By default every call gets a new, empty folder `<name>-<pid>-<random>`, owned by this process:
 * two runs started at the same time (two `npm test`s in one clone) never share user data, a
 * workspace or a log, and folders of runs whose process has ended are removed here. With `keep`,
 * the folder is exactly `<name>` and survives between runs (`npm start` keeps the user's settings
 * and editor state); only one such run can use it at a time.
 */
export function prepareRun(name, { keep = false } = {}) {
  removeDeadRuns();
  mkdirSync(runsDir, { recursive: true });
  const runDir = keep
    ? path.join(runsDir, name)
    : mkdtempSync(path.join(runsDir, `${name}-${process.pid}-`));
  const dirs = {
    runDir,
    userDataDir: path.join(runDir, 'user-data'),
    extensionsDir: path.join(runDir, 'extensions'),
    xdgData: path.join(runDir, 'xdg-data'),
    xdgConfig: path.join(runDir, 'xdg-config'),
    tmp: path.join(runDir, 'tmp'),
    log: path.join(runDir, 'code-server.log'),
  };
  for (const dir of Object.values(dirs)) if (dir !== dirs.log) mkdirSync(dir, { recursive: true });
  if (!keep) {
    writeFileSync(
      path.join(runDir, ownerFile),
      `${JSON.stringify(processIdentity(process.pid))}\n`,
    );
  }
  return dirs;
}

/**
 * Starts code-server on a free port and waits until it answers.
 * @param {object} options
 * @param {string} options.folder the workspace folder to open
 * @param {ReturnType<typeof prepareRun>} options.run folders from prepareRun()
 * @param {Record<string, unknown>} [options.settings] user settings (quietSettings by default)
 * @param {string[]} [options.extraArgs] more code-server arguments
 * @param {boolean} [options.workspaceTrust] keep workspace trust on (default off: every folder
 *   is trusted); with it, and `security.workspace.trust.enabled` in the settings, a folder no one
 *   trusted opens in Restricted Mode
 * @param {Record<string, string>} [options.env] more environment for the server and its extension host
 * @param {number} [options.port] the port to listen on (a free one by default)
 * @returns {Promise<{ port: number, url: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startCodeServer({
  folder,
  run,
  settings = quietSettings,
  extraArgs = [],
  workspaceTrust = false,
  env = {},
  port: wantedPort,
}) {
  const port = wantedPort ?? (await freePort());
  const settingsFile = path.join(run.userDataDir, 'User', 'settings.json');
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  // An existing file is the user's (npm start keeps it); tests always start from an empty run.
  if (!existsSync(settingsFile))
    writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
  const args = [
    codeServerEntry,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    run.userDataDir,
    '--extensions-dir',
    run.extensionsDir,
    ...extraArgs,
    folder,
  ];
  const log = openSync(run.log, 'a');
  // A process group of its own (detached), so that stop() ends the file watcher and extension
  // host too, not just the server.
  const child = spawn(nodeBinary, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      XDG_DATA_HOME: run.xdgData,
      XDG_CONFIG_HOME: run.xdgConfig,
      TMPDIR: run.tmp,
      ...env,
    },
  });
  closeSync(log);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}/`;

  const stop = async () => {
    if (exited) return;
    signalGroup(child.pid, 'SIGTERM');
    const killed = await Promise.race([
      exitPromise.then(() => true),
      delay(5000).then(() => false),
    ]);
    if (!killed) signalGroup(child.pid, 'SIGKILL');
    // The group may outlive its leader for a moment (watcher, extension host): end it too.
    signalGroup(child.pid, 'SIGKILL');
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited)
      throw new Error(
        `code-server exited (${JSON.stringify(exited)}) before answering; see ${run.log}`,
      );
    try {
      const response = await fetch(`${url}healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within 60s; see ${run.log}`);
    }
    await delay(200);
  }
  return { port, url, pid: child.pid, stop };
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Installs the repository's built extension into the run's extensions folder by linking it, so
 * that a rebuild is picked up on the next reload. Returns the extension id.
 */
export function linkExtension(run) {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`;
  const link = path.join(run.extensionsDir, `${id}-${manifest.version}`);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(repoRoot, link);
  return id;
}

/**
 * Installs a .vsix into the run's extensions folder with code-server's own
 * `--install-extension`, as a user would. Returns the seconds it took.
 */
export function installVsix(run, vsix) {
  const started = Date.now();
  const result = spawnSync(
    nodeBinary,
    [
      codeServerEntry,
      '--user-data-dir',
      run.userDataDir,
      '--extensions-dir',
      run.extensionsDir,
      '--install-extension',
      vsix,
      '--force',
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        XDG_DATA_HOME: run.xdgData,
        XDG_CONFIG_HOME: run.xdgConfig,
        TMPDIR: run.tmp,
      },
    },
  );
  if (result.status !== 0 || !/successfully installed/i.test(result.stdout)) {
    throw new Error(
      `installing ${vsix} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`,
    );
  }
  return (Date.now() - started) / 1000;
}
