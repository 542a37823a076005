/**
 * The program IR as text, one line per instruction, for the debugger's Disassembly view and for
 * frames of programs that have no source (the default world's `sh`, `passwd`, `counter`).
 * System calls read as C calls (`open("/etc/shadow", O_RDWR)`); computations as the language
 * writes them (`set n = n + 1`, `if n < 3 goto loop`); registers as `r0`..`r15`.
 */
import { FLAG_NAMES, PAGE_SIZE, displayOpenFlags, flagNames } from '../image/index';
import type { ArithOp, CmpOp, Instruction, PrintPart, Value } from '../kernel/index';
import { O_CLOEXEC, flagsHex } from '../kernel/index';

const ARITH_SYMBOLS: Record<ArithOp, string> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  mod: '%',
  and: '&',
  or: '|',
  xor: '^',
};

const CMP_SYMBOLS: Record<CmpOp, string> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

/** An operand: a literal, a variable name, or a register `rN`. */
export function formatOperand(value: Value): string {
  switch (value.kind) {
    case 'imm':
      return String(value.value);
    case 'var':
      return value.name;
    case 'reg':
      return `r${value.index}`;
  }
}

function quoted(text: string): string {
  return JSON.stringify(text);
}

function address(base: Value, offset: Value | undefined): string {
  return offset === undefined
    ? formatOperand(base)
    : `${formatOperand(base)} + ${formatOperand(offset)}`;
}

function openFlags(flags: number): string {
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const text = displayOpenFlags(flags & ~O_CLOEXEC);
  return cloexec ? `${text} | O_CLOEXEC` : text;
}

function printParts(parts: readonly PrintPart[]): string {
  return parts
    .map((part) => {
      if ('text' in part) return quoted(part.text);
      if ('value' in part) return formatOperand(part.value);
      return `(char *)${address(part.cstr, part.offset)}`;
    })
    .join(', ');
}

/** A count of pages as the byte length the C call takes: `0x2000`, or `n * 4096`. */
function bytesOf(pages: Value): string {
  return pages.kind === 'imm'
    ? `0x${(pages.value * PAGE_SIZE).toString(16)}`
    : `${formatOperand(pages)} * ${PAGE_SIZE}`;
}

function call(name: string, ...args: string[]): string {
  return `${name}(${args.join(', ')})`;
}

/** One instruction as text. */
export function disassemble(instruction: Instruction): string {
  switch (instruction.op) {
    case 'nop':
      return 'nop';
    case 'set':
      return `set ${instruction.dst} = ${formatOperand(instruction.value)}`;
    case 'arith':
    case 'cmp': {
      const symbol =
        instruction.op === 'arith' ? ARITH_SYMBOLS[instruction.fn] : CMP_SYMBOLS[instruction.fn];
      return `set ${instruction.dst} = ${formatOperand(instruction.a)} ${symbol} ${formatOperand(instruction.b)}`;
    }
    case 'jump': {
      const when = instruction.when;
      return when === undefined
        ? `goto ${instruction.target}`
        : `if ${formatOperand(when.a)} ${CMP_SYMBOLS[when.fn]} ${formatOperand(when.b)} goto ${instruction.target}`;
    }
    case 'store': {
      const data =
        'text' in instruction.data
          ? quoted(instruction.data.text)
          : formatOperand(instruction.data.value);
      return `store [${address(instruction.addr, instruction.offset)}] = ${data}`;
    }
    case 'load':
      return `load ${instruction.dst} = [${address(instruction.addr, instruction.offset)}]`;
    case 'open': {
      const args = [quoted(instruction.path), openFlags(instruction.flags)];
      if (instruction.mode !== undefined) args.push(`0${instruction.mode.toString(8)}`);
      return call('open', ...args);
    }
    case 'close':
      return call('close', formatOperand(instruction.fd));
    case 'read':
      return call(
        'read',
        formatOperand(instruction.fd),
        formatOperand(instruction.buf),
        formatOperand(instruction.len),
      );
    case 'write': {
      const args = [formatOperand(instruction.fd)];
      if (instruction.text !== undefined) args.push(quoted(instruction.text));
      if (instruction.buf !== undefined) args.push(formatOperand(instruction.buf));
      if (instruction.len !== undefined) args.push(formatOperand(instruction.len));
      return call('write', ...args);
    }
    case 'dup':
      return instruction.to === undefined
        ? call('dup', formatOperand(instruction.fd))
        : call('dup2', formatOperand(instruction.fd), formatOperand(instruction.to));
    case 'mmap': {
      const sharing = instruction.shared === true ? 'MAP_SHARED' : 'MAP_PRIVATE';
      const prot = flagNames(instruction.prot, FLAG_NAMES.prot).replace(/^0$/, 'PROT_NONE');
      const length = bytesOf(instruction.pages);
      return instruction.fd === undefined
        ? call('mmap', 'NULL', length, prot, `${sharing} | MAP_ANONYMOUS`, '-1', '0')
        : call(
            'mmap',
            'NULL',
            length,
            prot,
            sharing,
            formatOperand(instruction.fd),
            instruction.pgoff === undefined ? '0' : bytesOf(instruction.pgoff),
          );
    }
    case 'munmap':
      return call('munmap', formatOperand(instruction.addr), bytesOf(instruction.pages));
    case 'fork':
    case 'getpid':
    case 'getuid':
      return call(instruction.op);
    case 'exec':
      return call('execve', quoted(instruction.path));
    case 'setresuid':
      return call(
        'setresuid',
        formatOperand(instruction.ruid),
        formatOperand(instruction.euid),
        formatOperand(instruction.suid),
      );
    case 'setresgid':
      return call(
        'setresgid',
        formatOperand(instruction.rgid),
        formatOperand(instruction.egid),
        formatOperand(instruction.sgid),
      );
    case 'setgroups':
      return call('setgroups', `[${instruction.groups.join(', ')}]`);
    case 'capset':
      return call(
        'capset',
        `effective=[${instruction.effective.join(',')}]`,
        `permitted=[${instruction.permitted.join(',')}]`,
        `inheritable=[${instruction.inheritable.join(',')}]`,
      );
    case 'unshare':
      return call('unshare', 'CLONE_NEWPID');
    case 'prctl':
      return instruction.option === 'capbset_drop'
        ? call('prctl', 'PR_CAPBSET_DROP', `[${instruction.caps.join(', ')}]`)
        : call('prctl', 'PR_SET_SECUREBITS', formatOperand(instruction.bits));
    case 'ptrace':
      return call(
        'ptrace',
        instruction.request === 'attach' ? 'PTRACE_ATTACH' : 'PTRACE_DETACH',
        formatOperand(instruction.pid),
      );
    case 'freeze':
    case 'thaw':
      return call(instruction.op, formatOperand(instruction.pid));
    case 'checkpoint': {
      const target =
        instruction.path !== undefined
          ? quoted(instruction.path)
          : formatOperand(instruction.fd ?? { kind: 'imm', value: -1 });
      return call(
        'checkpoint',
        formatOperand(instruction.pid),
        target,
        flagsHex(instruction.flags),
      );
    }
    case 'restart': {
      const source =
        instruction.path !== undefined
          ? quoted(instruction.path)
          : formatOperand(instruction.fd ?? { kind: 'imm', value: -1 });
      const crid = instruction.crid === undefined ? '0' : formatOperand(instruction.crid);
      return call('restart', crid, source, flagsHex(instruction.flags));
    }
    case 'print':
      return call('print', printParts(instruction.parts));
    case 'sleep':
      return call('sleep', formatOperand(instruction.ticks));
    case 'exit':
      return call('exit', formatOperand(instruction.code));
    case 'unlink':
      return call('unlink', quoted(instruction.path));
    case 'chmod':
      return call('chmod', quoted(instruction.path), `0${instruction.mode.toString(8)}`);
  }
}
