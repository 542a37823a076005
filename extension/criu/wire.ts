/**
 * Decodes one protobuf (proto2) message against our own descriptors (`schema.ts`) with
 * `@bufbuild/protobuf`'s wire-level reader, keeping for every field where its bytes are: the
 * offset of its tag, the offset and size of its value. Unknown fields are kept with their wire
 * type and bytes. Nothing here throws: a malformed tag, a truncated value or a length past the
 * end becomes a problem naming the offset and the field, and decoding of that message stops
 * there (what was read before is kept).
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { capWordText, flagText, openFlagText } from './flags';
import { messageSpec, type FieldSpec, type MessageSpec } from './schema';

/** A decoded scalar: 32-bit integers as numbers, 64-bit ones as bigints. Null for a group. */
export type WireValue = number | bigint | boolean | string | Uint8Array | null;

export interface WireField {
  readonly no: number;
  /** The descriptor's name, or `#<no>` for a field our schema does not list. */
  readonly name: string;
  /** `core_entry.thread_core.creds.uid`, `mm_entry.vmas[3].start`, `pagemap_entry.#5`. */
  readonly path: string;
  /** `uint32`, `enum fd_types`, `creds_entry`, `unknown varint`, ... */
  readonly type: string;
  readonly wireType: number;
  /** False for a field our schema does not list (or lists with another wire type). */
  readonly known: boolean;
  /** Absolute offset of the field's tag. */
  readonly offset: number;
  /** Tag, length prefix and value. */
  readonly size: number;
  /** Absolute offset and size of the value alone (after the tag and any length prefix). */
  readonly valueOffset: number;
  readonly valueSize: number;
  /** Which occurrence of this field number in its message (0 for the first). */
  readonly index: number;
  readonly value: WireValue;
  /** The value as a person reads it (names of enum values and bits included). */
  readonly display: string;
  /** A nested message's fields; empty for a scalar. */
  readonly children: readonly WireField[];
}

export interface WireMessage {
  /** The message type, e.g. `core_entry`. */
  readonly type: string;
  /** Absolute offset and size of the message's bytes. */
  readonly offset: number;
  readonly size: number;
  readonly fields: readonly WireField[];
}

/** Something wrong with the bytes, where it is: `offset` and `field` always set. */
export interface WireProblem {
  readonly offset: number;
  /** The field's path, e.g. `mm_entry.vmas[2].end`, or the message's with ` (tag)`. */
  readonly field: string;
  readonly message: string;
}

/** How many fields may still be decoded: bounds memory for a hostile file of tiny fields. */
export interface FieldBudget {
  fields: number;
}

/** Nested messages deeper than this are kept as bytes (our schema nests at most 4 deep). */
const maxDepth = 12;
/** Unknown length-delimited values show at most this many bytes in `display`. */
const previewBytes = 24;

const wireTypeNames: Readonly<Record<number, string>> = {
  [WireType.Varint]: 'varint',
  [WireType.Bit64]: 'fixed64',
  [WireType.LengthDelimited]: 'bytes',
  [WireType.StartGroup]: 'group',
  [WireType.EndGroup]: 'end group',
  [WireType.Bit32]: 'fixed32',
};

const varintKinds = new Set(['uint32', 'int32', 'sint32', 'uint64', 'int64', 'sint64', 'bool']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/** The wire type a field of this descriptor is written with (unpacked). */
function expectedWireType(spec: FieldSpec): number {
  return spec.kind === 'string' || spec.kind === 'bytes' || spec.kind === 'message'
    ? WireType.LengthDelimited
    : WireType.Varint;
}

/** Bytes as `0a 1b 2c …` (at most {@link previewBytes}). */
export function hexPreview(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, previewBytes), (b) => b.toString(16).padStart(2, '0'));
  return `${shown.join(' ')}${bytes.length > previewBytes ? ' …' : ''}`;
}

/** A string value as it reads: quoted, control characters escaped. */
export function quoted(text: string): string {
  return JSON.stringify(text);
}

function formatNumber(spec: FieldSpec, value: number | bigint, index: number): string {
  const format = spec.format;
  if (format === 'hex') return `0x${value.toString(16)}`;
  if (format === 'octal') return `0o${value.toString(8)}`;
  if (format === 'capWord') return capWordText(Number(value), index);
  if (typeof format === 'object') {
    const word = Number(BigInt.asUintN(32, BigInt(value)));
    // Open flags read with their access mode first (O_RDONLY is 0, so it has no bit).
    if (format.flags === 'openFlags') return `0x${value.toString(16)} (${openFlagText(word)})`;
    const text = flagText(word, format.flags);
    return text === '0' ? '0' : `0x${value.toString(16)} (${text})`;
  }
  return value.toString();
}

/** A length prefix read with its bounds checked: the value's start and end in the reader. */
function readLength(
  reader: BinaryReader,
  bytes: Uint8Array,
): { start: number; end: number } | string {
  const at = reader.pos;
  let length: number;
  try {
    length = reader.uint32();
  } catch {
    reader.pos = at;
    return 'the length prefix is cut off or longer than 10 bytes';
  }
  // The reader keeps the low 32 bits of a longer varint: a length must fit 32 bits itself.
  const used = reader.pos - at;
  if (used > 5 || (used === 5 && (bytes[reader.pos - 1] ?? 0) > 0x0f))
    return `the length prefix (${used} bytes) does not fit 32 bits`;
  const left = reader.len - reader.pos;
  if (length > left)
    return `length ${length} runs past the end of the message (${left} byte${left === 1 ? '' : 's'} left)`;
  return { start: reader.pos, end: reader.pos + length };
}

function varintError(reader: BinaryReader, start: number): string {
  const available = reader.len - start;
  return available > 0 && available < 10
    ? `the varint is cut off after ${available} byte${available === 1 ? '' : 's'}`
    : 'the varint is longer than 10 bytes';
}

interface Context {
  readonly bytes: Uint8Array;
  readonly base: number;
  readonly problems: WireProblem[];
  readonly budget: FieldBudget;
}

/**
 * Decodes the message `bytes` of type `typeName` (see {@link messageSpec}; an unknown type name
 * decodes every field as unknown). `base` is the absolute offset of `bytes[0]` in its file and
 * `path` the prefix of field paths (usually the type name).
 */
export function decodeMessage(
  bytes: Uint8Array,
  base: number,
  typeName: string,
  path: string,
  budget: FieldBudget,
): { message: WireMessage; problems: WireProblem[] } {
  const problems: WireProblem[] = [];
  const spec = messageSpec(typeName) ?? { name: typeName, fields: [] };
  const message = decodeInto({ bytes, base, problems, budget }, spec, path, 0);
  return { message, problems };
}

function decodeInto(context: Context, spec: MessageSpec, path: string, depth: number): WireMessage {
  const { bytes, base, problems, budget } = context;
  const reader = new BinaryReader(bytes);
  const fields: WireField[] = [];
  const seen = new Map<number, number>();
  const byNumber = new Map(spec.fields.map((field) => [field.no, field] as const));
  /** Decoding stopped before the end: fields after that point are not known to be missing. */
  let stopped = false;
  while (reader.pos < reader.len) {
    if (budget.fields <= 0) {
      problems.push({
        offset: base + reader.pos,
        field: path,
        message: 'too many fields in this file: the rest of it is not decoded',
      });
      stopped = true;
      break;
    }
    const tagStart = reader.pos;
    let no: number;
    let wireType: number;
    try {
      [no, wireType] = reader.tag();
    } catch (error) {
      problems.push({
        offset: base + tagStart,
        field: `${path} (tag)`,
        message:
          error instanceof RangeError
            ? 'the field tag is cut off by the end of the message'
            : `malformed field tag: ${error instanceof Error ? error.message : String(error)}`,
      });
      stopped = true;
      break;
    }
    const fieldSpec = byNumber.get(no);
    const index = seen.get(no) ?? 0;
    seen.set(no, index + 1);
    const known = fieldSpec !== undefined && wireTypeFits(fieldSpec, wireType);
    const name = fieldSpec?.name ?? `#${no}`;
    const fieldPath =
      fieldSpec !== undefined && fieldSpec.label === 'repeated'
        ? `${path}.${name}[${index}]`
        : `${path}.${name}`;
    budget.fields--;
    const outcome = known
      ? readKnown(context, reader, fieldSpec, fieldPath, tagStart, no, wireType, index, depth)
      : readUnknown(context, reader, fieldPath, tagStart, no, wireType, index);
    if (typeof outcome === 'string') {
      problems.push({ offset: base + tagStart, field: fieldPath, message: outcome });
      stopped = true;
      break;
    }
    if (fieldSpec !== undefined && !known) {
      problems.push({
        offset: base + tagStart,
        field: fieldPath,
        message: `written as ${wireTypeNames[wireType] ?? wireType}, but ${fieldSpec.name} is ${fieldSpec.kind}: kept as an unknown field`,
      });
    }
    fields.push(...outcome);
  }
  for (const field of spec.fields) {
    if (field.label === 'required' && !seen.has(field.no) && !stopped) {
      problems.push({
        offset: base,
        field: `${path}.${field.name}`,
        message: `required field ${field.name} (${field.no}) is missing`,
      });
    }
  }
  return { type: spec.name, offset: base, size: bytes.length, fields };
}

function wireTypeFits(spec: FieldSpec, wireType: number): boolean {
  if (wireType === expectedWireType(spec)) return true;
  // A repeated number may be written packed (one length-delimited run of varints).
  return (
    spec.label === 'repeated' &&
    wireType === WireType.LengthDelimited &&
    (varintKinds.has(spec.kind) || spec.kind === 'enum')
  );
}

function readVarint(reader: BinaryReader, spec: FieldSpec): number | bigint | boolean {
  switch (spec.kind) {
    case 'uint32':
      return reader.uint32() >>> 0;
    case 'int32':
    case 'enum':
      return reader.int32();
    case 'sint32':
      return reader.sint32();
    case 'uint64':
      return BigInt(reader.uint64());
    case 'int64':
      return BigInt(reader.int64());
    case 'sint64':
      return BigInt(reader.sint64());
    case 'bool':
      return reader.bool();
    default:
      return BigInt(reader.uint64());
  }
}

function displayScalar(spec: FieldSpec, value: number | bigint | boolean, index: number): string {
  if (typeof value === 'boolean') return String(value);
  if (spec.kind === 'enum') {
    const name = spec.values?.[Number(value)];
    return name === undefined
      ? `${value} (not a ${spec.enumName ?? 'known'} value)`
      : `${name} (${value})`;
  }
  return formatNumber(spec, value, index);
}

function typeOf(spec: FieldSpec): string {
  if (spec.kind === 'enum') return `enum ${spec.enumName ?? ''}`.trim();
  if (spec.kind === 'message') return spec.message ?? 'message';
  return spec.label === 'repeated' ? `repeated ${spec.kind}` : spec.kind;
}

function readKnown(
  context: Context,
  reader: BinaryReader,
  spec: FieldSpec,
  path: string,
  tagStart: number,
  no: number,
  wireType: number,
  index: number,
  depth: number,
): WireField[] | string {
  const { base } = context;
  const valueStart = reader.pos;
  const field = (
    valueOffset: number,
    valueEnd: number,
    value: WireValue,
    display: string,
    children: readonly WireField[] = [],
  ): WireField => ({
    no,
    name: spec.name,
    path,
    type: typeOf(spec),
    wireType,
    known: true,
    offset: base + tagStart,
    size: reader.pos - tagStart,
    valueOffset: base + valueOffset,
    valueSize: valueEnd - valueOffset,
    index,
    value,
    display,
    children,
  });
  if (wireType === WireType.Varint) {
    let value: number | bigint | boolean;
    try {
      value = readVarint(reader, spec);
    } catch {
      return varintError(reader, valueStart);
    }
    return [field(valueStart, reader.pos, value, displayScalar(spec, value, index))];
  }
  const range = readLength(reader, context.bytes);
  if (typeof range === 'string') return range;
  const slice = context.bytes.subarray(range.start, range.end);
  if (spec.kind === 'string' || spec.kind === 'bytes') {
    reader.pos = range.end;
    if (spec.kind === 'bytes') return [field(range.start, range.end, slice, hexPreview(slice))];
    let text: string;
    try {
      text = utf8.decode(slice);
    } catch {
      text = utf8Lenient.decode(slice);
      context.problems.push({
        offset: base + range.start,
        field: path,
        message: 'not valid UTF-8: shown with replacement characters',
      });
    }
    return [field(range.start, range.end, text, quoted(text))];
  }
  if (spec.kind === 'message') {
    reader.pos = range.end;
    const inner = spec.message === undefined ? undefined : messageSpec(spec.message);
    if (inner === undefined || depth >= maxDepth)
      return [field(range.start, range.end, slice, `${slice.length} bytes`)];
    const nested = decodeInto(
      { ...context, bytes: slice, base: base + range.start },
      inner,
      path,
      depth + 1,
    );
    const count = nested.fields.length;
    return [
      field(range.start, range.end, null, `${count} field${count === 1 ? '' : 's'}`, nested.fields),
    ];
  }
  // A packed run of numbers: one field per element, each with its own bytes.
  const elements: WireField[] = [];
  const packed = new BinaryReader(slice);
  let element = index;
  while (packed.pos < packed.len) {
    const start = packed.pos;
    let value: number | bigint | boolean;
    try {
      value = readVarint(packed, spec);
    } catch {
      reader.pos = range.start + start;
      return varintError(packed, start);
    }
    elements.push({
      no,
      name: spec.name,
      path: path.replace(/\[\d+\]$/, `[${element}]`),
      type: `${typeOf(spec)} (packed)`,
      wireType,
      known: true,
      offset: base + range.start + start,
      size: packed.pos - start,
      valueOffset: base + range.start + start,
      valueSize: packed.pos - start,
      index: element,
      value,
      display: displayScalar(spec, value, element),
      children: [],
    });
    element++;
  }
  reader.pos = range.end;
  return elements;
}

function readUnknown(
  context: Context,
  reader: BinaryReader,
  path: string,
  tagStart: number,
  no: number,
  wireType: number,
  index: number,
): WireField[] | string {
  const { base } = context;
  const valueStart = reader.pos;
  let value: WireValue;
  let display: string;
  let valueOffset = valueStart;
  try {
    switch (wireType) {
      case WireType.Varint:
        value = BigInt(reader.uint64());
        display = value.toString();
        break;
      case WireType.Bit64:
        if (reader.len - reader.pos < 8) return 'the 8-byte value is cut off';
        value = BigInt(reader.fixed64());
        display = `0x${value.toString(16)}`;
        break;
      case WireType.Bit32:
        if (reader.len - reader.pos < 4) return 'the 4-byte value is cut off';
        value = reader.fixed32();
        display = `0x${value.toString(16)}`;
        break;
      case WireType.LengthDelimited: {
        const range = readLength(reader, context.bytes);
        if (typeof range === 'string') return range;
        value = context.bytes.subarray(range.start, range.end);
        valueOffset = range.start;
        reader.pos = range.end;
        display = `${value.length} byte${value.length === 1 ? '' : 's'}${value.length > 0 ? `: ${hexPreview(value)}` : ''}`;
        break;
      }
      case WireType.StartGroup:
        value = reader.skip(wireType, no, 8);
        display = `group of ${value.length} bytes`;
        break;
      default:
        return `an end-group tag without a group (field ${no})`;
    }
  } catch (error) {
    if (wireType === WireType.Varint) return varintError(reader, valueStart);
    if (wireType === WireType.StartGroup)
      return `the group is not closed before the end of the message (${error instanceof Error ? error.message : String(error)})`;
    return error instanceof Error ? error.message : String(error);
  }
  const valueEnd = reader.pos;
  return [
    {
      no,
      name: `#${no}`,
      path,
      type: `unknown ${wireTypeNames[wireType] ?? String(wireType)}`,
      wireType,
      known: false,
      offset: base + tagStart,
      size: reader.pos - tagStart,
      valueOffset: base + valueOffset,
      valueSize: valueEnd - valueOffset,
      index,
      value,
      display,
      children: [],
    },
  ];
}

/** The first field called `name` among `fields`. */
export function fieldNamed(
  fields: readonly WireField[] | undefined,
  name: string,
): WireField | undefined {
  return fields?.find((field) => field.name === name);
}

/** Every field called `name` (repeated fields, packed or not). */
export function fieldsNamed(fields: readonly WireField[] | undefined, name: string): WireField[] {
  return fields?.filter((field) => field.name === name) ?? [];
}

/** A field's value as a number when it is an integer that fits one exactly, else null. */
export function numberOf(field: WireField | undefined): number | null {
  const value = field?.value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= 0n)
    return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/** A field's value as a bigint (integers only), else null. */
export function bigintOf(field: WireField | undefined): bigint | null {
  const value = field?.value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'bigint') return value;
  return null;
}

/** A string field's text, else null. */
export function stringOf(field: WireField | undefined): string | null {
  return typeof field?.value === 'string' ? field.value : null;
}
