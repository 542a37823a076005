/**
 * The public shapes of the emulated kernel: what hosts (lab interpreter, CLI, panel, debugger)
 * pass in and get back. The implementation lives in kernel.ts.
 */
import type { Cred } from './creds';
import type { CheckRecord } from './checks';
import type { Errno } from './errno';
import type { Instruction, Program, ProgramSource } from './program';
import type { Sysctls, SysctlName, WorldSpec } from './world';

/** checkpoint flags (sys_checkpoint). */
export const CheckpointFlag = { SUBTREE: 0x1 } as const;
/** restart flags (sys_restart). */
export const RestartFlag = { TASKSELF: 0x1, FROZEN: 0x2, KEEP_LSM: 0x8 } as const;

export interface KernelOptions {
  /** The world to boot; default: {@link defaultWorld}. */
  world?: WorldSpec;
  /** Seconds since the epoch for HEAD.time; default: always 0. */
  clock?: () => number;
  /** Seed for any choice the emulator makes; reserved, the model currently makes none. */
  seed?: number;
  /** Overrides the world's machine key. */
  machineKey?: Uint8Array;
}

export type TaskStateName = 'running' | 'sleeping' | 'stopped' | 'frozen' | 'zombie';

/** A task's credentials as hosts see them: a copy, the same fields the kernel keeps. */
export type CredInfo = Cred;

export interface FdInfo {
  fd: number;
  path: string;
  flags: number;
  pos: number;
  closeOnExec: boolean;
  /** Identity of the open file: descriptors with the same id share offset and flags. */
  openFileId: number;
}

export interface VmaInfo {
  start: number;
  end: number;
  prot: number;
  flags: number;
  file: string | null;
  pgoff: number;
  /** Pages with contents (touched). */
  residentPages: number;
}

/** A snapshot of one task, for panels, debuggers and expectations. */
export interface TaskInfo {
  /** The pid in the root pid namespace: the handle every API call takes. */
  pid: number;
  /** The pid in each namespace from the root namespace down to the task's own. */
  nsPids: number[];
  /** Parent's root-namespace pid, 0 for none. */
  ppid: number;
  comm: string;
  state: TaskStateName;
  exitCode: number | null;
  exe: string;
  program: string;
  pc: number;
  regs: number[];
  cred: CredInfo;
  dumpable: boolean;
  label: string | null;
  fds: FdInfo[];
  vmas: VmaInfo[];
  /** The program's variables, read from task memory. */
  vars: Record<string, number>;
  /** Root-namespace pid of the task tracing this one (sys_ptrace), or null. */
  tracer: number | null;
  /** Whether the task is the init (pid 1) of its pid namespace. */
  nsInit: boolean;
  /** Depth of the task's pid namespace (0 = the root namespace). */
  nsLevel: number;
}

/** Owner, mode and program of a file written by a host (defaults: root, 0644, none). */
export interface WriteFileOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  /** The program (in the kernel's program table) the file runs when executed. */
  runs?: string;
  /**
   * The file keeps `bytes` as they are instead of a copy: the caller gives them up and never
   * writes to them again (a host handing over an image it has just read: no second copy of a
   * large image in one event-loop turn).
   */
  adopt?: boolean;
}

/** A VFS entry as hosts see it. */
export interface FileStat {
  path: string;
  kind: 'dir' | 'file';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /**
   * 512-byte blocks of contents actually held, as `st_blocks`: files are sparse, so a file with a
   * hole has far fewer blocks than its size suggests.
   */
  blocks: number;
  runs: string | null;
  label: string;
}

/** One line of the console transcript. */
export interface ConsoleLine {
  pid: number;
  comm: string;
  text: string;
}

/** The outcome of sys_checkpoint or sys_restart, checks included. */
export interface CallOutcome {
  call: 'checkpoint' | 'restart';
  /** Root-namespace pid of the calling task. */
  caller: number;
  /** The flags argument the call was made with: what the checks judged. */
  flags: number;
  /** crid (> 0), 0 (restart success), or -errno. */
  ret: number;
  errno: Errno | null;
  checks: CheckRecord[];
  /** Root-namespace pids of the restored tasks, root first (restart only). */
  restored?: number[];
  /** RESTART_TASKSELF: the calling task itself became the restored task. */
  restoredIntoCaller?: boolean;
  /**
   * Why the call failed when no check record says so: it never reached the kernel's checks
   * (checkpointAs/restartAs could not open the image path, or no such user; `checks` is empty),
   * or a checkpoint passed every check and could not write its image (EFBIG).
   */
  reason?: string;
}

/**
 * A file on the host (outside the emulated machine) that `checkpointAs` writes the image to:
 * the transient caller holds it open for writing, as a shell redirection would, and the image
 * streams out as the kernel writes it, never held whole in the emulated machine.
 */
export interface HostImageOutput {
  /** The host's absolute path of the file: what the checks show for the descriptor. */
  path: string;
  /**
   * Receives the image's bytes, in order. Chunks may be views of task memory: write or copy
   * them before the kernel runs anything else (before the next slice of a sliced call).
   */
  write(chunks: readonly Uint8Array[]): void;
}

/**
 * A file on the host that `restartAs` reads the image from: its path and its bytes. The kernel
 * keeps the bytes (the restored task's memory is them, with no second copy): the host hands them
 * over and must not change them afterwards. A second restart from the same bytes copies them
 * (the two tasks' memory stays apart), as they are then: the first task's stores included.
 */
export interface HostImageInput {
  /** The host's absolute path of the file: what the checks show for the descriptor. */
  path: string;
  bytes: Uint8Array;
}

/** How far a sliced call has got: image bytes written (checkpoint), page bytes restored (restart). */
export interface CallProgress {
  done: number;
  /** 0 until known. */
  total: number;
  /**
   * Set by a slice that waits for the host (a file flushed on another thread): a runner resumes
   * the call when it settles, rather than asking again at once. The kernel's calls never wait.
   */
  waitFor?: Promise<void>;
}

/**
 * A checkpoint or restart run a slice at a time, for hosts that keep an event loop turning:
 * each `next()` does a bounded amount of work (the checks; one PGARR of at most 4 MiB of pages)
 * and yields the progress; the value of the last `next()` is the call's outcome, exactly what the
 * one-shot call returns (same checks, same image bytes, same restored tasks). `return()` cancels
 * it: nothing of the call remains (no call logged, no task created, an output file as it was).
 * While a sliced call runs, every other call that changes the kernel throws.
 */
export type SlicedCall = Generator<CallProgress, CallOutcome, void>;

export type StepStatus = 'ran' | 'blocked' | 'sleeping' | 'exited' | 'killed';

export interface StepOutcome {
  pid: number;
  status: StepStatus;
  /** The pc of the instruction executed (or that would have been), and that instruction. */
  pc: number;
  instruction: Instruction | null;
  /** For a system call: its return value. */
  ret?: number;
  /** For checkpoint/restart: the call's outcome with its checks. */
  call?: CallOutcome;
}

export type SpawnResult = { ok: true; pid: number } | { ok: false; errno: Errno; reason: string };

export interface SpawnOptions {
  /** User name or uid; the task gets that user's default credentials. */
  user: string | number;
  /** The program file to exec (setuid/setgid bits apply). */
  exe: string;
  /** Root-namespace pid of the parent; default: the root namespace's init. */
  parent?: number;
  /** Make the task the init (pid 1) of a new pid namespace below its parent's. */
  newPidNamespace?: boolean;
}

export interface RunOptions {
  /** Stop after this many steps (default 10000). */
  steps?: number;
  /** Stop before executing an instruction at this label. */
  untilLabel?: string;
  /** Stop after executing a system call with this op. */
  untilSyscall?: string;
}

/** What {@link KernelApi.runCompute} did. */
export interface ComputeRunOutcome {
  /** Instructions executed: as many as that many step() calls would have. */
  steps: number;
  /** The outcome step() would have returned for the last of them; null when none ran. */
  last: StepOutcome | null;
}

export interface RunOutcome {
  steps: number;
  stopped: 'steps' | 'label' | 'syscall' | 'exited' | 'blocked';
  last: StepOutcome | null;
}

/**
 * The emulated kernel as hosts drive it. Every pid in this interface is a root-namespace pid
 * (the handle {@link TaskInfo.pid}), except the `pid` argument of `sysCheckpoint`, which is read
 * in the caller's namespace as the system call does.
 */
export interface KernelApi {
  /** Start a login task of `user` executing `exe` (fresh stdio on /dev/null, setuid bits apply). */
  spawn(options: SpawnOptions): SpawnResult;
  /** Execute one instruction of the task (or one tick of its sleep). */
  step(pid: number): StepOutcome;
  /** Step the task until a stop condition, its exit, a block (frozen) or the step budget. */
  run(pid: number, options?: RunOptions): RunOutcome;
  /**
   * Execute up to `steps` of the task's instructions at once, as long as they only compute
   * (`set`, arithmetic, comparisons, jumps): the same effect as that many step() calls, which
   * return nothing worth recording for those, at a fraction of the cost. Stops before a system
   * call, `load`/`store`, a fault, a blocked or exited task, and before the instruction at
   * `untilLabel`; then step() goes on from there.
   */
  runCompute(pid: number, options: { steps: number; untilLabel?: string }): ComputeRunOutcome;
  /** Freeze the task and all its descendants (a container, for an init). False if no such task. */
  freeze(pid: number): boolean;
  /** Thaw the task and all its descendants. False if no such task. */
  thaw(pid: number): boolean;
  /**
   * sys_checkpoint(pid, fd, flags) made by task `caller`: `pid` is in the caller's namespace
   * (0 = itself), `fd` one of the caller's descriptors. Returns the crid or -errno with the
   * ordered checks; a failed call writes nothing.
   */
  sysCheckpoint(caller: number, pid: number, fd: number, flags: number): CallOutcome;
  /**
   * sys_restart(crid, fd, flags) made by task `caller`, reading the image at the descriptor's
   * offset. Returns 0 and the restored pids, or -errno with nothing changed; checks either way.
   */
  sysRestart(caller: number, crid: number, fd: number, flags: number): CallOutcome;
  /**
   * Checkpoint as a transient task of `user` (default credentials, root namespace) that opens
   * `path` O_WRONLY|O_CREAT|O_TRUNC (0644) itself, or holds the host file `target` open for
   * writing; the transient task is gone afterwards.
   */
  checkpointAs(
    user: string | number,
    targetPid: number,
    target: string | HostImageOutput,
    flags: number,
  ): CallOutcome;
  /**
   * Restart `path` as a transient task of `user` that opens it O_RDONLY itself (or holds the
   * host file `source` open for reading). The restored tree is reparented to init when the
   * transient task goes; with RESTART_TASKSELF the transient task becomes the restored task and
   * stays.
   */
  restartAs(user: string | number, source: string | HostImageInput, flags: number): CallOutcome;
  /** {@link checkpointAs} a slice at a time (see {@link SlicedCall}). */
  checkpointInSlices(
    user: string | number,
    targetPid: number,
    target: string | HostImageOutput,
    flags: number,
  ): SlicedCall;
  /** {@link restartAs} a slice at a time (see {@link SlicedCall}). */
  restartInSlices(
    user: string | number,
    source: string | HostImageInput,
    flags: number,
  ): SlicedCall;
  /**
   * Judges `restartAs(user, path, flags)` without making it: the same checks in the same order,
   * with `sysctls` standing in for the running values during this judgement only. Nothing is
   * created and the kernel is left exactly as it was: no task, no descriptor, no pid or crid
   * used up, nothing in `calls()`. A success is `ret` 0 with no `restored` pids.
   */
  probeRestartAs(
    user: string | number,
    path: string,
    flags: number,
    sysctls?: Partial<Sysctls>,
  ): CallOutcome;
  /** Open `path` in `pid`'s fd table as that task (returns fd or -errno). */
  openAs(pid: number, path: string, flags: number, mode?: number): number;
  /** A copy of a regular file's contents (hosts export images this way), or null. */
  readFile(path: string): Uint8Array | null;
  /**
   * A regular file's contents to read at once, without a copy when the file is held in one
   * piece (an image the kernel wrote is): callers must not write into it nor keep it past the
   * next change of the kernel. Null when there is no such file.
   */
  viewFile(path: string): Uint8Array | null;
  /**
   * Create or replace a regular file (hosts import images this way); its directory must exist.
   * A host import is not a write(2): the world's file size limit does not apply to it.
   */
  writeFile(path: string, bytes: Uint8Array, options?: WriteFileOptions): void;
  /** A VFS entry's owner, mode, size, label and program, or null. */
  stat(path: string): FileStat | null;
  /**
   * What a cache of a regular file's contents compares instead of the bytes (a 256 MiB image
   * costs a copy to read): the same object and count while the contents are unchanged, another
   * pair after any write, truncation or replacement. Null when there is no such file.
   */
  contentsVersion(path: string): { readonly contents: object; readonly changes: number } | null;
  /** Bytes of a task's memory as the kernel reads them (null if unmapped). */
  readMemory(pid: number, addr: number, length: number): Uint8Array | null;
  /**
   * Write bytes into a task's memory as ptrace(PTRACE_POKEDATA) does (protection ignored; a
   * shared file mapping writes through to its file). Stops at the first unmapped byte or when the
   * machine's memory limit is reached; returns how many bytes were written.
   */
  writeMemory(pid: number, addr: number, bytes: Uint8Array): number;
  /** Bytes of touched memory in the whole machine. */
  memoryInUse(): number;
  /** Every task (zombies included), ordered by pid. */
  tasks(): TaskInfo[];
  /** One task, or null. */
  task(pid: number): TaskInfo | null;
  /** The console transcript: every `print`, and the kernel's notes on killed tasks. */
  console(): readonly ConsoleLine[];
  /** Every checkpoint/restart call so far, in order. */
  calls(): readonly CallOutcome[];
  /** A sysctl's current value. */
  sysctl<K extends SysctlName>(name: K): Sysctls[K];
  /** Set a sysctl; throws RangeError for a value it does not take. */
  setSysctl<K extends SysctlName>(name: K, value: Sysctls[K]): void;
  /** An assembled program of the program table, or null. */
  program(name: string): Program | null;
  /** Assemble and register (or replace) a program; throws ProgramError on a bad source. */
  addProgram(source: ProgramSource): Program;
}
