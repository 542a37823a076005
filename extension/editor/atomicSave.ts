/**
 * Saving an image without ever leaving a half-written one: the bytes go to a new temporary file
 * beside the image (same directory, so the same file system), are flushed to disk, and only then
 * is the temporary file renamed over the image — an atomic replacement on POSIX file systems. A
 * failure at any step (a full disk, a read-only directory, an I/O error, a cancellation) removes
 * the temporary file and leaves the image exactly as it was.
 *
 * The file system is a parameter so that tests can fail any step on purpose.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** What a file looked like when it was read: enough to tell that someone else changed it. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly mode: number;
}

/** The few file operations a save needs. Every one throws (with a Node `code`) on failure. */
export interface SaveFileSystem {
  /** The file's stamp, or null when there is no such file. */
  stamp(file: string): FileStamp | null;
  /** Creates `file`, which must not exist, for writing. */
  createExclusive(file: string, mode: number): number;
  /** Writes `bytes` at the descriptor's position; returns how many were written. */
  write(fd: number, bytes: Uint8Array): number;
  fsync(fd: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  unlink(file: string): void;
}

/** The real file system (node:fs). */
export const nodeSaveFileSystem: SaveFileSystem = {
  stamp(file) {
    try {
      const stat = statSync(file);
      return { size: stat.size, mtimeMs: stat.mtimeMs, mode: stat.mode & 0o7777 };
    } catch {
      return null;
    }
  },
  createExclusive: (file, mode) =>
    openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode),
  write: (fd, bytes) => writeSync(fd, bytes, 0, bytes.length),
  fsync: (fd) => fsyncSync(fd),
  close: (fd) => closeSync(fd),
  rename: (from, to) => renameSync(from, to),
  unlink: (file) => unlinkSync(file),
};

/** Bytes `[offset, offset + length)` of what is being saved. */
export type ChunkReader = (offset: number, length: number) => Uint8Array;

const chunkSize = 1 << 20;
let temporaryCount = 0;

/** A fresh temporary name beside `file`: hidden, and named after the file and this process. */
export function temporaryPathBeside(file: string): string {
  temporaryCount++;
  const name = `.${path.basename(file)}.crlab-save-${process.pid}-${temporaryCount}`;
  return path.join(path.dirname(file), name);
}

/** True when `name` (a file name, not a path) is one of our temporary files. */
export function isTemporarySaveName(name: string): boolean {
  return /^\..*\.crlab-save-\d+-\d+$/.test(name);
}

/**
 * Writes `size` bytes from `read` to `file` through a temporary file beside it, then renames
 * that over `file`. Keeps the file's permission bits (0644 for a new file). Throws what failed;
 * the file is then as it was and no temporary file is left.
 */
export function saveAtomically(
  file: string,
  size: number,
  read: ChunkReader,
  fs: SaveFileSystem = nodeSaveFileSystem,
  cancelled: () => boolean = () => false,
): void {
  const mode = fs.stamp(file)?.mode ?? 0o644;
  const temporary = temporaryPathBeside(file);
  const fd = fs.createExclusive(temporary, mode);
  let open = true;
  try {
    for (let offset = 0; offset < size;) {
      if (cancelled())
        throw Object.assign(new Error('the save was cancelled'), { code: 'ECANCELED' });
      const chunk = read(offset, Math.min(chunkSize, size - offset));
      if (chunk.length === 0) throw new Error(`nothing to read at ${offset} of ${size} bytes`);
      let written = 0;
      while (written < chunk.length) {
        const wrote = fs.write(fd, chunk.subarray(written));
        if (wrote <= 0)
          throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
        written += wrote;
      }
      offset += chunk.length;
    }
    // On disk before the rename: a crash then leaves the old image or the new one, whole.
    fs.fsync(fd);
    open = false;
    fs.close(fd);
    fs.rename(temporary, file);
  } catch (error) {
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
    throw error;
  }
}
