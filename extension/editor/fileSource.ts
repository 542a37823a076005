import type { LocalFile } from '../host/index';
import { fullValidationLimit, type ImageSource } from './imageModel';

/** An image file held open for positioned reads; close it when the document goes away. */
export interface OpenFile {
  readonly source: ImageSource;
  close(): void;
}

/**
 * An image over a file of the host's file system (`host.localFiles`). Small files are also read
 * whole (for the full reader's verdict); large ones are only ever read record by record.
 */
export function openFileSource(file: LocalFile): OpenFile {
  try {
    const size = file.size;
    const bytes = size <= fullValidationLimit ? file.read(0, size) : null;
    const read = (offset: number, length: number): Uint8Array =>
      bytes ? bytes.subarray(offset, Math.min(size, offset + length)) : file.read(offset, length);
    const readInto = (offset: number, target: Uint8Array): number => {
      if (bytes === null) return file.readInto(offset, target);
      const part = read(offset, target.length);
      target.set(part);
      return part.length;
    };
    return { source: { size, read, readInto, bytes }, close: () => file.close() };
  } catch (error) {
    file.close();
    throw error;
  }
}
