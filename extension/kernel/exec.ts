/**
 * The CPU of the lab machine: executes one program instruction per step. The pc moves past an
 * instruction before it runs (as a real CPU's instruction pointer does during a system call), so a
 * checkpoint taken inside a call saves the pc of the next instruction, and a restarted task
 * resumes there with the saved regs[0] as the call's return value.
 */
import { OFlag, PAGE_SIZE, Prot } from '../image/model';
import { decodeUtf8Lossy } from '../image/text-rules';
import { Cap, capSetOf } from './caps';
import type { CredChange } from './creds';
import {
  capable,
  capbsetDrop,
  capset,
  setSecurebits,
  setgroups,
  setresgid,
  setresuid,
} from './creds';
import type { Errno } from './errno';
import { ERRNO } from './errno';
import { checkpointToPath, sysCheckpoint } from './checkpoint';
import type { Machine } from './machine';
import { DATA_BASE, vmFlagsFor, type AccessFailure } from './mm';
import type { CmpOp, Instruction, PrintPart, Program, SyscallInstruction, Value } from './program';
import { sysRestart } from './restart';
import type { Task } from './task';
import { activeNs, globalPid, pidIn } from './task';
import type { CallOutcome, StepOutcome } from './types';

/** The most bytes one read or write moves (Linux's MAX_RW_COUNT, scaled to the lab): a short count beyond. */
export const MAX_RW_COUNT = 1 << 20;

/** The largest single mapping a program may ask for (4 GiB): more is EINVAL, not a hang. */
export const MAX_MMAP_PAGES = 1 << 20;

/** A fault that kills the task (SIGSEGV for a bad address, SIGFPE for division by zero, OOM). */
export class Fault {
  constructor(
    readonly message: string,
    readonly exitCode: number,
  ) {}
}

const neg = (errno: Errno): number => -ERRNO[errno];

/** SIGBUS (7): a load or store to a page of a file mapping past the end of its file. */
const SIGBUS_EXIT = 128 + 7;

/** The fault a task's own load or store at `addr` takes when the access failed. */
function accessFault(failure: AccessFailure, what: 'reading' | 'writing', addr: number): Fault {
  if (failure.signal === 'SIGBUS') return new Fault(`SIGBUS: ${failure.reason}`, SIGBUS_EXIT);
  if (failure.errno === 'ENOMEM')
    return new Fault('out of memory: the machine memory limit is reached', 137);
  return new Fault(`segmentation fault ${what} 0x${addr.toString(16)}`, 139);
}

/** Wrap a number to s64 the way the machine's registers and memory hold it. */
function toS64(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

/** Each program's variable slots by name (programs are immutable once assembled). */
const slotsOf = new WeakMap<Program, Map<string, number>>();

function varAddress(task: Task, name: string): number {
  const program = task.program;
  let slots = program === null ? undefined : slotsOf.get(program);
  if (program !== null && slots === undefined) {
    slots = new Map(program.vars.map((variable, index) => [variable, index]));
    slotsOf.set(program, slots);
  }
  const index = slots?.get(name);
  if (index === undefined) throw new Fault(`unknown variable ${name}`, 139);
  return DATA_BASE + index * 8;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * The resident page holding the 8-byte slot at `addr`, if touched and the slot does not cross
 * a page. The slot's bytes are read and written in place, a byte at a time: pages may be views
 * at any alignment (restored pages), and this path runs once or twice per instruction.
 */
export function residentPage(task: Task, addr: number): Uint8Array | null {
  if (addr % PAGE_SIZE > PAGE_SIZE - 8) return null;
  // A resident page implies a mapping: unmap drops the pages of the range it removes.
  return task.mm.pages.get(Math.floor(addr / PAGE_SIZE)) ?? null;
}

function u32In(page: Uint8Array, at: number): number {
  return (
    ((page[at] as number) |
      ((page[at + 1] as number) << 8) |
      ((page[at + 2] as number) << 16) |
      ((page[at + 3] as number) << 24)) >>>
    0
  );
}

function setU32In(page: Uint8Array, at: number, value: number): void {
  page[at] = value & 0xff;
  page[at + 1] = (value >>> 8) & 0xff;
  page[at + 2] = (value >>> 16) & 0xff;
  page[at + 3] = (value >>> 24) & 0xff;
}

/** Read a variable's 8-byte slot (s64, little-endian) from task memory. */
export function readVar(task: Task, name: string): number {
  const addr = varAddress(task, name);
  const page = residentPage(task, addr);
  if (page !== null) {
    // Fast path for the hot loop: exact for every value below 2^53 in magnitude.
    const at = addr % PAGE_SIZE;
    const high = u32In(page, at + 4) | 0;
    if (Math.abs(high) < 0x20_0000) return high * TWO_POW_32 + u32In(page, at);
    return toS64(new DataView(page.buffer, page.byteOffset + at, 8).getBigInt64(0, true));
  }
  const bytes = task.mm.read(addr, 8, false);
  if (!bytes.ok) throw new Fault(`segmentation fault reading ${name}`, 139);
  return toS64(new DataView(bytes.value.buffer).getBigInt64(0, true));
}

/** Write a variable's 8-byte slot (s64, little-endian) in task memory. */
export function writeVar(task: Task, name: string, value: number): void {
  const addr = varAddress(task, name);
  const integer = Math.trunc(value);
  const page = residentPage(task, addr);
  if (page !== null && Number.isSafeInteger(integer)) {
    const at = addr % PAGE_SIZE;
    const high = Math.floor(integer / TWO_POW_32);
    setU32In(page, at, integer - high * TWO_POW_32);
    setU32In(page, at + 4, high >>> 0);
    return;
  }
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, BigInt.asIntN(64, BigInt(integer)), true);
  const written = task.mm.write(addr, bytes, false);
  if (!written.ok) {
    throw new Fault(
      written.errno === 'ENOMEM' ? 'out of memory' : `segmentation fault writing ${name}`,
      written.errno === 'ENOMEM' ? 137 : 139,
    );
  }
}

function valueOf(task: Task, value: Value): number {
  switch (value.kind) {
    case 'imm':
      return value.value;
    case 'var':
      return readVar(task, value.name);
    case 'reg':
      return task.regs[value.index] ?? 0;
  }
}

function compare(fn: CmpOp, a: number, b: number): boolean {
  switch (fn) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
  }
}

export function arithmetic(fn: string, a: number, b: number): number {
  // Plain numbers while the result stays exact; s64 wrap-around through BigInt otherwise.
  // (Operands are integers below 2^53 in magnitude: registers and memory hold nothing else.)
  if (fn === 'add' || fn === 'sub' || fn === 'mul') {
    const x = Math.trunc(a);
    const y = Math.trunc(b);
    // A product of safe integers that is itself safe is exact: rounding is monotonic, so a
    // true product at or past 2^53 never rounds down into the safe range.
    const quick = fn === 'add' ? x + y : fn === 'sub' ? x - y : x * y;
    if (Number.isSafeInteger(quick)) return quick === 0 ? 0 : quick;
  } else if ((fn === 'div' || fn === 'mod') && b !== 0) {
    const x = Math.trunc(a);
    const y = Math.trunc(b);
    // Below 2^31 in magnitude a double division is exact after truncation (C's rounding
    // toward zero), and % is C's remainder; larger operands take the BigInt path.
    if (Math.abs(x) < 0x8000_0000 && Math.abs(y) < 0x8000_0000) {
      const quick = fn === 'div' ? Math.trunc(x / y) : x % y;
      return quick === 0 ? 0 : quick;
    }
  }
  const x = BigInt(Math.trunc(a));
  const y = BigInt(Math.trunc(b));
  switch (fn) {
    case 'add':
      return toS64(x + y);
    case 'sub':
      return toS64(x - y);
    case 'mul':
      return toS64(x * y);
    case 'div':
      if (y === 0n) throw new Fault('division by zero', 136);
      return toS64(x / y);
    case 'mod':
      if (y === 0n) throw new Fault('division by zero', 136);
      return toS64(x % y);
    case 'and':
      return toS64(x & y);
    case 'or':
      return toS64(x | y);
    default:
      return toS64(x ^ y);
  }
}

/** The NUL-terminated string at `addr` (at most one page), as the task can read it. */
function readCString(task: Task, addr: number): string {
  const out: number[] = [];
  for (let at = addr; out.length < PAGE_SIZE; at++) {
    const byte = task.mm.read(at, 1);
    if (!byte.ok) throw accessFault(byte, 'reading', at);
    const value = byte.value[0] ?? 0;
    if (value === 0) break;
    out.push(value);
  }
  return decodeUtf8Lossy(Uint8Array.from(out));
}

function printText(task: Task, parts: PrintPart[]): string {
  return parts
    .map((part) => {
      if ('text' in part) return part.text;
      if ('value' in part) return String(valueOf(task, part.value));
      return readCString(
        task,
        valueOf(task, part.cstr) + (part.offset !== undefined ? valueOf(task, part.offset) : 0),
      );
    })
    .join('');
}

function applyCred(task: Task, change: CredChange): number {
  if (!change.ok) return neg(change.errno);
  task.cred = change.cred;
  return 0;
}

/** What a system call did besides its return value. */
interface SyscallEffect {
  ret: number;
  /** The call replaced the task's context (exec, exit, restart into the caller): leave regs alone. */
  replaced?: boolean;
  call?: CallOutcome;
}

function sysWrite(
  machine: Machine,
  task: Task,
  ins: Extract<SyscallInstruction, { op: 'write' }>,
): SyscallEffect {
  const entry = task.files.get(valueOf(task, ins.fd));
  if (entry === null || !entry.file.writable) return { ret: neg('EBADF') };
  let data: Uint8Array;
  if (ins.text !== undefined) data = new TextEncoder().encode(ins.text);
  else if (ins.buf !== undefined && ins.len !== undefined) {
    const bytes = task.mm.read(
      valueOf(task, ins.buf),
      Math.min(MAX_RW_COUNT, Math.max(0, valueOf(task, ins.len))),
    );
    if (!bytes.ok) return { ret: neg('EFAULT') };
    data = bytes.value;
  } else if (ins.buf !== undefined)
    data = new TextEncoder().encode(readCString(task, valueOf(task, ins.buf)));
  else data = new Uint8Array(0);
  // /dev/null swallows what is written to it.
  if (entry.file.path === '/dev/null') return { ret: data.length };
  const written = entry.file.write(data, machine.limits.fileSizeBytes);
  return { ret: written.ok ? written.value : neg(written.errno) };
}

function sysRead(task: Task, ins: Extract<SyscallInstruction, { op: 'read' }>): SyscallEffect {
  const entry = task.files.get(valueOf(task, ins.fd));
  if (entry === null || !entry.file.readable) return { ret: neg('EBADF') };
  if (entry.file.inode.kind === 'dir') return { ret: neg('EISDIR') };
  const position = entry.file.pos;
  const bytes = entry.file.read(Math.min(MAX_RW_COUNT, Math.max(0, valueOf(task, ins.len))));
  const written = task.mm.write(valueOf(task, ins.buf), bytes);
  if (!written.ok) {
    entry.file.pos = position;
    return { ret: neg(written.errno === 'ENOMEM' ? 'ENOMEM' : 'EFAULT') };
  }
  return { ret: bytes.length };
}

function sysMmap(task: Task, ins: Extract<SyscallInstruction, { op: 'mmap' }>): SyscallEffect {
  const pages = valueOf(task, ins.pages);
  if (!Number.isInteger(pages) || pages <= 0 || pages > MAX_MMAP_PAGES)
    return { ret: neg('EINVAL') };
  if ((ins.prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)) !== 0) return { ret: neg('EINVAL') };
  const shared = ins.shared === true;
  let file = null;
  let path: string | null = null;
  let pgoff = 0;
  if (ins.fd !== undefined) {
    const entry = task.files.get(valueOf(task, ins.fd));
    if (entry === null) return { ret: neg('EBADF') };
    if (entry.file.inode.kind !== 'file') return { ret: neg('ENODEV') };
    if (!entry.file.readable) return { ret: neg('EACCES') };
    if (shared && (ins.prot & Prot.WRITE) !== 0 && !entry.file.writable)
      return { ret: neg('EACCES') };
    file = entry.file.inode;
    path = entry.file.path;
    pgoff = ins.pgoff !== undefined ? valueOf(task, ins.pgoff) : 0;
  }
  const start = task.mm.findFreeRange(pages);
  if (start === null) return { ret: neg('ENOMEM') };
  const inserted = task.mm.insertVma({
    start,
    end: start + pages * PAGE_SIZE,
    prot: ins.prot,
    flags: vmFlagsFor(ins.prot, shared),
    file,
    path,
    pgoff,
  });
  return { ret: inserted.ok ? start : neg(inserted.errno) };
}

function sysDup(task: Task, ins: Extract<SyscallInstruction, { op: 'dup' }>): SyscallEffect {
  const entry = task.files.get(valueOf(task, ins.fd));
  if (entry === null) return { ret: neg('EBADF') };
  let target: number | null;
  if (ins.to !== undefined) {
    target = valueOf(task, ins.to);
    if (!Number.isInteger(target) || target < 0 || target >= 1024) return { ret: neg('EBADF') };
  } else target = task.files.lowestFree();
  if (target === null) return { ret: neg('EMFILE') };
  task.files.install(target, entry.file, false);
  return { ret: target };
}

function sysFreeze(machine: Machine, task: Task, pidValue: Value, frozen: boolean): SyscallEffect {
  const target = machine.findTaskInNs(task, valueOf(task, pidValue));
  if (target === null) return { ret: neg('ESRCH') };
  if (!machine.mayFreeze(task.cred, target)) return { ret: neg('EPERM') };
  machine.setFrozen(target, frozen);
  return { ret: 0 };
}

/** sys_checkpoint from a program: with `path`, the kernel opens the image file around the call. */
function sysCheckpointFromProgram(
  machine: Machine,
  task: Task,
  ins: Extract<SyscallInstruction, { op: 'checkpoint' }>,
): SyscallEffect {
  const pid = valueOf(task, ins.pid);
  if (ins.path === undefined) {
    const call = sysCheckpoint(
      machine,
      task,
      pid,
      ins.fd !== undefined ? valueOf(task, ins.fd) : -1,
      ins.flags,
    );
    return { ret: call.ret, call };
  }
  const done = checkpointToPath(machine, task, pid, ins.path, ins.flags);
  if (!done.ok) return { ret: neg(done.errno) };
  return { ret: done.outcome.ret, call: done.outcome };
}

function sysRestartFromProgram(
  machine: Machine,
  task: Task,
  ins: Extract<SyscallInstruction, { op: 'restart' }>,
): SyscallEffect {
  const crid = ins.crid !== undefined ? valueOf(task, ins.crid) : 0;
  if (ins.path === undefined) {
    const call = sysRestart(
      machine,
      task,
      crid,
      ins.fd !== undefined ? valueOf(task, ins.fd) : -1,
      ins.flags,
    );
    return { ret: call.ret, call, replaced: call.restoredIntoCaller === true };
  }
  const fd = machine.open(task, ins.path, OFlag.RDONLY, 0);
  if (!fd.ok) return { ret: neg(fd.errno) };
  const call = sysRestart(machine, task, crid, fd.value, ins.flags);
  if (call.restoredIntoCaller === true) return { ret: 0, call, replaced: true };
  task.files.close(fd.value);
  return { ret: call.ret, call };
}

function syscall(machine: Machine, task: Task, ins: SyscallInstruction): SyscallEffect {
  switch (ins.op) {
    case 'open': {
      const fd = machine.open(task, ins.path, ins.flags, ins.mode ?? 0o644);
      return { ret: fd.ok ? fd.value : neg(fd.errno) };
    }
    case 'close':
      return { ret: task.files.close(valueOf(task, ins.fd)) ? 0 : neg('EBADF') };
    case 'read':
      return sysRead(task, ins);
    case 'write':
      return sysWrite(machine, task, ins);
    case 'dup':
      return sysDup(task, ins);
    case 'mmap':
      return sysMmap(task, ins);
    case 'munmap': {
      const addr = valueOf(task, ins.addr);
      const pages = valueOf(task, ins.pages);
      if (addr % PAGE_SIZE !== 0 || pages <= 0) return { ret: neg('EINVAL') };
      task.mm.unmap(addr, pages);
      return { ret: 0 };
    }
    case 'fork': {
      const child = machine.fork(task);
      if (!child.ok) return { ret: neg(child.errno) };
      child.value.regs[0] = 0;
      return { ret: pidIn(child.value, activeNs(task)) ?? 0 };
    }
    case 'exec': {
      const inode = machine.resolveExec(task, ins.path);
      if (!inode.ok) return { ret: neg(inode.errno) };
      machine.execInto(task, inode.value, ins.path);
      return { ret: 0, replaced: true };
    }
    case 'setresuid':
      return {
        ret: applyCred(
          task,
          setresuid(
            task.cred,
            valueOf(task, ins.ruid),
            valueOf(task, ins.euid),
            valueOf(task, ins.suid),
          ),
        ),
      };
    case 'setresgid':
      return {
        ret: applyCred(
          task,
          setresgid(
            task.cred,
            valueOf(task, ins.rgid),
            valueOf(task, ins.egid),
            valueOf(task, ins.sgid),
          ),
        ),
      };
    case 'setgroups':
      return { ret: applyCred(task, setgroups(task.cred, ins.groups)) };
    case 'capset': {
      const all = [...ins.effective, ...ins.permitted, ...ins.inheritable];
      if (all.some((cap) => !Number.isInteger(cap) || cap < 0 || cap > 40))
        return { ret: neg('EINVAL') };
      return {
        ret: applyCred(
          task,
          capset(
            task.cred,
            capSetOf(ins.effective),
            capSetOf(ins.permitted),
            capSetOf(ins.inheritable),
          ),
        ),
      };
    }
    case 'unshare':
      if (!capable(task.cred, Cap.SYS_ADMIN)) return { ret: neg('EPERM') };
      task.childPidNamespacePending = true;
      return { ret: 0 };
    case 'prctl':
      return {
        ret: applyCred(
          task,
          ins.option === 'capbset_drop'
            ? capbsetDrop(task.cred, ins.caps)
            : setSecurebits(task.cred, valueOf(task, ins.bits)),
        ),
      };
    case 'ptrace': {
      const target = machine.findTaskInNs(task, valueOf(task, ins.pid));
      const done =
        ins.request === 'attach'
          ? machine.ptraceAttach(task, target)
          : machine.ptraceDetach(task, target);
      return { ret: done.ok ? 0 : neg(done.errno) };
    }
    case 'freeze':
      return sysFreeze(machine, task, ins.pid, true);
    case 'thaw':
      return sysFreeze(machine, task, ins.pid, false);
    case 'checkpoint':
      return sysCheckpointFromProgram(machine, task, ins);
    case 'restart':
      return sysRestartFromProgram(machine, task, ins);
    case 'print':
      machine.print(task, printText(task, ins.parts));
      return { ret: 0 };
    case 'sleep': {
      const ticks = valueOf(task, ins.ticks);
      if (ticks > 0) {
        task.runState = 'sleeping';
        task.sleepTicks = ticks;
      }
      return { ret: 0 };
    }
    case 'exit':
      machine.exit(task, valueOf(task, ins.code));
      return { ret: 0, replaced: true };
    case 'unlink': {
      const removed = machine.vfs.unlink(task.cred, ins.path);
      return { ret: removed.ok ? 0 : neg(removed.errno) };
    }
    case 'chmod': {
      const changed = machine.vfs.chmod(task.cred, ins.path, ins.mode);
      return { ret: changed.ok ? 0 : neg(changed.errno) };
    }
    case 'getpid':
      return { ret: pidIn(task, activeNs(task)) ?? 0 };
    case 'getuid':
      return { ret: task.cred.uid };
  }
}

function compute(task: Task, ins: Exclude<Instruction, SyscallInstruction>): void {
  switch (ins.op) {
    case 'nop':
      return;
    case 'set':
      writeVar(task, ins.dst, valueOf(task, ins.value));
      return;
    case 'arith':
      writeVar(task, ins.dst, arithmetic(ins.fn, valueOf(task, ins.a), valueOf(task, ins.b)));
      return;
    case 'cmp':
      writeVar(task, ins.dst, compare(ins.fn, valueOf(task, ins.a), valueOf(task, ins.b)) ? 1 : 0);
      return;
    case 'jump':
      if (
        ins.when === undefined ||
        compare(ins.when.fn, valueOf(task, ins.when.a), valueOf(task, ins.when.b))
      ) {
        task.pc = task.program?.labels[ins.target] ?? task.pc;
      }
      return;
    case 'store': {
      const addr =
        valueOf(task, ins.addr) + (ins.offset !== undefined ? valueOf(task, ins.offset) : 0);
      let bytes: Uint8Array;
      if ('text' in ins.data) {
        const text = new TextEncoder().encode(ins.data.text);
        bytes = new Uint8Array(text.length + 1);
        bytes.set(text);
      } else {
        bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigInt64(
          0,
          BigInt.asIntN(64, BigInt(Math.trunc(valueOf(task, ins.data.value)))),
          true,
        );
      }
      const written = task.mm.write(addr, bytes);
      if (!written.ok) throw accessFault(written, 'writing', addr);
      return;
    }
    case 'load': {
      const addr =
        valueOf(task, ins.addr) + (ins.offset !== undefined ? valueOf(task, ins.offset) : 0);
      const bytes = task.mm.read(addr, 8);
      if (!bytes.ok) throw accessFault(bytes, 'reading', addr);
      writeVar(task, ins.dst, toS64(new DataView(bytes.value.buffer).getBigInt64(0, true)));
      return;
    }
  }
}

function isSyscallInstruction(ins: Instruction): ins is SyscallInstruction {
  switch (ins.op) {
    case 'nop':
    case 'set':
    case 'arith':
    case 'cmp':
    case 'jump':
    case 'store':
    case 'load':
      return false;
    default:
      return true;
  }
}

/** Execute one instruction of `task`. */
export function step(machine: Machine, task: Task): StepOutcome {
  const pid = globalPid(task);
  const pc = task.pc;
  if (task.zombie) return { pid, status: 'exited', pc, instruction: null };
  if (task.frozen || task.runState === 'stopped')
    return { pid, status: 'blocked', pc, instruction: null };
  if (task.runState === 'sleeping') {
    if (task.sleepTicks > 0) {
      task.sleepTicks--;
      if (task.sleepTicks === 0) task.runState = 'running';
      return { pid, status: 'sleeping', pc, instruction: null };
    }
    task.runState = 'running';
  }
  const program = task.program;
  const instruction = program?.code[pc];
  if (program === null || instruction === undefined) {
    machine.exit(task, 0);
    return { pid, status: 'exited', pc, instruction: null };
  }
  task.pc = pc + 1;
  try {
    if (!isSyscallInstruction(instruction)) {
      compute(task, instruction);
      return { pid, status: 'ran', pc, instruction };
    }
    const effect = syscall(machine, task, instruction);
    if (!effect.replaced) task.regs[0] = effect.ret;
    const outcome: StepOutcome = {
      pid,
      status: task.zombie ? 'exited' : 'ran',
      pc,
      instruction,
      ret: effect.ret,
    };
    if (effect.call !== undefined) outcome.call = effect.call;
    return outcome;
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    machine.print(task, `killed: ${error.message}`);
    machine.exit(task, error.exitCode);
    return { pid, status: 'killed', pc, instruction };
  }
}
