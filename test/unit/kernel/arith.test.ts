/**
 * The CPU's arithmetic is s64: the fast number paths (add, sub, mul of safe integers; div and
 * mod of small ones) give exactly what the BigInt path gives, wrap-around and C's rounding
 * toward zero included.
 */
import assert from 'node:assert/strict';
import type { ArithOp, SourceItem } from '../../../extension/kernel/index';
import { defaultWorld, imm, v } from '../../../extension/kernel/index';
import { boot, idle, spawn, withProgram } from './helpers';

/** s64 arithmetic as C on a 64-bit machine does it, through BigInt. */
function expected(fn: ArithOp, a: bigint, b: bigint): number {
  const wrap = (x: bigint): number => Number(BigInt.asIntN(64, x));
  switch (fn) {
    case 'add':
      return wrap(a + b);
    case 'sub':
      return wrap(a - b);
    case 'mul':
      return wrap(a * b);
    case 'div':
      return wrap(a / b);
    case 'mod':
      return wrap(a % b);
    case 'and':
      return wrap(a & b);
    case 'or':
      return wrap(a | b);
    default:
      return wrap(a ^ b);
  }
}

/** Runs `r = a fn b` in a task and reads r back from its memory. */
function compute(fn: ArithOp, a: number, b: number): number {
  const items: SourceItem[] = [
    { op: 'set', dst: 'a', value: imm(a) },
    { op: 'set', dst: 'b', value: imm(b) },
    { op: 'arith', dst: 'r', fn, a: v('a'), b: v('b') },
    ...idle(),
  ];
  const kernel = boot(withProgram(defaultWorld(), '/usr/bin/arith', items));
  const pid = spawn(kernel, 'hallyn', '/usr/bin/arith');
  kernel.run(pid, { untilLabel: 'idle', steps: 10 });
  const value = kernel.task(pid)?.vars['r'];
  assert.ok(value !== undefined);
  return value;
}

describe('s64 arithmetic of the lab CPU', () => {
  const big = 2 ** 52 + 12_345;
  const values = [0, 1, -1, 7, -7, 3, -3, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 94_906_267, big, -big];
  for (const fn of ['add', 'sub', 'mul', 'div', 'mod'] as const) {
    it(`${fn} matches C's s64 ${fn} (overflow wraps, division rounds toward zero)`, () => {
      for (const a of values) {
        for (const b of values) {
          if ((fn === 'div' || fn === 'mod') && b === 0) continue;
          const want = expected(fn, BigInt(a), BigInt(b));
          // Only values the slots hold exactly (below 2^53) are compared.
          if (!Number.isSafeInteger(want)) continue;
          const got = compute(fn, a, b);
          assert.ok(Object.is(got, want), `${a} ${fn} ${b}: ${got}, not ${want}`);
        }
      }
    });
  }
});
