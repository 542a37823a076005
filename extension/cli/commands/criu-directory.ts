/** A CRIU dump directory on the local disk, for the CRIU library (which reads no files itself). */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { fsDumpDirectory, type DumpDirectory } from '../../criu/index';
import { CliError } from '../errors';

/** The dump in `directory`, or a one-line usage error when it is not a readable directory. */
export function dumpDirectory(directory: string): DumpDirectory {
  try {
    if (!fs.statSync(directory).isDirectory())
      throw new CliError(
        `${directory}: not a directory (a CRIU dump is a directory of .img files)`,
      );
    return fsDumpDirectory(directory, fs, join);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as { code?: string }).code;
    throw new CliError(
      `${directory}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : 'cannot be read'}`,
    );
  }
}
