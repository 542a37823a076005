/**
 * Tools to craft damaged images: find a record in written bytes, patch a field at an offset
 * computed from the format's layout, and assert the reader's verdict.
 */
import assert from 'node:assert/strict';
import { readImage, type ReadOptions } from '../../../extension/image/reader';
import {
  indexRecords,
  memoryReader,
  type RecordIndexEntry,
} from '../../../extension/image/record-index';
import type { ImageError } from '../../../extension/image/model';

/** Size of a record header: payload fields sit at `record.offset + HDR + field offset`. */
export const HDR = 8;

/** Every record of a (structurally framed) image. */
export function recordsOf(bytes: Uint8Array): RecordIndexEntry[] {
  const index = indexRecords(memoryReader(bytes), bytes.length);
  return index.entries.filter((e): e is RecordIndexEntry => e.kind === 'record');
}

/** The `nth` record named `name` (0-based). */
export function find(bytes: Uint8Array, name: string, nth = 0): RecordIndexEntry {
  const found = recordsOf(bytes).filter((r) => r.name === name)[nth];
  if (found === undefined) throw new Error(`no ${name} #${nth} in the image`);
  return found;
}

/** Payload offset of the `nth` record named `name`. */
export function payload(bytes: Uint8Array, name: string, nth = 0): number {
  return find(bytes, name, nth).offset + HDR;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function setU8(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value;
}
export function setU16(bytes: Uint8Array, at: number, value: number): void {
  view(bytes).setUint16(at, value, true);
}
export function setS16(bytes: Uint8Array, at: number, value: number): void {
  view(bytes).setInt16(at, value, true);
}
export function setU32(bytes: Uint8Array, at: number, value: number): void {
  view(bytes).setUint32(at, value >>> 0, true);
}
export function setU64(bytes: Uint8Array, at: number, value: bigint): void {
  view(bytes).setBigUint64(at, BigInt.asUintN(64, value), true);
}
export function getU32(bytes: Uint8Array, at: number): number {
  return view(bytes).getUint32(at, true);
}

/** `bytes` with `insert` placed at `at` and `remove` bytes dropped there. */
export function splice(
  bytes: Uint8Array,
  at: number,
  remove: number,
  insert: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** Asserts that readImage rejects `bytes` with exactly this errno, offset and field. */
export function expectReject(
  bytes: Uint8Array,
  errno: ImageError['errno'],
  offset: number,
  field: string,
  opts: ReadOptions = {},
): ImageError {
  const result = readImage(bytes, opts);
  assert.equal(
    result.ok,
    false,
    `expected ${errno} at ${offset} (${field}), the image was accepted`,
  );
  if (result.ok) throw new Error('unreachable');
  assert.deepEqual(
    { errno: result.error.errno, offset: result.error.offset, field: result.error.field },
    { errno, offset, field },
    `message was: ${result.error.message}`,
  );
  assert.ok(result.error.message.length > 0);
  return result.error;
}
