/**
 * One CRIU image file: its magic header, then entries of `u32 size` (little-endian, as CRIU
 * writes on x86_64 and arm64) + a protobuf message, some followed by raw bytes, to the end of
 * the file. Every size is judged against the bytes present before anything is read; a problem
 * names the file, the offset and the field, and reading stops there with what came before kept.
 */
import {
  IMAGE_KINDS,
  IMG_COMMON_MAGIC,
  IMG_SERVICE_MAGIC,
  MAGIC_NUMBERS,
  kindOfMagic,
  magicName,
  type ImageKind,
  type ImageKindName,
} from './magic';
import {
  decodeMessage,
  fieldNamed,
  numberOf,
  type FieldBudget,
  type WireMessage,
  type WireProblem,
} from './wire';

/** A problem found in a dump: in which file, at which byte, in which field. */
export interface DumpProblem {
  readonly file: string;
  readonly offset: number;
  /** `magic`, `entry[3].size`, `mm_entry.vmas[2].end`, ... */
  readonly field: string;
  readonly message: string;
}

/** One word of a file's header. */
export interface MagicWord {
  readonly offset: number;
  readonly value: number;
  /** CRIU's name of the value (`IMG_COMMON`, `CORE`), or null for none. */
  readonly name: string | null;
}

/** One entry: its size word, its message, and the raw bytes after it if its kind has some. */
export interface ImageEntry {
  readonly index: number;
  /** Offset of the entry's `u32 size`. */
  readonly offset: number;
  /** Size word + message + raw bytes. */
  readonly size: number;
  readonly payloadOffset: number;
  readonly payloadSize: number;
  readonly message: WireMessage;
  /** The raw bytes that follow the message (pipe data, socket queues), or null. */
  readonly extra: { readonly offset: number; readonly size: number } | null;
}

/** A decoded image file. */
export interface ImageFile {
  readonly name: string;
  readonly size: number;
  /** The kind the entries were decoded as (null: no schema, every field unknown). */
  readonly kind: ImageKindName | null;
  /** The magic words read (one for inventory and images v1, two otherwise). */
  readonly header: readonly MagicWord[];
  readonly entries: readonly ImageEntry[];
  readonly problems: readonly DumpProblem[];
}

/** Images larger than this are listed but not decoded (CRIU's protobuf images are small). */
export const maxDecodedFileSize = 64 * 1024 * 1024;
/** At most this many entries are decoded per file. */
export const maxEntriesPerFile = 100_000;
/** At most this many fields are decoded per file (a hostile file of 2-byte fields included). */
export const maxFieldsPerFile = 1_000_000;

/** What the inventory says about the headers of the other files. */
export type HeaderStyle =
  /** img_version 1: no common magic. */
  | 'v1'
  /** img_version 2 (images v1.1): IMG_COMMON_MAGIC or IMG_SERVICE_MAGIC first. */
  | 'v1.1'
  /** Unknown (no inventory, or one that could not be read): each file as it comes. */
  | 'auto';

function u32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) |
      ((bytes[offset + 1] ?? 0) << 8) |
      ((bytes[offset + 2] ?? 0) << 16) |
      (((bytes[offset + 3] ?? 0) << 24) >>> 0)) >>>
    0
  );
}

const hex = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;

function describeMagic(value: number): string {
  const name = magicName(value);
  return name === null ? hex(value) : `${hex(value)} (${name})`;
}

interface Header {
  words: MagicWord[];
  end: number;
  kind: ImageKindName | null;
}

/**
 * Reads the header of `name`, expecting `expected` (null: whatever the magic says). Problems go
 * to `problems`; returns null when the file is too short to hold a magic at all.
 */
function readHeader(
  name: string,
  bytes: Uint8Array,
  expected: ImageKindName | null,
  style: HeaderStyle,
  problems: DumpProblem[],
): Header | null {
  const word = (offset: number): MagicWord => {
    const value = u32(bytes, offset);
    return { offset, value, name: magicName(value) };
  };
  if (bytes.length < 4) {
    problems.push({
      file: name,
      offset: 0,
      field: 'magic',
      message: `the file has ${bytes.length} byte${bytes.length === 1 ? '' : 's'}: too short for a magic (4 bytes)`,
    });
    return null;
  }
  const first = word(0);
  const spec: ImageKind | null = expected === null ? null : IMAGE_KINDS[expected];
  const isInventory = expected === 'inventory';
  const lead = first.value === IMG_COMMON_MAGIC || first.value === IMG_SERVICE_MAGIC;
  if (!lead || isInventory) {
    // Inventory never has the common magic; images of img_version 1 have none either.
    if (!isInventory && style === 'v1.1') {
      problems.push({
        file: name,
        offset: 0,
        field: 'magic',
        message: `the inventory says img_version 2, whose images start with IMG_COMMON_MAGIC ${hex(IMG_COMMON_MAGIC)}; this one starts with ${describeMagic(first.value)}`,
      });
    }
    return { words: [first], end: 4, kind: judgeKind(name, first, spec, expected, problems) };
  }
  if (bytes.length < 8) {
    problems.push({
      file: name,
      offset: 4,
      field: 'magic',
      message: `the file ends after ${describeMagic(first.value)}: the image's own magic (4 more bytes) is missing`,
    });
    return null;
  }
  if (style === 'v1') {
    problems.push({
      file: name,
      offset: 0,
      field: 'magic',
      message: `the inventory says img_version 1, whose images have no common magic; this one starts with ${describeMagic(first.value)}`,
    });
  }
  const wantService = spec?.service === true;
  if (spec !== null && (first.value === IMG_SERVICE_MAGIC) !== wantService) {
    problems.push({
      file: name,
      offset: 0,
      field: 'magic',
      message: `${wantService ? 'a service file' : 'an image'} starts with ${wantService ? 'IMG_SERVICE' : 'IMG_COMMON'}_MAGIC, not ${describeMagic(first.value)}`,
    });
  }
  const second = word(4);
  return {
    words: [first, second],
    end: 8,
    kind: judgeKind(name, second, spec, expected, problems),
  };
}

function judgeKind(
  name: string,
  magic: MagicWord,
  spec: ImageKind | null,
  expected: ImageKindName | null,
  problems: DumpProblem[],
): ImageKindName | null {
  if (spec === null || expected === null) return kindOfMagic(magic.value);
  const wanted = MAGIC_NUMBERS[spec.magic];
  if (magic.value === wanted) return expected;
  problems.push({
    file: name,
    offset: magic.offset,
    field: 'magic',
    message: `${name} should start with ${spec.magic}_MAGIC ${hex(wanted ?? 0)}, not ${describeMagic(magic.value)}${kindOfMagic(magic.value) === null ? ': its entries are shown without a schema' : ''}`,
  });
  // The bytes say what they are: decode them as that if we can, else without a schema.
  return kindOfMagic(magic.value);
}

function toDumpProblems(file: string, problems: readonly WireProblem[]): DumpProblem[] {
  return problems.map((problem) => ({ file, ...problem }));
}

/**
 * Decodes one image file. `expected` is the kind its name implies (null: read the magic to
 * find out); `style` is what the inventory says about headers.
 */
export function decodeImageFile(
  name: string,
  bytes: Uint8Array,
  expected: ImageKindName | null,
  style: HeaderStyle,
): ImageFile {
  const problems: DumpProblem[] = [];
  const header = readHeader(name, bytes, expected, style, problems);
  if (header === null)
    return { name, size: bytes.length, kind: expected, header: [], entries: [], problems };
  const kind = header.kind;
  const spec: ImageKind | null = kind === null ? null : IMAGE_KINDS[kind];
  const entries: ImageEntry[] = [];
  const budget: FieldBudget = { fields: maxFieldsPerFile };
  let position = header.end;
  while (position < bytes.length) {
    const index = entries.length;
    const at = `entry[${index}]`;
    if (index >= maxEntriesPerFile) {
      problems.push({
        file: name,
        offset: position,
        field: `${at}.size`,
        message: `more than ${maxEntriesPerFile} entries: the last ${bytes.length - position} bytes are not decoded`,
      });
      break;
    }
    const left = bytes.length - position;
    if (left < 4) {
      problems.push({
        file: name,
        offset: position,
        field: `${at}.size`,
        message: `the file ends ${left} byte${left === 1 ? '' : 's'} into the 4-byte size of an entry`,
      });
      break;
    }
    const size = u32(bytes, position);
    const payloadOffset = position + 4;
    if (size > left - 4) {
      problems.push({
        file: name,
        offset: position,
        field: `${at}.size`,
        message: `entry size ${size} runs past the end of the file (${left - 4} byte${left - 4 === 1 ? '' : 's'} left)`,
      });
      break;
    }
    const messageType: string =
      spec === null
        ? 'unknown_entry'
        : index === 0 && spec.firstMessage !== undefined
          ? spec.firstMessage
          : spec.message;
    const payload = bytes.subarray(payloadOffset, payloadOffset + size);
    const decoded = decodeMessage(payload, payloadOffset, messageType, messageType, budget);
    problems.push(...toDumpProblems(name, decoded.problems));
    let end = payloadOffset + size;
    let extra: ImageEntry['extra'] = null;
    /** The data that should follow the entry is cut off: the entry is the file's last. */
    let extraCutOff = false;
    if (spec?.extra !== undefined && !(index === 0 && spec.firstMessage !== undefined)) {
      let extraSize = 0;
      for (const fieldName of spec.extra)
        extraSize += numberOf(fieldNamed(decoded.message.fields, fieldName)) ?? 0;
      const after = bytes.length - end;
      if (extraSize > after) {
        problems.push({
          file: name,
          offset: payloadOffset,
          field: `${decoded.message.type}.${spec.extra.join('+')}`,
          message: `${extraSize} bytes of data should follow the entry, the file has ${after} left`,
        });
        extraCutOff = true;
      } else {
        extra = { offset: end, size: extraSize };
        end += extraSize;
      }
    }
    entries.push({
      index,
      offset: position,
      size: end - position,
      payloadOffset,
      payloadSize: size,
      message: decoded.message,
      extra,
    });
    if (extraCutOff) break;
    position = end;
    if (budget.fields <= 0) break;
  }
  return { name, size: bytes.length, kind, header: header.words, entries, problems };
}
