/**
 * Encoding a new value for one field of a record's field tree (see field-tree.ts), for editors.
 * The input is what a person types: a number (decimal, `0x` hex, negative for signed types), an
 * enum member by name, flag names joined by `|`, text, or hex bytes. It is checked against what
 * the field can hold before any byte is produced, so an editor never writes a value the field's
 * type cannot represent.
 *
 * Every edit keeps the field's size, and so every record's `len`: text of STRING, FNAME and
 * SECURITY records (whose last byte is their only NUL) must have exactly the old length. A
 * length-changing edit would move every later record and is not supported.
 *
 * Pure: no I/O, no `node:`.
 */
import { CAPABILITY_NAMES, FLAG_NAMES } from './display';
import { CAP_LAST_CAP } from './model';
import metaJson from './generated/crimg-meta.json';
import { checkPath } from './text-rules';

/** What the encoder needs to know about a field: the contract path, its type and size. */
export interface EditableField {
  /** `CRED.euid`, `TREE.tasks[0].flags`, `FNAME.value`. */
  readonly path: string;
  /** `u32`, `s64`, `enum VmaType`, `char[64]`, `u8[8]`, as the field tree names it. */
  readonly type: string;
  readonly size: number;
}

/** The bytes to write at the field's offset, or why the input cannot be written there. */
export type FieldEncoding =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly message: string };

const enumsMeta = (metaJson as unknown as { enums: Record<string, Record<string, string>> }).enums;

const openAccessModes: Readonly<Record<string, number>> = { O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2 };
const openFlagBits: Readonly<Record<number, string>> = {
  0x40: 'O_CREAT',
  0x200: 'O_TRUNC',
  0x400: 'O_APPEND',
};

/** Records whose text is the whole payload with a final NUL (image-format.md, text rules). */
const wholeRecordTexts = new Set(['STRING.value', 'FNAME.value', 'SECURITY.label']);

/** Fields an editor must not change by hand: the record framing and the signature record. */
function lockedReason(path: string): string | null {
  if (path === 'hdr.type' || path === 'hdr.len')
    return `${path} frames the record stream and is not editable (every later record would move)`;
  if (path.startsWith('SIGN.'))
    return `${path} is written by "Sign with Machine Key", not edited by hand`;
  if (path === 'PGARR.nr_pages')
    return `${path} sizes the page arrays and is not editable (every later record would move)`;
  return null;
}

/** Named bits of a flag field, or null when `path` is not a flag field. */
function flagTable(path: string): Readonly<Record<number, string>> | null {
  if (path === 'HEAD.flags') return FLAG_NAMES.head;
  if (path === 'TASK.flags') return FLAG_NAMES.task;
  if (/^TREE\.tasks\[\d+\]\.flags$/.test(path)) return FLAG_NAMES.tree;
  if (path === 'CRED.securebits') return FLAG_NAMES.securebits;
  if (path === 'VMA.vm_page_prot') return FLAG_NAMES.prot;
  if (path === 'VMA.vm_flags') return FLAG_NAMES.vm;
  if (path === 'FD_DATA.f_mode') return FLAG_NAMES.fmode;
  return null;
}

const integerPattern = /^[+-]?(0x[0-9a-f]+|[0-9]+)$/i;

/** A number as typed, or null: decimal, `0x` hex, an optional sign, `_` as a digit separator. */
export function parseInteger(text: string): bigint | null {
  const compact = text.trim().replace(/_/g, '');
  if (!integerPattern.test(compact)) return null;
  const negative = compact.startsWith('-');
  const digits = compact.replace(/^[+-]/, '');
  const magnitude = BigInt(digits);
  return negative ? -magnitude : magnitude;
}

/** The inclusive range of an integer type such as `u16` or `s64`, or null for another type. */
function integerRange(type: string): { min: bigint; max: bigint; bytes: number } | null {
  const match = /^([us])(8|16|32|64)$/.exec(type);
  if (!match) return null;
  const bits = Number(match[2]);
  if (match[1] === 'u') return { min: 0n, max: (1n << BigInt(bits)) - 1n, bytes: bits / 8 };
  const half = 1n << BigInt(bits - 1);
  return { min: -half, max: half - 1n, bytes: bits / 8 };
}

/** Little-endian two's complement bytes of `value` (already range-checked) in `size` bytes. */
function littleEndian(value: bigint, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let rest = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

function fail(message: string): FieldEncoding {
  return { ok: false, message };
}

function encodeInteger(field: EditableField, value: bigint): FieldEncoding {
  const range = integerRange(field.type) ?? integerRange(`u${field.size * 8}`);
  if (!range || range.bytes !== field.size)
    return fail(`${field.path}: cannot encode a number into ${field.type}`);
  if (value < range.min || value > range.max)
    return fail(`${field.path}: ${value} is outside ${field.type} (${range.min}..${range.max})`);
  return { ok: true, bytes: littleEndian(value, field.size) };
}

/** `a | b`, `a, b` or `a b`: the parts of a flag expression. */
function flagParts(input: string): string[] {
  return input
    .split(/[|,\s]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function encodeFlags(
  field: EditableField,
  input: string,
  names: Readonly<Record<number, string>>,
): FieldEncoding {
  const known = Object.entries(names).map(([bit, name]) => ({ bit: BigInt(bit), name }));
  const knownMask = known.reduce((mask, entry) => mask | entry.bit, 0n);
  const list = known.map((entry) => entry.name).join(', ');
  let value = 0n;
  for (const part of flagParts(input)) {
    const number = parseInteger(part);
    if (number !== null) {
      value |= number;
      continue;
    }
    const entry = known.find((candidate) => candidate.name === part.toUpperCase());
    if (!entry) return fail(`${field.path}: unknown flag ${part} (known: ${list})`);
    value |= entry.bit;
  }
  if (value < 0n) return fail(`${field.path}: flags cannot be negative`);
  const unknown = value & ~knownMask;
  if (unknown !== 0n)
    return fail(`${field.path}: unknown flag bits 0x${unknown.toString(16)} (known: ${list})`);
  return encodeInteger(field, value);
}

function encodeOpenFlags(field: EditableField, input: string): FieldEncoding {
  let value = 0n;
  let access: string | null = null;
  for (const part of flagParts(input)) {
    const number = parseInteger(part);
    if (number !== null) {
      value |= number;
      continue;
    }
    const name = part.toUpperCase();
    const mode = openAccessModes[name];
    if (mode !== undefined) {
      if (access !== null && access !== name)
        return fail(`${field.path}: two access modes (${access} and ${name})`);
      access = name;
      value |= BigInt(mode);
      continue;
    }
    const bit = Object.entries(openFlagBits).find(([, flag]) => flag === name)?.[0];
    if (bit === undefined)
      return fail(
        `${field.path}: unknown flag ${part} (known: O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND)`,
      );
    value |= BigInt(bit);
  }
  const knownMask = 0x3n | 0x40n | 0x200n | 0x400n;
  if (value < 0n || (value & ~knownMask) !== 0n)
    return fail(`${field.path}: unknown flag bits 0x${(value & ~knownMask).toString(16)}`);
  if ((value & 3n) === 3n)
    return fail(`${field.path}: access mode 3 is not O_RDONLY, O_WRONLY or O_RDWR`);
  return encodeInteger(field, value);
}

function encodeCapabilities(field: EditableField, input: string): FieldEncoding {
  let value = 0n;
  const trimmed = input.trim();
  if (/^(\(none\)|none)$/i.test(trimmed)) return encodeInteger(field, 0n);
  const allMask = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;
  if (/^all$/i.test(trimmed)) return encodeInteger(field, allMask);
  for (const part of flagParts(trimmed)) {
    const number = parseInteger(part);
    if (number !== null) {
      value |= number;
      continue;
    }
    const upper = part.toUpperCase();
    const index = CAPABILITY_NAMES.indexOf(upper.startsWith('CAP_') ? upper : `CAP_${upper}`);
    if (index < 0) return fail(`${field.path}: unknown capability ${part}`);
    value |= 1n << BigInt(index);
  }
  if (value < 0n || (value & ~allMask) !== 0n)
    return fail(`${field.path}: bits above CAP_LAST_CAP (${CAP_LAST_CAP}) are not capabilities`);
  return encodeInteger(field, value);
}

/** `VmaType` → the meta's `vma_type`. */
function enumKey(typeName: string): string {
  return typeName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function encodeEnum(field: EditableField, enumName: string, input: string): FieldEncoding {
  const members = enumsMeta[enumKey(enumName)] ?? enumsMeta[enumName.toLowerCase()];
  if (!members) return fail(`${field.path}: unknown enum ${enumName}`);
  const list = Object.entries(members)
    .map(([number, name]) => `${name.toUpperCase()} (${number})`)
    .join(', ');
  // The viewer shows `FILE (2)`: accept that form back as well as `FILE` and `2`.
  const typed = input.trim().replace(/\s*\(\s*\d+\s*\)$/, '');
  const number = parseInteger(typed);
  const match =
    number !== null
      ? Object.keys(members).find((key) => BigInt(key) === number)
      : Object.entries(members).find(([, name]) => name.toUpperCase() === typed.toUpperCase())?.[0];
  if (match === undefined) return fail(`${field.path}: ${typed} is not a ${enumName} (${list})`);
  return encodeInteger(field, BigInt(match));
}

const encoder = new TextEncoder();

function encodeText(field: EditableField, input: string): FieldEncoding {
  if (input.includes('\0')) return fail(`${field.path}: text cannot contain NUL`);
  const text = encoder.encode(input);
  if (wholeRecordTexts.has(field.path)) {
    const room = field.size - 1;
    const what = field.path === 'FNAME.value' ? 'path' : 'text';
    if (text.length !== room)
      return fail(
        `${field.path}: new ${what} must be exactly ${room} bytes like the old one, not ${text.length} ` +
          "(the editor keeps every record's len; length-changing text edits are not supported)",
      );
    if (field.path === 'FNAME.value') {
      const problem = checkPath(input);
      if (problem !== null) return fail(`${field.path}: ${problem}`);
    }
    const bytes = new Uint8Array(field.size);
    bytes.set(text);
    return { ok: true, bytes };
  }
  // A fixed char array: the text, then NULs to the end, at least one.
  if (text.length > field.size - 1)
    return fail(
      `${field.path}: new text must fit in ${field.size - 1} bytes (char[${field.size}] keeps a final NUL), not ${text.length}`,
    );
  const bytes = new Uint8Array(field.size);
  bytes.set(text);
  return { ok: true, bytes };
}

function encodeBytes(field: EditableField, input: string): FieldEncoding {
  const hex = input.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) return fail(`${field.path}: expected hex bytes`);
  if (hex.length / 2 !== field.size)
    return fail(`${field.path}: expected exactly ${field.size} bytes, not ${hex.length / 2}`);
  const bytes = new Uint8Array(field.size);
  for (let i = 0; i < field.size; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return { ok: true, bytes };
}

/**
 * The bytes that store `input` in `field`, or why it cannot: the type's range, an enum's
 * members, a flag field's known bits, a char array's room, a path's rules.
 */
export function encodeFieldValue(field: EditableField, input: string): FieldEncoding {
  const locked = lockedReason(field.path);
  if (locked !== null) return fail(locked);
  if (field.size <= 0) return fail(`${field.path} has no bytes to edit`);
  const type = field.type;
  const enumMatch = /^enum (\w+)$/.exec(type);
  if (enumMatch?.[1] !== undefined) return encodeEnum(field, enumMatch[1], input);
  if (/^char\[\d+\]$/.test(type)) return encodeText(field, input);
  if (/^u8\[\d+\]$/.test(type)) return encodeBytes(field, input);
  if (!integerRange(type))
    return fail(`${field.path}: a ${type} is not a field this editor can set`);
  if (field.path.startsWith('CRED.cap_')) return encodeCapabilities(field, input);
  if (field.path === 'FD_DATA.f_flags') return encodeOpenFlags(field, input);
  const flags = flagTable(field.path);
  if (flags) return encodeFlags(field, input, flags);
  const value = parseInteger(input);
  if (value === null) return fail(`${field.path}: ${JSON.stringify(input.trim())} is not a number`);
  return encodeInteger(field, value);
}

/**
 * The control an editor offers for a field, matching what {@link encodeFieldValue} accepts:
 * `number` (typed text), `enum` and `flags` (a number in decimal), `text`, or `readonly` with
 * the reason.
 */
export type FieldControl =
  | { readonly kind: 'number'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly options: readonly { value: number; name: string }[] }
  | { readonly kind: 'flags'; readonly bits: readonly { mask: number; name: string }[] }
  /** `exact`: the text fills a whole record (STRING, FNAME, SECURITY) and must keep its length. */
  | { readonly kind: 'text'; readonly maxBytes: number; readonly exact: boolean }
  | { readonly kind: 'readonly'; readonly reason: string };

/** The control for a leaf of the field tree (groups are not edited: their leaves are). */
export function fieldControl(field: EditableField): FieldControl {
  const locked = lockedReason(field.path);
  if (locked !== null) return { kind: 'readonly', reason: locked };
  const enumMatch = /^enum (\w+)$/.exec(field.type);
  if (enumMatch?.[1] !== undefined) {
    const members = enumsMeta[enumKey(enumMatch[1])] ?? {};
    return {
      kind: 'enum',
      options: Object.entries(members).map(([value, name]) => ({
        value: Number(value),
        name: name.toUpperCase(),
      })),
    };
  }
  if (/^char\[\d+\]$/.test(field.type))
    return {
      kind: 'text',
      maxBytes: Math.max(0, field.size - 1),
      exact: wholeRecordTexts.has(field.path),
    };
  if (field.path.startsWith('CRED.cap_'))
    return {
      kind: 'flags',
      bits: CAPABILITY_NAMES.slice(0, CAP_LAST_CAP + 1).map((name, bit) => ({
        mask: 2 ** bit,
        name,
      })),
    };
  const flags = flagTable(field.path);
  if (flags)
    return {
      kind: 'flags',
      bits: Object.entries(flags).map(([mask, name]) => ({ mask: Number(mask), name })),
    };
  const range = integerRange(field.type);
  if (range && range.bytes === field.size)
    return { kind: 'number', min: Number(range.min), max: Number(range.max) };
  return { kind: 'readonly', reason: `a ${field.type} is not edited here` };
}
