/**
 * The Node.js extension host's platform (see platform.ts): the host's files through `node:fs`,
 * and `setImmediate`. Only dist/extension.js (and the tests, run under Node) contain it.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { fsDumpDirectory } from '../criu/index';
import type { HostPlatform, LocalFile, LocalFiles, SaveFileSystem } from './platform';

function openLocalFile(file: string): LocalFile {
  const fd = fs.openSync(file, 'r');
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  let closed = false;
  const readInto = (offset: number, target: Uint8Array): number => {
    const wanted = Math.max(0, Math.min(target.length, size - offset));
    let done = 0;
    while (done < wanted) {
      const got = fs.readSync(fd, target, done, wanted - done, offset + done);
      if (got === 0) break;
      done += got;
    }
    return done;
  };
  return {
    size,
    read(offset, length) {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      return buffer.subarray(0, readInto(offset, buffer));
    },
    readInto,
    close() {
      if (!closed) fs.closeSync(fd);
      closed = true;
    },
  };
}

/** The save operations on the real file system (node:fs). */
export const nodeSaveFileSystem: SaveFileSystem = {
  stamp(file) {
    try {
      const stat = fs.statSync(file);
      return { size: stat.size, mtimeMs: stat.mtimeMs, mode: stat.mode & 0o7777 };
    } catch {
      return null;
    }
  },
  createExclusive: (file, mode) =>
    fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode),
  write: (fd, bytes) => fs.writeSync(fd, bytes, 0, bytes.length),
  fsync: (fd) => fs.fsyncSync(fd),
  fsyncInBackground: (fd) =>
    new Promise((resolve, reject) => {
      fs.fsync(fd, (error) => (error === null ? resolve() : reject(error)));
    }),
  close: (fd) => fs.closeSync(fd),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (file) => fs.unlinkSync(file),
};

const nodeFiles: LocalFiles = {
  open: openLocalFile,
  save: nodeSaveFileSystem,
  dumpDirectory: (directory) => fsDumpDirectory(directory, fs, path.join),
};

export const host: HostPlatform = {
  kind: 'node',
  localFiles: nodeFiles,
  nextTurn: (work) => void setImmediate(work),
};
