/**
 * Runs a task's compute instructions (`nop`, `set`, `arith`, `cmp`, `jump`) many at a time, with
 * exactly the effect of as many {@link step} calls: what a `run N steps` of a compute loop spends
 * its time on. Each program is translated once into flat typed arrays (an opcode per
 * instruction and function, and slot numbers for its operands and destination; jump targets
 * resolved), so a step is one switch on a number instead of string compares, a name lookup per
 * variable and a page lookup per access.
 *
 * Variables still live in task memory. A run copies the slots it touches into a mirror on first
 * use (read in place, as {@link readVar} does) and writes the changed ones back (as
 * {@link writeVar} does) before it returns: only compute instructions run in between, and no one
 * can look at the task's memory until the call returns, so the memory after a run is the memory
 * after the same steps one at a time. Literals and the registers the program reads have slots
 * of their own in the mirror, so every operand is read the same way.
 *
 * The mirror holds safe integers only (|x| < 2^53), where the number arithmetic of step() is
 * exact and needs no checks. A run stops, without executing it, before any instruction it could
 * not finish the same way: a system call, `load`/`store`, a variable whose page is not resident
 * or whose value is not a safe integer, a literal or register that is not one, a division by
 * zero (the fault is left to {@link step}, which kills the task with its message), the end of
 * the program. Then step() goes on from there.
 */
import type { Instruction, Program, Value } from './program';
import type { Task } from './task';
import { globalPid } from './task';
import type { ComputeRunOutcome } from './types';
import { DATA_BASE } from './mm';
import { Fault, arithmetic, readVar, residentPage, writeVar } from './exec';

const enum Op {
  /** Not run here: left to step(). */
  Other,
  Nop,
  Set,
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  /** and, or, xor: through arithmetic(). */
  Arith,
  CmpEq,
  CmpNe,
  CmpLt,
  CmpLe,
  CmpGt,
  CmpGe,
  Jump,
  JumpEq,
  JumpNe,
  JumpLt,
  JumpLe,
  JumpGt,
  JumpGe,
  /** A conditional jump on something compare() does not know: never taken, as there. */
  NoJump,
}

const ARITH_OPS: Record<string, Op> = {
  add: Op.Add,
  sub: Op.Sub,
  mul: Op.Mul,
  div: Op.Div,
  mod: Op.Mod,
};
const CMP_OPS: Record<string, Op> = {
  eq: Op.CmpEq,
  ne: Op.CmpNe,
  lt: Op.CmpLt,
  le: Op.CmpLe,
  gt: Op.CmpGt,
  ge: Op.CmpGe,
};
const JUMP_OPS: Record<string, Op> = {
  eq: Op.JumpEq,
  ne: Op.JumpNe,
  lt: Op.JumpLt,
  le: Op.JumpLe,
  gt: Op.JumpGt,
  ge: Op.JumpGe,
};

/** A program as flat arrays, one entry per instruction, and its mirror. */
interface Translated {
  op: Uint8Array;
  /** Operand and destination slots (the scratch slot where an instruction has none). */
  a: Int32Array;
  b: Int32Array;
  dst: Int32Array;
  /** Where a jump goes (the next instruction when its label is unknown, as step() does). */
  target: Int32Array;
  /** arithmetic()'s function name for Op.Arith (and/or/xor). */
  fn: string[];
  /** Slots: the program's variables, then literals, then registers, then the scratch slot. */
  values: Float64Array;
  /** 1 where the slot holds its current value: literals and scratch always, others per run. */
  loaded: Uint8Array;
  /** Variable slots loaded during the current run (to write back and forget), and a flag each. */
  touched: Int32Array;
  listed: Uint8Array;
  /** Register slots: the slot and the register it mirrors. */
  regSlots: Array<{ slot: number; index: number }>;
  vars: readonly string[];
  /** The current run: where it stands, how many slots it loaded. */
  pc: number;
  steps: number;
  lastPc: number;
  touchedCount: number;
}

const translations = new WeakMap<Program, Translated>();

/** Steps per call of the hot loop. */
const CHUNK_STEPS = 4096;

function translate(program: Program): Translated {
  const length = program.code.length;
  const nvars = program.vars.length;
  const variables = new Map(program.vars.map((name, index) => [name, index]));
  const literals = new Map<number, number>();
  const registers = new Map<number, number>();
  // Slots of literals and registers are numbered after the variables' in a first pass.
  let next = nvars;
  const slotOf = (value: Value): number | null => {
    switch (value.kind) {
      case 'var':
        return variables.get(value.name) ?? null;
      case 'imm': {
        if (!Number.isSafeInteger(value.value)) return null;
        let slot = literals.get(value.value);
        if (slot === undefined) {
          slot = next++;
          literals.set(value.value, slot);
        }
        return slot;
      }
      case 'reg': {
        let slot = registers.get(value.index);
        if (slot === undefined) {
          slot = next++;
          registers.set(value.index, slot);
        }
        return slot;
      }
    }
  };
  const op = new Uint8Array(length);
  const a = new Int32Array(length).fill(-1);
  const b = new Int32Array(length).fill(-1);
  const dst = new Int32Array(length).fill(-1);
  const target = new Int32Array(length);
  const fn = new Array<string>(length).fill('');
  program.code.forEach((ins: Instruction, pc) => {
    let code = Op.Other;
    let left: number | null = null;
    let right: number | null = null;
    let into: number | null = null;
    switch (ins.op) {
      case 'nop':
        code = Op.Nop;
        break;
      case 'set':
        left = slotOf(ins.value);
        into = variables.get(ins.dst) ?? null;
        if (left !== null && into !== null) code = Op.Set;
        break;
      case 'arith':
      case 'cmp':
        left = slotOf(ins.a);
        right = slotOf(ins.b);
        into = variables.get(ins.dst) ?? null;
        fn[pc] = ins.fn;
        if (left !== null && right !== null && into !== null) {
          code =
            ins.op === 'arith' ? (ARITH_OPS[ins.fn] ?? Op.Arith) : (CMP_OPS[ins.fn] ?? Op.Other);
        }
        break;
      case 'jump':
        target[pc] = program.labels[ins.target] ?? pc + 1;
        if (ins.when === undefined) code = Op.Jump;
        else {
          left = slotOf(ins.when.a);
          right = slotOf(ins.when.b);
          if (left !== null && right !== null) code = JUMP_OPS[ins.when.fn] ?? Op.NoJump;
        }
        break;
      default:
        break;
    }
    op[pc] = code;
    a[pc] = left ?? -1;
    b[pc] = right ?? -1;
    dst[pc] = into ?? -1;
  });
  const scratch = next++;
  for (let pc = 0; pc < length; pc++) {
    if ((a[pc] as number) < 0) a[pc] = scratch;
    if ((b[pc] as number) < 0) b[pc] = scratch;
    if ((dst[pc] as number) < 0) dst[pc] = scratch;
  }
  const values = new Float64Array(next);
  const loaded = new Uint8Array(next);
  literals.forEach((slot, value) => {
    values[slot] = value + 0;
    loaded[slot] = 1;
  });
  loaded[scratch] = 1;
  return {
    op,
    a,
    b,
    dst,
    target,
    fn,
    values,
    loaded,
    touched: new Int32Array(nvars),
    listed: new Uint8Array(nvars),
    regSlots: [...registers].map(([index, slot]) => ({ slot, index })),
    vars: program.vars,
    pc: 0,
    steps: 0,
    lastPc: -1,
    touchedCount: 0,
  };
}

/**
 * Executes up to `maxSteps` compute instructions of `task`, stopping before an instruction at
 * `stopAt` (a pc; -1 for none) and before anything step() must run.
 */
export function runCompute(task: Task, maxSteps: number, stopAt: number): ComputeRunOutcome {
  const program = task.program;
  if (
    program === null ||
    task.zombie ||
    task.frozen ||
    task.runState !== 'running' ||
    maxSteps <= 0
  ) {
    return { steps: 0, last: null };
  }
  let t = translations.get(program);
  if (t === undefined) {
    t = translate(program);
    translations.set(program, t);
  }
  // Registers do not change while only compute instructions run.
  for (const { slot, index } of t.regSlots) {
    const value = task.regs[index] ?? 0;
    const safe = Number.isSafeInteger(value);
    t.values[slot] = safe ? value + 0 : 0;
    t.loaded[slot] = safe ? 1 : 0;
  }
  t.pc = task.pc;
  t.steps = 0;
  t.lastPc = -1;
  t.touchedCount = 0;
  try {
    // In chunks: the loop's way out then runs often enough for the optimizing compiler to
    // know it before it compiles the loop (it would otherwise throw the compiled code away at
    // the first exit), and a chunk's call costs nothing next to its steps.
    for (let left = maxSteps; left > 0;) {
      const chunk = Math.min(left, CHUNK_STEPS);
      const ran = computeLoop(t, task, chunk, stopAt);
      if (ran < chunk) break;
      left -= ran;
    }
  } catch (error) {
    // A fault writing a result beyond 2^53 (memory refused it): step() runs that instruction
    // again and reports it; nothing of it reached the mirror or memory.
    if (!(error instanceof Fault)) throw error;
  } finally {
    writeBack(t, task);
  }
  task.pc = t.pc;
  const { steps, lastPc } = t;
  if (steps === 0) return { steps, last: null };
  return {
    steps,
    last: {
      pid: globalPid(task),
      status: 'ran',
      pc: lastPc,
      instruction: program.code[lastPc] ?? null,
    },
  };
}

/**
 * Writes the changed slots back to memory and forgets the mirror's variables. A safe integer has
 * one encoding: a slot whose memory reads back as the mirror's value is unchanged (and one that
 * storeLarge() wrote is in memory already, and not loaded).
 */
function writeBack(t: Translated, task: Task): void {
  const { vars, values, loaded, touched, listed } = t;
  for (let i = 0; i < t.touchedCount; i++) {
    const slot = touched[i] as number;
    if (loaded[slot] === 1) {
      const name = vars[slot] as string;
      const value = values[slot] as number;
      if (readVar(task, name) !== value) writeVar(task, name, value);
    }
    loaded[slot] = 0;
    listed[slot] = 0;
  }
  t.touchedCount = 0;
}

/** Loads a variable's slot into the mirror; false when that cannot be done here (left to step()). */
function load(t: Translated, task: Task, slot: number): boolean {
  const { vars } = t;
  if (slot >= vars.length || residentPage(task, DATA_BASE + slot * 8) === null) return false;
  const value = readVar(task, vars[slot] as string);
  if (!Number.isSafeInteger(value)) return false;
  t.values[slot] = value + 0;
  t.loaded[slot] = 1;
  if (t.listed[slot] === 0) {
    t.listed[slot] = 1;
    t.touched[t.touchedCount++] = slot;
  }
  return true;
}

/** Loads whichever of an instruction's slots are not in the mirror; false if one cannot be. */
function loadAll(t: Translated, task: Task, a: number, b: number, dst: number): boolean {
  const { loaded } = t;
  return (
    (loaded[a] === 1 || load(t, task, a)) &&
    (loaded[b] === 1 || load(t, task, b)) &&
    (loaded[dst] === 1 || load(t, task, dst))
  );
}

/** What step() does with a result that is not a safe integer: write it, read it back. */
function storeLarge(t: Translated, task: Task, slot: number, value: number): void {
  const name = t.vars[slot] as string;
  writeVar(task, name, value);
  const back = readVar(task, name);
  if (Number.isSafeInteger(back)) t.values[slot] = back + 0;
  else t.loaded[slot] = 0;
}

/**
 * The hot loop, alone in its function so that the optimizing compiler sees only it. Runs from
 * t.pc, leaves where it stopped in t.pc and t.lastPc, adds to t.steps and returns its steps.
 */
function computeLoop(t: Translated, task: Task, maxSteps: number, stopAt: number): number {
  const { op, a, b, dst, target, values, loaded } = t;
  const length = op.length;
  let pc = t.pc;
  let steps = 0;
  let lastPc = -1;
  try {
    while (steps < maxSteps && pc !== stopAt && pc < length) {
      const code = op[pc] as Op;
      if (code === Op.Other) break;
      const ia = a[pc] as number;
      const ib = b[pc] as number;
      const id = dst[pc] as number;
      if (
        ((loaded[ia] as number) & (loaded[ib] as number) & (loaded[id] as number)) === 0 &&
        !loadAll(t, task, ia, ib, id)
      ) {
        break;
      }
      const x = values[ia] as number;
      const y = values[ib] as number;
      let next = pc + 1;
      // Results of the number paths below are exact (step()'s arithmetic() takes the same
      // paths for safe integers); `+ 0` turns -0 into 0, as memory holds it.
      switch (code) {
        case Op.Nop:
          break;
        case Op.Set:
          values[id] = x;
          break;
        case Op.Add:
        case Op.Sub:
        case Op.Mul: {
          const result = code === Op.Add ? x + y : code === Op.Sub ? x - y : x * y;
          if (Number.isSafeInteger(result)) {
            values[id] = result + 0;
          } else
            storeLarge(
              t,
              task,
              id,
              arithmetic(code === Op.Add ? 'add' : code === Op.Sub ? 'sub' : 'mul', x, y),
            );
          break;
        }
        case Op.Div:
        case Op.Mod:
          // step() kills the task with SIGFPE and says why.
          if (y === 0) {
            next = -1;
            break;
          }
          if (code === Op.Mod) {
            // Exact for any safe integers, as BigInt's remainder is (both truncate). Between
            // int32s it is the integer remainder: V8 computes `%` of two doubles with the x87
            // `fprem` loop, which was most of a compute loop's time (perf annotate of
            // scripts/bench/interpreter.ts). `| 0` turns -0 into 0, as `+ 0` does.
            values[id] = (x | 0) === x && (y | 0) === y ? ((x | 0) % (y | 0)) | 0 : (x % y) + 0;
          } else if (Math.abs(x) < 0x8000_0000 && Math.abs(y) < 0x8000_0000) {
            values[id] = Math.trunc(x / y) + 0;
          } else {
            const result = arithmetic('div', x, y);
            if (Number.isSafeInteger(result)) {
              values[id] = result + 0;
            } else storeLarge(t, task, id, result);
          }
          break;
        case Op.Arith: {
          const result = arithmetic(t.fn[pc] as string, x, y);
          if (Number.isSafeInteger(result)) {
            values[id] = result + 0;
          } else storeLarge(t, task, id, result);
          break;
        }
        case Op.CmpEq:
          values[id] = x === y ? 1 : 0;
          break;
        case Op.CmpNe:
          values[id] = x !== y ? 1 : 0;
          break;
        case Op.CmpLt:
          values[id] = x < y ? 1 : 0;
          break;
        case Op.CmpLe:
          values[id] = x <= y ? 1 : 0;
          break;
        case Op.CmpGt:
          values[id] = x > y ? 1 : 0;
          break;
        case Op.CmpGe:
          values[id] = x >= y ? 1 : 0;
          break;
        case Op.Jump:
          next = target[pc] as number;
          break;
        case Op.JumpEq:
          if (x === y) next = target[pc] as number;
          break;
        case Op.JumpNe:
          if (x !== y) next = target[pc] as number;
          break;
        case Op.JumpLt:
          if (x < y) next = target[pc] as number;
          break;
        case Op.JumpLe:
          if (x <= y) next = target[pc] as number;
          break;
        case Op.JumpGt:
          if (x > y) next = target[pc] as number;
          break;
        case Op.JumpGe:
          if (x >= y) next = target[pc] as number;
          break;
        case Op.NoJump:
          break;
      }
      if (next < 0) break;
      lastPc = pc;
      pc = next;
      steps++;
    }
  } finally {
    t.pc = pc;
    t.steps += steps;
    if (lastPc >= 0) t.lastPc = lastPc;
  }
  return steps;
}
