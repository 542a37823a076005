/**
 * The lab session: one emulated kernel a person drives action by action — spawn, run, freeze,
 * thaw, checkpoint, restart, sysctls, images brought in — with everything it did written down
 * as a `.crlab` scenario: each action a script statement, each outcome an `expect` line.
 *
 * The session does not mirror the interpreter, it IS the interpreter: every action is appended
 * to the log and run by the same {@link ScenarioSession} a file runs with, one statement at a
 * time. The live kernel is therefore exactly what replaying the log gives, and the log saved as
 * a file passes `crlab test` with the same checks — a session explored by hand becomes a
 * regression test, and a host that persists the log gets the session back after a reload.
 *
 * What cannot be a script statement (an image file brought in from outside, the LSM policy) is
 * world setup: it goes into the log's world section and the session is replayed from boot.
 *
 * Pure: no VS Code, no file system, no clock.
 */
import type { CheckpointImage } from '../image/index';
import type { ReadResult } from '../image/index';
import { CHECKPOINT_MAGIC_HEAD, readImage, readImageSlices } from '../image/index';
import type {
  CallProgress,
  CheckRecord,
  KernelApi,
  RestoreCredsMode,
  SysctlName,
  Sysctls,
  TaskInfo,
  UserSpec,
  WorldSpec,
} from '../kernel/index';
import { CheckpointFlag, RestartFlag, isSysctlName, runToEnd, sysctlValues } from '../kernel/index';
import type { ScriptStatement } from './ast';
import type { Diagnostic } from './diagnostics';
import { formatDiagnostic } from './diagnostics';
import { checkScenario, type CheckedScenario } from './index';
import { ScenarioSession } from './interpreter';
import { whoMayRestart, type RestartMatrix } from './restart-matrix';
import type { CallEntry, TranscriptEntry } from './transcript';

/** Why an action was not taken; the session is unchanged. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** The log's first lines when the session starts from the default world. */
export const DEFAULT_PRELUDE = [
  '# A Checkpoint/Restart Lab session: every action taken in the lab, and what it did.',
  '# `crlab test` on this file replays it to the same kernel with the same checks.',
  'world default',
].join('\n');

/** The comment line that separates a loaded scenario from the actions taken in the lab. */
export const ACTIONS_HEADER = '# Actions taken in the Checkpoint/Restart Lab';

/** Images up to this size are kept with the call that read or wrote them (for links). */
export const SNAPSHOT_LIMIT = 8 * 1024 * 1024;

/** Images up to this size may be brought into the kernel (they are written into the log). */
export const IMPORT_LIMIT = 4 * 1024 * 1024;

function importLimitMessage(name: string, size: number): string {
  return `${name} is ${size} bytes; images above ${IMPORT_LIMIT} bytes cannot be brought into the lab (they would be written into its log)`;
}

/** One checkpoint or restart call of the session, with everything a view needs to show it. */
export interface LabCall {
  /** Position in the session's history, from 1. */
  readonly id: number;
  readonly call: 'checkpoint' | 'restart';
  /** The script statement that made the call, as written, and its line in the log. */
  readonly statement: string;
  readonly line: number;
  /**
   * `script`: a transient task of `user` made it; `program`: a task's program did; `debugger`:
   * the debugger's "Checkpoint Task" command did (calls of a debugging session only).
   */
  readonly by: 'script' | 'program' | 'debugger';
  /** The user whose task made a script call; for a program's call, the calling task's user. */
  readonly user: string;
  /** Root-namespace pid of the calling task. */
  readonly callerPid: number;
  /** Checkpoint: the task asked for (`passwd`, or `self`). Null for a restart. */
  readonly target: string | null;
  /** The image path in the kernel: written by a checkpoint, read by a restart. */
  readonly image: string | null;
  readonly flags: number;
  /**
   * kernel.ckpt_restore_creds when the call was made; null when not known (a call a debugging
   * session made in its own kernel).
   */
  readonly restoreCreds: RestoreCredsMode | null;
  readonly ret: number;
  readonly errno: string | null;
  readonly checks: readonly CheckRecord[];
  /** Restart: the restored tasks' pids, root first. */
  readonly restored: readonly number[];
  /** The image as the call saw it (up to {@link SNAPSHOT_LIMIT} bytes), for links to its records. */
  readonly imageBytes: Uint8Array | null;
}

/** What an action did. */
export interface LabActionResult {
  readonly ok: boolean;
  readonly errno: string | null;
  /** In a few words: `pid 3`, `crid 1, image /tmp/passwd.crimg`, `restart.creds.uid: ...`. */
  readonly summary: string;
  /** The statement written to the log, and its line. */
  readonly statement: string;
  readonly line: number;
  /** The checkpoint and restart calls it made (a `run` may make several, or none). */
  readonly calls: readonly LabCall[];
  /** The task it created: the spawned task, or the restored root task. */
  readonly pid: number | null;
}

/** What a host persists: {@link LabSession.restore} replays it to the same session. */
export interface SavedLabSession {
  readonly format: 1;
  /** The scenario the session started from (the default prelude or a loaded file). */
  readonly prelude: string;
  /** Where the prelude came from (a path or URI, for links), or null. */
  readonly origin: string | null;
  /** World statements the session added: images brought in, LSM policy. */
  readonly world: readonly string[];
  /** Each action's statement and the expect lines recorded for it. */
  readonly actions: readonly { readonly statement: string; readonly expects: readonly string[] }[];
}

/** How far a replay has come (for progress reports). */
export interface ReplayProgress {
  /** Actions replayed (0 while the scenario the session started from runs). */
  readonly done: number;
  readonly total: number;
  /**
   * A checkpoint or restart call under way (bytes done of total), when the replay yields in
   * the middle of one; absent when it yields between actions.
   */
  readonly call?: CallProgress;
}

/**
 * An action, a load or a replay a slice at a time: each `next()` does a bounded amount of work
 * (one statement, or one slice of a checkpoint or restart call) and yields how far it has come;
 * the generator's value is what the one-shot method returns. `return()` between two slices
 * cancels it: the session stays exactly as it was before (see each method).
 */
export type LabSlices<T, P extends CallProgress = CallProgress> = Generator<P, T, void>;

/** A user of the world, as pickers describe it. */
export interface LabUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Every group the user's login has (primary first), by name where it has one. */
  readonly groups: readonly string[];
}

/** An executable file of the world and the program it runs. */
export interface LabProgram {
  readonly path: string;
  readonly program: string;
  readonly mode: number;
  readonly owner: number;
}

/** A checkpoint image in the kernel's file system. */
export interface LabImage {
  readonly path: string;
  readonly size: number;
  /** Tasks in the image, or null when it does not read as valid. */
  readonly tasks: number | null;
  /** `valid`: signed with the machine key; `invalid`: signed, does not verify. */
  readonly signature: 'none' | 'valid' | 'invalid' | null;
  /** Why it is not a valid image, or null. */
  readonly problem: string | null;
}

/** A task with the name the log can call it by (null when the language has none for it). */
export interface LabTask extends TaskInfo {
  readonly name: string | null;
  /** The user name of the real uid. */
  readonly user: string;
  /** The root-namespace pid of the init of the task's own pid namespace (1 for the root one). */
  readonly namespaceInit: number;
  /** The container name (`spawn ... container NAME`) when the task is one's init. */
  readonly container: string | null;
}

export type RunMode =
  | { readonly kind: 'steps'; readonly steps: number }
  | { readonly kind: 'label'; readonly label: string }
  | { readonly kind: 'syscall'; readonly syscall: string }
  | { readonly kind: 'end' };

export interface SpawnOptions {
  /** A program name (`counter`) or an executable path (`/bin/passwd`). */
  readonly program: string;
  readonly user: string;
  /** Make the task a child of this container's init. */
  readonly inContainer?: string;
  /** Make the task the init of a new pid namespace (a container). */
  readonly newContainer?: boolean;
}

/** A `label` LSM rule, in the language's words (`deny checkpoint domain passwd_t`). */
export type LsmRule =
  | { readonly deny: 'checkpoint'; readonly domain: string }
  | { readonly deny: 'checkpoint'; readonly label: string }
  | { readonly deny: 'restore'; readonly label: string; readonly domain?: string }
  | { readonly deny: 'ptrace'; readonly domain: string }
  | { readonly transition: string; readonly to: string; readonly from?: string };

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const pathPattern = /^\/[A-Za-z0-9._\-/]*$/;

/** Flags as the language writes them: names where every bit has one, else a hex number. */
export function flagsText(call: 'checkpoint' | 'restart', flags: number): string {
  const names: Record<string, number> = call === 'checkpoint' ? CheckpointFlag : RestartFlag;
  const parts: string[] = [];
  let rest = flags;
  for (const [name, bit] of Object.entries(names)) {
    if ((flags & bit) !== 0) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (flags < 0 || !Number.isSafeInteger(flags) || rest !== 0 || flags >= 2 ** 31)
    return `0x${flags.toString(16)}`;
  return parts.join('|');
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A checkpoint image by name, or by HEAD's magic after the first record header. */
function isImage(path: string, bytes: Uint8Array): boolean {
  const headerSize = 8;
  return (
    path.endsWith('.crimg') ||
    CHECKPOINT_MAGIC_HEAD.every((byte, index) => bytes[headerSize + index] === byte)
  );
}

/** The lines of `text` without a trailing empty line. */
function linesOf(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  return lines;
}

interface ActionRecord {
  statement: string;
  expects: string[];
}

/**
 * The session. Hosts create it with {@link LabSession.create}, {@link LabSession.load} or
 * {@link LabSession.restore}, call its actions, and listen with {@link onDidChange}.
 */
export class LabSession {
  private readonly preludeLines: string[];
  private worldLines: string[] = [];
  private actionRecords: ActionRecord[] = [];
  private interpreter!: ScenarioSession;
  private checked!: CheckedScenario;
  private calls: LabCall[] = [];
  /** Transcript entries already turned into history. */
  private absorbed = 0;
  /** The latest bytes kept per image path, shared by calls that saw the same bytes. */
  private snapshots = new Map<string, Uint8Array>();
  private readonly listeners = new Set<() => void>();

  private constructor(
    prelude: string,
    readonly origin: string | null,
  ) {
    this.preludeLines = linesOf(prelude);
  }

  /** A session on the default world, with nothing done yet. */
  static create(): LabSession {
    const session = new LabSession(DEFAULT_PRELUDE, null);
    session.bootFromLog();
    return session;
  }

  /**
   * A session that starts where `source` leaves the kernel: the scenario runs whole (its failed
   * expectations are kept, they are part of its story). Throws a {@link LabError} when it has
   * diagnostics or stops with a runtime error.
   */
  static load(source: string, origin: string | null = null): LabSession {
    return runToEnd(LabSession.loadInSlices(source, origin));
  }

  /**
   * {@link LabSession.load} a slice at a time: one statement per `next()`, a checkpoint or
   * restart of the scenario a slice of its kernel call at a time. Cancelling it leaves nothing.
   */
  static *loadInSlices(source: string, origin: string | null = null): LabSlices<LabSession> {
    const session = new LabSession(source, origin);
    yield* session.bootInSlices();
    return session;
  }

  /**
   * Replays a saved session step by step: each `next()` runs one statement or one slice of a
   * checkpoint or restart call (yielding that call's progress too), and the generator returns
   * the session. Hosts run it in slices to keep their thread responsive, or whole with
   * {@link LabSession.restore}.
   */
  static *replay(saved: SavedLabSession): LabSlices<LabSession, ReplayProgress> {
    const session = yield* LabSession.rebuild(saved);
    const diverged = saved.actions.findIndex(
      (action, index) =>
        action.expects.join('\n') !== session.actionRecords[index]?.expects.join('\n'),
    );
    if (diverged >= 0) {
      // The kernel is deterministic: a difference means the log and the emulator disagree.
      throw new LabError(
        `replaying the session gave a different outcome for \`${saved.actions[diverged]?.statement ?? ''}\``,
      );
    }
    return session;
  }

  /**
   * A new session from a saved one's prelude and world, its actions performed anew (their
   * expect lines written from what they do now): a replay, or a change of the world.
   */
  private static *rebuild(saved: SavedLabSession): LabSlices<LabSession, ReplayProgress> {
    const session = new LabSession(saved.prelude, saved.origin);
    session.worldLines.push(...saved.world);
    const total = saved.actions.length;
    for (const call of session.bootInSlices()) yield { done: 0, total, call };
    yield { done: 0, total };
    for (const [index, action] of saved.actions.entries()) {
      for (const call of session.performInSlices(action.statement))
        yield { done: index, total, call };
      yield { done: index + 1, total };
    }
    return session;
  }

  /** {@link LabSession.replay} in one go. */
  static restore(saved: SavedLabSession): LabSession {
    return runToEnd(LabSession.replay(saved));
  }

  // ---- what the session holds ------------------------------------------------------------

  /** The emulated kernel. Read it; change it only through the session's actions. */
  get kernel(): KernelApi {
    return this.interpreter.kernel;
  }

  get world(): WorldSpec {
    return this.interpreter.world;
  }

  /** The log: a `.crlab` scenario that replays to this session. */
  get text(): string {
    return `${this.composeLines().join('\n')}\n`;
  }

  /** Every checkpoint and restart call so far, the loaded scenario's included. */
  get history(): readonly LabCall[] {
    return this.calls;
  }

  /** Number of actions taken in the lab (not counting a loaded scenario's own statements). */
  get actionCount(): number {
    return this.actionRecords.length;
  }

  /** The transcript: every action, output line and expectation, as the CLI's `run` has it. */
  get transcript(): readonly TranscriptEntry[] {
    return this.interpreter.entries;
  }

  /** Expectations of the log that did not hold (a loaded scenario's may fail). */
  get failedExpectations(): number {
    return this.interpreter.failures;
  }

  /** What a host persists to replay this session later. */
  save(): SavedLabSession {
    return {
      format: 1,
      prelude: this.preludeLines.join('\n'),
      origin: this.origin,
      world: [...this.worldLines],
      actions: this.actionRecords.map((action) => ({
        statement: action.statement,
        expects: [...action.expects],
      })),
    };
  }

  /** Calls `listener` after every change of the session; returns what unsubscribes it. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The line of the origin scenario a log line comes from, or null for a line the lab wrote.
   * Lines the lab inserted into the world section shift the scenario's later lines.
   */
  originLine(line: number): number | null {
    if (this.origin === null) return null;
    const insertAt = this.worldInsertLine();
    const inserted = this.worldLines.length;
    if (line < insertAt) return line;
    if (line < insertAt + inserted) return null;
    const fromPrelude = line - inserted;
    return fromPrelude <= this.preludeLines.length ? fromPrelude : null;
  }

  users(): LabUser[] {
    const world = this.world;
    const groupName = (gid: number): string =>
      world.groups.find((group) => group.gid === gid)?.name ?? String(gid);
    return world.users.map((user: UserSpec) => ({
      name: user.name,
      uid: user.uid,
      gid: user.gid,
      groups: [
        groupName(user.gid),
        ...world.groups
          .filter((group) => (group.members ?? []).includes(user.name) && group.gid !== user.gid)
          .map((group) => group.name),
      ],
    }));
  }

  userName(uid: number): string {
    return this.world.users.find((user) => user.uid === uid)?.name ?? String(uid);
  }

  /** The executable files of the world (what `spawn` can start). */
  programs(): LabProgram[] {
    return this.world.files
      .filter((file) => file.kind === 'file' && file.runs !== undefined)
      .map((file) => ({
        path: file.path,
        program: file.runs ?? '',
        mode: this.kernel.stat(file.path)?.mode ?? file.mode,
        owner: this.kernel.stat(file.path)?.uid ?? file.uid,
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Labels and system calls a task's program can stop at (for `run ... until`). */
  stopsOf(pid: number): { labels: string[] } {
    const task = this.kernel.task(pid);
    const program = task === null ? null : this.kernel.program(task.program);
    return { labels: program === null ? [] : Object.keys(program.labels).sort() };
  }

  /** Every task, with the name the log can use for it, its user and its pid namespace. */
  tasks(): LabTask[] {
    const tasks = this.kernel.tasks();
    const byPid = new Map(tasks.map((task) => [task.pid, task]));
    const containers = this.containerNames();
    const names = this.nameCandidates();
    return tasks.map((task) => {
      // The task's own namespace: its nearest ancestor-or-self that is an init at its level.
      let init = 1;
      for (let at: TaskInfo | undefined = task; at !== undefined; at = byPid.get(at.ppid)) {
        if (at.nsInit && at.nsLevel === task.nsLevel) {
          init = at.pid;
          break;
        }
        if (at.ppid === 0) break;
      }
      return {
        ...task,
        name: task.state === 'zombie' ? null : this.nameOf(task, names),
        user: this.userName(task.cred.uid),
        namespaceInit: init,
        container: containers.get(task.pid) ?? null,
      };
    });
  }

  /** The checkpoint images among the kernel's files (every path the log or world names). */
  images(): LabImage[] {
    const out: LabImage[] = [];
    for (const path of this.knownPaths()) {
      // Reading a file (a copy) and an image whole are the expensive parts, hundreds of ms for a
      // 256 MiB image: keep the verdict while the kernel says the contents are unchanged.
      const version = this.kernel.contentsVersion(path);
      if (version === null) continue;
      const known = this.imageVerdicts.get(path);
      if (known?.contents === version.contents && known.changes === version.changes) {
        if (known.image !== null) out.push(known.image);
        continue;
      }
      // Read in place (the verdict keeps nothing of the bytes): no copy of a big image.
      const bytes = this.kernel.viewFile(path);
      if (bytes === null) continue;
      const image = isImage(path, bytes) ? this.describeImage(path, bytes) : null;
      this.imageVerdicts.set(path, { ...version, image });
      if (image !== null) out.push(image);
    }
    return out;
  }

  /** What images() found in each file, and the contents version it found it in. */
  private readonly imageVerdicts = new Map<
    string,
    { contents: object; changes: number; image: LabImage | null }
  >();

  /**
   * Reads, a slice at a time (a PGARR, or 4 MiB of the signature's MAC), every image that
   * images() would have to read whole — one written or changed since it was last listed — so that
   * the next images() costs nothing: a host runs it after an action, before its views list the
   * images (a 257 MiB image takes a few hundred ms to judge). Changes nothing else.
   */
  *describeImagesInSlices(): LabSlices<void> {
    for (const path of this.knownPaths()) {
      const version = this.kernel.contentsVersion(path);
      if (version === null) continue;
      const known = this.imageVerdicts.get(path);
      if (known?.contents === version.contents && known.changes === version.changes) continue;
      const bytes = this.kernel.viewFile(path);
      if (bytes === null) continue;
      if (!isImage(path, bytes)) {
        this.imageVerdicts.set(path, { ...version, image: null });
        continue;
      }
      const reading = readImageSlices(bytes, { keys: { machine: this.world.machineKey } });
      let step = reading.next();
      while (step.done !== true) {
        yield { done: step.value, total: bytes.length };
        step = reading.next();
      }
      const now = this.kernel.contentsVersion(path);
      // Only a verdict on the contents the file still holds is kept.
      if (now?.contents === version.contents && now.changes === version.changes)
        this.imageVerdicts.set(path, { ...version, image: this.verdict(path, bytes, step.value) });
    }
  }

  describeImage(path: string, bytes: Uint8Array): LabImage {
    return this.verdict(
      path,
      bytes,
      readImage(bytes, { keys: { machine: this.world.machineKey } }),
    );
  }

  private verdict(path: string, bytes: Uint8Array, read: ReadResult): LabImage {
    if (!read.ok) {
      return {
        path,
        size: bytes.length,
        tasks: null,
        signature: null,
        problem: `${read.error.errno} at 0x${read.error.offset.toString(16)} (${read.error.field}): ${read.error.message}`,
      };
    }
    const image: CheckpointImage = read.image;
    const signature =
      read.signature === 'none' ? 'none' : read.signature === 'verified' ? 'valid' : 'invalid';
    return { path, size: bytes.length, tasks: image.tasks.length, signature, problem: null };
  }

  // ---- actions ---------------------------------------------------------------------------

  spawn(options: SpawnOptions): LabActionResult {
    const program = options.program;
    if (!identifier.test(program) && !pathPattern.test(program))
      throw new LabError(`not a program name or path: ${program}`);
    this.requireUser(options.user);
    const base = (program.split('/').at(-1) ?? program).replace(/[^A-Za-z0-9_]/g, '_');
    const target = this.freshName(`${options.user}_${base}`);
    let statement = `spawn ${program} as ${options.user}`;
    if (options.inContainer !== undefined) {
      if (![...this.containerNames().values()].includes(options.inContainer))
        throw new LabError(`no container \`${options.inContainer}\``);
      statement += ` in ${options.inContainer}`;
    }
    if (options.newContainer === true) statement += ` container ${this.freshName('ns')}`;
    return this.perform(`${statement} -> ${target}`);
  }

  run(pid: number, mode: RunMode): LabActionResult {
    const name = this.requireName(pid);
    let how: string;
    switch (mode.kind) {
      case 'steps':
        if (!Number.isSafeInteger(mode.steps) || mode.steps < 1)
          throw new LabError('a number of steps is a positive integer');
        how = `${mode.steps} step${mode.steps === 1 ? '' : 's'}`;
        break;
      case 'label':
        if (!identifier.test(mode.label)) throw new LabError(`not a label: ${mode.label}`);
        how = `until label ${mode.label}`;
        break;
      case 'syscall':
        if (!identifier.test(mode.syscall))
          throw new LabError(`not a system call: ${mode.syscall}`);
        how = `until syscall ${mode.syscall}`;
        break;
      case 'end':
        how = 'to end';
        break;
    }
    return this.perform(`run ${name} ${how}`);
  }

  freeze(pid: number): LabActionResult {
    return this.perform(`freeze ${this.requireName(pid)}`);
  }

  thaw(pid: number): LabActionResult {
    return this.perform(`thaw ${this.requireName(pid)}`);
  }

  checkpoint(pid: number, user: string, path: string, flags = 0): LabActionResult {
    return runToEnd(this.checkpointInSlices(pid, user, path, flags));
  }

  /**
   * {@link checkpoint} a slice at a time (the image's bytes written so far); cancelled, it
   * leaves the session as it was: no statement in the log, no call, the kernel unchanged.
   */
  *checkpointInSlices(
    pid: number,
    user: string,
    path: string,
    flags = 0,
  ): LabSlices<LabActionResult> {
    const name = this.requireName(pid);
    this.requireUser(user);
    this.requirePath(path);
    const flagPart = flags === 0 ? '' : ` flags ${flagsText('checkpoint', flags)}`;
    return yield* this.performInSlices(`checkpoint ${name} as ${user}${flagPart} to ${path}`);
  }

  restart(path: string, user: string, flags = 0): LabActionResult {
    return runToEnd(this.restartInSlices(path, user, flags));
  }

  /** {@link restart} a slice at a time (page bytes restored so far); cancelled, as before. */
  *restartInSlices(path: string, user: string, flags = 0): LabSlices<LabActionResult> {
    this.requireUser(user);
    this.requirePath(path);
    const base = (path.split('/').at(-1) ?? 'image').replace(/\.crimg$/, '');
    const target = this.freshName(`${base.replace(/[^A-Za-z0-9_]/g, '_')}_restored`);
    const flagPart = flags === 0 ? '' : ` flags ${flagsText('restart', flags)}`;
    return yield* this.performInSlices(`restart ${path} as ${user}${flagPart} -> ${target}`);
  }

  /** Sets a sysctl of the running kernel (before any action it is world setup). */
  setSysctl(name: string, value: string | number): LabActionResult | null {
    if (!isSysctlName(name)) throw new LabError(`unknown sysctl ${name}`);
    const allowed = sysctlValues(name) as readonly (string | number)[];
    if (!allowed.includes(value))
      throw new LabError(`${name} takes ${allowed.join(', ')}, not ${String(value)}`);
    if (this.kernel.sysctl(name) === value) return null;
    return this.perform(`sysctl ${name} = ${String(value)}`);
  }

  /**
   * Puts `bytes` into the kernel as an image file and returns its path: an image the kernel
   * already holds with the same bytes is used as it is; otherwise the file is added to the
   * world (`file PATH contains hex ...`) and the session is replayed from boot.
   */
  importImage(name: string, bytes: Uint8Array): { path: string; added: boolean } {
    return runToEnd(this.importImageInSlices(name, bytes));
  }

  /**
   * Why an image of `size` bytes named `name` cannot be brought in, known before its bytes are
   * read (reading a 257 MiB image whole only to refuse it held a host's event loop for up to a
   * second), or null when it may be: small enough, or as large as an image the kernel holds
   * (which importImage finds by its bytes).
   */
  importRefusal(name: string, size: number): string | null {
    if (size <= IMPORT_LIMIT) return null;
    if (this.images().some((image) => image.size === size)) return null;
    return importLimitMessage(name, size);
  }

  /**
   * {@link importImage} a slice at a time (the replay's progress); cancelled, the session is
   * unchanged (the replay builds a new kernel and takes its place only at the end).
   */
  *importImageInSlices(
    name: string,
    bytes: Uint8Array,
  ): LabSlices<{ path: string; added: boolean }, ReplayProgress> {
    const held = this.images().find((image) => {
      if (image.size !== bytes.length) return false;
      const current = this.kernel.viewFile(image.path);
      return current !== null && equalBytes(current, bytes);
    });
    if (held !== undefined) return { path: held.path, added: false };
    if (bytes.length > IMPORT_LIMIT) throw new LabError(importLimitMessage(name, bytes.length));
    const stem =
      (name.split('/').at(-1) ?? 'image').replace(/\.crimg$/, '').replace(/[^A-Za-z0-9_-]/g, '_') ||
      'image';
    const used = new Set(this.knownPaths());
    let path = `/tmp/${stem}.crimg`;
    for (let n = 2; used.has(path) || this.kernel.stat(path) !== null; n++)
      path = `/tmp/${stem}-${n}.crimg`;
    yield* this.changeWorldInSlices([
      ...this.worldLines,
      `file ${path} mode 0644 contains hex ${quote(hex(bytes))}`,
    ]);
    return { path, added: true };
  }

  /**
   * The LSM policy: `none`, `dummy`, or `label` with rules. It is world setup (a kernel boots
   * with its policy), so the session is replayed from boot under it; the expectations of the
   * lab's actions are written anew from what they do now. A loaded scenario's own LSM
   * statements stay; these come after them.
   */
  setLsm(policy: 'none' | 'dummy' | 'label', rules: readonly LsmRule[] = []): void {
    runToEnd(this.setLsmInSlices(policy, rules));
  }

  /** {@link setLsm} a slice at a time; cancelled, the session is unchanged. */
  *setLsmInSlices(
    policy: 'none' | 'dummy' | 'label',
    rules: readonly LsmRule[] = [],
  ): LabSlices<void, ReplayProgress> {
    const lines = this.worldLines.filter((line) => !line.startsWith('lsm '));
    lines.push(`lsm ${policy}`);
    if (policy === 'label') {
      for (const rule of rules) {
        const text = lsmRuleText(rule);
        // A rule is written into the log: only names the language reads as names.
        if (parseLsmRule(text.slice('lsm '.length)) === null)
          throw new LabError(`not an LSM rule: ${JSON.stringify(rule)}`);
        lines.push(text);
      }
    }
    yield* this.changeWorldInSlices(lines);
  }

  /**
   * "Who may restart this image?": every user of the world under every restore-creds mode,
   * judged by the kernel without restarting anything. The session is unchanged.
   */
  whoMayRestart(path: string, flags = 0): RestartMatrix {
    this.requirePath(path);
    if (this.kernel.stat(path)?.kind !== 'file')
      throw new LabError(`no file ${path} in the kernel`);
    return whoMayRestart(
      this.kernel,
      this.world.users.map((user) => ({ name: user.name, uid: user.uid })),
      path,
      flags,
    );
  }

  /** The LSM statements the lab added to the world (none: the world's own policy). */
  get lsmLines(): readonly string[] {
    return this.worldLines.filter((line) => line.startsWith('lsm '));
  }

  // ---- the machinery ---------------------------------------------------------------------

  /** The line before which world statements are inserted: the prelude's first action. */
  private worldInsertLine(): number {
    if (this.preludeFirstAction === null) {
      const first = checkScenario(this.preludeLines.join('\n')).scenario.script[0];
      this.preludeFirstAction = first?.line ?? this.preludeLines.length + 1;
    }
    return this.preludeFirstAction;
  }

  private preludeFirstAction: number | null = null;

  private composeLines(): string[] {
    const at = this.worldInsertLine() - 1;
    const lines = [
      ...this.preludeLines.slice(0, at),
      ...this.worldLines,
      ...this.preludeLines.slice(at),
    ];
    if (this.actionRecords.length > 0) {
      lines.push('', ACTIONS_HEADER);
      for (const record of this.actionRecords) lines.push(record.statement, ...record.expects);
    }
    return lines;
  }

  private check(lines: readonly string[]): CheckedScenario {
    const checked = checkScenario(lines.join('\n'));
    const first = checked.diagnostics[0];
    if (first !== undefined) {
      throw new LabError(formatDiagnostic(first, 'session'), checked.diagnostics);
    }
    return checked;
  }

  /**
   * Boots a kernel from the log as it stands (prelude, world lines, the recorded actions with
   * their expect lines) and runs all of it: a load, or a replay that keeps the expectations.
   */
  private bootFromLog(): void {
    runToEnd(this.bootInSlices());
  }

  /** {@link bootFromLog} a statement, or a slice of a checkpoint or restart call, at a time. */
  private *bootInSlices(): LabSlices<void> {
    const lines = this.composeLines();
    const checked = this.check(lines);
    if (checked.world === null) throw new LabError('the scenario has no world');
    this.checked = checked;
    this.interpreter = new ScenarioSession(checked.scenario, lines, checked.world, checked.seed);
    this.calls = [];
    this.absorbed = 0;
    this.snapshots.clear();
    while (!this.interpreter.finished) {
      yield* this.stepCheckedInSlices();
      this.absorb();
    }
  }

  /** Runs the next statement; a runtime error is the session's mistake or the scenario's. */
  private stepChecked(): void {
    runToEnd(this.stepCheckedInSlices());
  }

  /** {@link stepChecked} a slice at a time (see ScenarioSession.stepInSlices). */
  private *stepCheckedInSlices(): LabSlices<void> {
    const before = this.interpreter.entries.length;
    yield* this.interpreter.stepInSlices();
    const error = this.interpreter.entries.slice(before).find((entry) => entry.kind === 'error');
    if (error?.kind === 'error') {
      throw new LabError(`line ${error.line}: \`${error.text}\`: ${error.message}`);
    }
  }

  /** Continues the interpreter with the log as it now stands (more script statements). */
  private adopt(checked: CheckedScenario): void {
    this.checked = checked;
    this.interpreter.extend(checked.scenario, this.composeLines());
  }

  /**
   * Appends one statement to the log, runs it, writes the expect lines its outcome calls for
   * and runs them too (the emulated clock counts them, so a replay must meet them as well). A
   * statement that fails to check or to run is taken back and the session stays as it was.
   */
  private perform(statement: string): LabActionResult {
    return runToEnd(this.performInSlices(statement));
  }

  /**
   * {@link perform} a slice at a time: a checkpoint or restart statement makes its kernel call
   * in slices. Cancelled between two slices (`return()`), the call changes nothing and the
   * statement is taken back: the log, the history and the kernel are as they were.
   */
  private *performInSlices(statement: string): LabSlices<LabActionResult> {
    const record: ActionRecord = { statement, expects: [] };
    const checkedBefore = this.checked;
    const scriptBefore = this.checked.scenario.script.length;
    const callsBefore = this.calls.length;
    this.actionRecords.push(record);
    let grown: CheckedScenario;
    try {
      grown = this.check(this.composeLines());
    } catch (error) {
      this.actionRecords.pop();
      throw error;
    }
    if (grown.scenario.script.length !== scriptBefore + 1) {
      // Not a script statement: a sysctl before the first action shapes the world. Boot anew.
      this.takeBackOnError(() => this.bootFromLog());
      this.emit();
      return {
        ok: true,
        errno: null,
        summary: 'world setup (before the first action)',
        statement,
        line: this.composeLines().lastIndexOf(statement) + 1,
        calls: [],
        pid: null,
      };
    }
    this.adopt(grown);
    if (grown.scenario.script.at(-1)?.kind === 'run') {
      // A `run` part-done cannot be taken back: the lab's own runs go whole (loads and replays,
      // which drop their session when cancelled, run theirs in slices through bootInSlices).
      this.takeBackOnError(() => this.stepChecked());
      return this.finishPerform(record, statement, callsBefore);
    }
    let ended = false;
    try {
      yield* this.stepCheckedInSlices();
      ended = true;
    } catch (error) {
      ended = true;
      this.actionRecords.pop();
      this.bootFromLog();
      throw error;
    } finally {
      if (!ended) {
        // Cancelled: the interpreter stands before the statement again; forget the statement.
        this.actionRecords.pop();
        this.adopt(checkedBefore);
      }
    }
    return this.finishPerform(record, statement, callsBefore);
  }

  /** After an action's statement ran: its history, its expect lines (run too), the change. */
  private finishPerform(
    record: ActionRecord,
    statement: string,
    callsBefore: number,
  ): LabActionResult {
    this.absorb();
    const entry = this.lastAction();
    record.expects = expectLines(entry);
    if (record.expects.length > 0) {
      this.adopt(this.check(this.composeLines()));
      const failures = this.interpreter.failures;
      for (let n = 0; n < record.expects.length; n++) this.stepChecked();
      this.absorb();
      if (this.interpreter.failures !== failures) {
        throw new Error(`the lab's expectation of \`${statement}\` did not hold`);
      }
    }
    this.emit();
    return this.resultOf(entry, statement, this.calls.slice(callsBefore));
  }

  /** Runs `work`; if it throws, drops the last action record and boots from the log again. */
  private takeBackOnError(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.actionRecords.pop();
      this.bootFromLog();
      throw error;
    }
  }

  /**
   * Changes the world section and replays the session from boot: the lab's actions run again and
   * their expect lines are written anew from what they do in the new world. The replay builds a
   * new session and this one takes its state only when it has finished: cancelled or failed, the
   * session is as it was.
   */
  private *changeWorldInSlices(worldLines: string[]): LabSlices<void, ReplayProgress> {
    const rebuilt = yield* LabSession.rebuild({ ...this.save(), world: worldLines });
    this.worldLines = rebuilt.worldLines;
    this.actionRecords = rebuilt.actionRecords;
    this.interpreter = rebuilt.interpreter;
    this.checked = rebuilt.checked;
    this.calls = rebuilt.calls;
    this.absorbed = rebuilt.absorbed;
    this.snapshots = rebuilt.snapshots;
    this.emit();
  }

  private lastAction(): TranscriptEntry & { kind: 'action' } {
    const entries = this.interpreter.entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (entry?.kind === 'action') return entry;
    }
    throw new Error('no action in the transcript');
  }

  private resultOf(
    entry: TranscriptEntry & { kind: 'action' },
    statement: string,
    calls: LabCall[],
  ): LabActionResult {
    const parsed = this.statementAt(entry.line);
    let pid: number | null = null;
    if (parsed?.kind === 'spawn' && entry.ok)
      pid = this.interpreter.findTask(parsed.target.text)?.pid ?? null;
    if (parsed?.kind === 'restart' && entry.ok) pid = calls.at(-1)?.restored[0] ?? null;
    return {
      ok: entry.ok,
      errno: entry.errno,
      summary: entry.summary,
      statement,
      line: entry.line,
      calls,
      pid,
    };
  }

  private statementAt(line: number): ScriptStatement | undefined {
    return this.checked.scenario.script.find((statement) => statement.line === line);
  }

  /** Turns the interpreter's new calls into history entries. */
  private absorb(): void {
    const entries = this.interpreter.entries;
    for (; this.absorbed < entries.length; this.absorbed++) {
      const entry = entries[this.absorbed];
      if (entry?.kind !== 'action') continue;
      for (const call of entry.calls) this.calls.push(this.labCall(entry, call));
    }
  }

  private labCall(entry: TranscriptEntry & { kind: 'action' }, call: CallEntry): LabCall {
    const statement = this.statementAt(entry.line);
    const checkLine = call.checks[0]?.line ?? entry.line;
    let by: LabCall['by'] = 'program';
    const callerTask = this.kernel.task(call.caller);
    let user = callerTask === null ? '?' : this.userName(callerTask.cred.uid);
    let target: string | null = null;
    let image: string | null = null;
    if (
      statement?.kind === 'checkpoint' &&
      call.call === 'checkpoint' &&
      checkLine === entry.line
    ) {
      by = 'script';
      user = statement.user.text;
      target = statement.task.text;
      image = statement.path.path;
    } else if (
      statement?.kind === 'restart' &&
      call.call === 'restart' &&
      checkLine === entry.line
    ) {
      by = 'script';
      user = statement.user.text;
      image = statement.path.path;
    } else {
      const instruction = this.checked.scenario.programs
        .flatMap((program) => program.instructions)
        .find((ins) => ins.line === checkLine && ins.op === call.call);
      if (instruction?.op === 'checkpoint') {
        image = instruction.path.path;
        target = instruction.pid === 'self' ? 'self' : null;
      } else if (instruction?.op === 'restart') {
        image = instruction.path.path;
      }
    }
    return {
      id: this.calls.length + 1,
      call: call.call,
      statement: entry.text,
      line: entry.line,
      by,
      user,
      callerPid: call.caller,
      target,
      image,
      // The kernel's own record of the call: what its checks judged.
      flags: call.flags,
      restoreCreds: this.kernel.sysctl('kernel.ckpt_restore_creds'),
      ret: call.ret,
      errno: call.errno,
      checks: call.checks,
      restored: call.restored ?? [],
      imageBytes: image === null ? null : this.snapshot(image),
    };
  }

  private snapshot(path: string): Uint8Array | null {
    // Not read at all when too big to keep: reading is a copy (hundreds of ms for 256 MiB).
    const size = this.kernel.stat(path)?.size;
    if (size === undefined || size > SNAPSHOT_LIMIT) return null;
    const bytes = this.kernel.readFile(path);
    if (bytes === null || bytes.length > SNAPSHOT_LIMIT) return null;
    const kept = this.snapshots.get(path);
    if (kept !== undefined && equalBytes(kept, bytes)) return kept;
    this.snapshots.set(path, bytes);
    return bytes;
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }

  // ---- names -----------------------------------------------------------------------------

  /** Names the log binds (`-> NAME`, containers), newest first, and their statements' kinds. */
  private nameCandidates(): string[] {
    const names: string[] = [];
    for (const statement of this.checked.scenario.script) {
      if (statement.kind === 'spawn') {
        names.push(statement.target.text);
        if (statement.newContainer !== undefined) names.push(statement.newContainer.text);
      } else if (statement.kind === 'restart' && statement.target !== undefined) {
        names.push(statement.target.text);
      }
    }
    return [...new Set(names.reverse())];
  }

  /** Container name by the root pid of its init. */
  private containerNames(): Map<number, string> {
    const out = new Map<number, string>();
    for (const statement of this.checked.scenario.script) {
      if (statement.kind === 'spawn' && statement.newContainer !== undefined) {
        const pid = this.interpreter.findTask(statement.newContainer.text)?.pid;
        if (pid !== undefined) out.set(pid, statement.newContainer.text);
      }
    }
    return out;
  }

  /** A name that refers to `task` now: a binding of the log, else its comm; null if neither does. */
  private nameOf(task: TaskInfo, candidates: readonly string[]): string | null {
    for (const name of candidates) {
      if (this.interpreter.findTask(name)?.pid === task.pid) return name;
    }
    const symbols = this.taskSymbols();
    if (
      identifier.test(task.comm) &&
      symbols.has(task.comm) &&
      this.interpreter.findTask(task.comm)?.pid === task.pid
    )
      return task.comm;
    return null;
  }

  /** Names the resolver takes as tasks without a binding: program names and file basenames. */
  private taskSymbols(): Set<string> {
    const symbols = new Set<string>();
    for (const program of this.world.programs) symbols.add(program.name);
    for (const path of this.knownPaths()) symbols.add(path.split('/').at(-1) ?? path);
    return symbols;
  }

  private requireName(pid: number): string {
    const task = this.kernel.task(pid);
    if (task === null) throw new LabError(`no task with pid ${pid}`);
    if (task.state === 'zombie') throw new LabError(`task ${pid} (${task.comm}) has exited`);
    const name = this.nameOf(task, this.nameCandidates());
    if (name === null) {
      throw new LabError(
        `task ${pid} (${task.comm}) has no name a scenario can use (tasks are named by spawn and restart, or by a comm no newer task shares)`,
      );
    }
    return name;
  }

  private requireUser(user: string): void {
    if (!this.world.users.some((entry) => entry.name === user))
      throw new LabError(`no user \`${user}\` in this world`);
  }

  private requirePath(path: string): void {
    if (!pathPattern.test(path) || path.endsWith('/'))
      throw new LabError(`not a file path the scenario language can write: ${path}`);
  }

  /** A new binding name, unused by the log and unlike any program or file name. */
  private freshName(base: string): string {
    const clean = identifier.test(base) ? base : `t_${base.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const taken = new Set([...this.nameCandidates(), ...this.taskSymbols()]);
    if (!taken.has(clean)) return clean;
    for (let n = 2; ; n++) if (!taken.has(`${clean}_${n}`)) return `${clean}_${n}`;
  }

  /** Every path the world or the log names: where the kernel's files can be. */
  private knownPaths(): string[] {
    const paths = new Set<string>();
    for (const file of this.world.files) if (file.kind === 'file') paths.add(file.path);
    const scenario = this.checked.scenario;
    for (const statement of scenario.world)
      if (statement.kind === 'file') paths.add(statement.path.path);
    for (const program of scenario.programs) {
      for (const ins of program.instructions) {
        if (ins.op === 'checkpoint' || ins.op === 'open' || ins.op === 'restart')
          paths.add(ins.path.path);
      }
    }
    for (const statement of scenario.script) {
      if (statement.kind === 'checkpoint' || statement.kind === 'restart')
        paths.add(statement.path.path);
    }
    return [...paths].sort();
  }
}

/**
 * A rule as written after `lsm ` in a scenario (`deny checkpoint domain passwd_t`,
 * `transition exec passwd_exec_t to passwd_t`), or null when it is not one.
 */
export function parseLsmRule(text: string): LsmRule | null {
  const words = text.trim().split(/\s+/);
  const name = (word: string | undefined): word is string =>
    word !== undefined && identifier.test(word);
  const [verb, a, b, c, d, e] = words;
  if (verb === 'deny') {
    if (a === 'checkpoint' && b === 'domain' && name(c) && words.length === 4)
      return { deny: 'checkpoint', domain: c };
    if (a === 'checkpoint' && b === 'label' && name(c) && words.length === 4)
      return { deny: 'checkpoint', label: c };
    if (a === 'ptrace' && b === 'domain' && name(c) && words.length === 4)
      return { deny: 'ptrace', domain: c };
    if (a === 'restore' && b === 'label' && name(c)) {
      if (words.length === 4) return { deny: 'restore', label: c };
      if (d === 'by' && name(e) && words.length === 6)
        return { deny: 'restore', label: c, domain: e };
    }
    return null;
  }
  if (verb === 'transition' && a === 'exec' && name(b) && c === 'to' && name(d)) {
    if (words.length === 5) return { transition: b, to: d };
    if (e === 'from' && name(words[6]) && words.length === 7)
      return { transition: b, to: d, from: words[6] as string };
  }
  return null;
}

function lsmRuleText(rule: LsmRule): string {
  if ('transition' in rule) {
    return `lsm transition exec ${rule.transition} to ${rule.to}${rule.from !== undefined ? ` from ${rule.from}` : ''}`;
  }
  switch (rule.deny) {
    case 'restore':
      return `lsm deny restore label ${rule.label}${rule.domain !== undefined ? ` by ${rule.domain}` : ''}`;
    case 'ptrace':
      return `lsm deny ptrace domain ${rule.domain}`;
    case 'checkpoint':
      return 'domain' in rule
        ? `lsm deny checkpoint domain ${rule.domain}`
        : `lsm deny checkpoint label ${rule.label}`;
  }
}

/** The `expect` lines an action's outcome calls for: its result, errno and deciding check. */
function expectLines(entry: TranscriptEntry & { kind: 'action' }): string[] {
  if (entry.ok) {
    return /^(sysctl)\b/.test(entry.text) ? [] : ['expect last ok'];
  }
  if (entry.errno === null) return [];
  const call = entry.calls.at(-1);
  const deciding = call?.checks.find((check) => check.result === 'fail');
  return [`expect last ${entry.errno}${deciding !== undefined ? ` ${deciding.id}` : ''}`];
}

export type { SysctlName, Sysctls };
