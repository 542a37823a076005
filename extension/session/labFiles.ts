/**
 * The lab session's files, read-only, under the `crlab-lab:` scheme, so that the ordinary editors
 * show them:
 *
 * - `crlab-lab:/session.crlab` — the session's log, a `.crlab` scenario;
 * - `crlab-lab:/kernel/tmp/passwd.crimg` — a file of the emulated kernel as it is now;
 * - `crlab-lab:/calls/3/tmp/passwd.crimg` — the image exactly as call 3 of the history saw it
 *   (what a link from one of its checks opens, even after the file changed).
 */
import * as vscode from 'vscode';
import type { LabService } from './labService';

export const labScheme = 'crlab-lab';

/** The URI of the session's log. */
export function sessionLogUri(): vscode.Uri {
  return vscode.Uri.from({ scheme: labScheme, path: '/session.crlab' });
}

/** The URI of a kernel file (as it is now). */
export function kernelFileUri(path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: labScheme, path: `/kernel${path}` });
}

/** The URI of the image a call of the history read or wrote, as it saw it. */
export function callImageUri(callId: number, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: labScheme, path: `/calls/${callId}${path}` });
}

/** The kernel path a `crlab-lab:` URI names, when it names a kernel file or a call's image. */
export function kernelPathOf(uri: vscode.Uri): string | null {
  if (uri.scheme !== labScheme) return null;
  const kernel = /^\/kernel(\/.+)$/.exec(uri.path);
  if (kernel) return kernel[1] ?? null;
  const call = /^\/calls\/\d+(\/.+)$/.exec(uri.path);
  return call ? (call[1] ?? null) : null;
}

export class LabFileSystem implements vscode.FileSystemProvider {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  private version = 1;

  constructor(private readonly lab: LabService) {}

  /** Registers the provider; the log and kernel files are reported changed with the session. */
  register(): vscode.Disposable {
    const listening = this.lab.onDidChange((change) => {
      if (change.kind === 'focus') return;
      this.version++;
      this.changes.fire([{ type: vscode.FileChangeType.Changed, uri: sessionLogUri() }]);
    });
    return vscode.Disposable.from(
      vscode.workspace.registerFileSystemProvider(labScheme, this, {
        isCaseSensitive: true,
        isReadonly: true,
      }),
      listening,
      this.changes,
    );
  }

  private bytesOf(uri: vscode.Uri): Uint8Array {
    const session = this.lab.session;
    if (uri.path === '/session.crlab') return new TextEncoder().encode(session.text);
    const kernel = /^\/kernel(\/.+)$/.exec(uri.path);
    if (kernel?.[1] !== undefined) {
      const bytes = session.kernel.readFile(kernel[1]);
      if (bytes !== null) return bytes;
    }
    const call = /^\/calls\/(\d+)(\/.+)$/.exec(uri.path);
    if (call !== null) {
      const found = session.history.find((entry) => entry.id === Number(call[1]));
      if (found?.imageBytes && found.image === call[2]) return found.imageBytes;
    }
    throw vscode.FileSystemError.FileNotFound(uri);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    if (uri.path === '/' || uri.path === '/kernel' || uri.path === '/calls') {
      return { type: vscode.FileType.Directory, ctime: 0, mtime: this.version, size: 0 };
    }
    const size = this.bytesOf(uri).length;
    return {
      type: vscode.FileType.File,
      ctime: 0,
      mtime: this.version,
      size,
      permissions: vscode.FilePermission.Readonly,
    };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    return this.bytesOf(uri);
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}
