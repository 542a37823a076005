/**
 * The image reader: judges a `.crimg` byte stream against image-format.md ("Judging an
 * image") and decodes it into a CheckpointImage.
 *
 * Every record goes through the parser generated from crimg.ksy (debug mode, so a failure
 * keeps the partial object and the field being read). The reader checks, in the page's order:
 * the header once its 8 bytes are there, whether the type may stand here, the parent, whether
 * the payload is all there, the payload's fields in order, then any page data address by
 * address; it stops at the first violation. Only a structurally valid image has its MAC
 * verified. Whatever the bytes, it returns a result and never throws.
 *
 * Readings where the page is silent (also listed in the final report):
 * - a record out of place names `hdr.type`; when the record found is the one that would be
 *   right had a count been different (a VMA after map_count VMAs, FILES before them), the
 *   count is named instead (`MM.map_count`); SIGN without SIGNED and SIGNED without SIGN name
 *   `HEAD.flags` at the record standing there;
 * - an FD_ENT with a new objref not followed by FD_DATA, and a second FD_DATA for an objref,
 *   are records out of place (`hdr.type`);
 * - the comm STRING whose len is not task_comm_len + 1 names `hdr.len` of the STRING, checked
 *   right after its parent;
 * - SIGN's len is checked against 8 + key_id_len + sig_len after its fields (`hdr.len`);
 *   the header range of SIGN is the one of alg 1: 41..104;
 * - HEAD SELF without SUBTREE names `HEAD.flags` (the HEAD table: SELF implies SUBTREE);
 * - EPIPE names the first field cut (`hdr.len`, `VMA.vm_end`, `PGARR.pages[3]`); when the
 *   stream ends between records it names the record expected there (`TAIL`);
 * - bytes after the STRING that follows ERROR name `TAIL`, like bytes after TAIL.
 */
import { HmacSha256, macEquals } from './hmac';
import {
  Crimg,
  CrimgDebug,
  type DebugParsed,
  debugBodyClass,
  describeFailure,
  type DebugRun,
  fieldSpans,
  normalBodyClassOf,
  runDebug,
  runFast,
  streamOver,
  unfinishedField,
  contractName,
  fieldBeyond,
  type KaitaiStream,
} from './kaitai';
import {
  CAP_LAST_CAP,
  type CheckpointImage,
  type CpuRecord,
  type CredRecord,
  type FdRecord,
  FdType,
  FMode,
  type HeadRecord,
  FIXED_RECORD_LEN,
  HeadFlag,
  type ImageError,
  type MmRecord,
  OFlag,
  type OpenFileRecord,
  PAGE_SIZE,
  type PageRun,
  type RecordSummary,
  RecordType,
  SecType,
  SignAlg,
  TASK_SIZE,
  type TaskImage,
  type TaskRecord,
  TaskState,
  type TreeEntry,
  TreeFlag,
  VmaType,
  type VmaRecord,
} from './model';
import { charArrayText, checkCharArray, checkPath, checkText, textValue } from './text-rules';
import { visibleText } from './visible-text';

/** How far the reader trusts a signature. */
export type SignatureStatus = 'none' | 'verified' | 'unverified';

/** Options of {@link readImage}. */
export interface ReadOptions {
  /** Keys the reader holds, by key id (`machine`). */
  keys?: Record<string, Uint8Array>;
  /**
   * Hand each VMA's pages out a PGARR at a time (`VmaRecord.pageRuns`: the addresses and one view
   * of the page data) instead of an object per page (`pages` stays empty). The kernel reads this
   * way: a restart keeps the pages where they are and never needs a per-page object.
   */
  pageRuns?: boolean;
}

/** The verdict on an image. */
export type ReadResult =
  | { ok: true; image: CheckpointImage; signature: SignatureStatus; records: RecordSummary[] }
  | { ok: false; error: ImageError; records: RecordSummary[] };

/** The running emulated kernel an image must match. */
export const EXPECTED_KERNEL = { major: 2, minor: 6, patch: 27, rev: 1, machine: 'lab64' } as const;

const HEADER_SIZE = 8;
/** Bytes of the MAC computed per slice of readImageSlices. */
const MAC_SLICE = 4 * 1024 * 1024;
const TWO_POW_32 = 0x1_0000_0000;
/** High 32-bit word of 2^53. */
const HI_2POW53 = 0x20_0000;
const HEAD_FLAG_BITS = HeadFlag.CKPT | HeadFlag.SUBTREE | HeadFlag.SELF | HeadFlag.SIGNED;
const VM_FLAG_BITS = 0x1 | 0x2 | 0x4 | 0x8 | 0x100;
const O_FLAG_BITS = OFlag.ACCMODE | OFlag.CREAT | OFlag.TRUNC | OFlag.APPEND;
const CAP_MASK = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;
const KNOWN_LSMS = new Set(['none', 'dummy', 'label']);
const TASK_STATES = new Set<number>(Object.values(TaskState));
const MAX_TASKS = 1364;
const MAX_GROUPS = 8189;
const MAX_VMAS = 1024;
const MAX_FDS = 1024;
const MAX_PAGES = 1024;
/** Zero bytes past a cut payload that the EPIPE naming parses: the widest fixed field (char[64]). */
const PAD_SLACK = 64;

/** Record type number -> name. */
export const RECORD_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(RecordType).map(([name, type]) => [type, name]),
);

/** The name of a record type (`TYPE_<n>` when unknown). */
export function recordName(type: number): string {
  return RECORD_NAMES.get(type) ?? `TYPE_${type}`;
}

/** Length rules of the variable-size records; null when `len` is in range. */
function variableLenProblem(type: number, len: number): string | null {
  const range = (min: number, max: number): string | null =>
    len >= min && len <= max ? null : `len ${len} outside ${min}..${max}`;
  switch (type) {
    case RecordType.STRING:
    case RecordType.FNAME:
      return range(type === RecordType.STRING ? 1 : 2, 4096);
    case RecordType.TREE:
      return (
        range(8 + 24, 8 + 24 * MAX_TASKS) ??
        ((len - 8) % 24 === 0 ? null : `len ${len} is not 8 + 24 n`)
      );
    case RecordType.GROUPINFO:
      return (
        range(8 + 4, 8 + 4 * MAX_GROUPS) ??
        ((len - 8) % 4 === 0 ? null : `len ${len} is not 8 + 4 n`)
      );
    case RecordType.SECURITY:
      return range(10, 1032);
    case RecordType.SIGN:
      return range(8 + 1 + 32, 8 + 64 + 32);
    default:
      return null;
  }
}

/** Thrown inside the judge to stop at the first violation. */
class Reject {
  constructor(readonly error: ImageError) {}
}

/** Thrown when a check needs a field the generated parser did not reach. */
class Unreached {}

function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

/** The little-endian u32 at `at` (the caller has checked the 4 bytes are there). */
function u32At(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/** The u64 at `at` as a number (an address already judged below 2^53). */
function addressAt(bytes: Uint8Array, at: number): number {
  return u32At(bytes, at + 4) * TWO_POW_32 + u32At(bytes, at);
}

/*
 * The loops over a PGARR's addresses are plain functions of numbers and the bytes, apart from
 * the judge: optimised code that depends on the shape of an object such as the judge or a VMA
 * record is thrown away when the last object of that shape is collected (after every restart:
 * `--trace-deopt` says "weak objects"), so each restart would judge its pages unoptimised again.
 */

/**
 * The index of the first of the `nr` addresses at `dataStart` that is cut short, at or above
 * 2^53, not page aligned, outside [vmStart, vmEnd) or not above the one before it (`lastAddr`
 * before the first); `nr` when none is.
 */
function firstBadAddress(
  bytes: Uint8Array,
  dataStart: number,
  nr: number,
  vmStart: number,
  vmEnd: number,
  lastAddr: number,
): number {
  let last = lastAddr;
  for (let i = 0; i < nr; i++) {
    const at = dataStart + 8 * i;
    if (at + 8 > bytes.length) return i;
    const hi = u32At(bytes, at + 4);
    const addr = hi * TWO_POW_32 + u32At(bytes, at);
    if (
      hi >= HI_2POW53 ||
      addr % PAGE_SIZE !== 0 ||
      addr < vmStart ||
      addr >= vmEnd ||
      addr <= last
    )
      return i;
    last = addr;
  }
  return nr;
}

/** The `nr` addresses (judged) at `dataStart`. */
function addressesAt(bytes: Uint8Array, dataStart: number, nr: number): Float64Array {
  const addrs = new Float64Array(nr);
  for (let i = 0; i < nr; i++) addrs[i] = addressAt(bytes, dataStart + 8 * i);
  return addrs;
}

/** Reads u32 words of a little-endian u64 at `at` (no allocation beyond the result: hot). */
function u64Words(bytes: Uint8Array, at: number): { lo: number; hi: number } {
  return { lo: u32At(bytes, at), hi: u32At(bytes, at + 4) };
}

/** One record whose header, place and parent were accepted and whose payload is present. */
interface ParsedRecord<T> {
  type: number;
  name: string;
  offset: number;
  len: number;
  parent: number;
  body: Uint8Array;
  parsed: T;
  failure: unknown;
}

/** What may stand at the next position of the stream. */
interface Expectation {
  /** Types allowed here (ERROR is added when `errorAllowed`). */
  allowed: readonly number[];
  /** The parent each allowed type must carry. */
  parentOf: (type: number) => number;
  /** Types that mean a count (or HEAD.flags) disagrees, and the field to name. */
  mismatches?: ReadonlyArray<{ types: readonly number[]; field: string }>;
  /** Whether ERROR may stand here. */
  errorAllowed: boolean;
  /** The field named when the stream ends here. */
  missing: string;
  /** Required STRING length (the comm), when it is fixed by context. */
  stringLen?: number;
}

/** Field checks of one record payload, in order, over the debug-mode parse. */
class FieldChecks {
  constructor(
    private readonly rec: ParsedRecord<DebugParsed>,
    private readonly recordName: string,
  ) {}

  fail(field: string, message: string): never {
    throw new Reject({
      errno: 'EINVAL',
      offset: this.rec.offset,
      field: `${this.recordName}.${field}`,
      message,
    });
  }

  /** A value the parser set, or stop the checks if it did not get that far. */
  got<T>(value: T | undefined): T {
    if (value === undefined) throw new Unreached();
    return value;
  }

  /** Where the parser began (and, once read, ended) a field, within the payload. */
  private entry(jsName: string): { start: number; end?: number | undefined } {
    const spans = fieldSpans(
      this.rec.parsed,
      this.rec.type,
      this.rec.body,
      FIXED_RECORD_LEN.has(this.rec.type),
    );
    const entry = spans[jsName];
    if (entry === undefined) throw new Unreached();
    return entry;
  }

  /** Start offset, within the payload, of a field the parser began to read. */
  start(jsName: string): number {
    return this.entry(jsName).start;
  }

  /** Start offset, within the payload, of a field the parser read completely. */
  private span(jsName: string): { start: number; end: number } {
    const entry = this.entry(jsName);
    if (entry.end === undefined) throw new Unreached();
    return { start: entry.start, end: entry.end };
  }

  /** The raw bytes of a field. */
  raw(jsName: string): Uint8Array {
    const { start, end } = this.span(jsName);
    return this.rec.body.subarray(start, end);
  }

  /**
   * A u64 field, required below 2^53 (judged from its raw bytes: Kaitai reads doubles). The
   * field's name is worked out only when it is needed, for an error.
   */
  u64(jsName: string, label?: string): number {
    const at = this.span(jsName).start;
    const body = this.rec.body;
    const hi = u32At(body, at + 4);
    if (hi >= HI_2POW53) {
      const lo = u32At(body, at);
      this.fail(
        label ?? contractName(jsName),
        `${hex((BigInt(hi) << 32n) | BigInt(lo))} is at or above 2^53`,
      );
    }
    return hi * TWO_POW_32 + u32At(body, at);
  }

  /** A u64 capability set: below 2^53 and only bits 0..40. */
  capSet(jsName: string): bigint {
    this.u64(jsName);
    const { start } = this.span(jsName);
    const view = new DataView(this.rec.body.buffer, this.rec.body.byteOffset + start, 8);
    const value = view.getBigUint64(0, true);
    if ((value & ~CAP_MASK) !== 0n) {
      const bit = value.toString(2).length - 1;
      this.fail(
        contractName(jsName),
        `capability bit ${bit} is above CAP_LAST_CAP (${CAP_LAST_CAP})`,
      );
    }
    return value;
  }

  zeroPad(value: number | undefined, label = '_pad'): void {
    if (this.got(value) !== 0) this.fail(label, `${label} is ${hex(this.got(value))}, not 0`);
  }

  charArray(jsName: string): string {
    const bytes = this.raw(jsName);
    const problem = checkCharArray(bytes);
    if (problem !== null) this.fail(contractName(jsName), problem);
    return charArrayText(bytes);
  }
}

/** Judges one image; `run()` throws Reject at the first violation. */
class ImageJudge {
  private pos = 0;
  readonly records: RecordSummary[] = [];
  /** The record being judged, for errors the checks did not foresee. */
  current = { offset: 0, field: 'hdr.type' };
  private signed = false;
  private subtree = false;
  private readonly vmObjrefs = new Set<number>();
  private readonly fileObjrefs = new Map<number, OpenFileRecord>();
  private readonly openFiles: OpenFileRecord[] = [];
  /** One stream over the whole image, for the record headers. */
  private stream: KaitaiStream | null = null;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly keys: Record<string, Uint8Array>,
    private readonly pageRuns = false,
  ) {}

  private reject(
    errno: ImageError['errno'],
    offset: number,
    field: string,
    message: string,
  ): never {
    throw new Reject({ errno, offset, field, message });
  }

  /**
   * The record header at `offset` (its 8 bytes are there), the fast way through one stream over
   * the whole image (a stream per header was a tenth of the reader's time); only when the
   * generated class throws, again in debug mode over the header alone, as runFast does.
   */
  private parseHeader(offset: number): DebugRun<CrimgDebug.RecordHeader> {
    this.stream ??= streamOver(this.bytes);
    try {
      this.stream.seek(offset);
      const parsed = new Crimg.RecordHeader(this.stream) as unknown as CrimgDebug.RecordHeader;
      return { parsed, failure: null };
    } catch {
      return runDebug(CrimgDebug.RecordHeader, this.bytes.subarray(offset, offset + HEADER_SIZE));
    }
  }

  /**
   * A record's payload, the fast way: a fixed-size payload through the stream over the whole
   * image (it must end exactly at the payload's end), any other through a stream of its own;
   * when the generated class throws (or a fixed-size payload is not read exactly), again in
   * debug mode over the payload alone, as runFast does.
   */
  private parseBody(
    type: number,
    start: number,
    body: Uint8Array,
    cls: new (io: KaitaiStream) => DebugParsed,
  ): DebugRun<DebugParsed> {
    const normal = normalBodyClassOf(type);
    if (normal === undefined || !FIXED_RECORD_LEN.has(type)) return runFast(cls, normal, body);
    this.stream ??= streamOver(this.bytes);
    try {
      this.stream.seek(start);
      const parsed = new normal(this.stream) as DebugParsed;
      if (this.stream.pos === start + body.length) return { parsed, failure: null };
    } catch {
      // The debug run names the failure.
    }
    return runDebug(cls, body);
  }

  /** Reads the next record as `expect` allows, checking header, place, parent, presence. */
  private next<T extends DebugParsed>(expect: Expectation): ParsedRecord<T> {
    const offset = this.pos;
    const available = this.bytes.length - offset;
    this.current = { offset, field: 'hdr.type' };
    if (available === 0) {
      this.reject(
        'EPIPE',
        offset,
        expect.missing,
        `the stream ends where ${expect.missing} was expected`,
      );
    }
    if (available < HEADER_SIZE) {
      const field = available < 2 ? 'hdr.type' : available < 4 ? 'hdr.len' : 'hdr.parent';
      this.reject(
        'EPIPE',
        offset,
        field,
        `the stream ends inside a record header (${available} of 8 bytes)`,
      );
    }
    const headerRun = this.parseHeader(offset);
    const type = headerRun.parsed.type;
    if (type === undefined || !RECORD_NAMES.has(type)) {
      this.reject('EINVAL', offset, 'hdr.type', `unknown record type ${type ?? '?'}`);
    }
    const name = recordName(type);
    const len = headerRun.parsed.len;
    if (len === undefined) {
      this.reject('EINVAL', offset, 'hdr.len', describeFailure(headerRun.failure));
    }
    if (len < 0) this.reject('EINVAL', offset, 'hdr.len', `negative len ${len}`);
    const fixed = FIXED_RECORD_LEN.get(type);
    if (fixed !== undefined && len !== fixed) {
      this.reject('EINVAL', offset, 'hdr.len', `${name} len ${len}, not ${fixed}`);
    }
    const lenProblem = variableLenProblem(type, len);
    if (lenProblem !== null) this.reject('EINVAL', offset, 'hdr.len', `${name} ${lenProblem}`);
    if (headerRun.failure !== null) {
      this.reject('EINVAL', offset, 'hdr.type', describeFailure(headerRun.failure));
    }
    const parent = headerRun.parsed.parent ?? 0;

    const isError = type === RecordType.ERROR && expect.errorAllowed;
    if (!isError && !expect.allowed.includes(type)) {
      for (const mismatch of expect.mismatches ?? []) {
        if (mismatch.types.includes(type)) {
          this.reject(
            'EINVAL',
            offset,
            mismatch.field,
            `${name} stands where ${this.describe(expect)} was expected`,
          );
        }
      }
      this.reject(
        'EINVAL',
        offset,
        'hdr.type',
        `${name} may not stand here; expected ${this.describe(expect)}`,
      );
    }
    const wantParent = isError ? 0 : expect.parentOf(type);
    if (parent !== wantParent) {
      this.reject('EINVAL', offset, 'hdr.parent', `${name} parent ${parent}, not ${wantParent}`);
    }
    if (type === RecordType.STRING && expect.stringLen !== undefined && len !== expect.stringLen) {
      this.reject(
        'EINVAL',
        offset,
        'hdr.len',
        `comm STRING len ${len}, not task_comm_len + 1 = ${expect.stringLen}`,
      );
    }
    const bodyStart = offset + HEADER_SIZE;
    if (bodyStart + len > this.bytes.length) {
      // Name the first field cut short: parse the payload padded with zeros and find the first
      // field ending past the available bytes. The padding is bounded by the bytes present, not
      // by `len` (a 32767 the image only claims): a field of up to PAD_SLACK bytes that is cut
      // still parses whole, a longer one (text) is the field the parse could not finish.
      const available = this.bytes.length - bodyStart;
      const padded = new Uint8Array(Math.min(len, available + PAD_SLACK));
      padded.set(this.bytes.subarray(bodyStart));
      const cls = debugBodyClass.get(type);
      const partial = cls === undefined ? null : runDebug(cls, padded).parsed;
      const cut =
        partial === null ? null : (fieldBeyond(partial, available) ?? lastFieldRead(partial));
      const field = `${name}${cut === null ? '' : `.${cut}`}`;
      this.reject(
        'EPIPE',
        offset,
        field,
        `the stream ends inside ${name} (${available} of ${len} payload bytes)`,
      );
    }
    const body = this.bytes.subarray(bodyStart, bodyStart + len);
    const cls = debugBodyClass.get(type);
    if (cls === undefined) this.reject('EINVAL', offset, 'hdr.type', `no parser for ${name}`);
    const run = this.parseBody(type, bodyStart, body, cls);
    this.current = { offset, field: name };
    this.pos = bodyStart + len;
    const rec: ParsedRecord<T> = {
      type,
      name,
      offset,
      len,
      parent,
      body,
      parsed: run.parsed as T,
      failure: run.failure,
    };
    if (isError) this.judgeError(rec);
    return rec;
  }

  private describe(expect: Expectation): string {
    return expect.allowed.map(recordName).join(' or ');
  }

  /** Runs a record's field checks; then any parser failure the checks did not explain. */
  private checkFields<T extends DebugParsed, R>(
    rec: ParsedRecord<T>,
    checks: (f: FieldChecks, p: T) => R,
  ): R {
    const f = new FieldChecks(rec, rec.name);
    let result: { value: R } | null = null;
    try {
      result = { value: checks(f, rec.parsed) };
    } catch (err) {
      if (!(err instanceof Unreached)) throw err;
    }
    if (rec.failure !== null || result === null) {
      // A sound payload parsed the fast way has no debug record: take one to name the field.
      const cls = debugBodyClass.get(rec.type);
      const parsed =
        (rec.parsed as Partial<DebugParsed>)._debug !== undefined || cls === undefined
          ? rec.parsed
          : runDebug(cls, rec.body).parsed;
      const field = unfinishedField(parsed) ?? lastFieldRead(parsed) ?? 'hdr.len';
      const reason = rec.failure === null ? 'incomplete parse' : describeFailure(rec.failure);
      this.reject('EINVAL', rec.offset, `${rec.name}.${field}`, reason);
    }
    this.records.push({
      type: rec.type,
      name: rec.name,
      offset: rec.offset,
      len: rec.len,
      parent: rec.parent,
    });
    return result.value;
  }

  /** A STRING or FNAME payload's text. */
  private text(rec: ParsedRecord<DebugParsed>, field: string, path: boolean): string {
    return this.checkFields(rec, (f): string => {
      const problem = checkText(rec.body);
      if (problem !== null) f.fail(field, problem);
      const value = textValue(rec.body);
      if (path) {
        const pathProblem = checkPath(value);
        if (pathProblem !== null) f.fail(field, pathProblem);
      }
      return value;
    });
  }

  /** ERROR where it may stand: its STRING, then nothing; a well-formed one is EIO. */
  private judgeError(rec: ParsedRecord<DebugParsed>): never {
    this.checkFields(rec, () => undefined);
    const str = this.next<CrimgDebug.Text>({
      allowed: [RecordType.STRING],
      parentOf: () => 0,
      errorAllowed: false,
      missing: 'STRING',
    });
    const message = this.text(str, 'value', false);
    this.expectEnd();
    this.reject('EIO', rec.offset, 'ERROR', message);
  }

  private expectEnd(): void {
    if (this.pos < this.bytes.length) {
      this.reject(
        'EINVAL',
        this.pos,
        'TAIL',
        `${this.bytes.length - this.pos} bytes after the end of the image`,
      );
    }
  }

  /**
   * Judges the whole stream, yielding the offset reached after each PGARR's pages and each
   * slice of the MAC: a large image is judged a slice at a time (see readImageSlices).
   */
  *run(): Generator<number, { image: CheckpointImage; signature: SignatureStatus }, void> {
    const head = this.readHead();
    let rec = this.next<DebugParsed>({
      allowed: [RecordType.LSM_INFO, RecordType.TREE],
      parentOf: () => 0,
      errorAllowed: true,
      missing: 'TREE',
    });
    let lsm: string | null = null;
    if (rec.type === RecordType.LSM_INFO) {
      lsm = this.checkFields(rec as ParsedRecord<CrimgDebug.LsmInfo>, (f): string => {
        const name = f.charArray('lsmName');
        if (!KNOWN_LSMS.has(name)) f.fail('lsm_name', `unknown LSM '${visibleText(name)}'`);
        return name;
      });
      rec = this.next({
        allowed: [RecordType.TREE],
        parentOf: () => 0,
        errorAllowed: true,
        missing: 'TREE',
      });
    }
    const treeOffset = rec.offset;
    const tree = this.readTree(rec as ParsedRecord<CrimgDebug.Tree>);

    const tasks: TaskImage[] = [];
    for (let i = 0; i < tree.length; i++) {
      const entry = tree[i];
      if (entry === undefined) break;
      tasks.push(yield* this.readTask(entry.vpid));
    }

    let sign: CheckpointImage['sign'] = null;
    let signStart = 0;
    rec = this.next({
      allowed: [this.signed ? RecordType.SIGN : RecordType.TAIL],
      parentOf: () => 0,
      errorAllowed: true,
      missing: this.signed ? 'SIGN' : 'TAIL',
      mismatches: [
        { types: [RecordType.TASK], field: 'TREE.nr_tasks' },
        { types: [RecordType.SIGN, RecordType.TAIL], field: 'HEAD.flags' },
      ],
    });
    if (rec.type === RecordType.SIGN) {
      const signed = this.readSign(rec as ParsedRecord<CrimgDebug.Sign>);
      sign = signed.sign;
      signStart = signed.sigStart;
      rec = this.next({
        allowed: [RecordType.TAIL],
        parentOf: () => 0,
        errorAllowed: false,
        missing: 'TAIL',
      });
    }
    this.checkFields(rec as ParsedRecord<CrimgDebug.Tail>, (f) => {
      const expected = [0x00, 0xef, 0xde, 0xc0, 0x0c, 0x2a, 0x2d, 0x00];
      if (rec.body.some((b, i) => b !== expected[i])) f.fail('magic', 'not CHECKPOINT_MAGIC_TAIL');
    });
    this.expectEnd();

    let signature: SignatureStatus = 'none';
    if (sign !== null) {
      const key = Object.hasOwn(this.keys, sign.key_id) ? this.keys[sign.key_id] : undefined;
      if (key === undefined) {
        signature = 'unverified';
      } else {
        const hmac = new HmacSha256(key);
        for (let at = 0; at < signStart; at += MAC_SLICE) {
          hmac.update(this.bytes.subarray(at, Math.min(signStart, at + MAC_SLICE)));
          if (at + MAC_SLICE < signStart) yield at + MAC_SLICE;
        }
        const mac = hmac.digest();
        if (!macEquals(mac, sign.sig)) {
          this.reject(
            'EBADMSG',
            sign.offset ?? 0,
            'SIGN.sig',
            `the MAC does not verify with key '${visibleText(sign.key_id)}'`,
          );
        }
        signature = 'verified';
      }
    }
    return {
      image: { head, lsm, tree, treeOffset, tasks, openFiles: this.openFiles, sign },
      signature,
    };
  }

  private readHead(): HeadRecord {
    const rec = this.next<CrimgDebug.Head>({
      allowed: [RecordType.HEAD],
      parentOf: () => 0,
      errorAllowed: false,
      missing: 'HEAD',
    });
    const head = this.checkFields(rec, (f, p): HeadRecord => {
      const magic = rec.body.subarray(0, 8);
      const expected = [0x00, 0xd2, 0xa2, 0xc0, 0x0c, 0xed, 0xfe, 0x00];
      if (magic.some((b, i) => b !== expected[i])) f.fail('magic', 'not CHECKPOINT_MAGIC_HEAD');
      const version = { major: 0, minor: 0, patch: 0, rev: 0 };
      for (const key of ['major', 'minor', 'patch', 'rev'] as const) {
        const value = f.got(p[key]);
        if (value !== EXPECTED_KERNEL[key])
          f.fail(key, `${key} ${value}, the running kernel has ${EXPECTED_KERNEL[key]}`);
        version[key] = value;
      }
      const time = f.u64('time');
      const flags = f.u64('flags');
      if (flags >= TWO_POW_32 || (flags & ~HEAD_FLAG_BITS) !== 0)
        f.fail('flags', `unknown bits in ${hex(flags)}`);
      if ((flags & HeadFlag.CKPT) === 0) f.fail('flags', `CKPT is not set in ${hex(flags)}`);
      if ((flags & HeadFlag.SELF) !== 0 && (flags & HeadFlag.SUBTREE) === 0)
        f.fail('flags', `SELF without SUBTREE in ${hex(flags)}: a self checkpoint is a subtree`);
      const release = f.charArray('release');
      const ver = f.charArray('version');
      const machine = f.charArray('machine');
      if (machine !== EXPECTED_KERNEL.machine)
        f.fail('machine', `machine '${visibleText(machine)}', not '${EXPECTED_KERNEL.machine}'`);
      return { offset: rec.offset, ...version, time, flags, release, version: ver, machine };
    });
    const h = head;
    this.signed = (h.flags & HeadFlag.SIGNED) !== 0;
    this.subtree = (h.flags & HeadFlag.SUBTREE) !== 0;
    return h;
  }

  private readTree(rec: ParsedRecord<CrimgDebug.Tree>): TreeEntry[] {
    const tree: TreeEntry[] = [];
    this.checkFields(rec, (f, p) => {
      const nr = f.got(p.nrTasks);
      if (nr < 1 || nr > MAX_TASKS) f.fail('nr_tasks', `nr_tasks ${nr} outside 1..${MAX_TASKS}`);
      if (nr * 24 !== rec.len - 8)
        f.fail('nr_tasks', `nr_tasks ${nr} disagrees with len ${rec.len}`);
      f.zeroPad(p.pad);
      const vpids = new Map<number, number>();
      const nsOf: number[] = [];
      const nspids = new Set<string>();
      const entries = f.got(p.tasks);
      for (let i = 0; i < nr; i++) {
        const e = f.got(entries[i]);
        const at = (field: string): string => `tasks[${i}].${field}`;
        const vpid = f.got(e.vpid);
        if (vpid < 1) f.fail(at('vpid'), `vpid ${vpid} is not >= 1`);
        if (vpids.has(vpid)) f.fail(at('vpid'), `vpid ${vpid} appears twice`);
        const vppid = f.got(e.vppid);
        const parentIndex = vpids.get(vppid);
        if (i === 0 && vppid !== 0) f.fail(at('vppid'), `the root's vppid is ${vppid}, not 0`);
        if (i > 0 && (vppid === 0 || parentIndex === undefined)) {
          f.fail(at('vppid'), `vppid ${vppid} names no earlier entry`);
        }
        const vtgid = f.got(e.vtgid);
        if (vtgid !== vpid) f.fail(at('vtgid'), `vtgid ${vtgid}, not vpid ${vpid}`);
        const nspid = f.got(e.nspid);
        if (nspid < 1) f.fail(at('nspid'), `nspid ${nspid} is not >= 1`);
        const nsdepth = f.got(e.nsdepth);
        const parent = parentIndex === undefined ? undefined : tree[parentIndex];
        if (i === 0 && nsdepth !== 0)
          f.fail(at('nsdepth'), `the root's nsdepth is ${nsdepth}, not 0`);
        if (parent !== undefined && nsdepth !== parent.nsdepth && nsdepth !== parent.nsdepth + 1) {
          f.fail(at('nsdepth'), `nsdepth ${nsdepth}, the parent's is ${parent.nsdepth}`);
        }
        const flags = f.got(e.flags);
        if ((flags & ~TreeFlag.NS_INIT) !== 0) f.fail(at('flags'), `unknown bits in ${hex(flags)}`);
        const nsInit = (flags & TreeFlag.NS_INIT) !== 0;
        if (i === 0 && !this.subtree && !nsInit) {
          f.fail(at('flags'), 'a whole-container image (no SUBTREE) needs NS_INIT on the root');
        }
        if (parent !== undefined) {
          if (nsdepth === parent.nsdepth && nsInit) {
            f.fail(at('flags'), "NS_INIT on a task in its parent's namespace");
          }
          if (nsdepth === parent.nsdepth + 1 && !nsInit) {
            f.fail(at('flags'), 'a task one namespace below its parent must have NS_INIT');
          }
        }
        if (nsInit && nspid !== 1) f.fail(at('nspid'), `NS_INIT with nspid ${nspid}, not 1`);
        if (nsdepth === 0 && nspid !== vpid)
          f.fail(at('nspid'), `nspid ${nspid} differs from vpid ${vpid} at depth 0`);
        const ns = nsInit || parentIndex === undefined ? i : (nsOf[parentIndex] ?? 0);
        const key = `${ns}:${nspid}`;
        if (nspids.has(key)) f.fail(at('nspid'), `nspid ${nspid} appears twice in one namespace`);
        nspids.add(key);
        nsOf.push(ns);
        vpids.set(vpid, i);
        tree.push({ vpid, vppid, vtgid, nspid, nsdepth, flags });
      }
    });
    return tree;
  }

  private taskExpect(
    vpid: number,
    allowed: number[],
    extra: Partial<Expectation> = {},
  ): Expectation {
    return {
      allowed,
      parentOf: () => vpid,
      errorAllowed: true,
      missing: recordName(allowed[0] ?? 0),
      ...extra,
    };
  }

  private *readTask(vpid: number): Generator<number, TaskImage, void> {
    const taskRec = this.next<CrimgDebug.Task>(
      this.taskExpect(vpid, [RecordType.TASK], {
        mismatches: [{ types: [RecordType.SIGN, RecordType.TAIL], field: 'TREE.nr_tasks' }],
      }),
    );
    let commLen = 0;
    const task = this.checkFields(taskRec, (f, p): TaskRecord => {
      const state = f.got(p.state);
      if (!TASK_STATES.has(state)) f.fail('state', `unknown state ${state}`);
      for (const key of ['exitState', 'exitCode', 'exitSignal'] as const) {
        const value = f.got(p[key]);
        if (value !== 0) f.fail(contractName(key), `${contractName(key)} ${value}, not 0`);
      }
      commLen = f.got(p.taskCommLen);
      if (commLen < 0 || commLen > 4095)
        f.fail('task_comm_len', `task_comm_len ${commLen} outside 0..4095`);
      const flags = f.got(p.flags);
      if ((flags & ~3) !== 0) f.fail('flags', `unknown bits in ${hex(flags)}`);
      return {
        offset: taskRec.offset,
        state,
        exit_state: 0,
        exit_code: 0,
        exit_signal: 0,
        flags,
        comm: '',
      };
    });
    const commRec = this.next<CrimgDebug.Text>(
      this.taskExpect(vpid, [RecordType.STRING], { stringLen: commLen + 1 }),
    );
    const comm = this.text(commRec, 'value', false);
    const taskRecord: TaskRecord = { ...task, comm };

    const cred = this.readCred(vpid);
    const { mm, vmas } = yield* this.readMm(vpid);
    const files = this.readFiles(vpid);
    const cpuRec = this.next<CrimgDebug.Cpu>(
      this.taskExpect(vpid, [RecordType.CPU], {
        mismatches: [{ types: [RecordType.FD_ENT], field: 'FILES.nfds' }],
      }),
    );
    const cpu = this.checkFields(cpuRec, (f): CpuRecord => {
      const pc = f.u64('pc');
      const sp = f.u64('sp');
      const flags = f.u64('flags');
      const origAx = f.u64('origAx');
      const regs: number[] = [];
      const start = f.start('regs');
      for (let i = 0; i < 16; i++) {
        const { lo, hi } = u64Words(cpuRec.body, start + 8 * i);
        const signedHi = hi | 0;
        const tooHigh = signedHi >= HI_2POW53;
        const tooLow = signedHi < -HI_2POW53 || (signedHi === -HI_2POW53 && lo === 0);
        if (tooHigh || tooLow) f.fail(`regs[${i}]`, 'register outside ±2^53');
        regs.push(signedHi * TWO_POW_32 + lo);
      }
      return { offset: cpuRec.offset, pc, sp, flags, orig_ax: origAx, regs };
    });
    return {
      vpid,
      task: taskRecord,
      cred,
      mm,
      vmas,
      files,
      cpu,
    };
  }

  private readCred(vpid: number): CredRecord {
    const rec = this.next<CrimgDebug.Cred>(this.taskExpect(vpid, [RecordType.CRED]));
    let announcedGroups = 0;
    const cred = this.checkFields(rec, (f, p): CredRecord => {
      const ids = ['uid', 'suid', 'euid', 'fsuid', 'gid', 'sgid', 'egid', 'fsgid'] as const;
      const values = ids.map((id) => f.got(p[id]));
      const inheritable = f.capSet('capInheritable');
      const permitted = f.capSet('capPermitted');
      const effective = f.capSet('capEffective');
      if ((effective & ~permitted) !== 0n) {
        f.fail(
          'cap_effective',
          `effective ${hex(effective)} is not within permitted ${hex(permitted)}`,
        );
      }
      const bset = f.capSet('capBset');
      const securebits = f.got(p.securebits);
      if ((securebits & ~0x3f) !== 0) f.fail('securebits', `unknown bits in ${hex(securebits)}`);
      const ngroups = f.got(p.ngroups);
      if (ngroups > MAX_GROUPS) f.fail('ngroups', `ngroups ${ngroups} above ${MAX_GROUPS}`);
      announcedGroups = ngroups;
      const [uid, suid, euid, fsuid, gid, sgid, egid, fsgid] = values as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      return {
        offset: rec.offset,
        uid,
        suid,
        euid,
        fsuid,
        gid,
        sgid,
        egid,
        fsgid,
        cap_inheritable: inheritable,
        cap_permitted: permitted,
        cap_effective: effective,
        cap_bset: bset,
        securebits,
        // Filled from GROUPINFO: nothing is allocated for groups the image only announces.
        groups: [],
        label: null,
      };
    });
    const c = cred;
    const ngroups = announcedGroups;
    let next = this.next<DebugParsed>(
      ngroups > 0
        ? this.taskExpect(vpid, [RecordType.GROUPINFO], {
            mismatches: [{ types: [RecordType.SECURITY, RecordType.MM], field: 'CRED.ngroups' }],
          })
        : this.taskExpect(vpid, [RecordType.SECURITY, RecordType.MM], {
            mismatches: [{ types: [RecordType.GROUPINFO], field: 'CRED.ngroups' }],
          }),
    );
    if (next.type === RecordType.GROUPINFO) {
      const groupRec = next as ParsedRecord<CrimgDebug.Groupinfo>;
      this.checkFields(groupRec, (f, p) => {
        const n = f.got(p.ngroups);
        if (n < 1 || n > MAX_GROUPS || n * 4 !== groupRec.len - 8) {
          f.fail('ngroups', `ngroups ${n} disagrees with len ${groupRec.len}`);
        }
        if (n !== ngroups) f.fail('ngroups', `ngroups ${n}, CRED.ngroups is ${ngroups}`);
        f.zeroPad(p.pad);
        const groups = f.got(p.groups);
        for (let i = 0; i < n; i++) {
          const g = f.got(groups[i]);
          const previous = groups[i - 1];
          if (i > 0 && previous !== undefined && g <= previous) {
            f.fail(`groups[${i}]`, `group ${g} does not ascend after ${previous}`);
          }
          c.groups.push(g);
        }
      });
      next = this.next(this.taskExpect(vpid, [RecordType.SECURITY, RecordType.MM]));
    }
    if (next.type === RecordType.SECURITY) {
      c.label = this.readSecurity(next as ParsedRecord<CrimgDebug.Security>, SecType.CRED);
      next = this.next(this.taskExpect(vpid, [RecordType.MM]));
    }
    this.pending = next;
    return c;
  }

  /** A record already read that the next step consumes (MM after the optional cred records). */
  private pending: ParsedRecord<DebugParsed> | null = null;

  private readSecurity(rec: ParsedRecord<CrimgDebug.Security>, sectype: number): string {
    let label = '';
    this.checkFields(rec, (f, p) => {
      const t = f.got(p.sectype);
      if (t !== SecType.CRED && t !== SecType.FILE) f.fail('sectype', `unknown sectype ${t}`);
      if (t !== sectype) {
        f.fail(
          'sectype',
          `sectype ${t} where a ${sectype === SecType.CRED ? 'cred' : 'file'} label belongs`,
        );
      }
      f.zeroPad(p.pad);
      const text = rec.body.subarray(8);
      const problem = checkText(text);
      if (problem !== null) f.fail('label', problem);
      label = textValue(text);
    });
    return label;
  }

  private *readMm(vpid: number): Generator<number, { mm: MmRecord; vmas: VmaRecord[] }, void> {
    const rec = (this.pending ??
      this.next(this.taskExpect(vpid, [RecordType.MM]))) as ParsedRecord<CrimgDebug.Mm>;
    this.pending = null;
    let mapCount = 0;
    const mm = this.checkFields(rec, (f, p): MmRecord => {
      const objref = f.got(p.objref);
      if (objref < 1) f.fail('objref', 'objref 0');
      if (this.vmObjrefs.has(objref))
        f.fail('objref', `objref ${objref} is already used by an MM or FILES`);
      this.vmObjrefs.add(objref);
      mapCount = f.got(p.mapCount);
      if (mapCount > MAX_VMAS) f.fail('map_count', `map_count ${mapCount} above ${MAX_VMAS}`);
      const names = [
        'startCode',
        'endCode',
        'startData',
        'endData',
        'startBrk',
        'brk',
        'startStack',
        'argStart',
        'argEnd',
        'envStart',
        'envEnd',
      ] as const;
      const v = names.map((n) => f.u64(n)) as number[];
      return {
        offset: rec.offset,
        objref,
        start_code: v[0] ?? 0,
        end_code: v[1] ?? 0,
        start_data: v[2] ?? 0,
        end_data: v[3] ?? 0,
        start_brk: v[4] ?? 0,
        brk: v[5] ?? 0,
        start_stack: v[6] ?? 0,
        arg_start: v[7] ?? 0,
        arg_end: v[8] ?? 0,
        env_start: v[9] ?? 0,
        env_end: v[10] ?? 0,
        exe: '',
      };
    });
    const m = mm;
    m.exe = this.text(this.next(this.taskExpect(vpid, [RecordType.FNAME])), 'value', true);
    const vmas: VmaRecord[] = [];
    let previousEnd = 0;
    for (let i = 0; i < mapCount; i++) {
      const vmaRec = this.next<CrimgDebug.Vma>(
        this.taskExpect(vpid, [RecordType.VMA], {
          mismatches: [{ types: [RecordType.FILES], field: 'MM.map_count' }],
        }),
      );
      const vma = this.readVma(vmaRec, previousEnd);
      previousEnd = vma.vm_end;
      if (vma.vma_type === VmaType.FILE) {
        vma.file = this.text(this.next(this.taskExpect(vpid, [RecordType.FNAME])), 'value', true);
      }
      yield* this.readPages(vpid, vma);
      vmas.push(vma);
    }
    this.pending = null;
    return { mm: m, vmas };
  }

  private readVma(rec: ParsedRecord<CrimgDebug.Vma>, previousEnd: number): VmaRecord {
    const vma = this.checkFields(rec, (f, p): VmaRecord => {
      const vmaType = f.got(p.vmaType);
      if (vmaType !== VmaType.ANON && vmaType !== VmaType.FILE)
        f.fail('vma_type', `unknown vma_type ${vmaType}`);
      f.zeroPad(p.pad);
      const start = f.u64('vmStart');
      if (start % PAGE_SIZE !== 0) f.fail('vm_start', `${hex(start)} is not page aligned`);
      if (start < previousEnd)
        f.fail('vm_start', `${hex(start)} is below the previous VMA's end ${hex(previousEnd)}`);
      const end = f.u64('vmEnd');
      if (end % PAGE_SIZE !== 0) f.fail('vm_end', `${hex(end)} is not page aligned`);
      if (end <= start) f.fail('vm_end', `${hex(end)} is not above vm_start ${hex(start)}`);
      if (end > TASK_SIZE) f.fail('vm_end', `${hex(end)} is above TASK_SIZE`);
      const prot = f.u64('vmPageProt');
      if (prot > 7) f.fail('vm_page_prot', `unknown bits in ${hex(prot)}`);
      const flags = f.u64('vmFlags');
      if (flags >= TWO_POW_32 || (flags & ~VM_FLAG_BITS) !== 0)
        f.fail('vm_flags', `unknown bits in ${hex(flags)}`);
      if ((flags & 7) !== prot)
        f.fail(
          'vm_flags',
          `READ/WRITE/EXEC ${hex(flags & 7)} disagree with vm_page_prot ${hex(prot)}`,
        );
      const pgoff = f.u64('vmPgoff');
      if (vmaType === VmaType.ANON && pgoff !== 0)
        f.fail('vm_pgoff', `vm_pgoff ${pgoff} for an ANON mapping`);
      return {
        offset: rec.offset,
        vma_type: vmaType,
        vm_start: start,
        vm_end: end,
        vm_page_prot: prot,
        vm_flags: flags,
        vm_pgoff: pgoff,
        file: null,
        pages: [],
      };
    });
    return vma;
  }

  private *readPages(vpid: number, vma: VmaRecord): Generator<number, void, void> {
    let lastAddr = -1;
    // Set on the VMA once all are read: the hot paths never see the VMA's shape change.
    const runs: PageRun[] = [];
    for (;;) {
      const rec = this.next<CrimgDebug.Pgarr>(this.taskExpect(vpid, [RecordType.PGARR]));
      let nr = 0;
      this.checkFields(rec, (f) => {
        nr = f.u64('nrPages');
        if (nr > MAX_PAGES) f.fail('nr_pages', `nr_pages ${nr} above ${MAX_PAGES}`);
      });
      if (nr === 0) {
        if (this.pageRuns) vma.pageRuns = runs;
        return;
      }
      const dataStart = this.pos;
      const addrBytes = nr * 8;
      const total = addrBytes + nr * PAGE_SIZE;
      lastAddr = this.judgeAddresses(rec.offset, vma.vm_start, vma.vm_end, dataStart, nr, lastAddr);
      const available = this.bytes.length - dataStart;
      if (available < total)
        this.cutInPages(
          rec.offset,
          `PGARR.pages[${Math.floor((available - addrBytes) / PAGE_SIZE)}]`,
          total,
          dataStart,
        );
      if (this.pageRuns) {
        // The page arrays follow the record outside its framing (crimg.ksy): the record itself
        // went through the generated parser in next(), the addresses were judged from their
        // bytes and the pages are all there, which is everything the generated parser's pass
        // over the whole record (below) can find wrong with them. What that pass adds is an
        // object per address and a view per page, the cost this reading exists to avoid. The
        // addresses are copied only now that the bytes are known to hold them and their pages
        // (nothing larger than the bytes present is allocated); the data is a plain Uint8Array
        // view even when the caller's bytes are a Node Buffer (as `pages`' are).
        const addrs = addressesAt(this.bytes, dataStart, nr);
        const data = new Uint8Array(
          this.bytes.buffer,
          this.bytes.byteOffset + dataStart + addrBytes,
          nr * PAGE_SIZE,
        );
        runs.push({ offset: rec.offset, addrs, data });
      } else {
        // The whole record with its page arrays, through the generated (normal-mode) parser.
        const whole = new Crimg.Record(
          streamOver(this.bytes.subarray(rec.offset, dataStart + total)),
        );
        const addrs = whole.addrs ?? [];
        const pages = whole.pages ?? [];
        for (let i = 0; i < nr; i++) {
          const addr = addrs[i];
          const data = pages[i];
          if (addr === undefined || data === undefined)
            this.reject('EPIPE', rec.offset, `PGARR.pages[${i}]`, 'page data missing');
          vma.pages.push({ offset: rec.offset, addr, data });
        }
      }
      this.pos = dataStart + total;
      yield this.pos;
    }
  }

  /**
   * Judges the `nr` addresses of the PGARR at `offset`, which start at `dataStart`: each as soon
   * as its 8 bytes are there (only a cut before a whole address is EPIPE), page aligned, inside
   * the VMA [vmStart, vmEnd), ascending after `lastAddr`. Returns the last address. The loop is
   * {@link firstBadAddress}'s; this names the first address it stops at.
   */
  private judgeAddresses(
    offset: number,
    vmStart: number,
    vmEnd: number,
    dataStart: number,
    nr: number,
    lastAddr: number,
  ): number {
    const bytes = this.bytes;
    const i = firstBadAddress(bytes, dataStart, nr, vmStart, vmEnd, lastAddr);
    if (i === nr) return addressAt(bytes, dataStart + 8 * (nr - 1));
    const at = dataStart + 8 * i;
    const field = `PGARR.addrs[${i}]`;
    if (at + 8 > bytes.length) this.cutInPages(offset, field, nr * (8 + PAGE_SIZE), dataStart);
    // The rules one by one, in order, for the error.
    const hi = u32At(bytes, at + 4);
    const addr = hi * TWO_POW_32 + u32At(bytes, at);
    const last = i === 0 ? lastAddr : addressAt(bytes, at - 8);
    if (hi >= HI_2POW53) this.reject('EINVAL', offset, field, 'address at or above 2^53');
    if (addr % PAGE_SIZE !== 0)
      this.reject('EINVAL', offset, field, `${hex(addr)} is not page aligned`);
    if (addr < vmStart || addr >= vmEnd) {
      this.reject(
        'EINVAL',
        offset,
        field,
        `${hex(addr)} is outside the VMA ${hex(vmStart)}-${hex(vmEnd)}`,
      );
    }
    this.reject('EINVAL', offset, field, `${hex(addr)} does not ascend after ${hex(last)}`);
  }

  /** EPIPE: the stream ends inside the page data (`total` bytes) of the PGARR at `offset`. */
  private cutInPages(offset: number, field: string, total: number, dataStart: number): never {
    this.reject(
      'EPIPE',
      offset,
      field,
      `the stream ends inside the page data of PGARR (${this.bytes.length - dataStart} of ${total} bytes)`,
    );
  }

  private readFiles(vpid: number): { objref: number; fds: FdRecord[]; offset: number } {
    const rec = this.next<CrimgDebug.Files>(
      this.taskExpect(vpid, [RecordType.FILES], {
        mismatches: [{ types: [RecordType.VMA], field: 'MM.map_count' }],
      }),
    );
    let objref = 0;
    let nfds = 0;
    this.checkFields(rec, (f, p) => {
      objref = f.got(p.objref);
      if (objref < 1) f.fail('objref', 'objref 0');
      if (this.vmObjrefs.has(objref))
        f.fail('objref', `objref ${objref} is already used by an MM or FILES`);
      this.vmObjrefs.add(objref);
      nfds = f.got(p.nfds);
      if (nfds > MAX_FDS) f.fail('nfds', `nfds ${nfds} above ${MAX_FDS}`);
    });
    const fds: FdRecord[] = [];
    let lastFd = -1;
    for (let i = 0; i < nfds; i++) {
      const fdRec = this.next<CrimgDebug.FdEnt>(
        this.taskExpect(vpid, [RecordType.FD_ENT], {
          mismatches: [{ types: [RecordType.CPU], field: 'FILES.nfds' }],
        }),
      );
      const fd = this.checkFields(fdRec, (f, p): FdRecord => {
        const ref = f.got(p.objref);
        if (ref < 1) f.fail('objref', 'objref 0');
        const num = f.got(p.fd);
        if (num < 0 || num > 1023) f.fail('fd', `fd ${num} outside 0..1023`);
        if (num <= lastFd) f.fail('fd', `fd ${num} does not ascend after ${lastFd}`);
        const cloexec = f.got(p.closeOnExec);
        if (cloexec > 1) f.fail('close_on_exec', `close_on_exec ${cloexec}, not 0 or 1`);
        f.zeroPad(p.pad);
        return { offset: fdRec.offset, objref: ref, fd: num, close_on_exec: cloexec };
      });
      const entry = fd;
      lastFd = entry.fd;
      fds.push(entry);
      if (!this.fileObjrefs.has(entry.objref)) this.readOpenFile(entry.objref);
    }
    return { offset: rec.offset, objref, fds };
  }

  private readOpenFile(objref: number): void {
    const rec = this.next<CrimgDebug.FdData>({
      allowed: [RecordType.FD_DATA],
      parentOf: () => objref,
      errorAllowed: true,
      missing: 'FD_DATA',
    });
    const file = this.checkFields(rec, (f, p): OpenFileRecord => {
      const fdType = f.got(p.fdType);
      if (fdType !== FdType.FILE && fdType !== FdType.DIR)
        f.fail('fd_type', `unknown fd_type ${fdType}`);
      const mode = f.got(p.fMode);
      if (mode === 0) f.fail('f_mode', 'f_mode 0');
      if ((mode & ~(FMode.READ | FMode.WRITE)) !== 0)
        f.fail('f_mode', `unknown bits in ${hex(mode)}`);
      const flags = f.got(p.fFlags);
      if ((flags & ~O_FLAG_BITS) !== 0) f.fail('f_flags', `unknown bits in ${hex(flags)}`);
      const access = flags & OFlag.ACCMODE;
      if (access === OFlag.ACCMODE) f.fail('f_flags', 'access mode 3 is invalid');
      if (fdType === FdType.DIR && access !== OFlag.RDONLY)
        f.fail('f_flags', 'a directory opened other than O_RDONLY');
      const wanted =
        access === OFlag.RDONLY
          ? FMode.READ
          : access === OFlag.WRONLY
            ? FMode.WRITE
            : FMode.READ | FMode.WRITE;
      if (mode !== wanted) f.fail('f_mode', `f_mode ${mode} disagrees with access mode ${access}`);
      const pos = f.u64('fPos');
      const version = f.u64('fVersion');
      return {
        offset: rec.offset,
        objref,
        fd_type: fdType,
        f_mode: mode,
        f_flags: flags,
        f_pos: pos,
        f_version: version,
        path: '',
        label: null,
      };
    });
    const open = file;
    const nameRec = this.next<DebugParsed>({
      allowed: [RecordType.FNAME],
      parentOf: () => objref,
      errorAllowed: true,
      missing: 'FNAME',
    });
    open.path = this.text(nameRec, 'value', true);
    this.fileObjrefs.set(objref, open);
    this.openFiles.push(open);
    // The optional file label: peek at the header without consuming anything else.
    if (this.peekType() === RecordType.SECURITY) {
      const secRec = this.next<CrimgDebug.Security>({
        allowed: [RecordType.SECURITY],
        parentOf: () => objref,
        errorAllowed: true,
        missing: 'SECURITY',
      });
      open.label = this.readSecurity(secRec, SecType.FILE);
    }
  }

  /** The type of the next record's header, or null when fewer than 2 bytes are left. */
  private peekType(): number | null {
    if (this.bytes.length - this.pos < 2) return null;
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 2).getInt16(0, true);
  }

  private readSign(rec: ParsedRecord<CrimgDebug.Sign>): {
    sign: NonNullable<CheckpointImage['sign']>;
    sigStart: number;
  } {
    let sigStart = 0;
    const sign = this.checkFields(rec, (f, p): NonNullable<CheckpointImage['sign']> => {
      const alg = f.got(p.alg);
      if (alg !== SignAlg.HMAC_SHA256) f.fail('alg', `unknown alg ${alg}`);
      const keyIdLen = f.got(p.keyIdLen);
      if (keyIdLen < 1 || keyIdLen > 64)
        f.fail('key_id_len', `key_id_len ${keyIdLen} outside 1..64`);
      const sigLen = f.got(p.sigLen);
      if (sigLen !== 32) f.fail('sig_len', `sig_len ${sigLen}, not 32 for HMAC-SHA256`);
      f.zeroPad(p.pad);
      if (rec.len !== 8 + keyIdLen + sigLen) {
        throw new Reject({
          errno: 'EINVAL',
          offset: rec.offset,
          field: 'hdr.len',
          message: `SIGN len ${rec.len}, not 8 + ${keyIdLen} + ${sigLen}`,
        });
      }
      const keyId = f.got(p.keyId);
      const sig = f.got(p.sig);
      sigStart = rec.offset + HEADER_SIZE + 8 + keyIdLen;
      return { offset: rec.offset, alg, key_id: keyId, sig: sig.slice() };
    });
    return { sign, sigStart };
  }
}

/** The contract name of the last field a debug run finished. */
function lastFieldRead(parsed: DebugParsed): string | null {
  let last: string | null = null;
  for (const [name, entry] of Object.entries(parsed._debug)) {
    if (!name.startsWith('_m_') && entry?.end !== undefined) last = contractName(name);
  }
  return last;
}

/**
 * Judges and decodes a `.crimg` image.
 *
 * Returns the first violation of image-format.md with its errno, offset and field, or the
 * decoded image with the state of its signature: `verified` when `opts.keys` holds the key
 * SIGN names and the MAC verifies (a failing MAC is EBADMSG), `unverified` when the reader
 * does not hold that key, `none` for an unsigned image. `records` lists every record judged
 * sound before any damage. Page data in the result are views of `bytes`, not copies.
 * Never throws.
 */
export function readImage(bytes: Uint8Array, opts: ReadOptions = {}): ReadResult {
  const slices = readImageSlices(bytes, opts);
  for (;;) {
    const slice = slices.next();
    if (slice.done === true) return slice.value;
  }
}

/**
 * {@link readImage} a slice at a time, for hosts that keep an event loop turning while a large
 * image is judged: each `next()` judges up to the next PGARR's pages (at most 1024 addresses) or
 * 4 MiB of the MAC, and yields the offset reached; the value of the last `next()` is exactly
 * readImage's result. Never throws.
 */
export function* readImageSlices(
  bytes: Uint8Array,
  opts: ReadOptions = {},
): Generator<number, ReadResult, void> {
  const judge = new ImageJudge(bytes, opts.keys ?? {}, opts.pageRuns);
  try {
    const { image, signature } = yield* judge.run();
    return { ok: true, image, signature, records: judge.records };
  } catch (err) {
    if (err instanceof Reject) return { ok: false, error: err.error, records: judge.records };
    // A failure no check foresaw still names where the reader was.
    return {
      ok: false,
      error: {
        errno: 'EINVAL',
        offset: judge.current.offset,
        field: judge.current.field,
        message: `malformed record: ${describeFailure(err)}`,
      },
      records: judge.records,
    };
  }
}
