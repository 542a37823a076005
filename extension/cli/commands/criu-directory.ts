/** A CRIU dump directory on the local disk, for the CRIU library (which reads no files itself). */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DumpDirectory } from '../../criu/index';
import { CliError } from '../errors';

/** The regular files of `directory`, read with positioned reads when the library asks. */
export function dumpDirectory(directory: string): DumpDirectory {
  let names: string[];
  try {
    if (!statSync(directory).isDirectory())
      throw new CliError(
        `${directory}: not a directory (a CRIU dump is a directory of .img files)`,
      );
    names = readdirSync(directory);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as { code?: string }).code;
    throw new CliError(
      `${directory}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : 'cannot be read'}`,
    );
  }
  const files: { name: string; size: number }[] = [];
  for (const name of names) {
    try {
      const stat = statSync(join(directory, name));
      if (stat.isFile()) files.push({ name, size: stat.size });
    } catch {
      // A file that vanished or cannot be stat'ed is not part of the dump we can read.
    }
  }
  return {
    files,
    read(name, offset, length) {
      let fd: number;
      try {
        fd = openSync(join(directory, name), 'r');
      } catch {
        return null;
      }
      try {
        const buffer = new Uint8Array(Math.max(0, length));
        let done = 0;
        while (done < length) {
          const got = readSync(fd, buffer, done, length - done, offset + done);
          if (got === 0) break;
          done += got;
        }
        return buffer.subarray(0, done);
      } catch {
        return null;
      } finally {
        closeSync(fd);
      }
    },
  };
}
