/**
 * What the extension needs from the JavaScript runtime it is loaded into, beyond the `vscode`
 * API: the host's own file system (positioned reads and writes of local files) and a way for a
 * long job to yield. Two implementations, picked when the bundle is built:
 *
 * - `node.ts`, in `dist/extension.js` (package.json `main`): VS Code's Node.js extension host
 *   (desktop, a remote server, code-server);
 * - `web.ts`, in `dist/web/extension.js` (package.json `browser`): the web worker extension host
 *   (vscode.dev, github.dev, code-server with the extension moved into the browser), where there
 *   is no Node.js: no `node:fs`, no `Buffer`, no `setImmediate`, no child processes.
 *
 * `index.ts` exports the Node one; scripts/build-bundles.mjs swaps `node.ts` for `web.ts` in the
 * web bundle and fails the build when any other Node built-in or global reaches it. Nothing else
 * in the extension imports a Node built-in, so this interface is the whole difference.
 *
 * This module and the two implementations import nothing from `vscode`: the debug adapter and
 * the tests run them under plain Node.
 */
import type { DumpDirectory } from '../criu/index';

/** Which bundle is running: `node` (dist/extension.js) or `web` (dist/web/extension.js). */
export type HostKind = 'node' | 'web';

/** A file of the host's file system held open for positioned reads. */
export interface LocalFile {
  /** Its size when it was opened, in bytes. */
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Uint8Array;
  /**
   * Up to `target.length` bytes from `offset` into `target` (fewer at the end of the file);
   * returns how many: for a caller that reads chunk after chunk into one buffer of its own.
   */
  readInto(offset: number, target: Uint8Array): number;
  /** Closes it; later reads fail. Closing twice is harmless. */
  close(): void;
}

/** What a file looked like when it was read: enough to tell that someone else changed it. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly mode: number;
}

/** The file operations of a save, by path. Every one throws (with a Node `code`) on failure. */
export interface SaveFileSystem {
  /** The file's stamp, or null when there is no such file. */
  stamp(file: string): FileStamp | null;
  /** Creates `file`, which must not exist, for writing. */
  createExclusive(file: string, mode: number): number;
  /** Writes `bytes` at the descriptor's position; returns how many were written. */
  write(fd: number, bytes: Uint8Array): number;
  fsync(fd: number): void;
  /**
   * The same flush off the event loop (Node's thread pool), where the runtime has one: a host
   * saving a large file keeps turning while its bytes reach the disk.
   */
  fsyncInBackground?(fd: number): Promise<void>;
  close(fd: number): void;
  rename(from: string, to: string): void;
  unlink(file: string): void;
}

/** The host's own file system, by path: what VS Code's `workspace.fs` API cannot do. */
export interface LocalFiles {
  /** Opens `path` for positioned reads; throws (with a Node `code`) when it cannot. */
  open(path: string): LocalFile;
  /**
   * The few operations an atomic save needs (host/atomicSave.ts): a temporary file beside the
   * target, flushed, then renamed over it, so a large image is saved a chunk at a time and a
   * failure leaves the target as it was.
   */
  readonly save: SaveFileSystem;
  /** A CRIU dump directory's regular files, read with positioned reads on demand. */
  dumpDirectory(path: string): DumpDirectory;
}

/** The runtime services the extension uses; see the module comment. */
export interface HostPlatform {
  /** Which bundle this is. */
  readonly kind: HostKind;
  /**
   * The host's file system by path and position, or null where the runtime has none (the web
   * worker): callers then read files whole through `vscode.workspace.fs`.
   */
  readonly localFiles: LocalFiles | null;
  /**
   * Runs `work` on a coming turn of the event loop, after the messages already queued (a long
   * job cut into slices lets requests in between) and without the 4 ms clamp of nested
   * `setTimeout` calls.
   */
  nextTurn(work: () => void): void;
}
