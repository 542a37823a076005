/**
 * The machine: the state of one emulated kernel (VFS, users, pid namespaces, tasks, programs,
 * LSM, sysctls, memory accounting, console) and the process and file operations the system
 * calls are built from (spawn, fork, exec, exit, open, freeze). Checkpoint and restart live in
 * their own files and work on this state.
 */
import { OFlag, PAGE_SIZE, Prot, VmFlag } from '../image/model';
import { Cap } from './caps';
import type { Cred } from './creds';
import { MAX_ID, capable, copyCred, execCred, loginCred, validId } from './creds';
import type { Result } from './errno';
import { fail, ok } from './errno';
import { FileData } from './filedata';
import { FdTable, OpenFile } from './files';
import type { Lsm } from './lsm';
import { createLsm } from './lsm';
import {
  AddressSpace,
  CODE_BASE,
  DATA_BASE,
  MemoryAccounting,
  STACK_PAGES,
  STACK_TOP,
  vmFlagsFor,
} from './mm';
import { PidNamespace } from './pidns';
import { ptraceMayAccess } from './ptrace';
import type { Program } from './program';
import { O_CLOEXEC, assemble, imm } from './program';
import { SysctlTable } from './sysctl';
import type { Task } from './task';
import { NREGS, activeNs, globalPid, subtree } from './task';
import type { CallOutcome, ConsoleLine } from './types';
import { MAY_EXEC, MAY_READ, MAY_WRITE, Vfs } from './vfs';
import type { Inode } from './vfs';
import type { GroupSpec, Limits, UserSpec, WorldSpec } from './world';
import { DEFAULT_LIMITS, MAX_FILE_SIZE, initProgram } from './world';

/** The comm limit (TASK_COMM_LEN - 1 bytes). */
export const COMM_MAX_BYTES = 15;

/** Cut a name to at most 15 UTF-8 bytes at a whole character, as restart does with comm. */
export function cutComm(name: string): string {
  const encoder = new TextEncoder();
  // Most names fit whole: one encoding tells (every task created and restored comes here).
  if (name.length <= COMM_MAX_BYTES && encoder.encode(name).length <= COMM_MAX_BYTES) return name;
  let out = '';
  for (const char of name) {
    if (encoder.encode(out + char).length > COMM_MAX_BYTES) break;
    out += char;
  }
  return out;
}

/** The basename of a path, used as a task's comm after exec. */
export function basename(path: string): string {
  return (
    path
      .split('/')
      .filter((part) => part !== '')
      .at(-1) ?? path
  );
}

export interface MachineOptions {
  world: WorldSpec;
  clock: () => number;
  seed: number;
  machineKey: Uint8Array;
}

export class Machine {
  readonly vfs: Vfs;
  readonly users: UserSpec[];
  readonly groups: GroupSpec[];
  readonly lsm: Lsm;
  readonly sysctls: SysctlTable;
  readonly limits: Limits;
  readonly accounting: MemoryAccounting;
  readonly rootNs: PidNamespace;
  readonly programs = new Map<string, Program>();
  readonly consoleLines: ConsoleLine[] = [];
  readonly callLog: CallOutcome[] = [];
  readonly clock: () => number;
  readonly seed: number;
  /** The sealed key (key id `machine`): used for SIGN records only, never written anywhere. */
  readonly machineKey: Uint8Array;
  readonly init: Task;
  private nextNsId = 1;
  private nextOpenFileId = 1;
  private nextCrid = 1;

  constructor(options: MachineOptions) {
    const { world } = options;
    validateLabels(world);
    this.clock = options.clock;
    this.seed = options.seed;
    this.machineKey = options.machineKey.slice();
    this.users = world.users.map((user) => ({ ...user }));
    this.groups = world.groups.map((group) => ({ ...group, members: [...(group.members ?? [])] }));
    this.lsm = createLsm(world.lsm);
    this.sysctls = new SysctlTable(world.sysctls);
    this.limits = { ...DEFAULT_LIMITS, ...world.limits };
    const fileSize = this.limits.fileSizeBytes;
    if (!Number.isSafeInteger(fileSize) || fileSize < 0 || fileSize > MAX_FILE_SIZE) {
      // A file is read into one buffer when a host or restart needs it whole.
      throw new RangeError(`world: the file size limit must be 0..${MAX_FILE_SIZE} bytes`);
    }
    this.accounting = new MemoryAccounting(Math.floor(this.limits.memoryBytes / PAGE_SIZE));
    this.vfs = this.buildVfs(world);
    for (const source of world.programs) this.programs.set(source.name, assemble(source));
    this.rootNs = this.newNamespace(null);
    this.init = this.bootInit();
  }

  private buildVfs(world: WorldSpec): Vfs {
    const rootSpec = world.files.find((file) => file.path === '/');
    const vfs = new Vfs(
      rootSpec?.mode ?? 0o755,
      rootSpec?.uid ?? 0,
      rootSpec?.gid ?? 0,
      rootSpec?.label ?? 'file_t',
    );
    for (const spec of world.files) {
      if (spec.path === '/') continue;
      const slash = spec.path.lastIndexOf('/');
      const dir = vfs.lookupRaw(spec.path.slice(0, slash) || '/');
      if (dir === null || dir.kind !== 'dir') {
        throw new Error(`world: the directory of ${spec.path} must be listed before it`);
      }
      const name = spec.path.slice(slash + 1);
      const data =
        typeof spec.contents === 'string'
          ? new TextEncoder().encode(spec.contents)
          : spec.contents?.slice();
      const existing = dir.children.get(name);
      if (existing !== undefined) dir.children.delete(name);
      vfs.addChild(dir, name, {
        kind: spec.kind,
        mode: spec.mode & 0o7777,
        uid: spec.uid,
        gid: spec.gid,
        ...(data !== undefined ? { data } : {}),
        ...(spec.runs !== undefined ? { runs: spec.runs } : {}),
        label: spec.label ?? 'file_t',
      });
    }
    return vfs;
  }

  newNamespace(parent: PidNamespace | null): PidNamespace {
    return new PidNamespace(this.nextNsId++, parent);
  }

  allocateOpenFileId(): number {
    return this.nextOpenFileId++;
  }

  allocateCrid(): number {
    return this.nextCrid++;
  }

  /**
   * Remembers every counter a call in the root namespace may advance (the root namespace's pid
   * cursor, open-file ids, crids, the call log's length) and returns what puts them back: for
   * probes that must leave the kernel exactly as they found it.
   */
  saveCounters(): () => void {
    const { nextOpenFileId, nextCrid } = this;
    const cursor = this.rootNs.cursor;
    const calls = this.callLog.length;
    return () => {
      this.nextOpenFileId = nextOpenFileId;
      this.nextCrid = nextCrid;
      this.rootNs.cursor = cursor;
      this.callLog.length = calls;
    };
  }

  // ---- users -------------------------------------------------------------------------------

  findUser(user: string | number): UserSpec | null {
    if (typeof user === 'number') {
      return (
        this.users.find((entry) => entry.uid === user) ??
        (user === 0 ? { name: 'root', uid: 0, gid: 0 } : null)
      );
    }
    return this.users.find((entry) => entry.name === user) ?? null;
  }

  /** A login's credentials: the user's gid plus the groups that list the user as a member. */
  loginCredFor(user: UserSpec): Cred {
    const groups = [user.gid];
    for (const group of this.groups) {
      if ((group.members ?? []).includes(user.name)) groups.push(group.gid);
    }
    return loginCred(user.uid, user.gid, groups);
  }

  // ---- tasks -------------------------------------------------------------------------------

  /** Every task (zombies included), ordered by root-namespace pid. */
  allTasks(): Task[] {
    return [...this.rootNs.tasks.values()].sort((a, b) => globalPid(a) - globalPid(b));
  }

  findTask(pid: number): Task | null {
    return this.rootNs.tasks.get(pid) ?? null;
  }

  /** find_task_by_vpid: `pid` as seen from the namespace of `viewer`. */
  findTaskInNs(viewer: Task, pid: number): Task | null {
    return activeNs(viewer).tasks.get(pid) ?? null;
  }

  /** Live (non-zombie) tasks whose real uid is `uid`: what RLIMIT_NPROC counts. */
  countTasksOf(uid: number): number {
    return this.allTasks().filter((task) => !task.zombie && task.cred.uid === uid).length;
  }

  /** fork's RLIMIT_NPROC rule (root exempt). */
  nprocAllows(cred: Cred, extra: number): boolean {
    if (cred.uid === 0) return true;
    return this.countTasksOf(cred.uid) + extra <= this.limits.nprocPerUser;
  }

  /**
   * Give `task` pids: in a new namespace below `parentNs` as its init, or in `parentNs`.
   * `wanted` pins the pid in the task's own namespace (restart); the others are allocated.
   */
  attachPids(task: Task, ns: PidNamespace, wanted: number | null): Result<void> {
    const lineage = ns.lineage();
    const links: { ns: PidNamespace; nr: number }[] = [];
    for (const level of lineage) {
      let nr: number | null;
      if (level === ns && wanted !== null) nr = level.reserve(wanted) ? wanted : null;
      else nr = level.allocate();
      if (nr === null) return fail('EAGAIN', `no free pid in namespace ${level.id}`);
      links.push({ ns: level, nr });
    }
    task.pids = links;
    for (const link of links) link.ns.tasks.set(link.nr, task);
    if (ns.init === null && pidOfLast(links) === 1) ns.init = task;
    return ok(undefined);
  }

  detachPids(task: Task): void {
    for (const link of task.pids) {
      if (link.ns.tasks.get(link.nr) === task) link.ns.tasks.delete(link.nr);
    }
  }

  private bootInit(): Task {
    const program = assemble(initProgram());
    this.programs.set('init', program);
    const init = this.blankTask(loginCred(0, 0, [0]), 'init', null);
    init.program = program;
    init.mm = new AddressSpace(this.accounting, '/sbin/init');
    this.layoutAddressSpace(init.mm, null, '/sbin/init', program);
    this.rootNs.reserve(1);
    init.pids = [{ ns: this.rootNs, nr: 1 }];
    this.rootNs.tasks.set(1, init);
    this.rootNs.init = init;
    init.runState = 'sleeping';
    return init;
  }

  /** A task with no pids yet, no parent link, empty mm and fd table. */
  blankTask(cred: Cred, comm: string, parent: Task | null): Task {
    return {
      pids: [],
      parent,
      children: [],
      comm: cutComm(comm),
      runState: 'running',
      frozen: false,
      zombie: false,
      exitCode: null,
      cred,
      dumpable: true,
      superpriv: false,
      label: null,
      program: null,
      pc: 0,
      regs: new Array<number>(NREGS).fill(0),
      mm: new AddressSpace(this.accounting, ''),
      files: new FdTable(),
      sleepTicks: 0,
      childPidNamespacePending: false,
      tracer: null,
      transient: false,
    };
  }

  /** Map the exe (code), the variables' data pages and the stack, as exec does. */
  layoutAddressSpace(
    mm: AddressSpace,
    exe: Inode | null,
    exePath: string,
    program: Program | null,
  ): void {
    const codePages = Math.max(1, Math.ceil((exe?.data.size ?? 0) / PAGE_SIZE));
    const dataPages = Math.max(1, Math.ceil(((program?.vars.length ?? 0) * 8) / PAGE_SIZE));
    const codeEnd = CODE_BASE + codePages * PAGE_SIZE;
    const dataEnd = DATA_BASE + dataPages * PAGE_SIZE;
    const rx = Prot.READ | Prot.EXEC;
    const rw = Prot.READ | Prot.WRITE;
    if (exe !== null) {
      mm.insertVma({
        start: CODE_BASE,
        end: codeEnd,
        prot: rx,
        flags: vmFlagsFor(rx, false),
        file: exe,
        path: exePath,
        pgoff: 0,
      });
    }
    mm.insertVma({
      start: DATA_BASE,
      end: dataEnd,
      prot: rw,
      flags: vmFlagsFor(rw, false),
      file: null,
      path: null,
      pgoff: 0,
    });
    const stackStart = STACK_TOP - STACK_PAGES * PAGE_SIZE;
    mm.insertVma({
      start: stackStart,
      end: STACK_TOP,
      prot: rw,
      flags: vmFlagsFor(rw, false) | VmFlag.GROWSDOWN,
      file: null,
      path: null,
      pgoff: 0,
    });
    mm.layout = {
      startCode: exe !== null ? CODE_BASE : 0,
      endCode: exe !== null ? codeEnd : 0,
      startData: DATA_BASE,
      endData: dataEnd,
      startBrk: dataEnd,
      brk: dataEnd,
      startStack: STACK_TOP,
      argStart: 0,
      argEnd: 0,
      envStart: 0,
      envEnd: 0,
    };
    mm.exe = exePath;
  }

  /** Link a child under its parent (creation order is tree order). */
  adopt(parent: Task, child: Task): void {
    child.parent = parent;
    parent.children.push(child);
  }

  /** Fresh descriptors 0, 1, 2 on one open file of /dev/null (when the world has it). */
  openStdio(task: Task): void {
    const devNull = this.vfs.lookupRaw('/dev/null');
    if (devNull === null || devNull.kind !== 'file') return;
    const file = new OpenFile(this.allocateOpenFileId(), devNull, '/dev/null', OFlag.RDWR, 0);
    for (const fd of [0, 1, 2]) task.files.install(fd, file, false);
  }

  /**
   * Start a task as a user's login: default credentials, fresh stdio, then exec of `exe`
   * (setuid bits apply). With `newPidNamespace` it is the init of a namespace nested in its
   * parent's.
   */
  spawn(user: UserSpec, exePath: string, parent: Task, newPidNamespace: boolean): Result<Task> {
    const cred = this.loginCredFor(user);
    if (!this.nprocAllows(cred, 1)) {
      return fail(
        'EAGAIN',
        `user ${user.name} already has ${this.limits.nprocPerUser} tasks (RLIMIT_NPROC)`,
      );
    }
    const task = this.blankTask(cred, basename(exePath), parent);
    task.label = this.lsm.loginLabel(user, user.uid);
    const ns = newPidNamespace ? this.newNamespace(activeNs(parent)) : activeNs(parent);
    const found = this.resolveExec(task, exePath);
    if (!found.ok) return found;
    const pids = this.attachPids(task, ns, null);
    if (!pids.ok) return pids;
    this.adopt(parent, task);
    this.openStdio(task);
    this.execInto(task, found.value, exePath);
    return ok(task);
  }

  /** open_exec: search permission on the path, a regular file, exec permission, a program. */
  resolveExec(task: Task, path: string): Result<Inode> {
    const found = this.vfs.lookup(task.cred, path);
    if (!found.ok) return found;
    const inode = found.value;
    if (inode.kind !== 'file') return fail('EACCES', `${path} is not a regular file`);
    const exec = this.vfs.checkPermission(task.cred, inode, MAY_EXEC);
    if (!exec.ok) return exec;
    if (inode.runs === null || !this.programs.has(inode.runs)) {
      return fail('ENOEXEC', `${path} names no program this world knows`);
    }
    return ok(inode);
  }

  /** The second half of execve, after resolveExec succeeded: nothing here can fail. */
  execInto(task: Task, inode: Inode, path: string): void {
    const program = inode.runs !== null ? (this.programs.get(inode.runs) ?? null) : null;
    const result = execCred(task.cred, inode);
    task.cred = result.cred;
    task.dumpable = result.dumpable;
    if (task.label !== null) task.label = this.lsm.execLabel(task.label, inode.label);
    task.mm.release();
    // The canonical path: MM's FNAME must be absolute without `.`/`..` whatever exec was given.
    const exePath = this.vfs.pathOf(inode);
    task.mm = new AddressSpace(this.accounting, exePath);
    this.layoutAddressSpace(task.mm, inode, exePath, program);
    task.files.closeOnExec();
    task.program = program;
    task.pc = 0;
    task.regs = new Array<number>(NREGS).fill(0);
    task.comm = cutComm(basename(path));
    task.childPidNamespacePending = false;
  }

  /** fork: copies of creds and memory, shared open files, pc after the fork, 0 in the child. */
  fork(parent: Task): Result<Task> {
    if (!this.nprocAllows(parent.cred, 1)) {
      return fail(
        'EAGAIN',
        `uid ${parent.cred.uid} already has ${this.limits.nprocPerUser} tasks (RLIMIT_NPROC)`,
      );
    }
    const mm = parent.mm.fork();
    if (!mm.ok) return mm;
    const child = this.blankTask(copyCred(parent.cred), parent.comm, parent);
    child.mm = mm.value;
    child.files = parent.files.fork();
    child.dumpable = parent.dumpable;
    child.superpriv = parent.superpriv;
    child.label = parent.label;
    child.program = parent.program;
    child.pc = parent.pc;
    child.regs = [...parent.regs];
    const parentNs = activeNs(parent);
    const ns = parent.childPidNamespacePending ? this.newNamespace(parentNs) : parentNs;
    const pids = this.attachPids(child, ns, null);
    if (!pids.ok) {
      child.mm.release();
      return pids;
    }
    this.adopt(parent, child);
    return ok(child);
  }

  /**
   * exit: the task becomes a zombie, its memory and descriptors go, its children are reparented
   * to its namespace's init; when a namespace init exits, every task of the namespace is killed.
   */
  exit(task: Task, code: number): void {
    if (task.zombie) return;
    task.zombie = true;
    task.exitCode = code;
    task.tracer = null;
    // exit_ptrace: a tracer's tracees are detached and resume.
    for (const tracee of this.allTasks()) if (tracee.tracer === task) this.detach(tracee);
    task.mm.release();
    task.files.entries.clear();
    const ns = activeNs(task);
    if (ns.init === task) {
      for (const member of [...ns.tasks.values()]) if (member !== task) this.exit(member, 137);
    }
    const reaper = ns.init !== null && ns.init !== task && !ns.init.zombie ? ns.init : this.init;
    for (const child of task.children) this.adopt(reaper, child);
    task.children = [];
  }

  /** Remove a task entirely (a transient caller after its call). */
  reap(task: Task): void {
    task.mm.release();
    task.files.entries.clear();
    if (task.parent !== null)
      task.parent.children = task.parent.children.filter((child) => child !== task);
    this.detachPids(task);
  }

  /**
   * sys_ptrace(PTRACE_ATTACH): ptrace_may_access in attach mode (kernel/ptrace.ts), then the
   * target is traced and stopped (the SIGSTOP attach sends). ESRCH when there is no such task or
   * it is a zombie; EPERM for oneself, a task already traced, or a denied access.
   */
  ptraceAttach(tracer: Task, target: Task | null): Result<void> {
    if (target === null || target.zombie) return fail('ESRCH', 'no such task');
    if (target === tracer) return fail('EPERM', 'a task cannot trace itself');
    if (target.tracer !== null) return fail('EPERM', 'the task is already traced');
    const verdict = ptraceMayAccess(this, tracer, target, 'attach');
    if (!verdict.allowed) return fail('EPERM', verdict.reason);
    target.tracer = tracer;
    target.runState = 'stopped';
    return ok(undefined);
  }

  /** sys_ptrace(PTRACE_DETACH): only the tracer may detach (ESRCH otherwise); the task resumes. */
  ptraceDetach(tracer: Task, target: Task | null): Result<void> {
    if (target === null || target.tracer !== tracer)
      return fail('ESRCH', 'not traced by the caller');
    this.detach(target);
    return ok(undefined);
  }

  private detach(tracee: Task): void {
    tracee.tracer = null;
    if (tracee.runState === 'stopped') tracee.runState = 'running';
  }

  // ---- files -------------------------------------------------------------------------------

  /**
   * do_sys_open as `task`: walk with search checks, O_CREAT creates (write on the directory),
   * inode_permission for the access mode, O_TRUNC empties. Returns the new descriptor.
   */
  open(task: Task, path: string, flags: number, mode = 0o644): Result<number> {
    const access = flags & OFlag.ACCMODE;
    if (access === OFlag.ACCMODE) return fail('EINVAL', 'O_ACCMODE 3 is not an access mode');
    const opened = this.openFile(task.cred, path, flags, mode);
    if (!opened.ok) return opened;
    const fd = task.files.lowestFree();
    if (fd === null) return fail('EMFILE', 'the descriptor table is full');
    task.files.install(fd, opened.value, (flags & O_CLOEXEC) !== 0);
    return ok(fd);
  }

  /** The open-file half of open(2), also what restart uses to re-open (without create/trunc). */
  openFile(
    cred: Cred,
    path: string,
    flags: number,
    mode: number,
    reopen = false,
  ): Result<OpenFile> {
    const access = flags & OFlag.ACCMODE;
    let found = this.vfs.lookup(cred, path);
    if (!found.ok && found.errno === 'ENOENT' && (flags & OFlag.CREAT) !== 0 && !reopen) {
      found = this.vfs.create(cred, path, mode);
    }
    if (!found.ok) return found;
    const inode = found.value;
    if (inode.kind === 'dir' && access !== OFlag.RDONLY)
      return fail('EISDIR', `${path} is a directory`);
    const mask =
      (access === OFlag.WRONLY ? 0 : MAY_READ) | (access === OFlag.RDONLY ? 0 : MAY_WRITE);
    const permitted = this.vfs.checkPermission(cred, inode, mask);
    if (!permitted.ok) return permitted;
    if (
      !reopen &&
      (flags & OFlag.TRUNC) !== 0 &&
      access !== OFlag.RDONLY &&
      inode.kind === 'file'
    ) {
      // A new object rather than emptying this one: a refused checkpoint puts the old one back.
      inode.data = new FileData();
    }
    const keptFlags = flags & (OFlag.ACCMODE | OFlag.CREAT | OFlag.TRUNC | OFlag.APPEND);
    return ok(new OpenFile(this.allocateOpenFileId(), inode, this.vfs.pathOf(inode), keptFlags, 0));
  }

  // ---- freezer -----------------------------------------------------------------------------

  /** Freeze or thaw a task and all its descendants (its container, for an init). */
  setFrozen(root: Task, frozen: boolean): void {
    for (const task of subtree(root)) task.frozen = frozen;
  }

  /** Whether `actor` may freeze `target`: same real uid as the target, or CAP_SYS_ADMIN. */
  mayFreeze(actor: Cred, target: Task): boolean {
    return (
      actor.uid === target.cred.uid ||
      actor.euid === target.cred.uid ||
      capable(actor, Cap.SYS_ADMIN)
    );
  }

  // ---- console -----------------------------------------------------------------------------

  print(task: Task, text: string): void {
    this.consoleLines.push({ pid: globalPid(task), comm: task.comm, text });
  }
}

/**
 * SECURITY labels are 1..1023 bytes of text, ids are uid_t/gid_t: refuse a world whose labels or
 * ids an image could not hold.
 */
function validateLabels(world: WorldSpec): void {
  for (const [what, id] of [
    ...world.users.flatMap((user) => [
      [`user ${user.name}'s uid`, user.uid] as const,
      [`user ${user.name}'s gid`, user.gid] as const,
    ]),
    ...world.groups.map((group) => [`group ${group.name}'s gid`, group.gid] as const),
    ...world.files.flatMap((file) => [
      [`${file.path}'s owner`, file.uid] as const,
      [`${file.path}'s group`, file.gid] as const,
    ]),
  ]) {
    if (!validId(id)) throw new RangeError(`world: ${what} ${id} is not 0..${MAX_ID}`);
  }
  const labels = [
    ...world.files.map((file) => file.label),
    ...world.users.map((user) => user.domain),
    ...(world.lsm.name === 'label'
      ? [
          ...(world.lsm.policy.transitions ?? []).map((rule) => rule.to),
          ...(world.lsm.policy.allowedTransitions ?? []).map((rule) => rule.to),
        ]
      : []),
  ];
  for (const label of labels) {
    if (label === undefined) continue;
    const size = new TextEncoder().encode(label).length;
    if (size < 1 || size > 1023 || label.includes('\0')) {
      throw new RangeError(
        `world: label '${label.slice(0, 40)}' must be 1..1023 bytes of text without NUL`,
      );
    }
  }
}

function pidOfLast(links: { nr: number }[]): number {
  return links.at(-1)?.nr ?? 0;
}

/** A fresh blank program used when a restored exe names no program (the task exits on step). */
export function emptyProgram(name: string): Program {
  return assemble({ name, items: [{ op: 'exit', code: imm(0) }] });
}
