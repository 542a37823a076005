/**
 * The Node.js extension host's platform (see platform.ts): the host's files through `node:fs`,
 * and `setImmediate`. Only dist/extension.js (and the tests, run under Node) contain it.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { fsDumpDirectory } from '../criu/index';
import type { HostPlatform, LocalFile, LocalFiles } from './platform';

const writeChunk = 1 << 20;

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
  return {
    size,
    read(offset, length) {
      const wanted = Math.max(0, Math.min(length, size - offset));
      const buffer = new Uint8Array(wanted);
      let done = 0;
      while (done < wanted) {
        const got = fs.readSync(fd, buffer, done, wanted - done, offset + done);
        if (got === 0) break;
        done += got;
      }
      return buffer.subarray(0, done);
    },
    close() {
      if (!closed) fs.closeSync(fd);
      closed = true;
    },
  };
}

const nodeFiles: LocalFiles = {
  open: openLocalFile,
  replaceInChunks(file, size, read, cancelled, onCancel) {
    const temporary = `${file}.crlab-save-${process.pid}`;
    const fd = fs.openSync(temporary, 'w');
    let open = true;
    try {
      for (let offset = 0; offset < size; offset += writeChunk) {
        if (cancelled()) throw onCancel();
        const chunk = read(offset, Math.min(writeChunk, size - offset));
        fs.writeSync(fd, chunk, 0, chunk.length);
      }
      open = false;
      fs.closeSync(fd);
      fs.renameSync(temporary, file);
    } catch (error) {
      if (open) fs.closeSync(fd);
      fs.rmSync(temporary, { force: true });
      throw error;
    }
  },
  dumpDirectory: (directory) => fsDumpDirectory(directory, fs, path.join),
};

export const host: HostPlatform = {
  kind: 'node',
  localFiles: nodeFiles,
  nextTurn: (work) => void setImmediate(work),
};
