/**
 * A record index for large images: walks the record headers with positioned reads and never
 * touches page contents (it skips them using PGARR's nr_pages), so a 1 GiB image is indexed
 * with a few kilobytes of reads. It judges only the framing; readImage judges the rest.
 */
import { FIXED_RECORD_LEN, PAGE_SIZE, RecordType } from './model';
import { recordName } from './reader';

/** Reads `length` bytes at `offset` (fewer only at the end of the image). */
export type PositionedReader = (offset: number, length: number) => Uint8Array;

/** One record of the index. */
export interface RecordIndexEntry {
  kind: 'record';
  type: number;
  name: string;
  /** Offset of the record header. */
  offset: number;
  /** Payload length (`hdr.len`). */
  len: number;
  parent: number;
  /** First byte after the record, its page data included. */
  end: number;
  /** PGARR with pages: where its addresses start (the pages follow them). */
  pageDataOffset?: number;
  /** PGARR: nr_pages. */
  pageCount?: number;
}

/** Where the framing breaks; the index stops there. */
export interface RecordIndexDamage {
  kind: 'damage';
  errno: 'EINVAL' | 'EPIPE';
  offset: number;
  field: string;
  message: string;
}

/** The index of an image: its records in order, ending with a damage entry if any. */
export interface RecordIndex {
  size: number;
  entries: Array<RecordIndexEntry | RecordIndexDamage>;
  /** The damage entry, also the last of `entries`, or null. */
  damage: RecordIndexDamage | null;
}

const HEADER_SIZE = 8;
const TWO_POW_32 = 0x1_0000_0000;
const HI_2POW53 = 0x20_0000;
const MAX_PAGES = 1024;
const KNOWN_TYPES = new Set<number>(Object.values(RecordType));

/** A positioned reader over bytes in memory. */
export function memoryReader(bytes: Uint8Array): PositionedReader {
  return (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length));
}

/**
 * Indexes the records of an image of `size` bytes through `read`.
 *
 * Per record it reads the 8-byte header, and for PGARR the 8-byte nr_pages; page addresses
 * and contents are skipped. It stops after TAIL (bytes after it are damage) or at the first
 * broken framing: a cut header, payload or page array (EPIPE), an unknown type, a negative or
 * wrong fixed `len`, or an nr_pages out of range (EINVAL).
 */
export function indexRecords(read: PositionedReader, size: number): RecordIndex {
  const entries: RecordIndex['entries'] = [];
  const stop = (damage: Omit<RecordIndexDamage, 'kind'>): RecordIndex => {
    const entry: RecordIndexDamage = { kind: 'damage', ...damage };
    entries.push(entry);
    return { size, entries, damage: entry };
  };
  let pos = 0;
  while (pos < size) {
    if (size - pos < HEADER_SIZE) {
      return stop({
        errno: 'EPIPE',
        offset: pos,
        field: 'hdr',
        message: 'the image ends inside a record header',
      });
    }
    const header = read(pos, HEADER_SIZE);
    if (header.length < HEADER_SIZE) {
      return stop({
        errno: 'EPIPE',
        offset: pos,
        field: 'hdr',
        message: 'short read of a record header',
      });
    }
    const view = new DataView(header.buffer, header.byteOffset, HEADER_SIZE);
    const type = view.getInt16(0, true);
    const len = view.getInt16(2, true);
    const parent = view.getUint32(4, true);
    if (!KNOWN_TYPES.has(type)) {
      return stop({
        errno: 'EINVAL',
        offset: pos,
        field: 'hdr.type',
        message: `unknown record type ${type}`,
      });
    }
    const name = recordName(type);
    const fixed = FIXED_RECORD_LEN.get(type);
    if (len < 0 || (fixed !== undefined && len !== fixed)) {
      return stop({
        errno: 'EINVAL',
        offset: pos,
        field: 'hdr.len',
        message: `${name} len ${len}`,
      });
    }
    const bodyEnd = pos + HEADER_SIZE + len;
    if (bodyEnd > size) {
      return stop({
        errno: 'EPIPE',
        offset: pos,
        field: name,
        message: `the image ends inside ${name}`,
      });
    }
    const entry: RecordIndexEntry = {
      kind: 'record',
      type,
      name,
      offset: pos,
      len,
      parent,
      end: bodyEnd,
    };
    if (type === RecordType.PGARR) {
      const body = read(pos + HEADER_SIZE, 8);
      if (body.length < 8) {
        return stop({
          errno: 'EPIPE',
          offset: pos,
          field: 'PGARR.nr_pages',
          message: 'short read of nr_pages',
        });
      }
      const words = new DataView(body.buffer, body.byteOffset, 8);
      const lo = words.getUint32(0, true);
      const hi = words.getUint32(4, true);
      const nrPages = hi >= HI_2POW53 ? Number.POSITIVE_INFINITY : hi * TWO_POW_32 + lo;
      if (nrPages > MAX_PAGES) {
        return stop({
          errno: 'EINVAL',
          offset: pos,
          field: 'PGARR.nr_pages',
          message: `nr_pages above ${MAX_PAGES}`,
        });
      }
      entry.pageCount = nrPages;
      if (nrPages > 0) {
        entry.pageDataOffset = bodyEnd;
        entry.end = bodyEnd + nrPages * (8 + PAGE_SIZE);
        if (entry.end > size) {
          return stop({
            errno: 'EPIPE',
            offset: pos,
            field: 'PGARR.pages',
            message: 'the image ends inside page data',
          });
        }
      }
    }
    entries.push(entry);
    pos = entry.end;
    if (type === RecordType.TAIL && pos < size) {
      return stop({
        errno: 'EINVAL',
        offset: pos,
        field: 'TAIL',
        message: `${size - pos} bytes after TAIL`,
      });
    }
  }
  return { size, entries, damage: null };
}
