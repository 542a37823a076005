/**
 * The contents of a regular file, stored sparsely (kernel.md, **Files**): extents of written
 * bytes at their offsets; the holes between them read as zeros and cost nothing. `f_pos` may be
 * anything up to 2^53 - 1, and a file costs memory only for the bytes written to it. The size
 * limit (EFBIG) is the caller's to enforce: this class stores what it is given.
 */

interface Extent {
  start: number;
  /** Bytes written from `start`; `buffer` may be longer (room to grow on appends). */
  length: number;
  buffer: Uint8Array;
}

/** Extents past this many bytes grow by at most this much at a time (appends stay cheap). */
const MAX_GROWTH = 64 * 1024 * 1024;

export class FileData {
  /** Ascending by start, neither overlapping nor touching. */
  private extents: Extent[] = [];
  /** The file size: the end of the last byte written (holes included). */
  size = 0;
  /** Writes so far: with this object's identity, what caches of the contents compare. */
  changes = 0;

  /** A file holding exactly `bytes` (kept, not copied: the caller hands them over). */
  static of(bytes: Uint8Array): FileData {
    const data = new FileData();
    data.adopt(bytes);
    return data;
  }

  /** Bytes actually held in memory (what the file costs). */
  get stored(): number {
    return this.extents.reduce((sum, extent) => sum + extent.length, 0);
  }

  /** Replace the whole contents with `bytes`, kept without a copy (a fresh image written at 0). */
  adopt(bytes: Uint8Array): void {
    this.extents = bytes.length === 0 ? [] : [{ start: 0, length: bytes.length, buffer: bytes }];
    this.size = bytes.length;
    this.changes++;
  }

  /**
   * The bytes of [pos, pos + length) clipped to the size: a view without a copy when they lie in
   * one extent, else a fresh array with zeros for the holes. Callers must not write into it.
   */
  view(pos: number, length: number): Uint8Array {
    const { from, to, inside } = this.locate(pos, length);
    if (inside !== undefined) return inside.buffer.subarray(from - inside.start, to - inside.start);
    return this.assemble(from, to);
  }

  /** The range clipped to the size, and the extent that holds all of it, if one does. */
  private locate(pos: number, length: number): { from: number; to: number; inside?: Extent } {
    const from = Math.min(Math.max(0, pos), this.size);
    const to = Math.min(this.size, from + Math.max(0, length));
    const inside = this.extents.find(
      (extent) => extent.start <= from && to <= extent.start + extent.length,
    );
    return inside === undefined ? { from, to } : { from, to, inside };
  }

  /** A fresh array of [from, to) with zeros for the holes. */
  private assemble(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    for (const extent of this.extents) {
      const a = Math.max(from, extent.start);
      const b = Math.min(to, extent.start + extent.length);
      if (a < b) out.set(extent.buffer.subarray(a - extent.start, b - extent.start), a - from);
    }
    return out;
  }

  /** A copy of [pos, pos + length) clipped to the size (read(2)): never shares memory. */
  read(pos: number, length: number): Uint8Array {
    const { from, to, inside } = this.locate(pos, length);
    if (inside !== undefined) return inside.buffer.slice(from - inside.start, to - inside.start);
    return this.assemble(from, to);
  }

  /**
   * Store `bytes` at `pos`, growing the size past the end. Writing inside an extent is in place;
   * writing at its end grows it (amortised, as appends are common); otherwise the extents the
   * write touches are merged into one.
   */
  write(pos: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.changes++;
    const end = pos + bytes.length;
    const first = this.extents.findIndex((extent) => extent.start + extent.length >= pos);
    const extent = first < 0 ? undefined : this.extents[first];
    const next = first < 0 ? undefined : this.extents[first + 1];
    if (extent !== undefined && extent.start <= pos && (next === undefined || end < next.start)) {
      const offset = pos - extent.start;
      const needed = offset + bytes.length;
      if (needed > extent.buffer.length) {
        const grown = new Uint8Array(
          Math.max(needed, extent.length + Math.min(extent.length, MAX_GROWTH)),
        );
        grown.set(extent.buffer.subarray(0, extent.length));
        extent.buffer = grown;
      }
      extent.buffer.set(bytes, offset);
      extent.length = Math.max(extent.length, needed);
    } else {
      // The extents that overlap or touch [pos, end) become one.
      const touched = this.extents.filter((e) => e.start <= end && e.start + e.length >= pos);
      const start = Math.min(pos, ...touched.map((e) => e.start));
      const stop = Math.max(end, ...touched.map((e) => e.start + e.length));
      const buffer = new Uint8Array(stop - start);
      for (const e of touched) buffer.set(e.buffer.subarray(0, e.length), e.start - start);
      buffer.set(bytes, pos - start);
      this.extents = [
        ...this.extents.filter((e) => !touched.includes(e)),
        { start, length: stop - start, buffer },
      ].sort((a, b) => a.start - b.start);
    }
    this.size = Math.max(this.size, end);
  }
}
