/**
 * A dump directory over synchronous file functions the host passes in (node:fs in the
 * extension host and the CLI). The library itself imports no file system.
 */
import type { DumpDirectory } from './dump';

/** The few synchronous file functions a directory needs (node:fs has them all). */
export interface SyncFileSystem {
  readdirSync(path: string): string[];
  statSync(path: string): { isFile(): boolean; isDirectory(): boolean; size: number };
  openSync(path: string, flags: 'r'): number;
  readSync(
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number;
  closeSync(fd: number): void;
}

/** The regular files of `directory` (sizes taken now), read with positioned reads on demand. */
export function fsDumpDirectory(
  directory: string,
  fs: SyncFileSystem,
  join: (...parts: string[]) => string,
): DumpDirectory {
  const files: { name: string; size: number }[] = [];
  for (const name of fs.readdirSync(directory)) {
    try {
      const stat = fs.statSync(join(directory, name));
      if (stat.isFile()) files.push({ name, size: stat.size });
    } catch {
      // A file that vanished or cannot be stat'ed is not part of the dump as read now.
    }
  }
  const known = new Set(files.map((file) => file.name));
  return {
    files,
    read(name, offset, length) {
      // Only the files listed: a name from a message never walks out of the directory.
      if (!known.has(name)) return null;
      let fd: number;
      try {
        fd = fs.openSync(join(directory, name), 'r');
      } catch {
        return null;
      }
      try {
        const buffer = new Uint8Array(Math.max(0, length));
        let done = 0;
        while (done < buffer.length) {
          const got = fs.readSync(fd, buffer, done, buffer.length - done, offset + done);
          if (got === 0) break;
          done += got;
        }
        return buffer.subarray(0, done);
      } catch {
        return null;
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}
