/**
 * `tamper IMAGE FIELD = VALUE`: edits one field of a checkpoint image the way a person with a
 * hex editor would, to see what restart makes of it.
 *
 * Two kinds of path:
 * - model paths, in the image model's own vocabulary: `tasks[0].cred.euid`,
 *   `openFiles[0].path`, `tasks[0].vmas[2].vm_page_prot`, `head.flags`. The image is decoded,
 *   the field set, and the image written again. A signed image stays marked signed but its MAC
 *   is computed with a key that is not the machine's (an editor does not hold the sealed key),
 *   so restart rejects it — exactly what hand-editing a signed image does;
 * - record paths, `RECORD[n].field` with the field paths of image-format.md errors:
 *   `CRED[0].euid`, `MM[0].map_count`, `TREE[0].tasks[1].nspid`, `FNAME[2].value`: the bytes of
 *   that field of the n-th record of that type are overwritten in place and nothing else moves,
 *   so counts can disagree with what follows and a signature goes stale - what a hex editor
 *   does;
 * - `byte[OFFSET]`: one raw byte, for edits no field expresses. Nothing else changes.
 */
import {
  indexRecords,
  memoryReader,
  readImage,
  RECORD_NAMES,
  recordFieldTree,
  writeImage,
  type FieldNode,
} from '../image/index';

export type TamperResult =
  { ok: true; bytes: Uint8Array; summary: string } | { ok: false; message: string };

type Segment = string | number;

function parsePath(path: string): Segment[] | null {
  const segments: Segment[] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+|0x[0-9a-fA-F]+)\]|\./gy;
  let match: RegExpExecArray | null;
  let position = 0;
  while (position < path.length) {
    pattern.lastIndex = position;
    match = pattern.exec(path);
    if (match === null) return null;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    position = pattern.lastIndex;
  }
  return segments;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `0x${value.toString(16)}`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** Applies one edit; never throws. */
export function tamperImage(
  bytes: Uint8Array,
  field: string,
  value: number | string,
): TamperResult {
  const segments = parsePath(field);
  if (segments === null || segments.length === 0) {
    return { ok: false, message: `cannot read the field path \`${field}\`` };
  }
  if (segments[0] === 'byte' && typeof segments[1] === 'number' && segments.length === 2) {
    const offset = segments[1];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
      return { ok: false, message: 'a byte takes a number from 0 to 255' };
    }
    if (offset >= bytes.length) {
      return {
        ok: false,
        message: `offset ${offset} is past the end of the image (${bytes.length} bytes)`,
      };
    }
    const edited = bytes.slice();
    const before = edited[offset] ?? 0;
    edited[offset] = value;
    return {
      ok: true,
      bytes: edited,
      summary: `byte 0x${offset.toString(16)}: 0x${before.toString(16)} -> 0x${value.toString(16)}`,
    };
  }
  // `CRED[0].euid` is a record path; so is `cred[0].euid`, unless the lower-case name is one of
  // the model's own top-level fields (`tree[0].nspid` is the model's tree).
  const first = typeof segments[0] === 'string' ? segments[0] : '';
  const recordName = first.toUpperCase();
  const isRecordPath =
    KNOWN_RECORDS.has(recordName) && (first === recordName || !MODEL_ROOTS.has(first));
  if (isRecordPath && typeof segments[1] === 'number') {
    return patchRecordField(bytes, recordName, segments[1], segments.slice(2), field, value);
  }
  const read = readImage(bytes);
  if (!read.ok) {
    return {
      ok: false,
      message: `the image is not valid (${read.error.errno} at 0x${read.error.offset.toString(16)}, ${read.error.field}): only \`byte[OFFSET]\` edits apply`,
    };
  }
  const image = read.image;
  let container: unknown = image;
  for (const segment of segments.slice(0, -1)) {
    if (container === null || typeof container !== 'object') break;
    container = (container as Record<string | number, unknown>)[segment];
  }
  const last = segments.at(-1) as Segment;
  if (container === null || typeof container !== 'object' || !(last in container)) {
    return { ok: false, message: `the image has no field \`${field}\`` };
  }
  const record = container as Record<string | number, unknown>;
  const before = record[last];
  if (typeof before === 'bigint') {
    if (typeof value !== 'number') return { ok: false, message: `\`${field}\` is a number` };
    record[last] = BigInt(value);
  } else if (typeof before === 'number') {
    if (typeof value !== 'number') return { ok: false, message: `\`${field}\` is a number` };
    record[last] = value;
  } else if (typeof before === 'string' || before === null) {
    if (typeof value !== 'string') return { ok: false, message: `\`${field}\` is text` };
    record[last] = value;
  } else {
    return { ok: false, message: `\`${field}\` is not a single field` };
  }
  try {
    const signingKey =
      image.sign === null ? undefined : { keyId: image.sign.key_id, key: new Uint8Array(32) };
    const edited = writeImage(image, signingKey === undefined ? {} : { signingKey });
    return {
      ok: true,
      bytes: edited,
      summary: `${field}: ${describe(before)} -> ${describe(record[last])}`,
    };
  } catch (error) {
    return { ok: false, message: `cannot write the edited image: ${(error as Error).message}` };
  }
}

const KNOWN_RECORDS = new Set(RECORD_NAMES.values());
const MODEL_ROOTS = new Set(['head', 'lsm', 'tree', 'tasks', 'openFiles', 'sign']);

function leaves(node: FieldNode, into: FieldNode[]): void {
  if (node.children === undefined || node.children.length === 0) into.push(node);
  else node.children.forEach((child) => leaves(child, into));
}

function fieldPath(record: string, rest: Segment[]): string {
  return rest.reduce<string>(
    (path, segment) => (typeof segment === 'number' ? `${path}[${segment}]` : `${path}.${segment}`),
    record,
  );
}

/** Overwrites one field of the n-th record of a type, in place. */
function patchRecordField(
  bytes: Uint8Array,
  record: string,
  nth: number,
  rest: Segment[],
  written: string,
  value: number | string,
): TamperResult {
  const entries = indexRecords(memoryReader(bytes), bytes.length).entries.filter(
    (entry) => entry.kind === 'record' && entry.name === record,
  );
  const entry = entries[nth];
  if (entry === undefined || entry.kind !== 'record') {
    return {
      ok: false,
      message: `the image has ${entries.length} ${record} record(s), no ${record}[${nth}]`,
    };
  }
  const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
  const all: FieldNode[] = [];
  leaves(tree.root, all);
  const wanted = fieldPath(record, rest);
  // Header fields are `hdr.type`, page data `pages[0]`: accept those spellings too.
  const bare = fieldPath('', rest).replace(/^\./, '');
  const node = all.find((leaf) => leaf.path === wanted || leaf.path === bare);
  if (node === undefined) {
    const known = all.map((leaf) => leaf.path).join(', ');
    return { ok: false, message: `${record} has no field \`${wanted}\` (fields: ${known})` };
  }
  const edited = bytes.slice();
  const view = new DataView(edited.buffer, edited.byteOffset, edited.byteLength);
  if (/^char\[\d+\]$/.test(node.type)) {
    if (typeof value !== 'string') return { ok: false, message: `\`${written}\` is text` };
    const text = new TextEncoder().encode(value);
    if (text.length > node.size) {
      return { ok: false, message: `${text.length} bytes do not fit in ${node.type}` };
    }
    edited.fill(0, node.offset, node.offset + node.size);
    edited.set(text, node.offset);
  } else {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return { ok: false, message: `\`${written}\` is a number` };
    }
    switch (node.size) {
      case 1:
        view.setUint8(node.offset, value & 0xff);
        break;
      case 2:
        view.setUint16(node.offset, value & 0xffff, true);
        break;
      case 4:
        view.setUint32(node.offset, value >>> 0, true);
        break;
      case 8:
        view.setBigUint64(node.offset, BigInt.asUintN(64, BigInt(value)), true);
        break;
      default:
        return { ok: false, message: `\`${written}\` (${node.type}) cannot take a number` };
    }
  }
  return {
    ok: true,
    bytes: edited,
    summary: `${node.path} of ${record}[${nth}] at 0x${node.offset.toString(16)}: ${describe(node.value)} -> ${describe(value)}`,
  };
}
