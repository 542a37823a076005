/**
 * The bridge to the parsers generated from crimg.ksy: streams over byte ranges, the body
 * class of each record type, and runs that keep the partial object when Kaitai throws, so
 * every failure can be named by the field being read.
 */
import KaitaiStream from 'kaitai-struct/KaitaiStream';
import { Crimg } from './generated/Crimg';
import { Crimg as CrimgDebug, type CrimgDebugEntry } from './generated/CrimgDebug';
import { RecordType } from './model';

export { Crimg, CrimgDebug, KaitaiStream };
export type { CrimgDebugEntry };

/** A KaitaiStream over exactly `bytes` (no copy). */
export function streamOver(bytes: Uint8Array): KaitaiStream {
  return new KaitaiStream(
    new DataView(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength),
  );
}

/** What every debug-mode generated class has. */
export interface DebugParsed {
  _read(): void;
  _io: KaitaiStream;
  _debug: { [field: string]: CrimgDebugEntry | undefined };
}

type DebugClass = new (io: KaitaiStream, parent?: unknown, root?: unknown) => DebugParsed;

/** The debug-mode payload class of each record type. */
export const debugBodyClass: ReadonlyMap<number, DebugClass> = new Map<number, DebugClass>([
  [RecordType.HEAD, CrimgDebug.Head],
  [RecordType.STRING, CrimgDebug.Text],
  [RecordType.FNAME, CrimgDebug.Fname],
  [RecordType.LSM_INFO, CrimgDebug.LsmInfo],
  [RecordType.TASK, CrimgDebug.Task],
  [RecordType.CPU, CrimgDebug.Cpu],
  [RecordType.TREE, CrimgDebug.Tree],
  [RecordType.CRED, CrimgDebug.Cred],
  [RecordType.GROUPINFO, CrimgDebug.Groupinfo],
  [RecordType.SECURITY, CrimgDebug.Security],
  [RecordType.MM, CrimgDebug.Mm],
  [RecordType.VMA, CrimgDebug.Vma],
  [RecordType.PGARR, CrimgDebug.Pgarr],
  [RecordType.FILES, CrimgDebug.Files],
  [RecordType.FD_ENT, CrimgDebug.FdEnt],
  [RecordType.FD_DATA, CrimgDebug.FdData],
  [RecordType.TAIL, CrimgDebug.Tail],
  [RecordType.SIGN, CrimgDebug.Sign],
  [RecordType.ERROR, CrimgDebug.ErrorMarker],
]);

type NormalClass = new (io: KaitaiStream, parent?: unknown, root?: unknown) => object;

/** The normal-mode payload class of each record type: it parses in its constructor. */
const normalBodyClass: ReadonlyMap<number, NormalClass> = new Map<number, NormalClass>([
  [RecordType.HEAD, Crimg.Head],
  [RecordType.STRING, Crimg.Text],
  [RecordType.FNAME, Crimg.Fname],
  [RecordType.LSM_INFO, Crimg.LsmInfo],
  [RecordType.TASK, Crimg.Task],
  [RecordType.CPU, Crimg.Cpu],
  [RecordType.TREE, Crimg.Tree],
  [RecordType.CRED, Crimg.Cred],
  [RecordType.GROUPINFO, Crimg.Groupinfo],
  [RecordType.SECURITY, Crimg.Security],
  [RecordType.MM, Crimg.Mm],
  [RecordType.VMA, Crimg.Vma],
  [RecordType.PGARR, Crimg.Pgarr],
  [RecordType.FILES, Crimg.Files],
  [RecordType.FD_ENT, Crimg.FdEnt],
  [RecordType.FD_DATA, Crimg.FdData],
  [RecordType.TAIL, Crimg.Tail],
  [RecordType.SIGN, Crimg.Sign],
  [RecordType.ERROR, Crimg.ErrorMarker],
]);

/**
 * Parses `bytes` as `debugClass` would, the fast way first: with the normal-mode class of the
 * same spec, which keeps no record of where each field lies (most payloads are sound, and that
 * bookkeeping was most of the reader's time); only when it throws, again in debug mode, so the
 * partial object and its failure are exactly those of {@link runDebug}. A sound payload's object
 * has every field but no `_debug`: its field offsets come from {@link fieldSpans}.
 */
export function runFast<T extends DebugParsed>(
  debugClass: new (io: KaitaiStream, parent?: unknown, root?: unknown) => T,
  normalClass: NormalClass | undefined,
  bytes: Uint8Array,
): DebugRun<T> {
  if (normalClass !== undefined) {
    try {
      return { parsed: new normalClass(streamOver(bytes)) as T, failure: null };
    } catch {
      // The debug run below names the failure.
    }
  }
  return runDebug(debugClass, bytes);
}

/** The normal-mode class of a record type's payload (for {@link runFast}). */
export function normalBodyClassOf(type: number): NormalClass | undefined {
  return normalBodyClass.get(type);
}

/** Field offsets of the fixed-size payloads, by record type: the same in every record. */
const spansByType = new Map<number, DebugParsed['_debug']>();

/**
 * Where each field of a parsed payload lies: from its own debug record, or, for a payload the
 * normal-mode class parsed, from the first sound debug parse of its type (cached when
 * `fixedLayout`: payloads of a fixed size have their fields at fixed offsets).
 */
export function fieldSpans(
  parsed: DebugParsed,
  type: number,
  bytes: Uint8Array,
  fixedLayout: boolean,
): DebugParsed['_debug'] {
  const own = (parsed as Partial<DebugParsed>)._debug;
  if (own !== undefined) return own;
  const cached = spansByType.get(type);
  if (cached !== undefined) return cached;
  const cls = debugBodyClass.get(type);
  if (cls === undefined) return {};
  const run = runDebug(cls, bytes);
  if (run.failure === null && fixedLayout) spansByType.set(type, run.parsed._debug);
  return run.parsed._debug;
}

/** The outcome of a debug-mode parse: the (possibly partial) object and what stopped it. */
export interface DebugRun<T> {
  parsed: T;
  failure: unknown;
}

/** Parses `bytes` with a debug-mode class, keeping the partial object on any exception. */
export function runDebug<T extends DebugParsed>(
  cls: new (io: KaitaiStream, parent?: unknown, root?: unknown) => T,
  bytes: Uint8Array,
): DebugRun<T> {
  const parsed = new cls(streamOver(bytes));
  try {
    parsed._read();
    return { parsed, failure: null };
  } catch (failure) {
    return { parsed, failure };
  }
}

/** Kaitai's JS name of a ksy id: `vm_start` -> `vmStart`. */
export function kaitaiName(id: string): string {
  return id.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The ksy id of a Kaitai JS name: `vmStart` -> `vm_start`; `pad` is the contract's `_pad`. */
export function contractName(jsName: string): string {
  const id = jsName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return id === 'pad' ? '_pad' : id;
}

/** The first field a debug run did not finish, by its contract name, or null. */
export function unfinishedField(parsed: DebugParsed): string | null {
  for (const [name, entry] of Object.entries(parsed._debug)) {
    if (name.startsWith('_m_')) continue; // instances, evaluated lazily
    if (entry !== undefined && entry.end === undefined) return contractName(name);
  }
  return null;
}

function isDebugParsed(value: unknown): value is DebugParsed {
  return typeof value === 'object' && value !== null && '_debug' in value;
}

/**
 * The first field of a debug run that does not end within `limit` bytes of its stream, by
 * contract path (`vm_end`, `regs[3]`, `tasks[2].nspid`), or null when the run stopped before.
 */
export function fieldBeyond(parsed: DebugParsed, limit: number): string | null {
  const values = parsed as unknown as Record<string, unknown>;
  for (const [name, entry] of Object.entries(parsed._debug)) {
    if (name.startsWith('_m_') || entry === undefined) continue;
    if (entry.end !== undefined && entry.end <= limit) continue;
    const field = contractName(name);
    const index = (entry.arr ?? []).findIndex((item) => item.end === undefined || item.end > limit);
    if (index < 0) return field;
    const items = values[name];
    const item = Array.isArray(items) ? (items as unknown[])[index] : undefined;
    const inner = isDebugParsed(item) ? fieldBeyond(item, limit) : null;
    return `${field}[${index}]${inner === null ? '' : `.${inner}`}`;
  }
  return null;
}

/** A short description of whatever a generated parser threw. */
export function describeFailure(failure: unknown): string {
  if (failure instanceof Error) return `${failure.name}: ${failure.message}`;
  return String(failure);
}
