/**
 * Open files and descriptor tables. An open file (struct file) carries the offset, the flags and
 * the access mode; descriptors point at open files, so dup and fork share one offset, as in Linux.
 */
import { FMode, OFlag } from '../image/model';
import type { Result } from './errno';
import { fail, ok } from './errno';
import type { Inode } from './vfs';

/** Descriptors per table (the format's fd bound). */
export const MAX_FDS = 1024;

/**
 * Where the writes of a file outside the emulated machine go (a host file, see hostfile.ts):
 * the bytes in order; chunks may be views of task memory, to be written or copied at once.
 */
export interface HostWriter {
  write(chunks: readonly Uint8Array[]): void;
}

export class OpenFile {
  constructor(
    /** Unique per kernel: the identity descriptors share. */
    readonly id: number,
    readonly inode: Inode,
    /** The canonical path at open time (the image's FNAME). */
    readonly path: string,
    /** O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND as opened. */
    public flags: number,
    public pos: number,
    public version = 0,
    /** Set for a host file: writes go to the host, not to the inode. */
    readonly host: HostWriter | null = null,
  ) {}

  get accessMode(): number {
    return this.flags & OFlag.ACCMODE;
  }

  /** FMODE_READ | FMODE_WRITE for the access mode. */
  get fmode(): number {
    const access = this.accessMode;
    return (access === OFlag.WRONLY ? 0 : FMode.READ) | (access === OFlag.RDONLY ? 0 : FMode.WRITE);
  }

  get readable(): boolean {
    return (this.fmode & FMode.READ) !== 0;
  }

  get writable(): boolean {
    return (this.fmode & FMode.WRITE) !== 0;
  }

  /** read(2) at the file offset: nothing past the end (an offset beyond it reads 0 bytes). */
  read(length: number): Uint8Array {
    const bytes = this.inode.data.read(this.pos, length);
    if (bytes.length > 0) this.pos += bytes.length;
    return bytes;
  }

  /**
   * write(2) at the file offset (at the end with O_APPEND), growing the file; the bytes are kept,
   * not copied, when they replace a whole file from offset 0 (a fresh image). A write that would
   * end past `limit` (the world's file size limit) fails with EFBIG and writes nothing; the
   * offset may be anything up to 2^53 - 1, and the hole before it costs nothing. A host file's
   * writes go to the host.
   */
  write(bytes: Uint8Array, limit: number): Result<number> {
    if (this.host !== null) return this.writeChunks([bytes], limit);
    const data = this.inode.data;
    const pos = (this.flags & OFlag.APPEND) !== 0 ? data.size : this.pos;
    if (bytes.length === 0) return ok(0);
    const end = pos + bytes.length;
    if (end > limit) {
      return fail(
        'EFBIG',
        `a write of ${bytes.length} bytes at offset ${pos} would end past the file size limit of ${limit} bytes`,
      );
    }
    if (pos === 0 && data.size <= bytes.length) data.adopt(bytes);
    else data.write(pos, bytes);
    this.pos = end;
    return ok(bytes.length);
  }

  /**
   * Writes `chunks` in order: straight to the host for a host file (the machine's size limit
   * is for its own files), else one write(2) each, stopping at the first failure.
   */
  writeChunks(chunks: readonly Uint8Array[], limit: number): Result<number> {
    let written = 0;
    if (this.host !== null) {
      this.host.write(chunks);
      for (const chunk of chunks) written += chunk.length;
      this.pos += written;
      return ok(written);
    }
    for (const chunk of chunks) {
      const done = this.write(chunk, limit);
      if (!done.ok) return done;
      written += done.value;
    }
    return ok(written);
  }
}

export interface FdEntry {
  file: OpenFile;
  closeOnExec: boolean;
}

export class FdTable {
  readonly entries = new Map<number, FdEntry>();

  get(fd: number): FdEntry | null {
    return this.entries.get(fd) ?? null;
  }

  /** The lowest free descriptor at or above `from`, or null when the table is full. */
  lowestFree(from = 0): number | null {
    for (let fd = from; fd < MAX_FDS; fd++) {
      if (!this.entries.has(fd)) return fd;
    }
    return null;
  }

  install(fd: number, file: OpenFile, closeOnExec: boolean): void {
    this.entries.set(fd, { file, closeOnExec });
  }

  close(fd: number): boolean {
    return this.entries.delete(fd);
  }

  /** fork: a new table whose descriptors share the same open files. */
  fork(): FdTable {
    const copy = new FdTable();
    for (const [fd, entry] of this.entries) copy.install(fd, entry.file, entry.closeOnExec);
    return copy;
  }

  /** exec: close-on-exec descriptors go away. */
  closeOnExec(): void {
    for (const [fd, entry] of [...this.entries]) {
      if (entry.closeOnExec) this.entries.delete(fd);
    }
  }

  /** Descriptors in ascending order. */
  sorted(): [number, FdEntry][] {
    return [...this.entries].sort((a, b) => a[0] - b[0]);
  }
}
