/**
 * Files through VS Code's `workspace.fs`, for where the host has no file system of its own (the
 * web worker, see platform.ts) or the file is not on it (a remote or virtual file system). That
 * API reads files whole, with no positioned reads, so every whole read here is bounded first.
 */
import * as vscode from 'vscode';
import type { DumpDirectory } from '../criu/index';
import { maxDumpFiles } from '../criu/index';
import { host } from './index';

/** At most this many bytes are read whole: one image, or all the files of one CRIU dump. */
export const wholeReadLimit = 512 * 1024 * 1024;

/** The last segment of a URI's path (a file or folder name), on any file system. */
export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function tooLarge(what: string, bytes: number): Error {
  return new Error(
    vscode.l10n.t(
      '{0} is {1}: without positioned reads (in a browser, or on a remote or virtual file system) it is read whole, and at most {2} is read so.',
      what,
      mebibytes(bytes),
      mebibytes(wholeReadLimit),
    ),
  );
}

/** The bytes of `uri`, read whole; throws a clear error beyond {@link wholeReadLimit}. */
export async function readWholeFile(uri: vscode.Uri): Promise<Uint8Array> {
  const { size } = await vscode.workspace.fs.stat(uri);
  if (size > wholeReadLimit) throw tooLarge(baseName(uri), size);
  return vscode.workspace.fs.readFile(uri);
}

/**
 * A CRIU dump directory read through `workspace.fs`: every regular file whole, up to
 * {@link wholeReadLimit} in all (the dump model reads synchronously, so nothing can wait).
 */
export async function workspaceDumpDirectory(directory: vscode.Uri): Promise<DumpDirectory> {
  const entries = await vscode.workspace.fs.readDirectory(directory);
  const names = entries
    .filter(([, type]) => (type & vscode.FileType.File) !== 0)
    .map(([name]) => name)
    .sort()
    .slice(0, maxDumpFiles);
  const sizes = await Promise.all(
    names.map(async (name) => {
      try {
        return (await vscode.workspace.fs.stat(vscode.Uri.joinPath(directory, name))).size;
      } catch {
        return null;
      }
    }),
  );
  const total = sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0);
  if (total > wholeReadLimit)
    throw tooLarge(vscode.l10n.t('The dump {0}', baseName(directory)), total);
  const contents = new Map<string, Uint8Array>();
  for (const [index, name] of names.entries()) {
    if (sizes[index] === null) continue;
    try {
      contents.set(name, await vscode.workspace.fs.readFile(vscode.Uri.joinPath(directory, name)));
    } catch {
      // A file that vanished or cannot be read is not part of the dump as read now.
    }
  }
  return {
    files: [...contents].map(([name, bytes]) => ({ name, size: bytes.length })),
    read(name, offset, length) {
      const bytes = contents.get(name);
      if (!bytes) return null;
      const start = Math.min(Math.max(0, offset), bytes.length);
      return bytes.subarray(start, Math.min(bytes.length, start + Math.max(0, length)));
    },
  };
}

/** A CRIU dump directory: positioned reads on the host's own files, else through workspace.fs. */
export async function readDumpDirectory(directory: vscode.Uri): Promise<DumpDirectory> {
  if (directory.scheme === 'file' && host.localFiles)
    return host.localFiles.dumpDirectory(directory.fsPath);
  return workspaceDumpDirectory(directory);
}
