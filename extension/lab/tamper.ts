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
 * - `byte[OFFSET]`: one raw byte, for edits no valid image can express (a huge count, a
 *   flipped bit in the signed area). Nothing else changes.
 */
// TODO(image index): switch to '../image/index' once it exports readImage/writeImage.
import { readImage } from '../image/reader';
import { writeImage } from '../image/writer';

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
