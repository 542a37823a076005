/**
 * The lossless JSON form of a `.crimg` image (`crlab image decode` / `encode`, the editor's Show
 * Image as JSON).
 *
 * It is record-level, not model-level, so that it round-trips every valid image byte for byte:
 * PGARR chunking, all-zero pages a writer chose to keep, and the stored signature survive. Each
 * record lists its fields in stream order with the contract's field path, its type, its size in
 * bytes and its value, exactly as the image layer's field tree (generated from the Kaitai spec)
 * describes them; `display` is for people and ignored on encode. Encoding writes the fields back
 * in order and then asks the image reader to judge the result, refusing what restart would
 * refuse as malformed (EINVAL, EPIPE).
 */
import { fromBase64, fromHex, toBase64, toHex } from './byte-text';
import { recordFieldTree, type FieldNode } from './field-tree';
import type { ImageError } from './model';
import { readImage } from './reader';
import { indexRecords, memoryReader } from './record-index';

export const IMAGE_JSON_FORMAT = 'crlab-image-json';
export const IMAGE_JSON_VERSION = 1;

/** Byte arrays up to this size are hex; longer ones (pages) are base64. */
const HEX_LIMIT = 64;

export interface JsonField {
  /** The contract's path: `hdr.type`, `CRED.euid`, `TREE.tasks[0].nspid`, `pages[0]`. */
  field: string;
  /** `u16`, `s32`, `u64`, `char[64]`, `u8[4096]`, `enum VmaType`. */
  type: string;
  size: number;
  /**
   * Numbers as numbers, text as a string, bytes as `hex` or `base64` text (see `encoding`); a
   * char array whose bytes are not its text NUL-padded (not UTF-8) is `hex` too.
   */
  value: number | string;
  encoding?: 'hex' | 'base64';
  /** Enum and flag names, for people; ignored by encode. */
  display?: string;
}

export interface JsonRecord {
  offset: number;
  record: string;
  fields: JsonField[];
}

/**
 * Why a decode or an encode was refused: `invalid-image` when the image is not valid (decode) or
 * would be malformed (encode), with the reader's verdict; `bad-json` when the input does not
 * have the decode shape. The message names the record, field or JSON path.
 */
export class ImageJsonError extends Error {
  constructor(
    readonly kind: 'invalid-image' | 'bad-json',
    message: string,
    readonly imageError: ImageError | null = null,
  ) {
    super(message);
    this.name = 'ImageJsonError';
  }
}

function oneLine(error: ImageError): string {
  return `${error.errno} at 0x${error.offset.toString(16)} (${error.field}): ${error.message}`;
}

export interface ImageJson {
  format: typeof IMAGE_JSON_FORMAT;
  version: number;
  size: number;
  records: JsonRecord[];
}

function leaves(node: FieldNode, into: FieldNode[]): void {
  if (node.children === undefined || node.children.length === 0) into.push(node);
  else node.children.forEach((child) => leaves(child, into));
}

function isBytes(type: string): boolean {
  return /^u8\[\d+\]$/.test(type);
}

/** `text` as UTF-8 in `size` bytes, NUL-padded, or null when it does not fit. */
function textBytes(text: string, size: number): Uint8Array | null {
  const encoded = new TextEncoder().encode(text);
  if (encoded.length > size) return null;
  const bytes = new Uint8Array(size);
  bytes.set(encoded);
  return bytes;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function isText(type: string): boolean {
  return /^char\[\d+\]$/.test(type);
}

/** Decodes a valid image; an invalid one is refused with the reader's one-line error. */
export function decodeImageJson(bytes: Uint8Array): ImageJson {
  const verdict = readImage(bytes);
  if (!verdict.ok) throw new ImageJsonError('invalid-image', oneLine(verdict.error), verdict.error);
  const index = indexRecords(memoryReader(bytes), bytes.length);
  const records: JsonRecord[] = [];
  for (const entry of index.entries) {
    if (entry.kind !== 'record') continue;
    const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
    const fields: FieldNode[] = [];
    leaves(tree.root, fields);
    let position = entry.offset;
    const json: JsonField[] = [];
    for (const node of fields) {
      // An empty array (PGARR n=0 has no addrs/pages) is a leaf with no bytes: nothing to keep.
      if (node.size === 0) continue;
      if (node.offset !== position) {
        throw new ImageJsonError(
          'invalid-image',
          `cannot decode ${entry.name} at 0x${entry.offset.toString(16)}: field ${node.path} leaves a gap`,
        );
      }
      position += node.size;
      const raw = bytes.subarray(node.offset, node.offset + node.size);
      const field: JsonField = { field: node.path, type: node.type, size: node.size, value: 0 };
      if (isBytes(node.type)) {
        field.encoding = node.size <= HEX_LIMIT ? 'hex' : 'base64';
        field.value = field.encoding === 'hex' ? toHex(raw) : toBase64(raw);
      } else if (isText(node.type)) {
        const text = typeof node.value === 'string' ? node.value : '';
        // Bytes that are not the text padded with NULs (not UTF-8, say, where the reader lets
        // it pass, as in SIGN.key_id) stay bytes: the form is lossless.
        if (sameBytes(textBytes(text, node.size), raw)) field.value = text;
        else {
          field.encoding = 'hex';
          field.value = toHex(raw);
        }
      } else {
        field.value = readInteger(raw, node.type.startsWith('s'));
        if (node.display !== String(field.value) && node.display !== '')
          field.display = node.display;
      }
      json.push(field);
    }
    if (position !== entry.end) {
      throw new ImageJsonError(
        'invalid-image',
        `cannot decode ${entry.name} at 0x${entry.offset.toString(16)}: its fields end at 0x${position.toString(16)}`,
      );
    }
    records.push({ offset: entry.offset, record: entry.name, fields: json });
  }
  const decoded: ImageJson = {
    format: IMAGE_JSON_FORMAT,
    version: IMAGE_JSON_VERSION,
    size: bytes.length,
    records,
  };
  return decoded;
}

function readInteger(raw: Uint8Array, signed: boolean): number {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (raw.length) {
    case 1:
      return signed ? view.getInt8(0) : view.getUint8(0);
    case 2:
      return signed ? view.getInt16(0, true) : view.getUint16(0, true);
    case 4:
      return signed ? view.getInt32(0, true) : view.getUint32(0, true);
    case 8:
      return Number(signed ? view.getBigInt64(0, true) : view.getBigUint64(0, true));
    default:
      throw new ImageJsonError('invalid-image', `cannot decode an integer of ${raw.length} bytes`);
  }
}

function fail(where: string, message: string): never {
  throw new ImageJsonError('bad-json', `${where}: ${message}`);
}

/**
 * Encodes the JSON form; refuses input without the decode shape (`bad-json`) and an image the
 * reader would refuse as malformed, EINVAL or EPIPE (`invalid-image`).
 */
export function encodeImageJson(input: unknown): Uint8Array {
  if (typeof input !== 'object' || input === null) fail('JSON', 'expected an object');
  const json = input as Partial<ImageJson>;
  if (json.format !== IMAGE_JSON_FORMAT) fail('JSON', `"format" must be "${IMAGE_JSON_FORMAT}"`);
  if (json.version !== IMAGE_JSON_VERSION) fail('JSON', `"version" must be ${IMAGE_JSON_VERSION}`);
  if (!Array.isArray(json.records)) fail('JSON', '"records" must be an array');
  const chunks: Uint8Array[] = [];
  let total = 0;
  json.records.forEach((record: unknown, r) => {
    const where = `records[${r}]`;
    if (
      typeof record !== 'object' ||
      record === null ||
      !Array.isArray((record as JsonRecord).fields)
    ) {
      fail(where, 'expected an object with "fields"');
    }
    (record as JsonRecord).fields.forEach((field: unknown, f) => {
      const bytes = encodeField(field, `${where}.fields[${f}]`);
      chunks.push(bytes);
      total += bytes.length;
    });
  });
  const out = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.length;
  }
  const verdict = readImage(out);
  if (!verdict.ok && (verdict.error.errno === 'EINVAL' || verdict.error.errno === 'EPIPE')) {
    throw new ImageJsonError(
      'invalid-image',
      `refused, the image would be malformed: ${oneLine(verdict.error)}`,
      verdict.error,
    );
  }
  return out;
}

function encodeField(input: unknown, where: string): Uint8Array {
  if (typeof input !== 'object' || input === null) fail(where, 'expected a field object');
  const field = input as Partial<JsonField>;
  const { type, size, value } = field;
  if (typeof type !== 'string') fail(where, '"type" must be a string');
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > 1 << 20) {
    fail(where, '"size" must be a byte count');
  }
  const name = typeof field.field === 'string' ? field.field : where;
  if (isBytes(type)) {
    if (typeof value !== 'string') fail(name, 'bytes are a hex or base64 string');
    const encoding = field.encoding ?? 'hex';
    if (encoding !== 'hex' && encoding !== 'base64') fail(name, '"encoding" is hex or base64');
    const bytes = encoding === 'hex' ? fromHex(value) : fromBase64(value);
    if (bytes === null) fail(name, encoding === 'hex' ? 'not hex' : 'not base64');
    if (bytes.length !== size) fail(name, `${bytes.length} bytes where ${size} are needed`);
    return bytes;
  }
  if (isText(type) && field.encoding === 'hex') {
    const bytes = typeof value === 'string' ? fromHex(value) : null;
    if (bytes === null) fail(name, 'not hex');
    if (bytes.length !== size) fail(name, `${bytes.length} bytes where ${size} are needed`);
    return bytes;
  }
  if (isText(type)) {
    if (typeof value !== 'string') fail(name, 'text is a string');
    const text = new TextEncoder().encode(value);
    if (text.length > size) fail(name, `text of ${text.length} bytes does not fit in ${size}`);
    const bytes = new Uint8Array(size);
    bytes.set(text);
    return bytes;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(name, 'expected an integer');
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const signed = type.startsWith('s') || value < 0;
  const range = (bits: number): [number, number] =>
    signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  const [low, high] =
    size === 8 ? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : range(size * 8);
  if (value < low || value > high) fail(name, `${value} does not fit in ${type}`);
  switch (size) {
    case 1:
      view.setUint8(0, value & 0xff);
      break;
    case 2:
      view.setUint16(0, value & 0xffff, true);
      break;
    case 4:
      view.setUint32(0, value >>> 0, true);
      break;
    case 8:
      view.setBigInt64(0, BigInt(value), true);
      break;
    default:
      fail(name, `an integer of ${size} bytes`);
  }
  return bytes;
}
