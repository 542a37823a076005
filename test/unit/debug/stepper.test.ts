/**
 * The stepping runtime (extension/lab/stepper.ts) on its own: no protocol, plain calls.
 */
import { strict as assert } from 'node:assert';
import { createKernel, defaultWorld, imm, v } from '../../../extension/kernel/index';
import { disassemble } from '../../../extension/lab/disassemble';
import {
  EvaluationError,
  evaluateText,
  hitConditionHolds,
  interpolate,
} from '../../../extension/lab/evaluate';
import {
  LabStepper,
  STEP_BUDGET,
  type RunResult,
  type StepperOutput,
} from '../../../extension/lab/stepper';

/** Runs the current action to its end (no slicing needed in tests). */
function finish(stepper: LabStepper): RunResult {
  for (;;) {
    const result = stepper.run(100_000);
    if (result.kind !== 'running') return result;
  }
}

function stopOf(result: RunResult): Extract<RunResult, { kind: 'stopped' }>['stop'] {
  assert.equal(result.kind, 'stopped', JSON.stringify(result));
  return (result as Extract<RunResult, { kind: 'stopped' }>).stop;
}

const LOOP = [
  'world default', // 1
  'program loop', // 2
  '  set n = 0', // 3
  'top:', // 4
  '  set n = n + 1', // 5
  '  goto top', // 6
  'end', // 7
  'spawn loop as hallyn -> loop', // 8
  'run loop 3 steps', // 9
  'expect var loop n 1', // 10
  'expect var loop n 5', // 11
  '',
].join('\n');

const FAILING = [
  'world default', // 1
  'program opener', // 2
  '  open /etc/shadow r -> fd', // 3
  '  open /etc/passwd r -> ok', // 4
  '  exit 0', // 5
  'end', // 6
  'spawn opener as hallyn -> opener', // 7
  'run opener', // 8
  'checkpoint opener as hallyn to /tmp/x.crimg', // 9
  'restart /tmp/x.crimg as hallyn -> back', // 10
  'run back', // 11
  '',
].join('\n');

describe('lab stepper', () => {
  it('stops on entry at the first statement and walks the script statement by statement', () => {
    const stepper = LabStepper.forScenario(LOOP);
    const entry = stopOf(stepper.entry());
    assert.deepEqual([entry.reason, entry.pid], ['entry', null]);
    assert.equal(stepper.frames(null)[0]?.line, 8);
    stepper.start({ kind: 'next', pid: null, granularity: 'line' });
    assert.equal(stopOf(finish(stepper)).reason, 'step');
    assert.equal(stepper.frames(null)[0]?.line, 9);
    assert.deepEqual(
      stepper.threads().map((t) => t.name),
      ['script', '1 init (0)', '2 loop (500)'],
    );
  });

  it('a failed expect stops (the default filter) on the script thread at its line', () => {
    const stepper = LabStepper.forScenario(LOOP);
    stepper.start({ kind: 'continue' });
    const stop = stopOf(finish(stepper));
    assert.equal(stop.reason, 'exception');
    assert.equal(stop.exception?.filter, 'expect');
    assert.equal(stepper.frames(null)[0]?.line, 11);
    assert.match(stop.description, /n is 1/);
    stepper.start({ kind: 'continue' });
    const end = finish(stepper);
    assert.deepEqual(end, { kind: 'ended', summary: '2 expectations, 1 failed', failed: true });
  });

  it('a failed system call stops with the syscall filter, in the task, at the instruction line', () => {
    const stepper = LabStepper.forScenario(FAILING);
    stepper.setExceptionFilters([{ filter: 'syscall' }]);
    stepper.start({ kind: 'continue' });
    const stop = stopOf(finish(stepper));
    assert.equal(stop.exception?.id, 'open');
    assert.equal(stop.description, 'open failed with EACCES');
    assert.equal(stop.pid, 2);
    const [frame] = stepper.frames(2);
    assert.equal(frame?.line, 3, 'the frame shows the call that failed, not the next instruction');
    // A condition naming another call lets this one pass.
    const other = LabStepper.forScenario(FAILING);
    other.setExceptionFilters([{ filter: 'syscall', condition: 'mmap, write' }]);
    other.start({ kind: 'continue' });
    assert.equal(stopOf(finish(other)).exception?.filter, 'error');
  });

  it('a runtime error always stops, then the session ends', () => {
    const stepper = LabStepper.forScenario(FAILING);
    stepper.setExceptionFilters([]);
    stepper.start({ kind: 'continue' });
    const stop = stopOf(finish(stepper));
    assert.equal(stop.exception?.filter, 'error');
    assert.match(stop.description, /no task `back`/);
    assert.equal(stepper.frames(null)[0]?.line, 11);
    stepper.start({ kind: 'continue' });
    assert.equal(finish(stepper).kind, 'ended');
  });

  it('steps a task outside the script, with a note, when no run statement runs it', () => {
    const stepper = LabStepper.forScenario(LOOP);
    const output: StepperOutput[] = [];
    stepper.listen({ output: (line) => output.push(line) });
    stepper.start({ kind: 'next', pid: null, granularity: 'line' });
    finish(stepper);
    stepper.start({ kind: 'next', pid: 2, granularity: 'line' });
    const stop = stopOf(finish(stepper));
    assert.deepEqual([stop.reason, stop.pid], ['step', 2]);
    assert.equal(stepper.frames(2)[0]?.line, 5);
    assert.equal(stepper.frames(null)[0]?.line, 9, 'the script did not move');
    assert.ok(output.some((line) => /steps outside the script/.test(line.text)));
  });

  it('steps over program lines, back to the script when the run statement ends', () => {
    const stepper = LabStepper.forScenario(LOOP);
    stepper.setBreakpoints([{ line: 5 }]);
    stepper.start({ kind: 'continue' });
    assert.equal(stopOf(finish(stepper)).reason, 'breakpoint');
    stepper.start({ kind: 'next', pid: 2, granularity: 'line' });
    finish(stepper);
    assert.equal(stepper.frames(2)[0]?.line, 6);
    stepper.start({ kind: 'next', pid: 2, granularity: 'line' });
    const stop = stopOf(finish(stepper));
    // `run loop 3 steps` ends after `goto top`: the stop is back on the script.
    assert.equal(stop.pid, null);
    assert.equal(stepper.frames(null)[0]?.line, 10);
  });

  it('pause stops where the run is; a run outside the script stops after its budget', () => {
    const stepper = LabStepper.forScenario(LOOP);
    stepper.start({ kind: 'next', pid: null, granularity: 'line' });
    finish(stepper);
    stepper.start({ kind: 'stepOut', pid: 2, granularity: 'line' });
    assert.equal(stepper.run(10).kind, 'running');
    const paused = stepper.pause();
    assert.deepEqual([paused.reason, paused.pid], ['pause', null]);
    stepper.start({ kind: 'stepOut', pid: 2, granularity: 'line' });
    const stop = stopOf(finish(stepper));
    assert.equal(stop.reason, 'pause');
    assert.match(stop.description, new RegExp(`after ${STEP_BUDGET} steps`));
  });

  it('restarts an image in a fresh kernel and stops at the restored task', () => {
    const source = LabStepper.forScenario(LOOP);
    source.setBreakpoints([{ line: 6 }]);
    source.start({ kind: 'continue' });
    stopOf(finish(source));
    const taken = source.checkpointTask(2);
    assert.equal(taken.call.errno, null);
    assert.ok(taken.image !== null);
    assert.equal(source.kernel.task(2)?.state, 'running', 'the debugger thawed what it froze');

    const output: StepperOutput[] = [];
    const launched = LabStepper.fromImage(
      { image: taken.image, imageName: 'loop.crimg', user: 'hallyn', scenario: LOOP },
      { output: (line) => output.push(line) },
    );
    assert.equal(launched.refusal, null);
    const stepper = launched.stepper as LabStepper;
    const entry = stopOf(stepper.entry());
    assert.equal(entry.pid, launched.call.restored?.[0]);
    assert.match(entry.description, /^restored at line 6/);
    assert.deepEqual(
      stepper.threads().map((t) => t.name),
      ['1 init (0)', `${entry.pid} loop (500)`],
    );
    assert.equal(stepper.evaluate('n', entry.pid).value, 1);
    assert.ok(output.some((line) => line.text.includes('restart by pid')));
    // Script lines mean nothing here; program lines do.
    const placed = stepper.setBreakpoints([{ line: 9 }, { line: 5 }]);
    assert.deepEqual(
      placed.map((p) => p.verified),
      [false, true],
    );
    stepper.start({ kind: 'continue' });
    assert.equal(stopOf(finish(stepper)).reason, 'breakpoint');
    assert.equal(stepper.evaluate('n', entry.pid).value, 1);
  });

  it('a refused restart from an image names its deciding check', () => {
    const kernel = createKernel({ world: defaultWorld() });
    const pid = kernel.spawn({ user: 'hallyn', exe: '/bin/passwd' });
    assert.ok(pid.ok);
    kernel.run(pid.pid, { steps: 2 });
    kernel.freeze(pid.pid);
    assert.equal(kernel.checkpointAs('root', pid.pid, '/tmp/p.crimg', 1).errno, null);
    const image = kernel.readFile('/tmp/p.crimg') as Uint8Array;
    const launched = LabStepper.fromImage({ image, imageName: 'p.crimg', user: 'hallyn' });
    assert.equal(launched.stepper, null);
    assert.match(launched.refusal ?? '', /^restart\.creds\.uid EPERM: euid 0/);
  });

  it('reads and writes task memory page by page, stopping at holes', () => {
    const stepper = LabStepper.forScenario(LOOP);
    stepper.start({ kind: 'next', pid: null, granularity: 'line' });
    finish(stepper);
    const data = 0x600000;
    assert.equal(stepper.writeMemory(2, data, Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0)), 8);
    assert.equal(stepper.evaluate('n', 2).value, 7);
    const hole = stepper.readMemory(2, 0x601000 - 4, 8);
    assert.deepEqual([hole.bytes.length, hole.unreadable], [4, 4]);
    assert.equal(stepper.writeMemory(2, 0x601000 - 2, new Uint8Array(4)), 2);
  });

  it('evaluates with the language expression syntax', () => {
    const names: Record<string, number> = { n: 6, 'creds.euid': 0, 'regs[0]': -13 };
    const resolve = (name: string): number | undefined => names[name];
    assert.equal(evaluateText('n * 2 + 1', resolve), 13);
    assert.equal(evaluateText('creds.euid == 0', resolve), 1);
    assert.equal(evaluateText('-regs[0] % 5', resolve), 3);
    assert.equal(evaluateText('n / 4', resolve), 1);
    assert.throws(() => evaluateText('n / 0', resolve), /division by zero/);
    assert.throws(() => evaluateText('m + 1', resolve), EvaluationError);
    assert.throws(() => evaluateText('n +', resolve), EvaluationError);
    assert.throws(() => evaluateText('', resolve), /empty/);
  });

  it('reads hit conditions and interpolates log messages', () => {
    assert.equal(hitConditionHolds('3', 3), true);
    assert.equal(hitConditionHolds('== 3', 2), false);
    assert.equal(hitConditionHolds('>= 2', 5), true);
    assert.equal(hitConditionHolds('% 2', 4), true);
    assert.equal(hitConditionHolds('% 2', 3), false);
    assert.equal(hitConditionHolds('often', 3), null);
    assert.equal(
      interpolate('n={n} m={m}', (e) => {
        if (e === 'n') return '1';
        throw new Error('no m');
      }),
      'n=1 m=<error: no m>',
    );
  });

  it('disassembles the program IR as C-like calls and language statements', () => {
    assert.equal(
      disassemble({ op: 'open', path: '/etc/shadow', flags: 2 | 0x80000 }),
      'open("/etc/shadow", O_RDWR | O_CLOEXEC)',
    );
    assert.equal(
      disassemble({ op: 'arith', dst: 'n', fn: 'add', a: v('n'), b: imm(1) }),
      'set n = n + 1',
    );
    assert.equal(
      disassemble({ op: 'jump', target: 'top', when: { fn: 'lt', a: v('n'), b: imm(3) } }),
      'if n < 3 goto top',
    );
    assert.equal(
      disassemble({ op: 'mmap', pages: imm(2), prot: 3 }),
      'mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)',
    );
    assert.equal(
      disassemble({ op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/x.crimg' }),
      'checkpoint(0, "/tmp/x.crimg", 0x0)',
    );
    assert.equal(
      disassemble({ op: 'store', addr: v('buf'), data: { text: 'a"b' } }),
      'store [buf] = "a\\"b"',
    );
  });
});
