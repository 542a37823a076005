/**
 * Checkpoint and restart a slice at a time (checkpointInSlices / restartInSlices) against the
 * one-shot calls on twin kernels: the same image bytes, the same check records, the same
 * restored tasks; host files as the image's output and input; cancellation leaves no trace; the
 * kernel refuses other changes while a sliced call runs.
 */
import assert from 'node:assert/strict';
import { readImage } from '../../../extension/image/index';
import type {
  CallOutcome,
  CallProgress,
  KernelApi,
  SlicedCall,
  SourceItem,
} from '../../../extension/kernel/index';
import {
  CheckpointFlag,
  RestartFlag,
  defaultWorld,
  imm,
  runInTurns,
  v,
} from '../../../extension/kernel/index';
import { boot, bytesOf, idle, rows, spawn, withProgram } from './helpers';

/** Pages the task touches: several PGARRs, so several slices. */
const PAGES = 3000;

const TOUCHER: SourceItem[] = [
  { op: 'open', path: '/etc/passwd', flags: 0, dst: 'pw' },
  { op: 'mmap', pages: imm(PAGES), prot: 3, dst: 'buf' },
  { op: 'set', dst: 'i', value: imm(0) },
  { op: 'label', name: 'loop' },
  { op: 'store', addr: v('buf'), offset: v('i'), data: { value: v('i') } },
  { op: 'arith', dst: 'i', fn: 'add', a: v('i'), b: imm(4096 + 8) },
  { op: 'jump', target: 'loop', when: { fn: 'lt', a: v('i'), b: imm(PAGES * 4096) } },
  ...idle(),
];

/** A kernel with hallyn's frozen toucher: the same on every call. */
function kernelWithTask(): { kernel: KernelApi; pid: number } {
  const kernel = boot(withProgram(defaultWorld(), '/usr/bin/toucher', TOUCHER));
  const pid = spawn(kernel, 'hallyn', '/usr/bin/toucher');
  kernel.run(pid, { untilLabel: 'idle', steps: 4 * PAGES + 20 });
  kernel.freeze(pid);
  return { kernel, pid };
}

/** Runs a sliced call to its end, recording its progress. */
function drive(call: SlicedCall): { outcome: CallOutcome; progress: CallProgress[] } {
  const progress: CallProgress[] = [];
  for (;;) {
    const step = call.next();
    if (step.done === true) return { outcome: step.value, progress };
    progress.push(step.value);
  }
}

function assertProgressSane(progress: CallProgress[]): void {
  assert.ok(progress.length > 2, `only ${progress.length} slices`);
  for (let i = 1; i < progress.length; i++) {
    assert.ok((progress[i]?.done ?? 0) >= (progress[i - 1]?.done ?? 0), 'progress goes back');
  }
  const last = progress.at(-1);
  assert.ok(last !== undefined && last.total > 0 && last.done === last.total);
}

describe('sliced checkpoint and restart', () => {
  it('checkpoint in slices writes the one-shot image, byte for byte, with the same checks', () => {
    const oneShot = kernelWithTask();
    const expected = oneShot.kernel.checkpointAs('hallyn', oneShot.pid, '/tmp/a.crimg', 1);
    const sliced = kernelWithTask();
    const { outcome, progress } = drive(
      sliced.kernel.checkpointInSlices('hallyn', sliced.pid, '/tmp/a.crimg', 1),
    );
    assert.ok(expected.ret > 0);
    assert.deepEqual(outcome, expected);
    assert.deepEqual(
      bytesOf(sliced.kernel, '/tmp/a.crimg'),
      bytesOf(oneShot.kernel, '/tmp/a.crimg'),
    );
    assertProgressSane(progress);
    assert.deepEqual(sliced.kernel.calls(), oneShot.kernel.calls());
  });

  it('a refused checkpoint in slices is the refused one-shot call', () => {
    const oneShot = kernelWithTask();
    const expected = oneShot.kernel.checkpointAs('oren', oneShot.pid, '/tmp/a.crimg', 1);
    const sliced = kernelWithTask();
    const { outcome } = drive(
      sliced.kernel.checkpointInSlices('oren', sliced.pid, '/tmp/a.crimg', 1),
    );
    assert.equal(expected.errno, 'EPERM');
    assert.deepEqual(outcome, expected);
    assert.equal(sliced.kernel.stat('/tmp/a.crimg'), null);
  });

  it('checkpoint to the VFS skips zero pages: the file holds the image and no byte more', () => {
    // Every other page of the toucher's is all zero: the image is far shorter than the bound its
    // progress counted against before the last slice, and the file's bytes are exactly it.
    const { kernel, pid } = kernelWithTask();
    const buffer = kernel.task(pid)?.vmas.find((vma) => vma.end - vma.start === PAGES * 4096);
    assert.ok(buffer !== undefined);
    for (let page = 0; page < PAGES; page += 2)
      kernel.writeMemory(pid, buffer.start + page * 4096, new Uint8Array(4096));
    const { outcome, progress } = drive(
      kernel.checkpointInSlices('hallyn', pid, '/tmp/z.crimg', 1),
    );
    assert.ok(outcome.ret > 0);
    assertProgressSane(progress);
    const bound = Math.max(...progress.map((step) => step.total));
    const file = kernel.viewFile('/tmp/z.crimg');
    assert.ok(file !== null);
    assert.ok(file.length < bound - (PAGES / 2 - 1) * 4096, `${file.length} of ${bound}`);
    assert.equal(file.buffer.byteLength, file.length);
    const read = readImage(file);
    assert.ok(read.ok, read.ok ? '' : read.error.message);
    const pages = read.image.tasks[0]?.vmas.flatMap((vma) => vma.pages) ?? [];
    assert.ok(pages.every((page) => page.data.some((byte) => byte !== 0)));
    // The buffer's odd pages are those of the same task's image without the zeroing.
    const inBuffer = (addr: number): boolean => addr >= buffer.start && addr < buffer.end;
    const twin = kernelWithTask();
    twin.kernel.checkpointAs('hallyn', twin.pid, '/tmp/z.crimg', 1);
    const whole = readImage(bytesOf(twin.kernel, '/tmp/z.crimg'));
    assert.ok(whole.ok);
    const odd = (whole.image.tasks[0]?.vmas.flatMap((vma) => vma.pages) ?? []).filter(
      (page) => inBuffer(page.addr) && ((page.addr - buffer.start) / 4096) % 2 === 1,
    );
    assert.ok(odd.length > PAGES / 2 - 10);
    const contents = (list: typeof pages): [number, Uint8Array][] =>
      list.map((page) => [page.addr, page.data]);
    assert.deepEqual(contents(pages.filter((page) => inBuffer(page.addr))), contents(odd));
  });

  it('checkpoint to the VFS with a few zero pages keeps the room they leave, not a second copy', () => {
    // One zero page in a 3000-page task: copying the whole image to cut 4 KiB off doubled the
    // peak memory of a lab checkpoint; the file keeps a view of the buffer instead.
    const { kernel, pid } = kernelWithTask();
    const buffer = kernel.task(pid)?.vmas.find((vma) => vma.end - vma.start === PAGES * 4096);
    assert.ok(buffer !== undefined);
    kernel.writeMemory(pid, buffer.start + 4096, new Uint8Array(4096));
    const twin = kernelWithTask();
    twin.kernel.checkpointAs('hallyn', twin.pid, '/tmp/z.crimg', 1);
    const { outcome } = drive(kernel.checkpointInSlices('hallyn', pid, '/tmp/z.crimg', 1));
    assert.ok(outcome.ret > 0);
    const file = kernel.viewFile('/tmp/z.crimg');
    assert.ok(file !== null);
    assert.equal(file.length, bytesOf(twin.kernel, '/tmp/z.crimg').length - (8 + 4096));
    const room = file.buffer.byteLength - file.byteOffset - file.length;
    assert.ok(room >= 8 + 4096 && room <= file.length / 8, `${room} bytes of room`);
    assert.ok(readImage(file).ok);
  });

  it('checkpoint to a host file streams the same image out, never into the machine', () => {
    const { kernel: reference, pid: refPid } = kernelWithTask();
    reference.checkpointAs('hallyn', refPid, '/tmp/a.crimg', 1);
    const { kernel, pid } = kernelWithTask();
    const received: Uint8Array[] = [];
    const outcome = kernel.checkpointAs(
      'hallyn',
      pid,
      {
        path: '/host/checkpoints/a.crimg',
        write: (chunks) => received.push(...chunks.map((c) => c.slice())),
      },
      CheckpointFlag.SUBTREE,
    );
    assert.ok(outcome.ret > 0, JSON.stringify(rows(outcome.checks)));
    const bytes = new Uint8Array(received.reduce((sum, chunk) => sum + chunk.length, 0));
    let at = 0;
    for (const chunk of received) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    assert.deepEqual(bytes, bytesOf(reference, '/tmp/a.crimg'));
    assert.ok(received.length > PAGES / 2, 'pages come out one by one, not gathered');
    const fd = outcome.checks.find((check) => check.id === 'checkpoint.fd');
    assert.match(fd?.object ?? '', /\/host\/checkpoints\/a\.crimg/);
    assert.deepEqual(rows(outcome.checks), rows(reference.calls()[0]?.checks ?? []));
    // Nothing of the image stays in the machine.
    assert.equal(kernel.stat('/host/checkpoints/a.crimg'), null);
  });

  it('restart in slices restores what the one-shot restart restores, with the same checks', () => {
    const source = kernelWithTask();
    source.kernel.checkpointAs('hallyn', source.pid, '/tmp/a.crimg', 1);
    const image = bytesOf(source.kernel, '/tmp/a.crimg');
    const twins = [kernelWithTask(), kernelWithTask()].map(({ kernel }) => {
      kernel.writeFile('/tmp/in.crimg', image);
      return kernel;
    });
    const [oneShot, sliced] = twins as [KernelApi, KernelApi];
    const expected = oneShot.restartAs('hallyn', '/tmp/in.crimg', RestartFlag.FROZEN);
    const { outcome, progress } = drive(
      sliced.restartInSlices('hallyn', '/tmp/in.crimg', RestartFlag.FROZEN),
    );
    assert.equal(expected.ret, 0, JSON.stringify(rows(expected.checks)));
    assert.deepEqual(outcome, expected);
    assertProgressSane(progress);
    assert.deepEqual(sliced.tasks(), oneShot.tasks());
    assert.equal(sliced.memoryInUse(), oneShot.memoryInUse());
    const restored = expected.restored?.[0] ?? 0;
    const buf = sliced.task(restored)?.vars['buf'] ?? 0;
    assert.deepEqual(
      sliced.readMemory(restored, buf, PAGES * 4096),
      oneShot.readMemory(restored, buf, PAGES * 4096),
    );
    // The restored pages are the task's own: its writes change neither the image file nor the
    // original task.
    sliced.thaw(restored);
    assert.deepEqual(bytesOf(sliced, '/tmp/in.crimg'), image);
  });

  it('restart from a host file restores the same task, its pages taken from the host’s bytes', () => {
    const source = kernelWithTask();
    source.kernel.checkpointAs('hallyn', source.pid, '/tmp/a.crimg', 1);
    const image = bytesOf(source.kernel, '/tmp/a.crimg');
    const { kernel: reference } = kernelWithTask();
    reference.writeFile('/tmp/in.crimg', image);
    const expected = reference.restartAs('hallyn', '/tmp/in.crimg', RestartFlag.FROZEN);
    const { kernel } = kernelWithTask();
    const outcome = kernel.restartAs(
      'hallyn',
      { path: '/host/a.crimg', bytes: image.slice() },
      RestartFlag.FROZEN,
    );
    assert.equal(outcome.ret, 0);
    assert.deepEqual(rows(outcome.checks), rows(expected.checks));
    assert.deepEqual(kernel.tasks(), reference.tasks());
    const pid = outcome.restored?.[0] ?? 0;
    const buf = kernel.task(pid)?.vars['buf'] ?? 0;
    assert.deepEqual(
      kernel.readMemory(pid, buf, PAGES * 4096),
      reference.readMemory(pid, buf, PAGES * 4096),
    );
    // What was read back out is the image again, and valid.
    const read = readImage(bytesOf(reference, '/tmp/in.crimg'));
    assert.ok(read.ok);
  });

  it('cancelled, a sliced checkpoint leaves no trace: no call, the file as it was, the same next pid', () => {
    const { kernel, pid } = kernelWithTask();
    kernel.writeFile('/tmp/a.crimg', new TextEncoder().encode('an earlier image'), {
      uid: 500,
      gid: 500,
    });
    const call = kernel.checkpointInSlices('hallyn', pid, '/tmp/a.crimg', 1);
    call.next();
    call.next();
    call.return(undefined as never);
    assert.equal(kernel.calls().length, 0);
    assert.equal(new TextDecoder().decode(bytesOf(kernel, '/tmp/a.crimg')), 'an earlier image');
    const twin = kernelWithTask();
    twin.kernel.writeFile('/tmp/a.crimg', new TextEncoder().encode('an earlier image'), {
      uid: 500,
      gid: 500,
    });
    assert.deepEqual(spawn(kernel, 'hallyn', '/bin/sh'), spawn(twin.kernel, 'hallyn', '/bin/sh'));
    assert.deepEqual(kernel.tasks(), twin.kernel.tasks());
    // And the kernel takes calls again.
    assert.ok(kernel.checkpointAs('hallyn', pid, '/tmp/b.crimg', 1).ret > 0);
  });

  it('cancelled, a sliced restart creates nothing', () => {
    const source = kernelWithTask();
    source.kernel.checkpointAs('hallyn', source.pid, '/tmp/a.crimg', 1);
    const image = bytesOf(source.kernel, '/tmp/a.crimg');
    const { kernel } = kernelWithTask();
    const before = { tasks: kernel.tasks(), memory: kernel.memoryInUse() };
    const call = kernel.restartInSlices('hallyn', { path: '/host/a.crimg', bytes: image }, 0);
    assert.equal(call.next().done, false);
    assert.equal(call.next().done, false);
    call.return(undefined as never);
    assert.deepEqual(kernel.tasks(), before.tasks);
    assert.equal(kernel.memoryInUse(), before.memory);
    assert.equal(kernel.calls().length, 0);
  });

  it('while a sliced call runs, the kernel refuses other changes and still answers questions', () => {
    const { kernel, pid } = kernelWithTask();
    const call = kernel.checkpointInSlices('hallyn', pid, '/tmp/a.crimg', 1);
    call.next();
    assert.throws(() => kernel.thaw(pid), /busy/);
    assert.throws(() => kernel.spawn({ user: 'root', exe: '/bin/sh' }), /busy/);
    assert.throws(() => kernel.restartAs('root', '/tmp/a.crimg', 0), /busy/);
    assert.throws(() => kernel.checkpointInSlices('root', pid, '/tmp/b.crimg', 1).next(), /busy/);
    assert.ok(kernel.tasks().length > 0);
    drive(call);
    assert.equal(kernel.thaw(pid), true);
  });

  it('refuses a host path that is not absolute', () => {
    const { kernel, pid } = kernelWithTask();
    assert.throws(
      () =>
        kernel.checkpointAs('hallyn', pid, { path: 'relative.crimg', write: () => undefined }, 1),
      RangeError,
    );
  });
});

describe('runInTurns (a sliced call between the turns of an event loop)', () => {
  /** A clock that moves 1 ms per reading: every other slice exhausts a 2 ms budget. */
  function ticking(): () => number {
    let now = 0;
    return () => now++;
  }

  it("gives the one-shot call's outcome, turning the loop and telling progress between slices", async () => {
    const source = kernelWithTask();
    source.kernel.checkpointAs('hallyn', source.pid, '/tmp/a.crimg', 1);
    const image = bytesOf(source.kernel, '/tmp/a.crimg');
    const sliced = kernelWithTask();
    const twin = kernelWithTask();
    // The kernel adopts the bytes handed over: the file is exactly them, with no copy.
    sliced.kernel.writeFile('/tmp/in.crimg', image.slice(), { adopt: true });
    twin.kernel.writeFile('/tmp/in.crimg', image);
    const progress: CallProgress[] = [];
    let turns = 0;
    const outcome = await runInTurns(
      sliced.kernel.restartInSlices('hallyn', '/tmp/in.crimg', RestartFlag.FROZEN),
      {
        budgetMs: 2,
        now: ticking(),
        nextTurn: async () => {
          turns++;
          // Nothing else may change the kernel meanwhile; it still answers questions.
          assert.throws(() => sliced.kernel.spawn({ user: 'root', exe: '/bin/sh' }), /busy/);
          assert.ok(sliced.kernel.tasks().length > 0);
          await new Promise((resolve) => setTimeout(resolve, 0));
        },
        onProgress: (step) => progress.push(step),
      },
    );
    const expected = twin.kernel.restartAs('hallyn', '/tmp/in.crimg', RestartFlag.FROZEN);
    assert.ok(outcome !== null);
    assert.equal(outcome.ret, 0);
    assert.deepEqual(rows(outcome.checks), rows(expected.checks));
    assert.deepEqual(sliced.kernel.tasks(), twin.kernel.tasks());
    assert.ok(turns > 2, `only ${turns} turns`);
    assert.equal(progress.length, turns);
    for (let i = 1; i < progress.length; i++)
      assert.ok((progress[i]?.done ?? 0) >= (progress[i - 1]?.done ?? 0), 'progress goes back');
  });

  it('resumes a slice that waits for the host (waitFor) when that settles, asking nothing meanwhile', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    function* waiting(): Generator<CallProgress, string, void> {
      calls++;
      yield { done: 1, total: 2, waitFor: released };
      calls++;
      return 'done';
    }
    let turns = 0;
    const progress: CallProgress[] = [];
    const running = runInTurns(waiting(), {
      budgetMs: 1_000,
      now: ticking(),
      nextTurn: () => {
        turns++;
        return Promise.resolve();
      },
      onProgress: (step) => progress.push(step),
    });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1, 'not asked again while the host works');
    assert.equal(progress.length, 1, 'told where the call waits');
    release();
    assert.equal(await running, 'done');
    assert.equal(calls, 2);
    assert.equal(turns, 0, 'the wait was the turn');
  });

  it('cancelled between turns, returns null and the call leaves no trace', async () => {
    const source = kernelWithTask();
    source.kernel.checkpointAs('hallyn', source.pid, '/tmp/a.crimg', 1);
    const image = bytesOf(source.kernel, '/tmp/a.crimg');
    const { kernel } = kernelWithTask();
    kernel.writeFile('/tmp/in.crimg', image);
    const before = { tasks: kernel.tasks(), memory: kernel.memoryInUse() };
    let turns = 0;
    const outcome = await runInTurns(kernel.restartInSlices('hallyn', '/tmp/in.crimg', 0), {
      budgetMs: 2,
      now: ticking(),
      nextTurn: () => {
        turns++;
        return Promise.resolve();
      },
      cancelled: () => turns >= 2,
    });
    assert.equal(outcome, null);
    assert.deepEqual(kernel.tasks(), before.tasks);
    assert.equal(kernel.memoryInUse(), before.memory);
    assert.equal(kernel.calls().length, 0);
    // The kernel is free again.
    assert.equal(kernel.restartAs('hallyn', '/tmp/in.crimg', 0).ret, 0);
  });
});

describe('checkpoint of pages left all zero', () => {
  it('leaves them out of the image: they read back as zero', () => {
    const items: SourceItem[] = [
      { op: 'mmap', pages: imm(8), prot: 3, dst: 'buf' },
      // Touch every page with a zero; then give one page a non-zero byte at its very end.
      { op: 'set', dst: 'i', value: imm(0) },
      { op: 'label', name: 'loop' },
      { op: 'store', addr: v('buf'), offset: v('i'), data: { value: imm(0) } },
      { op: 'arith', dst: 'i', fn: 'add', a: v('i'), b: imm(4096) },
      { op: 'jump', target: 'loop', when: { fn: 'lt', a: v('i'), b: imm(8 * 4096) } },
      { op: 'store', addr: v('buf'), offset: imm(3 * 4096 + 4088), data: { value: imm(7) } },
      ...idle(),
    ];
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/zeros', items));
    const pid = spawn(kernel, 'hallyn', '/usr/bin/zeros');
    kernel.run(pid, { untilLabel: 'idle', steps: 100 });
    kernel.freeze(pid);
    assert.ok(kernel.checkpointAs('hallyn', pid, '/tmp/z.crimg', 1).ret > 0);
    const read = readImage(bytesOf(kernel, '/tmp/z.crimg'));
    assert.ok(read.ok);
    const buf = kernel.task(pid)?.vars['buf'] ?? 0;
    const mapping = read.image.tasks[0]?.vmas.find((vma) => vma.vm_start === buf);
    assert.deepEqual(
      mapping?.pages.map((page) => page.addr),
      [buf + 3 * 4096],
    );
  });
});
