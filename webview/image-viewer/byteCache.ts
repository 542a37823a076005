/**
 * The bytes the hex view has been sent, in fixed chunks: the view asks the host only for the
 * chunks of the rows it shows, and forgets the least recently used ones. Pure, no DOM.
 */

/** Bytes per chunk asked for in one `requestBytes` (256 hex rows). */
export const chunkSize = 4096;

/** Chunks kept at most; older ones are asked for again when scrolled back to. */
const maxChunks = 256;

export class ByteCache {
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly pending = new Set<number>();

  constructor(readonly byteLength: number) {}

  /** The byte at `offset`, or undefined while its chunk has not arrived. */
  byteAt(offset: number): number | undefined {
    const start = offset - (offset % chunkSize);
    const chunk = this.chunks.get(start);
    return chunk?.[offset - start];
  }

  /**
   * The chunk starts needed for bytes `[from, to)` that are neither here nor asked for, now
   * marked as asked for: the caller sends one request per start.
   */
  missing(from: number, to: number): number[] {
    const wanted: number[] = [];
    const end = Math.min(to, this.byteLength);
    for (let start = from - (from % chunkSize); start < end; start += chunkSize) {
      const chunk = this.chunks.get(start);
      if (chunk) {
        // Touch: most recently used chunks are kept.
        this.chunks.delete(start);
        this.chunks.set(start, chunk);
      } else if (!this.pending.has(start)) {
        this.pending.add(start);
        wanted.push(start);
      }
    }
    return wanted;
  }

  /** The length to ask for the chunk at `start` (the last one is short). */
  lengthOf(start: number): number {
    return Math.max(0, Math.min(chunkSize, this.byteLength - start));
  }

  /** Stores bytes the host sent; data not at a chunk start is split across chunks. */
  store(offset: number, data: Uint8Array): void {
    let position = 0;
    while (position < data.length) {
      const at = offset + position;
      const start = at - (at % chunkSize);
      const take = Math.min(data.length - position, start + chunkSize - at);
      const existing = this.chunks.get(start);
      const length = this.lengthOf(start);
      const chunk = existing ?? new Uint8Array(length);
      chunk.set(
        data.subarray(position, position + take).subarray(0, length - (at - start)),
        at - start,
      );
      this.pending.delete(start);
      this.chunks.delete(start);
      this.chunks.set(start, chunk);
      position += take;
    }
    while (this.chunks.size > maxChunks) {
      const oldest = this.chunks.keys().next().value;
      if (oldest === undefined) break;
      this.chunks.delete(oldest);
    }
  }
}
