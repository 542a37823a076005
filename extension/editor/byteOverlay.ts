import { fullValidationLimit, type ImageSource } from './imageModel';

/** One change of bytes at a fixed offset; it carries the bytes it replaces, so it can be undone. */
export interface ByteEdit {
  readonly offset: number;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
  /** What VS Code shows in Undo/Redo, e.g. `Set CRED.euid`. */
  readonly label: string;
}

/**
 * The bytes an editor changed, laid over the bytes of the file. Edits never change the image's
 * size (see field-edit.ts), so an offset names the same byte before and after any edit and the
 * overlay is a plain map from offset to byte.
 */
export class ByteOverlay {
  private readonly bytes = new Map<number, number>();

  /** Lays `bytes` over the file from `offset`. */
  write(offset: number, bytes: Uint8Array): void {
    bytes.forEach((byte, i) => this.bytes.set(offset + i, byte));
  }

  clear(): void {
    this.bytes.clear();
  }

  /** A copy that later writes to this overlay leave as it is (the image a save writes). */
  copy(): ByteOverlay {
    const copy = new ByteOverlay();
    for (const [offset, byte] of this.bytes) copy.bytes.set(offset, byte);
    return copy;
  }

  get isEmpty(): boolean {
    return this.bytes.size === 0;
  }

  /** The changed bytes as runs, for a backup. */
  runs(): { offset: number; bytes: Uint8Array }[] {
    const offsets = [...this.bytes.keys()].sort((a, b) => a - b);
    const runs: { offset: number; bytes: number[] }[] = [];
    for (const offset of offsets) {
      const last = runs.at(-1);
      const byte = this.bytes.get(offset) ?? 0;
      if (last && last.offset + last.bytes.length === offset) last.bytes.push(byte);
      else runs.push({ offset, bytes: [byte] });
    }
    return runs.map((run) => ({ offset: run.offset, bytes: Uint8Array.from(run.bytes) }));
  }

  /** True when some byte of the overlay differs from the file's byte under it. */
  differsFrom(base: ImageSource): boolean {
    return this.runs().some((run) => {
      const under = base.read(run.offset, run.bytes.length);
      return run.bytes.some((byte, i) => byte !== under[i]);
    });
  }

  /**
   * `chunk`, read from the file at `offset`, with the overlay applied: a copy when changed, or
   * `chunk` itself, changed, when `inPlace` (a buffer of the caller's).
   */
  apply(chunk: Uint8Array, offset: number, inPlace = false): Uint8Array {
    let result = chunk;
    for (const [at, byte] of this.bytes) {
      if (at < offset || at >= offset + chunk.length) continue;
      if (result === chunk && !inPlace) result = chunk.slice();
      result[at - offset] = byte;
    }
    return result;
  }

  /** An image source reading `base` through the overlay. */
  over(base: ImageSource): ImageSource {
    const read = (offset: number, length: number): Uint8Array =>
      this.apply(base.read(offset, length), offset);
    const bytes = base.bytes && base.size <= fullValidationLimit ? this.apply(base.bytes, 0) : null;
    const readFrom = base.readInto;
    if (readFrom === undefined) return { size: base.size, read, bytes };
    const readInto = (offset: number, target: Uint8Array): number => {
      const got = readFrom(offset, target);
      this.apply(target.subarray(0, got), offset, true);
      return got;
    };
    return { size: base.size, read, readInto, bytes };
  }
}
