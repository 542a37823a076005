/**
 * What must hold for any bytes that claim to be an image (issue #12), checked on one mutant:
 *
 * - readImage, the record index, recordFieldTree and the JSON codec return or refuse with the
 *   documented error ({errno, offset, field} and a message; the codec's CliError), never throw
 *   anything else, and agree with one another;
 * - sys_restart by uid 500 (hallyn) under each `kernel.ckpt_restore_creds` mode either refuses,
 *   with its last check failed with the call's errno and nothing in the kernel changed, or
 *   succeeds, and then no restored task holds a uid, gid, group or capability hallyn could not
 *   have set (unless the image's signature verifies under `signed`: the documented trust) and no
 *   descriptor or mapping is of a file hallyn could not open himself.
 *
 * The privilege rules below are written from kernel.md's table, not taken from the kernel: an
 * oracle that shared the kernel's code would share its bugs.
 */
import {
  formatImageError,
  indexRecords,
  memoryReader,
  readImage,
  recordFieldTree,
  type FieldNode,
  type ReadResult,
  type RecordIndexEntry,
} from '../../extension/image/index';
import {
  ImageJsonError,
  decodeImageJson,
  encodeImageJson,
  type ImageJson,
} from '../../extension/image/image-json';
import {
  createKernel,
  defaultWorld,
  ERRNO,
  type CallOutcome,
  type CredInfo,
  type KernelApi,
  type RestoreCredsMode,
  type TaskInfo,
  type WorldSpec,
} from '../../extension/kernel/index';
import { MACHINE } from './corpus';
import { edgeValue, type JsonEdit } from './mutations';

/** The restarting user: hallyn of kernel.md's default world. */
export const CALLER_UID = 500;
export const MODES: readonly RestoreCredsMode[] = ['caller', 'authorized', 'signed'];
const IMAGE_PATH = '/tmp/fuzz.crimg';
const READER_ERRNOS = new Set(['EINVAL', 'EPIPE', 'EIO', 'EBADMSG']);
/** `hdr.len`, `VMA.vm_end`, `TREE.tasks[2].nspid`, `PGARR.pages[3]`, `TAIL`, `STRING.value`. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)*$/;

const CAP_SETUID = 7;
const CAP_SETGID = 6;
const CAP_SETPCAP = 8;
const has = (set: bigint, cap: number): boolean => ((set >> BigInt(cap)) & 1n) === 1n;
const subset = (a: bigint, b: bigint): boolean => (a & ~b) === 0n;

/**
 * Why `cred` is more than `caller` could have set with setresuid, setresgid, setgroups and capset
 * (kernel.md, restart.creds.*), or null when it is not.
 */
export function privilegeBeyond(caller: CredInfo, cred: CredInfo): string | null {
  const uids = [caller.uid, caller.euid, caller.suid];
  if (!has(caller.capEffective, CAP_SETUID)) {
    for (const [name, id] of Object.entries({
      uid: cred.uid,
      euid: cred.euid,
      suid: cred.suid,
      fsuid: cred.fsuid,
    })) {
      if (!uids.includes(id)) return `${name} ${id} is none of the caller's uids ${uids.join('/')}`;
    }
  }
  const gids = [caller.gid, caller.egid, caller.sgid];
  if (!has(caller.capEffective, CAP_SETGID)) {
    for (const [name, id] of Object.entries({
      gid: cred.gid,
      egid: cred.egid,
      sgid: cred.sgid,
      fsgid: cred.fsgid,
    })) {
      if (!gids.includes(id)) return `${name} ${id} is none of the caller's gids ${gids.join('/')}`;
    }
    for (const group of cred.groups) {
      if (group !== caller.egid && !caller.groups.includes(group))
        return `supplementary group ${group} is not one of the caller's`;
    }
  }
  if (!subset(cred.capPermitted, caller.capPermitted))
    return `cap_permitted 0x${cred.capPermitted.toString(16)} exceeds the caller's 0x${caller.capPermitted.toString(16)}`;
  if (!subset(cred.capEffective, cred.capPermitted))
    return `cap_effective 0x${cred.capEffective.toString(16)} is not within its permitted set`;
  if (!subset(cred.capInheritable, caller.capInheritable | caller.capPermitted))
    return `cap_inheritable 0x${cred.capInheritable.toString(16)} exceeds what the caller may grant`;
  if (!subset(cred.capBset, caller.capBset))
    return `cap_bset 0x${cred.capBset.toString(16)} exceeds the caller's bounding set`;
  if (cred.securebits !== caller.securebits && !has(caller.capEffective, CAP_SETPCAP))
    return `securebits ${cred.securebits} differ from the caller's ${caller.securebits}`;
  return null;
}

/** A property that did not hold, with what the mutant did. */
export class PropertyFailure extends Error {}

function expect(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new PropertyFailure(message());
}

/** Calls `run`; anything it throws is a property failure naming `what`. */
function noThrow<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof PropertyFailure) throw error;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new PropertyFailure(`${what} threw ${text.split('\n')[0] ?? ''}`);
  }
}

function checkReaderError(result: ReadResult, size: number): void {
  if (result.ok) return;
  const { errno, offset, field, message } = result.error;
  expect(READER_ERRNOS.has(errno), () => `readImage errno ${errno}`);
  expect(
    Number.isSafeInteger(offset) && offset >= 0 && offset <= size,
    () => `readImage offset ${offset} of ${size}`,
  );
  expect(FIELD_NAME.test(field), () => `readImage field '${field}'`);
  expect(message.length > 0 && !message.includes('\n'), () => `readImage message '${message}'`);
  for (const record of result.records)
    expect(
      record.offset >= 0 && record.offset < size,
      () => `record summary at ${record.offset} of ${size}`,
    );
}

function withinRecord(node: FieldNode, entry: RecordIndexEntry, depth: number): void {
  expect(
    node.offset >= entry.offset && node.offset + node.size <= entry.end,
    () =>
      `field ${node.path} [${node.offset}, +${node.size}) outside its record [${entry.offset}, ${entry.end})`,
  );
  expect(node.path.length > 0 && depth < 16, () => `field ${node.path} at depth ${depth}`);
  for (const child of node.children ?? []) withinRecord(child, entry, depth + 1);
}

/**
 * Records whose field tree was already checked, by offset and content: most mutants leave most
 * records as they were, and recordFieldTree is a pure function of the record's bytes and offset.
 */
const checkedTrees = new Set<string>();
const CHECKED_TREES_LIMIT = 200_000;

/** Two 32-bit hashes of the record's bytes (FNV-1a and a multiplicative one), with its place. */
function treeKey(bytes: Uint8Array, entry: RecordIndexEntry): string {
  let fnv = 0x811c9dc5;
  let mul = 0;
  for (let i = entry.offset; i < entry.end; i++) {
    const byte = bytes[i] as number;
    fnv = Math.imul(fnv ^ byte, 0x01000193);
    mul = (Math.imul(mul, 31) + byte) | 0;
  }
  return `${entry.offset}:${entry.end}:${fnv >>> 0}:${mul >>> 0}`;
}

/** True when this record, as it is, had its tree checked before; remembers it otherwise. */
function treeChecked(bytes: Uint8Array, entry: RecordIndexEntry): boolean {
  const key = treeKey(bytes, entry);
  if (checkedTrees.has(key)) return true;
  if (checkedTrees.size >= CHECKED_TREES_LIMIT) checkedTrees.clear();
  checkedTrees.add(key);
  return false;
}

function checkIndex(bytes: Uint8Array, verdict: ReadResult, fieldTrees: boolean): void {
  const index = noThrow('indexRecords', () => indexRecords(memoryReader(bytes), bytes.length));
  let end = 0;
  for (const entry of index.entries) {
    if (entry.kind === 'damage') {
      expect(entry === index.damage, () => 'a damage entry before the end of the index');
      expect(
        entry.offset >= end && entry.offset <= bytes.length,
        () => `damage at ${entry.offset}`,
      );
      continue;
    }
    expect(
      entry.offset === end && entry.end > entry.offset && entry.end <= bytes.length,
      () => `index entry [${entry.offset}, ${entry.end}) after ${end}`,
    );
    end = entry.end;
    if (!fieldTrees || treeChecked(bytes, entry)) continue;
    const tree = noThrow(`recordFieldTree(${entry.name} at ${entry.offset})`, () =>
      recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset),
    );
    expect(
      tree.root.offset === entry.offset,
      () => `field tree of ${entry.name} starts at ${tree.root.offset}`,
    );
    withinRecord(tree.root, entry, 0);
  }
  // The index judges only the framing: what it refuses, the reader refuses too.
  if (verdict.ok) {
    expect(
      index.damage === null,
      () => `the index refuses a valid image: ${index.damage?.message ?? ''}`,
    );
    expect(
      verdict.records.length === index.entries.length &&
        verdict.records.every((record, i) => record.offset === index.entries[i]?.offset),
      () => 'the index and the reader disagree on where the records are',
    );
  } else if (index.damage) {
    expect(
      verdict.error.offset <= index.damage.offset,
      () =>
        `the reader stopped at ${verdict.error.offset}, after the index's damage at ${index.damage?.offset ?? 0}`,
    );
  }
}

/** The codec's one documented refusal: an ImageJsonError with a one-line message. */
function isCodecError(error: unknown): error is ImageJsonError {
  return (
    error instanceof ImageJsonError && error.message.length > 0 && !error.message.includes('\n')
  );
}

/** Applies a JSON edit to a decoded image; returns the edited JSON. */
function editJson(json: ImageJson, edit: JsonEdit): unknown {
  const fields = json.records.flatMap((record) => record.fields);
  const field = fields[edit.field % Math.max(1, fields.length)];
  if (!field) return json;
  const target = field as unknown as Record<string, unknown>;
  switch (edit.value) {
    case 'edge': {
      const value = edgeValue(edit.edge, Math.min(8, field.size));
      target['value'] = value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number(value);
      break;
    }
    case 'negative':
      target['value'] = -Number(edgeValue(edit.edge, 4)) - 1;
      break;
    case 'fraction':
      target['value'] = 0.5;
      break;
    case 'string':
      target['value'] = '<script>alert(1)</script>\u202e';
      break;
    case 'null':
      target['value'] = null;
      break;
    case 'drop':
      json.records.forEach((record) => {
        record.fields = record.fields.filter((other) => other !== field);
      });
      break;
    case 'size':
      target['size'] = Number(edgeValue(edit.edge, 4));
      break;
  }
  return json;
}

function checkJson(bytes: Uint8Array, plain: ReadResult, edit: JsonEdit | null): void {
  let json: ImageJson;
  try {
    json = decodeImageJson(bytes);
  } catch (error) {
    expect(isCodecError(error), () => `decodeImageJson threw ${String(error)}`);
    expect(!plain.ok, () => `decodeImageJson refused a valid image: ${error.message}`);
    expect(
      error.kind === 'invalid-image' && error.message === formatImageError(plain.error),
      () =>
        `decodeImageJson said '${error.message}', the reader '${formatImageError(plain.error)}'`,
    );
    return;
  }
  expect(plain.ok, () => 'decodeImageJson accepted an image the reader refuses');
  const text = JSON.stringify(json);
  const again = noThrow('encodeImageJson', () => encodeImageJson(JSON.parse(text)));
  expect(
    again.length === bytes.length && again.every((byte, i) => byte === bytes[i]),
    () => 'decode then encode does not give back the same bytes',
  );
  if (edit === null) return;
  const edited = editJson(JSON.parse(text) as ImageJson, edit);
  let encoded: Uint8Array;
  try {
    encoded = encodeImageJson(edited);
  } catch (error) {
    expect(isCodecError(error), () => `encodeImageJson of edited JSON threw ${String(error)}`);
    return;
  }
  const verdict = readImage(encoded);
  expect(
    verdict.ok || (verdict.error.errno !== 'EINVAL' && verdict.error.errno !== 'EPIPE'),
    () => 'encodeImageJson wrote an image the reader refuses as malformed',
  );
}

/** JSON for messages: bigints as text. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? `${item.toString()}n` : item,
  );
}

/** Everything of a task a restart could change, as one string (cheaper than JSON of it all). */
function taskKey(task: TaskInfo): string {
  const c = task.cred;
  return [
    task.pid,
    task.nsPids.join('.'),
    task.ppid,
    task.comm,
    task.state,
    task.exitCode,
    task.exe,
    task.pc,
    task.regs.join(','),
    [c.uid, c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid, c.groups.join(',')].join(':'),
    [c.capInheritable, c.capPermitted, c.capEffective, c.capBset, c.securebits].join(':'),
    task.dumpable,
    task.label,
    task.fds
      .map((fd) => [fd.fd, fd.path, fd.flags, fd.pos, fd.closeOnExec, fd.openFileId].join(':'))
      .join(','),
    task.vmas
      .map((vma) =>
        [vma.start, vma.end, vma.prot, vma.flags, vma.file, vma.pgoff, vma.residentPages].join(':'),
      )
      .join(','),
  ].join('|');
}

/** What a refused restart must leave as it was. */
interface Fingerprint {
  tasks: string;
  memory: number;
  /** Each world file's metadata and contents; null when not taken (see ModeKernel.restart). */
  files: Array<[string, Uint8Array | null]> | null;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** What differs between two fingerprints, or null. */
function changed(before: Fingerprint, after: Fingerprint): string | null {
  if (before.tasks !== after.tasks) return 'the tasks';
  if (before.memory !== after.memory) return 'memory in use';
  if (after.files === null || before.files === null) return null;
  for (const [i, [stat, bytes]] of before.files.entries()) {
    const [statAfter, bytesAfter] = after.files[i] ?? ['', null];
    if (stat !== statAfter || !sameBytes(bytes, bytesAfter)) return `the file ${stat}`;
  }
  return null;
}

/** One kernel booted for one restore-creds mode, with a shell of hallyn to probe opens with. */
class ModeKernel {
  private kernel: KernelApi | null = null;
  private probePid = 0;
  private baseline: Fingerprint | null = null;
  private readonly paths: string[];

  constructor(
    readonly mode: RestoreCredsMode,
    private readonly world: () => WorldSpec,
    private readonly callerUid: number,
  ) {
    this.paths = world().files.map((file) => file.path);
  }

  private boot(): KernelApi {
    const world = this.world();
    world.sysctls = { ...world.sysctls, 'kernel.ckpt_restore_creds': this.mode };
    const kernel = createKernel({ world, clock: () => 1_220_227_200 });
    const shell = kernel.spawn({ user: this.callerUid, exe: '/bin/sh' });
    if (!shell.ok) throw new Error(`cannot spawn the probe shell: ${shell.reason}`);
    this.kernel = kernel;
    this.probePid = shell.pid;
    this.baseline = null;
    return kernel;
  }

  /** Tasks, memory and every world file's metadata and contents. */
  private fingerprint(kernel: KernelApi, withFiles = true): Fingerprint {
    return {
      tasks: kernel.tasks().map(taskKey).join('\n'),
      memory: kernel.memoryInUse(),
      files: !withFiles
        ? null
        : this.paths.map((path) => [stable(kernel.stat(path)), kernel.readFile(path)]),
    };
  }

  /** The probe shell's credentials: what hallyn holds. */
  callerCred(): CredInfo {
    const kernel = this.kernel ?? this.boot();
    const probe = kernel.task(this.probePid);
    if (!probe) throw new Error('the probe shell is gone');
    return probe.cred;
  }

  restart(bytes: Uint8Array, flags: number, trusted: boolean, verdict: ReadResult): CallOutcome {
    const kernel = this.kernel ?? this.boot();
    kernel.writeFile(IMAGE_PATH, bytes, { uid: this.callerUid, gid: this.callerUid, mode: 0o600 });
    this.baseline ??= this.fingerprint(kernel);
    const caller = this.callerCred();
    const outcome = noThrow(`restart under ${this.mode}`, () =>
      kernel.restartAs(this.callerUid, IMAGE_PATH, flags),
    );
    const where = `restart under ${this.mode}`;
    if (outcome.ret !== 0) {
      const last = outcome.checks.at(-1);
      expect(
        outcome.errno !== null && outcome.ret === -ERRNO[outcome.errno],
        () => `${where}: ret ${outcome.ret} errno ${outcome.errno}`,
      );
      expect(
        last !== undefined &&
          last.result === 'fail' &&
          last.errno === outcome.errno &&
          last.reason.length > 0,
        () => `${where}: the last check is not the failure (${stable(last)})`,
      );
      if (!verdict.ok && (verdict.error.errno === 'EINVAL' || verdict.error.errno === 'EPIPE')) {
        expect(
          (last.id === 'restart.header' || last.id === 'restart.format') &&
            last.errno === verdict.error.errno &&
            last.offset === verdict.error.offset,
          () =>
            `${where}: ${last.id} ${last.errno} at ${last.offset}, the reader says ${formatImageError(verdict.error)}`,
        );
      } else if (!verdict.ok) {
        expect(
          last.errno === verdict.error.errno,
          () => `${where}: ${last.id} ${last.errno}, the reader says ${verdict.error.errno}`,
        );
      } else {
        expect(
          last.id !== 'restart.format' && last.id !== 'restart.header',
          () => `${where}: ${last.id} fails a valid image`,
        );
      }
      // Header and format failures come before restart looks up any file: there, tasks and
      // memory are what could change; later failures are checked against every world file too.
      const early = last.id === 'restart.header' || last.id === 'restart.format';
      const change = changed(this.baseline, this.fingerprint(kernel, !early));
      expect(
        change === null,
        () => `${where}: refused with ${outcome.errno} but ${change ?? ''} changed`,
      );
      return outcome;
    }
    expect(
      verdict.ok,
      () =>
        `${where} succeeded on an image the reader refuses (${verdict.ok ? '' : formatImageError(verdict.error)})`,
    );
    // The kernel now holds restored tasks: judge them, then boot afresh for the next mutant.
    this.kernel = null;
    const restored = (outcome.restored ?? []).map((pid) => kernel.task(pid));
    expect(
      restored.length > 0 && restored.every((task) => task !== null),
      () => `${where}: restored pids are not tasks`,
    );
    if (trusted) return outcome;
    for (const task of restored as TaskInfo[]) {
      const beyond = privilegeBeyond(caller, task.cred);
      expect(beyond === null, () => `${where}: task ${task.pid} (${task.comm}): ${beyond ?? ''}`);
      for (const fd of task.fds) {
        const opened = kernel.openAs(this.probePid, fd.path, fd.flags & 3);
        expect(
          opened >= 0,
          () =>
            `${where}: task ${task.pid} holds ${fd.path} (flags ${fd.flags}), which uid ${this.callerUid} cannot open (${opened})`,
        );
      }
      for (const vma of task.vmas) {
        if (vma.file === null) continue;
        const writeShared = (vma.flags & 0x8) !== 0 && (vma.prot & 2) !== 0;
        const opened = kernel.openAs(this.probePid, vma.file, writeShared ? 2 : 0);
        expect(
          opened >= 0,
          () =>
            `${where}: task ${task.pid} maps ${vma.file ?? ''}, which uid ${this.callerUid} cannot open (${opened})`,
        );
      }
    }
    return outcome;
  }
}

/** How one mutant fared, for the campaign's tallies. */
export interface MutantOutcome {
  /** The reader's verdict: `ok` or an errno. */
  readonly reader: string;
  /** Per mode: `ok` or the errno restart failed with. */
  readonly restarts: readonly string[];
}

/** Judges mutants; holds one kernel per mode between them. */
export class MutantJudge {
  private readonly kernels: ModeKernel[];

  constructor(world: () => WorldSpec = defaultWorld, callerUid = CALLER_UID) {
    this.kernels = MODES.map((mode) => new ModeKernel(mode, world, callerUid));
  }

  /**
   * Checks every property on `bytes`; throws PropertyFailure on the first that does not hold.
   * `fieldTrees`: also build the field tree of every record (the slowest part, for the editor).
   */
  judge(bytes: Uint8Array, flags: number, json: JsonEdit | null, fieldTrees = true): MutantOutcome {
    const verdict = noThrow('readImage', () => readImage(bytes, { keys: { machine: MACHINE } }));
    checkReaderError(verdict, bytes.length);
    checkIndex(bytes, verdict, fieldTrees);
    // Without keys the reader judges the same structure and cannot say EBADMSG (image-format.md,
    // SIGN): only then is its verdict another one.
    const plain =
      verdict.ok || verdict.error.errno !== 'EBADMSG'
        ? verdict
        : noThrow('readImage without keys', () => readImage(bytes));
    checkJson(bytes, plain, json);
    const restarts: string[] = [];
    for (const kernel of this.kernels) {
      const trusted = kernel.mode === 'signed' && verdict.ok && verdict.signature === 'verified';
      const outcome = kernel.restart(bytes, flags, trusted, verdict);
      restarts.push(outcome.ret === 0 ? 'ok' : (outcome.errno ?? '?'));
    }
    return { reader: verdict.ok ? 'ok' : verdict.error.errno, restarts };
  }
}
