/**
 * Lowers a parsed `program ... end` block to the kernel's program IR (kernel/program.ts).
 *
 * Variables keep their names: the kernel gives each one an 8-byte slot in the task's memory, so
 * a checkpoint captures them and a restart brings them back. Nested expressions need
 * intermediate values; those live in memory slots too, named `$1`, `$2`, ... (names no scenario
 * can write, so they never clash with the author's variables).
 */
import type { ArithOp, CmpOp, PrintPart, ProgramSource, SourceItem, Value } from '../kernel/index';
import { imm, v } from '../kernel/index';
import type { BinaryOp, Datum, Expr, Instruction, Name, Program } from './ast';

/** Ids the compiler may need to turn names into numbers (`setresuid hallyn hallyn hallyn`). */
export interface IdTables {
  users: ReadonlyMap<string, number>;
  groups: ReadonlyMap<string, number>;
}

const ARITH: Partial<Record<BinaryOp, ArithOp>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
};
const COMPARE: Partial<Record<BinaryOp, CmpOp>> = {
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

const PROT_BITS: Record<string, number> = { r: 1, w: 2, x: 4 };
const ACCESS_FLAGS = { r: 0, w: 1, rw: 2 } as const;
const O_CREAT = 0x40;
const O_TRUNC = 0x200;
const O_APPEND = 0x400;

/** Variables a program assigns with `mmap` only: `print buf` prints the string they point at. */
function addressVariables(program: Program): Set<string> {
  const addresses = new Set<string>();
  const others = new Set<string>();
  for (const instruction of program.instructions) {
    const target = 'target' in instruction ? instruction.target : undefined;
    if (target === undefined) continue;
    (instruction.op === 'mmap' ? addresses : others).add(target.text);
  }
  others.forEach((name) => addresses.delete(name));
  return addresses;
}

export function compileProgram(program: Program, ids: IdTables): ProgramSource {
  const items: SourceItem[] = [];
  let temporaries = 0;
  const addresses = addressVariables(program);
  const labelsAt = new Map<number, string[]>();
  program.labels.forEach(({ index }, name) => {
    labelsAt.set(index, [...(labelsAt.get(index) ?? []), name]);
  });

  const emit = (item: SourceItem, line: number): void => {
    items.push({ ...item, line } as SourceItem);
  };

  /** An operand for `expr`, emitting instructions for any intermediate value. */
  const operand = (expr: Expr, line: number, idNames?: ReadonlyMap<string, number>): Value => {
    switch (expr.kind) {
      case 'int':
        return imm(expr.value);
      case 'name': {
        const id = idNames?.get(expr.name);
        const isVariable = program.instructions.some(
          (i) =>
            ('target' in i && i.target?.text === expr.name) ||
            (i.op === 'set' && i.target.text === expr.name),
        );
        if (!isVariable && id !== undefined) return imm(id);
        return v(expr.name);
      }
      case 'neg': {
        const dst = `$${++temporaries}`;
        emit({ op: 'arith', dst, fn: 'sub', a: imm(0), b: operand(expr.operand, line) }, line);
        return v(dst);
      }
      case 'binary': {
        const dst = `$${++temporaries}`;
        computeInto(dst, expr, line);
        return v(dst);
      }
    }
  };

  const computeInto = (dst: string, expr: Expr, line: number): void => {
    if (expr.kind !== 'binary') {
      emit({ op: 'set', dst, value: operand(expr, line) }, line);
      return;
    }
    const a = operand(expr.left, line);
    const b = operand(expr.right, line);
    const arith = ARITH[expr.op];
    if (arith !== undefined) emit({ op: 'arith', dst, fn: arith, a, b }, line);
    else emit({ op: 'cmp', dst, fn: COMPARE[expr.op] ?? 'ne', a, b }, line);
  };

  const printPart = (datum: Datum, line: number): PrintPart => {
    if (datum.kind === 'string') return { text: datum.value };
    if (datum.kind === 'name' && addresses.has(datum.name)) return { cstr: v(datum.name) };
    return { value: operand(datum, line) };
  };

  const withDst = (item: SourceItem, target: Name | undefined): SourceItem =>
    target === undefined ? item : ({ ...item, dst: target.text } as SourceItem);

  const lower = (instruction: Instruction): void => {
    const line = instruction.line;
    switch (instruction.op) {
      case 'set':
        computeInto(instruction.target.text, instruction.value, line);
        return;
      case 'goto':
        emit({ op: 'jump', target: instruction.label.text }, line);
        return;
      case 'if': {
        const condition = instruction.condition;
        const fn = condition.kind === 'binary' ? COMPARE[condition.op] : undefined;
        if (condition.kind === 'binary' && fn !== undefined) {
          const a = operand(condition.left, line);
          const b = operand(condition.right, line);
          emit({ op: 'jump', target: instruction.label.text, when: { fn, a, b } }, line);
        } else {
          // Anything else is true when not zero, as in C.
          const a = operand(condition, line);
          emit(
            { op: 'jump', target: instruction.label.text, when: { fn: 'ne', a, b: imm(0) } },
            line,
          );
        }
        return;
      }
      case 'open': {
        let flags: number = ACCESS_FLAGS[instruction.access];
        if (instruction.create) flags |= O_CREAT;
        if (instruction.truncate) flags |= O_TRUNC;
        if (instruction.append) flags |= O_APPEND;
        const call: SourceItem = { op: 'open', path: instruction.path.path, flags };
        if (instruction.create) call.mode = 0o644;
        emit(withDst(call, instruction.target), line);
        return;
      }
      case 'close':
        emit(withDst({ op: 'close', fd: operand(instruction.fd, line) }, instruction.target), line);
        return;
      case 'read': {
        const fd = operand(instruction.fd, line);
        const buf = operand(instruction.buffer, line);
        const len = operand(instruction.count, line);
        emit(withDst({ op: 'read', fd, buf, len }, instruction.target), line);
        return;
      }
      case 'write': {
        const fd = operand(instruction.fd, line);
        const call: SourceItem =
          instruction.data.kind === 'string'
            ? { op: 'write', fd, text: instruction.data.value }
            : { op: 'write', fd, buf: operand(instruction.data, line) };
        if (instruction.count !== undefined) call.len = operand(instruction.count, line);
        emit(withDst(call, instruction.target), line);
        return;
      }
      case 'dup':
        emit(withDst({ op: 'dup', fd: operand(instruction.fd, line) }, instruction.target), line);
        return;
      case 'mmap': {
        let prot = 0;
        for (const letter of instruction.prot) prot |= PROT_BITS[letter] ?? 0;
        const call: SourceItem = {
          op: 'mmap',
          pages: operand(instruction.pages, line),
          prot,
          shared: instruction.shared,
        };
        if (instruction.fd !== undefined) call.fd = operand(instruction.fd, line);
        emit(withDst(call, instruction.target), line);
        return;
      }
      case 'munmap': {
        const addr = operand(instruction.address, line);
        const pages = operand(instruction.pages, line);
        emit(withDst({ op: 'munmap', addr, pages }, instruction.target), line);
        return;
      }
      case 'store': {
        const addr = operand(instruction.address, line);
        const data =
          instruction.data.kind === 'string'
            ? { text: instruction.data.value }
            : { value: operand(instruction.data, line) };
        emit({ op: 'store', addr, data }, line);
        return;
      }
      case 'load':
        emit(
          { op: 'load', dst: instruction.target.text, addr: operand(instruction.address, line) },
          line,
        );
        return;
      case 'fork':
        emit(withDst({ op: 'fork' }, instruction.target), line);
        return;
      case 'exec':
        emit(withDst({ op: 'exec', path: instruction.path.path }, instruction.target), line);
        return;
      case 'seteuid':
      case 'setegid': {
        const table = instruction.op === 'seteuid' ? ids.users : ids.groups;
        const id = operand(instruction.id, line, table);
        const call: SourceItem =
          instruction.op === 'seteuid'
            ? { op: 'setresuid', ruid: imm(-1), euid: id, suid: imm(-1) }
            : { op: 'setresgid', rgid: imm(-1), egid: id, sgid: imm(-1) };
        emit(withDst(call, instruction.target), line);
        return;
      }
      case 'setresuid': {
        const [r, e, s] = instruction.ids.map((id) => operand(id, line, ids.users)) as [
          Value,
          Value,
          Value,
        ];
        emit(withDst({ op: 'setresuid', ruid: r, euid: e, suid: s }, instruction.target), line);
        return;
      }
      case 'setresgid': {
        const [r, e, s] = instruction.ids.map((id) => operand(id, line, ids.groups)) as [
          Value,
          Value,
          Value,
        ];
        emit(withDst({ op: 'setresgid', rgid: r, egid: e, sgid: s }, instruction.target), line);
        return;
      }
      case 'setgroups': {
        const groups = instruction.groups.map((group) =>
          /^[0-9]+$/.test(group.text) ? Number(group.text) : (ids.groups.get(group.text) ?? -1),
        );
        emit(withDst({ op: 'setgroups', groups }, instruction.target), line);
        return;
      }
      case 'capset': {
        const { effective, permitted, inheritable } = instruction;
        emit(
          withDst({ op: 'capset', effective, permitted, inheritable }, instruction.target),
          line,
        );
        return;
      }
      case 'unshare':
        emit(withDst({ op: 'unshare', what: 'pidns' }, instruction.target), line);
        return;
      case 'prctl':
        emit(
          withDst(
            instruction.option === 'capbset_drop'
              ? { op: 'prctl', option: 'capbset_drop', caps: instruction.caps }
              : {
                  op: 'prctl',
                  option: 'set_securebits',
                  bits: operand(instruction.bits, line),
                },
            instruction.target,
          ),
          line,
        );
        return;
      case 'freeze':
      case 'thaw':
        emit(
          withDst({ op: instruction.op, pid: operand(instruction.pid, line) }, instruction.target),
          line,
        );
        return;
      case 'ptrace':
        emit(
          withDst(
            { op: 'ptrace', request: instruction.request, pid: operand(instruction.pid, line) },
            instruction.target,
          ),
          line,
        );
        return;
      case 'checkpoint': {
        const pid = instruction.pid === 'self' ? imm(0) : operand(instruction.pid, line);
        const call: SourceItem = {
          op: 'checkpoint',
          pid,
          flags: instruction.flags,
          path: instruction.path.path,
        };
        emit(withDst(call, instruction.target), line);
        return;
      }
      case 'restart':
        emit(
          withDst(
            { op: 'restart', flags: instruction.flags, path: instruction.path.path },
            instruction.target,
          ),
          line,
        );
        return;
      case 'getpid':
      case 'getuid':
        emit({ op: instruction.op, dst: instruction.target.text }, line);
        return;
      case 'unlink':
        emit(withDst({ op: 'unlink', path: instruction.path.path }, instruction.target), line);
        return;
      case 'chmod':
        emit(
          withDst(
            { op: 'chmod', path: instruction.path.path, mode: instruction.mode },
            instruction.target,
          ),
          line,
        );
        return;
      case 'print':
        emit({ op: 'print', parts: instruction.items.map((item) => printPart(item, line)) }, line);
        return;
      case 'sleep':
        emit({ op: 'sleep', ticks: operand(instruction.ticks, line) }, line);
        return;
      case 'exit':
        emit({ op: 'exit', code: operand(instruction.code, line) }, line);
        return;
    }
  };

  program.instructions.forEach((instruction, index) => {
    for (const name of labelsAt.get(index) ?? []) {
      emit({ op: 'label', name }, program.labels.get(name)?.span.line ?? instruction.line);
    }
    lower(instruction);
  });
  for (const name of labelsAt.get(program.instructions.length) ?? []) {
    emit({ op: 'label', name }, program.labels.get(name)?.span.line ?? program.line);
  }
  return { name: program.name.text, items };
}
