import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { fullValidationLimit, type ImageSource } from './imageModel';

/** An image file held open for positioned reads; close it when the document goes away. */
export interface OpenFile {
  readonly source: ImageSource;
  close(): void;
}

/**
 * Opens a local image file. Small files are also read whole (for the full reader's verdict);
 * large ones are only ever read record by record.
 */
export function openFileSource(path: string): OpenFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = size <= fullValidationLimit ? new Uint8Array(readFileSync(fd)) : null;
    const read = (offset: number, length: number): Uint8Array => {
      if (bytes) return bytes.subarray(offset, Math.min(size, offset + length));
      const wanted = Math.max(0, Math.min(length, size - offset));
      const buffer = new Uint8Array(wanted);
      let done = 0;
      while (done < wanted) {
        const got = readSync(fd, buffer, done, wanted - done, offset + done);
        if (got === 0) break;
        done += got;
      }
      return buffer.subarray(0, done);
    };
    let closed = false;
    return {
      source: { size, read, bytes },
      close: () => {
        if (!closed) closeSync(fd);
        closed = true;
      },
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
