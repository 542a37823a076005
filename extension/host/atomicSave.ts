/**
 * Saving an image without ever leaving a half-written one: the bytes go to a new temporary file
 * beside the image (same directory, so the same file system), are flushed to disk, and only then
 * is the temporary file renamed over the image — an atomic replacement on POSIX file systems. A
 * failure at any step (a full disk, a read-only directory, an I/O error, a cancellation) removes
 * the temporary file and leaves the image exactly as it was.
 *
 * The file system is a parameter (the host's, extension/host/) so that tests can fail any step
 * on purpose.
 */
import { runInTurns, type CallProgress, type TurnOptions } from '../kernel/index';
import type { SaveFileSystem } from './platform';

export type { FileStamp, SaveFileSystem } from './platform';

/**
 * Bytes `[offset, offset + length)` of what is being saved (fewer only at its end). Each chunk is
 * written before the next call, so a reader may hand out views of one buffer of its own.
 */
export type ChunkReader = (offset: number, length: number) => Uint8Array;

/** The most bytes a save asks its reader for at once. */
export const SAVE_CHUNK_BYTES = 1 << 20;
let temporaryCount = 0;
/**
 * Tells this extension host's temporary files from another's (two windows saving the same image):
 * random rather than the process id, which the web worker has not.
 */
const hostId = globalThis.crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;

/** A fresh temporary name beside `file` (a path with slash or backslash separators): hidden, ours. */
export function temporaryPathBeside(file: string): string {
  temporaryCount++;
  const cut = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1;
  return `${file.slice(0, cut)}.${file.slice(cut)}.crlab-save-${hostId}-${temporaryCount}`;
}

/** True when `name` (a file name, not a path) is one of our temporary files. */
export function isTemporarySaveName(name: string): boolean {
  return /^\..*\.crlab-save-\d+-\d+$/.test(name);
}

/**
 * How far a save has got: the bytes written; `waitFor` while the file reaches the disk in the
 * background (it settles when the flush ends).
 */
export type SaveProgress = CallProgress;

/** How {@link saveAtomicallyInChunks} ends. */
export interface SaveOptions {
  /**
   * False skips the fsync before the rename (a synchronous flush of 257 MiB held the extension
   * host ~90 ms): for copies that can be written again, as `workspace.fs.writeFile` (which
   * never flushes) would.
   */
  flush?: boolean;
  /**
   * Flush through the file system's `fsyncInBackground` where it has one, yielding progress
   * with `waitFor` until it ends; only for a caller that waits for it between steps
   * ({@link saveAtomicallyInTurns}): a synchronous loop would wait forever.
   */
  flushInBackground?: boolean;
}

/**
 * Writes `size` bytes from `read` to `file` through a temporary file beside it, then renames
 * that over `file`, keeping the file's permission bits (0644 for a new file): a chunk (1 MiB) at
 * a time, for a host that keeps its event loop turning while it writes a large file; yields the
 * bytes written so far. Throws what failed; the file is then as it was and no temporary file is
 * left. `return()` between chunks cancels the save: the temporary file is removed and `file` is
 * as it was.
 */
export function* saveAtomicallyInChunks(
  file: string,
  size: number,
  read: ChunkReader,
  fs: SaveFileSystem,
  options: SaveOptions = {},
): Generator<SaveProgress, void, void> {
  const mode = fs.stamp(file)?.mode ?? 0o644;
  const temporary = temporaryPathBeside(file);
  const fd = fs.createExclusive(temporary, mode);
  let open = true;
  let renamed = false;
  try {
    for (let offset = 0; offset < size;) {
      const chunk = read(offset, Math.min(SAVE_CHUNK_BYTES, size - offset));
      if (chunk.length === 0) throw new Error(`nothing to read at ${offset} of ${size} bytes`);
      let written = 0;
      while (written < chunk.length) {
        const wrote = fs.write(fd, chunk.subarray(written));
        if (wrote <= 0)
          throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
        written += wrote;
      }
      offset += chunk.length;
      yield { done: offset, total: size };
    }
    // On disk before the rename: a crash then leaves the old image or the new one, whole.
    if (options.flush !== false) {
      if (options.flushInBackground === true && fs.fsyncInBackground !== undefined) {
        const outcome: { ended: boolean; error?: { cause: unknown } } = { ended: false };
        const flushing = fs.fsyncInBackground(fd).then(
          () => {
            outcome.ended = true;
          },
          (cause: unknown) => {
            outcome.ended = true;
            outcome.error = { cause };
          },
        );
        while (!outcome.ended) yield { done: size, total: size, waitFor: flushing };
        if (outcome.error !== undefined) throw outcome.error.cause;
      } else fs.fsync(fd);
    }
    open = false;
    fs.close(fd);
    fs.rename(temporary, file);
    renamed = true;
  } finally {
    // A failure, or a return() between chunks: nothing of the save may remain.
    if (!renamed) {
      if (open) {
        try {
          fs.close(fd);
        } catch {
          // Already failing: the first error is the one to report.
        }
      }
      try {
        fs.unlink(temporary);
      } catch {
        // Nothing to remove (or nothing we can do): the image itself is untouched either way.
      }
    }
  }
}

/** What a host gives {@link saveAtomicallyInTurns}: its clock and turns, progress, cancellation. */
export type SaveTurns = TurnOptions<SaveProgress>;

/**
 * {@link saveAtomicallyInChunks} between the turns of the host's event loop (runInTurns): chunks
 * back to back for `budgetMs`, then a turn; the flush in the background where the file system
 * can (the loop turns while it lasts). True once saved, false when cancelled (the temporary file
 * removed, `file` as it was); throws what failed, leaving `file` as it was. The image editor's
 * synchronous save of a 257 MiB image held the extension host 1.15 s.
 */
export async function saveAtomicallyInTurns(
  file: string,
  size: number,
  read: ChunkReader,
  fs: SaveFileSystem,
  turns: SaveTurns,
  options: { flush?: boolean } = {},
): Promise<boolean> {
  const steps = saveAtomicallyInChunks(file, size, read, fs, {
    ...options,
    flushInBackground: true,
  });
  // The save's value is undefined; a cancelled call's is null.
  return (await runInTurns(steps, turns)) !== null;
}
