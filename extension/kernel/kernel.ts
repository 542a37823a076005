/**
 * The emulated kernel as hosts drive it: boot from a world, spawn and step tasks, freeze and thaw,
 * sys_checkpoint / sys_restart (and the transient-caller conveniences), VFS import/export and
 * snapshots of tasks, console and calls. Every pid in this API is a root-namespace pid.
 */
import { OFlag, PAGE_SIZE } from '../image/model';
import {
  checkpointToPathSlices,
  sysCheckpoint,
  sysCheckpointSlices,
  type CheckpointOpenFailure,
} from './checkpoint';
import type { Errno } from './errno';
import { ERRNO } from './errno';
import { runCompute } from './compute-run';
import { readVar, step } from './exec';
import { FileData } from './filedata';
import { Machine } from './machine';
import type { Program, ProgramSource } from './program';
import { assemble } from './program';
import { sysRestart, sysRestartSlices } from './restart';
import { openHostFile } from './hostfile';
import { runToEnd } from './sliced';
import type { Task } from './task';
import { activeNs, globalPid, isNsInit } from './task';
import type {
  CallOutcome,
  CallProgress,
  ComputeRunOutcome,
  ConsoleLine,
  FileStat,
  HostImageInput,
  HostImageOutput,
  KernelApi,
  KernelOptions,
  RunOptions,
  RunOutcome,
  SlicedCall,
  SpawnOptions,
  SpawnResult,
  StepOutcome,
  TaskInfo,
  TaskStateName,
  WriteFileOptions,
} from './types';
import type { SysctlName, Sysctls } from './world';
import { defaultWorld } from './world';

/** Default step budget of {@link Kernel.run}. */
export const DEFAULT_RUN_STEPS = 10_000;

function stateName(task: Task): TaskStateName {
  if (task.zombie) return 'zombie';
  if (task.frozen) return 'frozen';
  return task.runState;
}

class Kernel implements KernelApi {
  /** The sliced call in progress, if any: no other call may change the kernel meanwhile. */
  private busy: 'checkpoint' | 'restart' | null = null;

  constructor(private readonly machine: Machine) {}

  /** Throws while a sliced call runs: between its slices the kernel must stay as it judged it. */
  private assertIdle(): void {
    if (this.busy !== null) {
      throw new Error(
        `the kernel is busy: a ${this.busy} runs in slices; wait for it to end or cancel it`,
      );
    }
  }

  /**
   * Runs `call` holding the kernel (from its first slice to its end or cancellation); the
   * counters the call moved are put back when it is cancelled.
   */
  private *exclusive(
    name: 'checkpoint' | 'restart',
    call: () => Generator<CallProgress, CallOutcome, void>,
  ): SlicedCall {
    this.assertIdle();
    this.busy = name;
    const restoreCounters = this.machine.saveCounters();
    let finished = false;
    try {
      const outcome = yield* call();
      finished = true;
      return outcome;
    } finally {
      this.busy = null;
      if (!finished) restoreCounters();
    }
  }

  private requireTask(pid: number): Task {
    const task = this.machine.findTask(pid);
    if (task === null) throw new RangeError(`no task with pid ${pid}`);
    return task;
  }

  spawn(options: SpawnOptions): SpawnResult {
    this.assertIdle();
    const user = this.machine.findUser(options.user);
    if (user === null)
      return {
        ok: false,
        errno: 'EINVAL',
        reason: `no user ${String(options.user)} in this world`,
      };
    const parent =
      options.parent !== undefined ? this.machine.findTask(options.parent) : this.machine.init;
    if (parent === null || parent.zombie) {
      return {
        ok: false,
        errno: 'ESRCH',
        reason: `no live parent task with pid ${String(options.parent)}`,
      };
    }
    const spawned = this.machine.spawn(user, options.exe, parent, options.newPidNamespace === true);
    if (!spawned.ok) return { ok: false, errno: spawned.errno, reason: spawned.reason };
    return { ok: true, pid: globalPid(spawned.value) };
  }

  step(pid: number): StepOutcome {
    this.assertIdle();
    return step(this.machine, this.requireTask(pid));
  }

  runCompute(pid: number, options: { steps: number; untilLabel?: string }): ComputeRunOutcome {
    this.assertIdle();
    const task = this.requireTask(pid);
    const label = options.untilLabel;
    const stopAt = label === undefined ? -1 : (task.program?.labels[label] ?? -1);
    return runCompute(task, options.steps, stopAt);
  }

  run(pid: number, options: RunOptions = {}): RunOutcome {
    this.assertIdle();
    const task = this.requireTask(pid);
    const budget = options.steps ?? DEFAULT_RUN_STEPS;
    let last: StepOutcome | null = null;
    for (let count = 0; count < budget; count++) {
      if (
        options.untilLabel !== undefined &&
        task.program?.labels[options.untilLabel] === task.pc &&
        count > 0
      ) {
        return { steps: count, stopped: 'label', last };
      }
      last = step(this.machine, task);
      if (last.status === 'exited' || last.status === 'killed')
        return { steps: count + 1, stopped: 'exited', last };
      if (last.status === 'blocked') return { steps: count, stopped: 'blocked', last };
      if (options.untilSyscall !== undefined && last.instruction?.op === options.untilSyscall) {
        return { steps: count + 1, stopped: 'syscall', last };
      }
    }
    return { steps: budget, stopped: 'steps', last };
  }

  freeze(pid: number): boolean {
    this.assertIdle();
    const task = this.machine.findTask(pid);
    if (task === null) return false;
    this.machine.setFrozen(task, true);
    return true;
  }

  thaw(pid: number): boolean {
    this.assertIdle();
    const task = this.machine.findTask(pid);
    if (task === null) return false;
    this.machine.setFrozen(task, false);
    return true;
  }

  sysCheckpoint(caller: number, pid: number, fd: number, flags: number): CallOutcome {
    this.assertIdle();
    return sysCheckpoint(this.machine, this.requireTask(caller), pid, fd, flags);
  }

  sysRestart(caller: number, crid: number, fd: number, flags: number): CallOutcome {
    this.assertIdle();
    return sysRestart(this.machine, this.requireTask(caller), crid, fd, flags);
  }

  /** A task of `user` in the root namespace, child of init, with no program. */
  private transientCaller(user: string | number): Task | { errno: Errno; reason: string } {
    const spec = this.machine.findUser(user);
    if (spec === null) return { errno: 'EINVAL', reason: `no user ${String(user)} in this world` };
    const machine = this.machine;
    const task = machine.blankTask(machine.loginCredFor(spec), `${spec.name}-crlab`, null);
    task.label = machine.lsm.loginLabel(spec, spec.uid);
    task.transient = true;
    // A caller that checkpoints itself (pid 0) still needs an exe name for its MM record.
    task.mm.exe = '/bin/sh';
    const pids = machine.attachPids(task, machine.rootNs, null);
    if (!pids.ok) return { errno: pids.errno, reason: pids.reason };
    machine.adopt(machine.init, task);
    return task;
  }

  private failedBeforeCall(
    call: CallOutcome['call'],
    caller: number,
    flags: number,
    errno: Errno,
    reason: string,
  ): CallOutcome {
    const outcome: CallOutcome = {
      call,
      caller,
      flags,
      ret: -ERRNO[errno],
      errno,
      checks: [],
      reason,
    };
    this.machine.callLog.push(outcome);
    return outcome;
  }

  checkpointAs(
    user: string | number,
    targetPid: number,
    target: string | HostImageOutput,
    flags: number,
  ): CallOutcome {
    return runToEnd(this.checkpointInSlices(user, targetPid, target, flags));
  }

  checkpointInSlices(
    user: string | number,
    targetPid: number,
    target: string | HostImageOutput,
    flags: number,
  ): SlicedCall {
    return this.exclusive('checkpoint', () =>
      this.checkpointSlices(user, targetPid, target, flags),
    );
  }

  private *checkpointSlices(
    user: string | number,
    targetPid: number,
    target: string | HostImageOutput,
    flags: number,
  ): Generator<CallProgress, CallOutcome, void> {
    const caller = this.transientCaller(user);
    if (!('pids' in caller))
      return this.failedBeforeCall('checkpoint', 0, flags, caller.errno, caller.reason);
    try {
      const done =
        typeof target === 'string'
          ? yield* checkpointToPathSlices(this.machine, caller, targetPid, target, flags)
          : yield* this.checkpointToHost(caller, targetPid, target, flags);
      return done.ok
        ? done.outcome
        : this.failedBeforeCall('checkpoint', globalPid(caller), flags, done.errno, done.reason);
    } finally {
      this.machine.reap(caller);
    }
  }

  /** sys_checkpoint onto a host file the caller holds open for writing. */
  private *checkpointToHost(
    caller: Task,
    targetPid: number,
    target: HostImageOutput,
    flags: number,
  ): Generator<CallProgress, { ok: true; outcome: CallOutcome } | CheckpointOpenFailure, void> {
    const fd = openHostFile(this.machine, caller, target);
    if (!fd.ok)
      return { ok: false, errno: fd.errno, reason: `cannot open ${target.path}: ${fd.reason}` };
    try {
      return {
        ok: true,
        outcome: yield* sysCheckpointSlices(this.machine, caller, targetPid, fd.value, flags),
      };
    } finally {
      caller.files.close(fd.value);
    }
  }

  restartAs(user: string | number, source: string | HostImageInput, flags: number): CallOutcome {
    return runToEnd(this.restartInSlices(user, source, flags));
  }

  restartInSlices(
    user: string | number,
    source: string | HostImageInput,
    flags: number,
  ): SlicedCall {
    return this.exclusive('restart', () => this.restartSlices(user, source, flags));
  }

  private *restartSlices(
    user: string | number,
    source: string | HostImageInput,
    flags: number,
  ): Generator<CallProgress, CallOutcome, void> {
    const caller = this.transientCaller(user);
    if (!('pids' in caller))
      return this.failedBeforeCall('restart', 0, flags, caller.errno, caller.reason);
    let stays = false;
    try {
      const fd =
        typeof source === 'string'
          ? this.machine.open(caller, source, OFlag.RDONLY, 0)
          : openHostFile(this.machine, caller, source);
      if (!fd.ok) {
        const path = typeof source === 'string' ? source : source.path;
        return this.failedBeforeCall(
          'restart',
          globalPid(caller),
          flags,
          fd.errno,
          `cannot open ${path}: ${fd.reason}`,
        );
      }
      const outcome = yield* sysRestartSlices(this.machine, caller, 0, fd.value, flags);
      if (outcome.restoredIntoCaller === true) {
        // RESTART_TASKSELF: the transient caller has become the restored task and stays.
        caller.transient = false;
        stays = true;
        return outcome;
      }
      // The coordinator goes away; its restored children are reparented to init, as on exit.
      for (const child of [...caller.children]) this.machine.adopt(this.machine.init, child);
      caller.children = [];
      return outcome;
    } finally {
      if (!stays) this.machine.reap(caller);
    }
  }

  probeRestartAs(
    user: string | number,
    path: string,
    flags: number,
    sysctls: Partial<Sysctls> = {},
  ): CallOutcome {
    const machine = this.machine;
    const restoreCounters = machine.saveCounters();
    const saved = Object.keys(sysctls).map((name) => {
      const key = name as SysctlName;
      return [key, machine.sysctls.get(key)] as const;
    });
    try {
      for (const [name, value] of Object.entries(sysctls)) {
        machine.sysctls.set(name as SysctlName, value as Sysctls[SysctlName]);
      }
      const caller = this.transientCaller(user);
      if (!('pids' in caller)) {
        return {
          call: 'restart',
          caller: 0,
          flags,
          ret: -ERRNO[caller.errno],
          ...caller,
          checks: [],
        };
      }
      try {
        const fd = machine.open(caller, path, OFlag.RDONLY, 0);
        if (!fd.ok) {
          return {
            call: 'restart',
            caller: globalPid(caller),
            flags,
            ret: -ERRNO[fd.errno],
            errno: fd.errno,
            checks: [],
            reason: `cannot open ${path}: ${fd.reason}`,
          };
        }
        return sysRestart(machine, caller, 0, fd.value, flags, false);
      } finally {
        machine.reap(caller);
      }
    } finally {
      for (const [name, value] of saved) machine.sysctls.set(name, value);
      restoreCounters();
    }
  }

  openAs(pid: number, path: string, flags: number, mode = 0o644): number {
    this.assertIdle();
    const opened = this.machine.open(this.requireTask(pid), path, flags, mode);
    return opened.ok ? opened.value : -ERRNO[opened.errno];
  }

  readFile(path: string): Uint8Array | null {
    const inode = this.machine.vfs.lookupRaw(path);
    return inode === null || inode.kind !== 'file' ? null : inode.data.read(0, inode.data.size);
  }

  writeFile(path: string, bytes: Uint8Array, options: WriteFileOptions = {}): void {
    this.assertIdle();
    const vfs = this.machine.vfs;
    const existing = vfs.lookupRaw(path);
    if (existing !== null) {
      if (existing.kind !== 'file') throw new RangeError(`${path} is a directory`);
      existing.data = FileData.of(options.adopt === true ? bytes : bytes.slice());
      if (options.mode !== undefined) existing.mode = options.mode & 0o7777;
      if (options.uid !== undefined) existing.uid = options.uid;
      if (options.gid !== undefined) existing.gid = options.gid;
      if (options.runs !== undefined) existing.runs = options.runs;
      return;
    }
    const slash = path.lastIndexOf('/');
    const dir = vfs.lookupRaw(path.slice(0, slash) || '/');
    if (dir === null || dir.kind !== 'dir') throw new RangeError(`no directory for ${path}`);
    vfs.addChild(dir, path.slice(slash + 1), {
      kind: 'file',
      mode: (options.mode ?? 0o644) & 0o7777,
      uid: options.uid ?? 0,
      gid: options.gid ?? 0,
      data: options.adopt === true ? bytes : bytes.slice(),
      ...(options.runs !== undefined ? { runs: options.runs } : {}),
    });
  }

  viewFile(path: string): Uint8Array | null {
    const inode = this.machine.vfs.lookupRaw(path);
    return inode === null || inode.kind !== 'file' ? null : inode.data.view(0, inode.data.size);
  }

  contentsVersion(path: string): { readonly contents: object; readonly changes: number } | null {
    const inode = this.machine.vfs.lookupRaw(path);
    return inode === null || inode.kind !== 'file'
      ? null
      : { contents: inode.data, changes: inode.data.changes };
  }

  stat(path: string): FileStat | null {
    const inode = this.machine.vfs.lookupRaw(path);
    if (inode === null) return null;
    return {
      path: this.machine.vfs.pathOf(inode),
      kind: inode.kind,
      mode: inode.mode,
      uid: inode.uid,
      gid: inode.gid,
      size: inode.data.size,
      blocks: Math.ceil(inode.data.stored / 512),
      runs: inode.runs,
      label: inode.label,
    };
  }

  private info(task: Task): TaskInfo {
    const vars: Record<string, number> = {};
    if (!task.zombie && task.program !== null) {
      for (const name of task.program.vars) {
        try {
          vars[name] = readVar(task, name);
        } catch {
          // An unmapped data page (after munmap) has no value to show.
        }
      }
    }
    const cred = task.cred;
    // Touched pages per mapping from the page table's per-chunk counts: any pass over every
    // page (3–5 ms for a 256 MiB task) is paid many times over, since every view's refresh asks
    // for every task's info, several times (the real host stalled 130–160 ms after a restart).
    const vmas = task.mm.vmas;
    // (A page counts when its address is in [start, end), as mappings are page-aligned.)
    const resident = vmas.map((vma) =>
      task.mm.pages.countIn(Math.ceil(vma.start / PAGE_SIZE), Math.ceil(vma.end / PAGE_SIZE)),
    );
    return {
      pid: globalPid(task),
      nsPids: task.pids.map((link) => link.nr),
      ppid: task.parent !== null ? globalPid(task.parent) : 0,
      comm: task.comm,
      state: stateName(task),
      exitCode: task.exitCode,
      exe: task.mm.exe,
      program: task.program?.name ?? '',
      pc: task.pc,
      regs: [...task.regs],
      cred: { ...cred, groups: [...cred.groups] },
      dumpable: task.dumpable,
      label: task.label,
      fds: task.files.sorted().map(([fd, entry]) => ({
        fd,
        path: entry.file.path,
        flags: entry.file.flags,
        pos: entry.file.pos,
        closeOnExec: entry.closeOnExec,
        openFileId: entry.file.id,
      })),
      vmas: vmas.map((vma, at) => ({
        start: vma.start,
        end: vma.end,
        prot: vma.prot,
        flags: vma.flags,
        file: vma.path,
        pgoff: vma.pgoff,
        residentPages: resident[at] ?? 0,
      })),
      vars,
      tracer: task.tracer !== null ? globalPid(task.tracer) : null,
      nsInit: isNsInit(task),
      nsLevel: activeNs(task).level,
    };
  }

  tasks(): TaskInfo[] {
    return this.machine.allTasks().map((task) => this.info(task));
  }

  task(pid: number): TaskInfo | null {
    const task = this.machine.findTask(pid);
    return task === null ? null : this.info(task);
  }

  readMemory(pid: number, addr: number, length: number): Uint8Array | null {
    const read = this.requireTask(pid).mm.read(addr, length, false);
    return read.ok ? read.value : null;
  }

  writeMemory(pid: number, addr: number, bytes: Uint8Array): number {
    this.assertIdle();
    const mm = this.requireTask(pid).mm;
    let written = 0;
    while (written < bytes.length) {
      // Page by page, so a write that runs into a hole keeps what landed before it.
      const at = addr + written;
      const chunk = Math.min(bytes.length - written, PAGE_SIZE - (at % PAGE_SIZE));
      if (!mm.write(at, bytes.subarray(written, written + chunk), false).ok) break;
      written += chunk;
    }
    return written;
  }

  console(): readonly ConsoleLine[] {
    return this.machine.consoleLines;
  }

  calls(): readonly CallOutcome[] {
    return this.machine.callLog;
  }

  sysctl<K extends SysctlName>(name: K): Sysctls[K] {
    return this.machine.sysctls.get(name);
  }

  setSysctl<K extends SysctlName>(name: K, value: Sysctls[K]): void {
    this.assertIdle();
    this.machine.sysctls.set(name, value);
  }

  program(name: string): Program | null {
    return this.machine.programs.get(name) ?? null;
  }

  addProgram(source: ProgramSource): Program {
    this.assertIdle();
    const program = assemble(source);
    this.machine.programs.set(program.name, program);
    return program;
  }

  memoryInUse(): number {
    return this.machine.accounting.used * 4096;
  }
}

/**
 * Boot an emulated kernel. Deterministic: the same options and the same calls give the same
 * pids, transcripts, checks and image bytes.
 */
export function createKernel(options: KernelOptions = {}): KernelApi {
  const world = options.world ?? defaultWorld();
  const machine = new Machine({
    world,
    clock: options.clock ?? (() => 0),
    seed: options.seed ?? 0,
    machineKey: options.machineKey ?? world.machineKey,
  });
  return new Kernel(machine);
}
