/**
 * The field tree of one record for viewers: every field with its contract name, type,
 * value, a display string (enum and flag names, capability names, hex addresses), and its
 * absolute offset and size, from the debug-mode parser generated from crimg.ksy and the field
 * metadata generated alongside it. A damaged record still yields the fields read before the
 * damage, and `error` says what stopped the parse.
 */
import {
  CrimgDebug,
  type CrimgDebugEntry,
  type DebugParsed,
  contractName,
  describeFailure,
  runDebug,
} from './kaitai';
import { FLAG_NAMES, displayCapabilities, displayOpenFlags, flagNames, hexValue } from './display';
import metaJson from './generated/crimg-meta.json';
import { recordName } from './reader';
import { decodeUtf8Lossy } from './text-rules';

/** One field (or group of fields) of a record. */
export interface FieldNode {
  /** The contract's name: `vm_start`, `_pad`, `tasks[2]`, `hdr`. */
  name: string;
  /** The name errors use: `VMA.vm_start`, `TREE.tasks[2].nspid`, `hdr.len`, `PGARR.addrs[3]`. */
  path: string;
  /** `u32`, `s64`, `char[64]`, `u8[4096]`, `enum VmaType`, `TreeEntry`, `u64[3]`, `record`. */
  type: string;
  /** Numbers as numbers; u64/s64 outside ±2^53 as a hex string; text as a string; bytes as hex. */
  value: number | string | null;
  /** What a person reads: `ANON (1)`, `PROT_READ | PROT_WRITE`, `CAP_SETUID`, `0x7ffff000`. */
  display: string;
  /** Absolute offset of the first byte. */
  offset: number;
  size: number;
  doc?: string;
  children?: FieldNode[];
}

/** The tree of a record, and what stopped its parse if it is damaged. */
export interface RecordFieldTree {
  root: FieldNode;
  /** Null when the record parsed whole. */
  error: string | null;
}

interface MetaField {
  id: string;
  js: string;
  type: string;
  user?: string;
  enum?: string;
  repeat?: string;
  doc?: string;
  switchOn?: string;
  cases?: Record<string, string>;
}
interface Meta {
  types: Record<string, { doc: string; seq: MetaField[] }>;
  enums: Record<string, Record<string, string>>;
}
const META = metaJson as unknown as Meta;

const TWO_POW_32 = 0x1_0000_0000;
const HI_2POW53 = 0x20_0000;
const BYTES_SHOWN = 32;

/** Fields displayed in hex: addresses and sizes of the address space. */
const HEX_FIELDS = new Set([
  'vm_start',
  'vm_end',
  'start_code',
  'end_code',
  'start_data',
  'end_data',
  'start_brk',
  'brk',
  'start_stack',
  'arg_start',
  'arg_end',
  'env_start',
  'env_end',
  'sp',
  'time',
]);

function upperCamel(id: string): string {
  return id.replace(/(^|_)([a-z0-9])/g, (_m, _s: string, c: string) => c.toUpperCase());
}

/** Display of a leaf from its path, name and value. */
function displayOf(
  path: string,
  name: string,
  value: number | string | null,
  enumName?: string,
): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (enumName !== undefined) {
    const label = META.enums[enumName]?.[String(value)];
    return label === undefined ? `unknown (${value})` : `${label.toUpperCase()} (${value})`;
  }
  if (path.startsWith('CRED.cap_')) return displayCapabilities(BigInt(value));
  if (path === 'HEAD.flags') return flagNames(value, FLAG_NAMES.head);
  if (path === 'TASK.flags') return flagNames(value, FLAG_NAMES.task);
  if (/^TREE\.tasks\[\d+\]\.flags$/.test(path)) return flagNames(value, FLAG_NAMES.tree);
  if (path === 'CRED.securebits') return flagNames(value, FLAG_NAMES.securebits);
  if (path === 'VMA.vm_page_prot') return flagNames(value, FLAG_NAMES.prot);
  if (path === 'VMA.vm_flags') return flagNames(value, FLAG_NAMES.vm);
  if (path === 'FD_DATA.f_mode') return flagNames(value, FLAG_NAMES.fmode);
  if (path === 'FD_DATA.f_flags') return displayOpenFlags(value);
  if (HEX_FIELDS.has(name) || /^PGARR\.addrs\[\d+\]$/.test(path)) return hexValue(value);
  return String(value);
}

function bytesHex(raw: Uint8Array): string {
  const shown = Array.from(raw.subarray(0, BYTES_SHOWN), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join(' ');
  return raw.length > BYTES_SHOWN ? `${shown} …` : shown;
}

/** Builds the tree of one record. */
class TreeBuilder {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly base: number,
  ) {}

  private span(entry: { start: number; end?: number; ioOffset: number }): {
    rel: number;
    size: number;
  } {
    const rel = entry.ioOffset - this.bytes.byteOffset + entry.start;
    const end = entry.end === undefined ? rel : entry.ioOffset - this.bytes.byteOffset + entry.end;
    return { rel, size: Math.max(0, end - rel) };
  }

  private leaf(
    field: MetaField,
    name: string,
    path: string,
    entry: { start: number; end?: number; ioOffset: number },
    parsed: unknown,
  ): FieldNode {
    const { rel, size } = this.span(entry);
    const raw = this.bytes.subarray(rel, rel + size);
    let value: number | string | null = null;
    const type =
      field.enum !== undefined
        ? `enum ${upperCamel(field.enum)}`
        : field.type.replace(/\[.*\]$/, `[${size}]`);
    if (field.type === 'u64' || field.type === 's64') {
      if (raw.length === 8) {
        const view = new DataView(raw.buffer, raw.byteOffset, 8);
        const lo = view.getUint32(0, true);
        const hi = view.getUint32(4, true);
        const signedHi = hi | 0;
        if (field.type === 'u64')
          value = hi < HI_2POW53 ? hi * TWO_POW_32 + lo : hexValue(view.getBigUint64(0, true));
        else
          value =
            signedHi < HI_2POW53 && signedHi >= -HI_2POW53
              ? signedHi * TWO_POW_32 + lo
              : hexValue(view.getBigInt64(0, true));
      }
    } else if (field.type.startsWith('char[')) {
      const nul = raw.indexOf(0);
      value = decodeUtf8Lossy(raw.subarray(0, nul < 0 ? raw.length : nul));
    } else if (field.type.startsWith('u8[')) {
      value = bytesHex(raw);
    } else if (typeof parsed === 'number') {
      value = parsed;
    }
    let display = displayOf(path, name, value, field.enum);
    if (field.type.startsWith('u8[') && raw.length > BYTES_SHOWN) {
      display = raw.every((b) => b === 0) ? `${raw.length} bytes, all zero` : `${raw.length} bytes`;
    }
    const node: FieldNode = { name, path, type, value, display, offset: this.base + rel, size };
    if (field.doc !== undefined) node.doc = field.doc;
    return node;
  }

  /** The nodes of a parsed object of ksy type `typeId`, named under `prefix`. */
  fields(obj: DebugParsed, typeId: string, prefix: string, recordTypeName: string): FieldNode[] {
    const spec = META.types[typeId];
    if (spec === undefined) return [];
    const nodes: FieldNode[] = [];
    const values = obj as unknown as Record<string, unknown>;
    for (const field of spec.seq) {
      const entry: CrimgDebugEntry | undefined = obj._debug[field.js];
      if (entry === undefined) break;
      const name = contractName(field.js);
      // At record level only the header keeps its own prefix (`hdr.len`); the page arrays
      // are named after the record (`PGARR.addrs[3]`), like the payload fields.
      const path =
        prefix !== '' ? `${prefix}.${name}` : name === 'hdr' ? name : `${recordTypeName}.${name}`;
      const value = values[field.js];
      if (field.switchOn !== undefined) {
        // The payload: its fields stand directly under the record, named `RECORD.field`.
        const caseType = field.cases?.[recordTypeName.toLowerCase()];
        if (caseType !== undefined && isParsed(value)) {
          nodes.push(...this.fields(value, caseType, recordTypeName, recordTypeName));
        } else {
          const { rel, size } = this.span(entry);
          const raw = this.bytes.subarray(rel, rel + size);
          nodes.push({
            name: 'body',
            path: recordTypeName,
            type: `u8[${size}]`,
            value: bytesHex(raw),
            display: `${size} bytes`,
            offset: this.base + rel,
            size,
          });
        }
        continue;
      }
      if (field.repeat !== undefined) {
        const items = Array.isArray(value) ? (value as unknown[]) : [];
        const arr = entry.arr ?? [];
        const children: FieldNode[] = [];
        for (let i = 0; i < arr.length; i++) {
          const itemEntry = arr[i];
          if (itemEntry === undefined) break;
          const item = items[i];
          const itemPath = `${path}[${i}]`;
          if (field.user !== undefined && isParsed(item)) {
            const { rel, size } = this.span(itemEntry);
            children.push({
              name: `${name}[${i}]`,
              path: itemPath,
              type: field.type,
              value: null,
              display: '',
              offset: this.base + rel,
              size,
              children: this.fields(item, field.user, itemPath, recordTypeName),
            });
          } else {
            children.push(this.leaf(field, `${name}[${i}]`, itemPath, itemEntry, item));
          }
        }
        const { rel, size } = this.span(entry);
        nodes.push({
          name,
          path,
          type: `${field.enum !== undefined ? `enum ${upperCamel(field.enum)}` : field.type}[${children.length}]`,
          value: null,
          display: `${children.length} items`,
          offset: this.base + rel,
          size,
          ...(field.doc !== undefined ? { doc: field.doc } : {}),
          children,
        });
        continue;
      }
      if (field.user !== undefined && isParsed(value)) {
        const { rel, size } = this.span(entry);
        nodes.push({
          name,
          path,
          type: field.type,
          value: null,
          display: '',
          offset: this.base + rel,
          size,
          children: this.fields(value, field.user, path, recordTypeName),
        });
        continue;
      }
      nodes.push(this.leaf(field, name, path, entry, value));
    }
    return nodes;
  }
}

function isParsed(value: unknown): value is DebugParsed {
  return typeof value === 'object' && value !== null && '_debug' in value;
}

/**
 * Parses one record (its header, payload and, for PGARR, its page arrays) and returns its
 * field tree. `recordBytes` starts at the record header; `absoluteOffset` is where that header
 * sits in the image, so every node's offset is absolute.
 */
export function recordFieldTree(recordBytes: Uint8Array, absoluteOffset = 0): RecordFieldTree {
  const run = runDebug(CrimgDebug.Record, recordBytes);
  const type = run.parsed.hdr?.type;
  const name = type === undefined ? 'RECORD' : recordName(type);
  const builder = new TreeBuilder(recordBytes, absoluteOffset);
  let children: FieldNode[] = [];
  let error: string | null = run.failure === null ? null : describeFailure(run.failure);
  try {
    // Header fields are named `hdr.type`, `hdr.len`, `hdr.parent` whatever the record.
    children = builder.fields(run.parsed, 'record', '', name);
  } catch (err) {
    error ??= describeFailure(err);
  }
  const size =
    children.reduce((end, node) => Math.max(end, node.offset + node.size), absoluteOffset) -
    absoluteOffset;
  return {
    root: {
      name,
      path: name,
      type: 'record',
      value: type ?? null,
      display: name,
      offset: absoluteOffset,
      size,
      children,
    },
    error,
  };
}
