/**
 * runCompute (many compute instructions at once) leaves a task exactly as the same number of
 * step() calls do: memory byte for byte, pc, registers, state, exit status and console, on
 * generated programs that mix arithmetic (with results beyond 2^53 and s64 wrap-around),
 * comparisons, jumps, division by zero, registers and system calls.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KernelApi, SourceItem, Value } from '../../../extension/kernel/index';
import { DATA_BASE, defaultWorld, imm, reg, v } from '../../../extension/kernel/index';
import { boot, spawn, withProgram } from './helpers';

const VARS = ['a', 'b', 'c', 'd'];
const LABELS = ['L0', 'L1', 'L2'];
/** Small, signed, at the 2^31 and 2^53 edges, beyond 2^53 (step() leaves those to memory). */
const LITERALS = [
  0,
  1,
  -1,
  3,
  -7,
  1000003,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31,
  2 ** 52 + 5,
  2 ** 53 - 1,
  -(2 ** 53) + 1,
  2 ** 60,
  -(2 ** 62),
];

const value: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VARS).map((name) => v(name)) },
  { weight: 3, arbitrary: fc.constantFrom(...LITERALS).map((n) => imm(n)) },
  { weight: 1, arbitrary: fc.constant(reg(0)) },
);
const dst = fc.constantFrom(...VARS);

const item: fc.Arbitrary<SourceItem> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), dst, value }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('arith' as const),
      dst,
      fn: fc.constantFrom('add', 'sub', 'mul', 'div', 'mod', 'and', 'or', 'xor' as const),
      a: value,
      b: value,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('cmp' as const),
      dst,
      fn: fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge' as const),
      a: value,
      b: value,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        op: fc.constant('jump' as const),
        target: fc.constantFrom(...LABELS),
        when: fc.record({
          fn: fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge' as const),
          a: value,
          b: value,
        }),
      },
      { requiredKeys: ['op', 'target'] },
    ),
  },
  { weight: 1, arbitrary: fc.constant<SourceItem>({ op: 'nop' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...LABELS).map((name) => ({ op: 'label', name }) as SourceItem),
  },
  { weight: 1, arbitrary: fc.constant<SourceItem>({ op: 'getpid', dst: 'd' }) },
  {
    weight: 1,
    arbitrary: value.map((x) => ({ op: 'print', parts: [{ value: x }] }) as SourceItem),
  },
);

/** Every label a program names exists once, placed at random. */
const program = fc
  .tuple(
    fc.array(fc.constantFrom(...LITERALS), { minLength: VARS.length, maxLength: VARS.length }),
    fc.array(item, { minLength: 1, maxLength: 24 }),
  )
  .map(([initial, items]): SourceItem[] => {
    const placed = new Set<string>();
    const code = items.filter((entry) => {
      if (entry.op !== 'label') return true;
      if (placed.has(entry.name)) return false;
      placed.add(entry.name);
      return true;
    });
    return [
      // Variables start from literals (0 everywhere would hide most arithmetic).
      ...VARS.map((name, index): SourceItem => ({
        op: 'set',
        dst: name,
        value: imm(initial[index] ?? 0),
      })),
      { op: 'label', name: 'top' },
      ...code,
      // Round again, 40 times at most: long runs, backward jumps.
      { op: 'arith', dst: 'n', fn: 'add', a: v('n'), b: imm(1) },
      { op: 'jump', target: 'top', when: { fn: 'lt', a: v('n'), b: imm(40) } },
      ...LABELS.filter((name) => !placed.has(name)).map((name): SourceItem => ({
        op: 'label',
        name,
      })),
      // Spin at the end rather than exit: an exited task's memory is gone, and it is what
      // is compared.
      { op: 'label', name: 'end' },
      { op: 'jump', target: 'end' },
    ];
  });

function start(items: SourceItem[]): { kernel: KernelApi; pid: number } {
  const kernel = boot(withProgram(defaultWorld(), '/usr/bin/gen', items));
  return { kernel, pid: spawn(kernel, 'hallyn', '/usr/bin/gen') };
}

/** All that step() can change, memory included. */
function observe(kernel: KernelApi, pid: number, vars: number): unknown {
  const task = kernel.task(pid);
  const memory = kernel.readMemory(pid, DATA_BASE, vars * 8);
  return {
    pc: task?.pc,
    regs: task?.regs,
    state: task?.state,
    exitCode: task?.exitCode,
    vars: task?.vars,
    memory: memory === null ? null : [...memory],
    console: kernel.console().map((line) => line.text),
  };
}

/** Steps one at a time; or runCompute where it runs something, step() where it does not. */
function drive(items: SourceItem[], steps: number, batched: boolean, untilLabel?: string): unknown {
  const { kernel, pid } = start(items);
  const vars = kernel.program('gen')?.vars.length ?? 0;
  let count = 0;
  while (count < steps) {
    const task = kernel.task(pid);
    if (task === null || task.state === 'zombie') break;
    if (untilLabel !== undefined && count > 0) {
      if (kernel.program(task.program)?.labels[untilLabel] === task.pc) break;
    }
    // As a label run does: the first step is a step alone, the label counts from the second.
    if (batched && (untilLabel === undefined || count > 0)) {
      const ran = kernel.runCompute(pid, {
        steps: steps - count,
        ...(untilLabel !== undefined ? { untilLabel } : {}),
      });
      if (ran.steps > 0) {
        count += ran.steps;
        // The outcome it gives for its last step is the one step() gives for an instruction
        // that only computes.
        assert.equal(ran.last?.status, 'ran');
        assert.equal(ran.last?.pid, pid);
        const instruction = ran.last.instruction;
        assert.ok(instruction !== null && instruction !== undefined);
        assert.equal(kernel.program('gen')?.code[ran.last.pc], instruction);
        continue;
      }
    }
    kernel.step(pid);
    count++;
  }
  return { count, ...(observe(kernel, pid, vars) as object) };
}

describe('kernel runCompute', () => {
  it('leaves the task as the same number of steps one at a time does (generated programs)', () => {
    fc.assert(
      fc.property(program, fc.integer({ min: 1, max: 2000 }), (items, steps) => {
        assert.deepEqual(drive(items, steps, true), drive(items, steps, false));
      }),
      { numRuns: 400, seed: 1306 },
    );
  });

  it('stops before the instruction at a label, from the second step on, as a label run does', () => {
    fc.assert(
      fc.property(program, fc.constantFrom(...LABELS), (items, label) => {
        assert.deepEqual(drive(items, 2000, true, label), drive(items, 2000, false, label));
      }),
      { numRuns: 200, seed: 1307 },
    );
  });

  it('takes remainders and quotients of every pair of edge literals as step() does', () => {
    // runCompute takes the int32 remainder between int32s and the double one beyond: each pair,
    // -2^31 mod -1 (a -0 in JavaScript) among them, in both orders and signs.
    const nonZero = LITERALS.filter((n) => n !== 0);
    for (const fn of ['mod', 'div'] as const) {
      const items: SourceItem[] = [{ op: 'set', dst: 'a', value: imm(0) }];
      for (const x of LITERALS)
        for (const y of nonZero)
          items.push({ op: 'arith', dst: `r${items.length}`, fn, a: imm(x), b: imm(y) });
      items.push({ op: 'label', name: 'end' }, { op: 'jump', target: 'end' });
      const steps = items.length;
      assert.deepEqual(drive(items, steps, true), drive(items, steps, false), fn);
    }
  });

  it('runs a compute loop in one call, and leaves a division by zero to step(), which kills', () => {
    const items: SourceItem[] = [
      { op: 'set', dst: 'i', value: imm(0) },
      { op: 'label', name: 'loop' },
      { op: 'arith', dst: 'i', fn: 'add', a: v('i'), b: imm(1) },
      { op: 'jump', target: 'loop', when: { fn: 'lt', a: v('i'), b: imm(1000) } },
      { op: 'arith', dst: 'q', fn: 'div', a: v('i'), b: imm(0) },
      { op: 'exit', code: imm(0) },
    ];
    const { kernel, pid } = start(items);
    // The first step touches the data page: until then there is nothing to run in place.
    assert.equal(kernel.runCompute(pid, { steps: 10 }).steps, 0);
    kernel.step(pid);
    const ran = kernel.runCompute(pid, { steps: 1_000_000 });
    assert.equal(ran.steps, 2000);
    assert.equal(kernel.task(pid)?.vars['i'], 1000);
    assert.equal(kernel.task(pid)?.pc, 3);
    assert.equal(kernel.runCompute(pid, { steps: 10 }).steps, 0);
    assert.equal(kernel.step(pid).status, 'killed');
    assert.match(kernel.console().at(-1)?.text ?? '', /division by zero/);
  });
});
