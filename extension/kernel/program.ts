/**
 * The program IR that emulated tasks execute, one instruction per step.
 *
 * The kernel owns the IR and the stepping so that a checkpoint captures exactly what a real one
 * would: the program counter (CPU.pc = index into {@link Program.code}), the registers (regs[0] =
 * the last system call's return value, a negative errno on failure) and the task's memory, where
 * every variable lives in an 8-byte slot of the task's data page. Nothing about a running program
 * is held outside those three, so restart continues a program exactly where it stopped.
 *
 * Front ends (the `.crlab` compiler, tests) write {@link ProgramSource}: instructions plus label
 * markers, where a system call may name a `dst` variable. {@link assemble} lowers that to a
 * {@link Program}: labels become instruction indices and every `dst` becomes a separate
 * `set dst = regs[0]` instruction after the call. That split is what makes self-checkpoint work:
 * the image is taken inside the call with pc pointing at the `set`, so the restored task stores the
 * call's return value 0 into `dst` itself, while the original caller stores the crid.
 */

/** An operand: a literal, a variable (a memory slot) or a CPU register. */
export type Value =
  { kind: 'imm'; value: number } | { kind: 'var'; name: string } | { kind: 'reg'; index: number };

/** A literal operand. */
export const imm = (value: number): Value => ({ kind: 'imm', value });
/** A variable operand (its value lives in task memory). */
export const v = (name: string): Value => ({ kind: 'var', name });
/** A register operand; regs[0] holds the last system call's return value. */
export const reg = (index: number): Value => ({ kind: 'reg', index });

export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'and' | 'or' | 'xor';
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** A comparison, used by conditional jumps. */
export interface Condition {
  fn: CmpOp;
  a: Value;
  b: Value;
}

/** One piece of a `print`: literal text, a number, or a NUL-terminated string in task memory. */
export type PrintPart = { text: string } | { value: Value } | { cstr: Value; offset?: Value };

/** What `store` writes: a UTF-8 string plus its NUL, or one s64 value (8 bytes, little-endian). */
export type StoreData = { text: string } | { value: Value };

/** Fields every instruction may carry: the source line it came from (for debuggers and checks). */
export interface SourceInfo {
  line?: number;
}

/** Instructions that compute without entering the kernel (they never touch regs[0]). */
export type ComputeInstruction = SourceInfo &
  (
    | { op: 'nop' }
    | { op: 'set'; dst: string; value: Value }
    | { op: 'arith'; dst: string; fn: ArithOp; a: Value; b: Value }
    | { op: 'cmp'; dst: string; fn: CmpOp; a: Value; b: Value }
    /** Jump to `target` (a label); with `when`, only if the comparison holds. */
    | { op: 'jump'; target: string; when?: Condition }
    /** Store a string or a number at `addr + offset` (bytes). Faults kill the task (SIGSEGV). */
    | { op: 'store'; addr: Value; offset?: Value; data: StoreData }
    /** Load the s64 at `addr + offset` into `dst`. */
    | { op: 'load'; dst: string; addr: Value; offset?: Value }
  );

/**
 * System calls. Each sets regs[0] to its return value (negative errno on failure); in
 * {@link ProgramSource} each may also name a `dst` variable to receive that value.
 */
export type SyscallInstruction = SourceInfo &
  /** open(path, flags, mode); flags are O_* bits (OFlag) plus O_CLOEXEC 0x80000. Returns the fd. */
  (
    | { op: 'open'; path: string; flags: number; mode?: number }
    | { op: 'close'; fd: Value }
    /** Read up to `len` bytes from fd into memory at `buf`. Returns the count. */
    | { op: 'read'; fd: Value; buf: Value; len: Value }
    /** Write `text`, or `len` bytes at `buf` (without `len`: the NUL-terminated string at `buf`). */
    | { op: 'write'; fd: Value; text?: string; buf?: Value; len?: Value }
    /** dup(fd), or dup2(fd, to) when `to` is given. The new descriptor shares the open file. */
    | { op: 'dup'; fd: Value; to?: Value }
    /** mmap(NULL, pages * 4096, prot, shared ? MAP_SHARED : MAP_PRIVATE, fd or anonymous, pgoff). */
    | { op: 'mmap'; pages: Value; prot: number; shared?: boolean; fd?: Value; pgoff?: Value }
    | { op: 'munmap'; addr: Value; pages: Value }
    /** Returns the child's pid (in the parent's namespace) in the parent and 0 in the child. */
    | { op: 'fork' }
    /** execve(path): a new address space running the file's program; setuid/setgid apply. */
    | { op: 'exec'; path: string }
    /** setresuid(r, e, s); -1 leaves an id unchanged. */
    | { op: 'setresuid'; ruid: Value; euid: Value; suid: Value }
    | { op: 'setresgid'; rgid: Value; egid: Value; sgid: Value }
    | { op: 'setgroups'; groups: number[] }
    /** capset with capability numbers (0..40) for each set. */
    | { op: 'capset'; effective: number[]; permitted: number[]; inheritable: number[] }
    /** unshare(CLONE_NEWPID): the task's next child is the init of a new nested pid namespace. */
    | { op: 'unshare'; what: 'pidns' }
    /** prctl(PR_CAPBSET_DROP) for each capability number (0..40): needs CAP_SETPCAP. */
    | { op: 'prctl'; option: 'capbset_drop'; caps: number[] }
    /** prctl(PR_SET_SECUREBITS, bits): needs CAP_SETPCAP; locked bits stay. */
    | { op: 'prctl'; option: 'set_securebits'; bits: Value }
    /** sys_ptrace(PTRACE_ATTACH or PTRACE_DETACH, pid): trace (and stop) or release a task. */
    | { op: 'ptrace'; request: 'attach' | 'detach'; pid: Value }
    /** Freeze or thaw the task `pid` (in the caller's namespace) and all its descendants. */
    | { op: 'freeze'; pid: Value }
    | { op: 'thaw'; pid: Value }
    /**
     * sys_checkpoint(pid, fd, flags); pid 0 = self. With `path` the kernel opens the path
     * O_WRONLY|O_CREAT|O_TRUNC (mode 0644) first and closes it after the call.
     */
    | { op: 'checkpoint'; pid: Value; flags: number; path?: string; fd?: Value }
    /** sys_restart(crid, fd, flags); with `path` the kernel opens it O_RDONLY around the call. */
    | { op: 'restart'; crid?: Value; flags: number; path?: string; fd?: Value }
    /** Append a line to the kernel's console transcript. Returns 0. */
    | { op: 'print'; parts: PrintPart[] }
    /** Sleep for `ticks` steps of this task. */
    | { op: 'sleep'; ticks: Value }
    | { op: 'exit'; code: Value }
    /** unlink(path): needs write+search on the directory; in a sticky directory also ownership or CAP_FOWNER. */
    | { op: 'unlink'; path: string }
    /** chmod(path, mode): the owner or CAP_FOWNER. */
    | { op: 'chmod'; path: string; mode: number }
    | { op: 'getpid' }
    | { op: 'getuid' }
  );

export type Instruction = ComputeInstruction | SyscallInstruction;
export type InstructionOp = Instruction['op'];
export type SyscallOp = SyscallInstruction['op'];

/** The op names that are system calls (they set regs[0]). */
export const SYSCALL_OPS: ReadonlySet<string> = new Set<SyscallOp>([
  'open',
  'close',
  'read',
  'write',
  'dup',
  'mmap',
  'munmap',
  'fork',
  'exec',
  'setresuid',
  'setresgid',
  'setgroups',
  'capset',
  'unshare',
  'prctl',
  'ptrace',
  'freeze',
  'thaw',
  'checkpoint',
  'restart',
  'print',
  'sleep',
  'exit',
  'unlink',
  'chmod',
  'getpid',
  'getuid',
]);

/** Whether an instruction enters the kernel. */
export function isSyscall(instruction: Instruction): instruction is SyscallInstruction {
  return SYSCALL_OPS.has(instruction.op);
}

/** O_CLOEXEC for `open` flags (not an image flag: it becomes FD_ENT.close_on_exec). */
export const O_CLOEXEC = 0x80000;

/** A label marker in a program's source: names the index of the next instruction. */
export interface LabelItem extends SourceInfo {
  op: 'label';
  name: string;
}

/** A source item: a label, a compute instruction, or a system call with an optional `dst`. */
export type SourceItem = LabelItem | ComputeInstruction | (SyscallInstruction & { dst?: string });

/** What a front end hands to the kernel: a name and a list of source items. */
export interface ProgramSource {
  name: string;
  items: SourceItem[];
  /** Variables to allocate even if no instruction names them (they start at 0). */
  vars?: string[];
}

/** An assembled program, the form the kernel executes. */
export interface Program {
  name: string;
  /** Variable names; variable i lives at DATA_BASE + 8 * i in the task's data page(s). */
  vars: string[];
  /** Label name → index of the instruction it marks (may equal code.length: the end). */
  labels: Record<string, number>;
  code: Instruction[];
}

/** A mistake in a program source, reported by {@link assemble}. */
export class ProgramError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'ProgramError';
  }
}

/** The most variables one program may declare (8 data pages). */
export const MAX_VARS = 4096;

function valueVars(value: Value | undefined, into: (name: string) => void): void {
  if (value !== undefined && value.kind === 'var') into(value.name);
}

/** Every variable an instruction reads or writes, in field order. */
function instructionVars(item: Instruction, into: (name: string) => void): void {
  switch (item.op) {
    case 'nop':
    case 'open':
    case 'fork':
    case 'exec':
    case 'setgroups':
    case 'capset':
    case 'unshare':
    case 'getpid':
    case 'getuid':
    case 'unlink':
    case 'chmod':
      return;
    case 'set':
      into(item.dst);
      valueVars(item.value, into);
      return;
    case 'arith':
    case 'cmp':
      into(item.dst);
      valueVars(item.a, into);
      valueVars(item.b, into);
      return;
    case 'jump':
      valueVars(item.when?.a, into);
      valueVars(item.when?.b, into);
      return;
    case 'store':
      valueVars(item.addr, into);
      valueVars(item.offset, into);
      if ('value' in item.data) valueVars(item.data.value, into);
      return;
    case 'load':
      into(item.dst);
      valueVars(item.addr, into);
      valueVars(item.offset, into);
      return;
    case 'close':
      valueVars(item.fd, into);
      return;
    case 'read':
      valueVars(item.fd, into);
      valueVars(item.buf, into);
      valueVars(item.len, into);
      return;
    case 'write':
      valueVars(item.fd, into);
      valueVars(item.buf, into);
      valueVars(item.len, into);
      return;
    case 'dup':
      valueVars(item.fd, into);
      valueVars(item.to, into);
      return;
    case 'mmap':
      valueVars(item.pages, into);
      valueVars(item.fd, into);
      valueVars(item.pgoff, into);
      return;
    case 'munmap':
      valueVars(item.addr, into);
      valueVars(item.pages, into);
      return;
    case 'setresuid':
      valueVars(item.ruid, into);
      valueVars(item.euid, into);
      valueVars(item.suid, into);
      return;
    case 'setresgid':
      valueVars(item.rgid, into);
      valueVars(item.egid, into);
      valueVars(item.sgid, into);
      return;
    case 'freeze':
    case 'thaw':
    case 'ptrace':
      valueVars(item.pid, into);
      return;
    case 'prctl':
      if (item.option === 'set_securebits') valueVars(item.bits, into);
      return;
    case 'checkpoint':
      valueVars(item.pid, into);
      valueVars(item.fd, into);
      return;
    case 'restart':
      valueVars(item.crid, into);
      valueVars(item.fd, into);
      return;
    case 'print':
      for (const part of item.parts) {
        if ('value' in part) valueVars(part.value, into);
        if ('cstr' in part) {
          valueVars(part.cstr, into);
          valueVars(part.offset, into);
        }
      }
      return;
    case 'sleep':
      valueVars(item.ticks, into);
      return;
    case 'exit':
      valueVars(item.code, into);
      return;
  }
}

/**
 * An immediate operand the machine cannot hold (registers and memory are s64; flags u64), or
 * null: one that is not a finite integer, or is beyond 2^64 in magnitude (a u64 literal such as
 * 0xffffffffffffffff arrives as the double 2^64, so that one bound is inclusive).
 */
function badImmediate(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (record['kind'] === 'imm' && typeof record['value'] === 'number') {
    const imm = record['value'];
    return Number.isInteger(imm) && Math.abs(imm) <= 2 ** 64 ? null : imm;
  }
  for (const inner of Object.values(record)) {
    const bad = badImmediate(inner);
    if (bad !== null) return bad;
  }
  return null;
}

/**
 * Lower a program source to the executable form: resolve labels, allocate variable slots in
 * order of first mention, and split every system call's `dst` into a following
 * `set dst = regs[0]` (same source line). Throws {@link ProgramError} on duplicate or unknown
 * labels, on too many variables and on an immediate that is no 64-bit integer.
 */
export function assemble(source: ProgramSource): Program {
  const vars: string[] = [];
  const seen = new Set<string>();
  const addVar = (name: string): void => {
    if (!seen.has(name)) {
      seen.add(name);
      vars.push(name);
    }
  };
  for (const name of source.vars ?? []) addVar(name);

  const code: Instruction[] = [];
  const labels: Record<string, number> = {};
  for (const item of source.items) {
    if (item.op === 'label') {
      if (Object.hasOwn(labels, item.name)) {
        throw new ProgramError(`label '${item.name}' is defined twice`, item.line ?? null);
      }
      labels[item.name] = code.length;
      continue;
    }
    if (isSyscall(item) && 'dst' in item && item.dst !== undefined) {
      const { dst, ...call } = item;
      code.push(call as SyscallInstruction);
      const store: Instruction = { op: 'set', dst, value: reg(0) };
      if (item.line !== undefined) store.line = item.line;
      code.push(store);
      continue;
    }
    code.push(item);
  }
  for (const instruction of code) {
    const bad = badImmediate(instruction);
    if (bad !== null) {
      throw new ProgramError(
        `the immediate ${String(bad)} is not an integer of 64 bits`,
        instruction.line ?? null,
      );
    }
    instructionVars(instruction, addVar);
    if (instruction.op === 'jump' && !Object.hasOwn(labels, instruction.target)) {
      throw new ProgramError(`unknown label '${instruction.target}'`, instruction.line ?? null);
    }
  }
  if (vars.length > MAX_VARS) {
    throw new ProgramError(`too many variables (${vars.length}, at most ${MAX_VARS})`, null);
  }
  return { name: source.name, vars, labels, code };
}
