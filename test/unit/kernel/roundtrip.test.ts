/**
 * Round trips: checkpoint → restart → checkpoint gives the same bytes; restart restores pages,
 * registers, descriptors (offsets, flags, close-on-exec, sharing), the task tree and credentials
 * per kernel.ckpt_restore_creds; the same scenario twice gives the same image; a self checkpoint
 * returns the crid, and 0 in the restored task; a counter continues where it stopped.
 */
import assert from 'node:assert/strict';
import { readImage } from '../../../extension/image/index';
import type {
  KernelApi,
  RestoreCredsMode,
  SourceItem,
  TaskInfo,
} from '../../../extension/kernel/index';
import {
  CheckpointFlag,
  RestartFlag,
  assemble,
  defaultWorld,
  imm,
  reg,
  v,
} from '../../../extension/kernel/index';
import { boot, bytesOf, idle, runUntil, spawn, withProgram } from './helpers';

const FAMILY: SourceItem[] = [
  { op: 'open', path: '/tmp/data', flags: 0x42, mode: 0o644, dst: 'd' },
  { op: 'write', fd: v('d'), text: 'abcdef' },
  { op: 'dup', fd: v('d'), dst: 'd2' },
  { op: 'open', path: '/etc/passwd', flags: 0x80000, dst: 'p' },
  { op: 'mmap', pages: imm(1), prot: 3, dst: 'buf' },
  { op: 'store', addr: v('buf'), data: { text: 'page data' } },
  { op: 'store', addr: v('buf'), offset: imm(4096 - 8), data: { value: imm(-123456789) } },
  { op: 'fork', dst: 'child' },
  { op: 'jump', target: 'kid', when: { fn: 'eq', a: v('child'), b: imm(0) } },
  { op: 'set', dst: 'x', value: imm(42) },
  ...idle('parent_idle'),
  { op: 'label', name: 'kid' },
  { op: 'set', dst: 'y', value: imm(7) },
  { op: 'write', fd: v('d2'), text: 'XY' },
  ...idle('kid_idle'),
];

/** A frozen container of two tasks sharing files; returns the init's pid. */
function family(kernel: KernelApi): number {
  const init = spawn(kernel, 'root', '/usr/bin/family', { newPidNamespace: true });
  runUntil(kernel, init, 'fork');
  kernel.run(init, { steps: 3 });
  const child = kernel.tasks().find((task) => task.ppid === init);
  assert.ok(child);
  kernel.run(child.pid, { untilSyscall: 'write' });
  kernel.freeze(init);
  return init;
}

function familyKernel(): KernelApi {
  return boot(withProgram(defaultWorld(), '/usr/bin/family', FAMILY));
}

/** The task and its descendants in tree order (root-namespace pids). */
function treeOf(kernel: KernelApi, root: number): TaskInfo[] {
  const all = kernel.tasks();
  const out: TaskInfo[] = [];
  const visit = (pid: number): void => {
    const task = all.find((candidate) => candidate.pid === pid);
    assert.ok(task);
    out.push(task);
    for (const child of all.filter((candidate) => candidate.ppid === pid)) visit(child.pid);
  };
  visit(root);
  return out;
}

describe('checkpoint → restart → checkpoint', () => {
  it('gives byte-identical images (same clock)', () => {
    const kernel = familyKernel();
    const init = family(kernel);
    assert.ok(kernel.checkpointAs('root', init, '/tmp/a.crimg', 0).ret > 0);
    const first = bytesOf(kernel, '/tmp/a.crimg');
    const restart = kernel.restartAs('root', '/tmp/a.crimg', RestartFlag.FROZEN);
    assert.equal(restart.ret, 0, restart.checks.at(-1)?.reason);
    const restoredRoot = restart.restored?.[0];
    assert.ok(restoredRoot !== undefined && restoredRoot !== init);
    assert.ok(kernel.checkpointAs('root', restoredRoot, '/tmp/b.crimg', 0).ret > 0);
    assert.deepEqual(bytesOf(kernel, '/tmp/b.crimg'), first);
  });

  it('the same scenario run twice gives byte-identical images', () => {
    const images = [0, 1].map(() => {
      const kernel = familyKernel();
      const init = family(kernel);
      kernel.checkpointAs('root', init, '/tmp/a.crimg', 0);
      return bytesOf(kernel, '/tmp/a.crimg');
    });
    assert.deepEqual(images[0], images[1]);
    assert.ok((images[0]?.length ?? 0) > 232);
  });
});

describe('restart restores', () => {
  function restoredFamily(): { kernel: KernelApi; original: TaskInfo[]; restored: TaskInfo[] } {
    const kernel = familyKernel();
    const init = family(kernel);
    kernel.checkpointAs('root', init, '/tmp/a.crimg', 0);
    const original = treeOf(kernel, init);
    const outcome = kernel.restartAs('root', '/tmp/a.crimg', 0);
    assert.equal(outcome.ret, 0);
    const restored = treeOf(kernel, outcome.restored?.[0] ?? -1);
    return { kernel, original, restored };
  }

  it('page contents', () => {
    const { kernel, original, restored } = restoredFamily();
    for (const [index, task] of restored.entries()) {
      const buf = task.vars.buf;
      assert.ok(buf !== undefined && buf > 0);
      assert.equal(buf, original[index]?.vars.buf);
      assert.equal(
        new TextDecoder().decode(kernel.readMemory(task.pid, buf, 9) ?? new Uint8Array()),
        'page data',
      );
      const tail = kernel.readMemory(task.pid, buf + 4096 - 8, 8);
      assert.ok(tail);
      assert.equal(new DataView(tail.buffer, tail.byteOffset).getBigInt64(0, true), -123456789n);
      assert.deepEqual(task.vars, original[index]?.vars);
    }
  });

  it('registers and the program counter', () => {
    const { original, restored } = restoredFamily();
    assert.equal(restored.length, 2);
    for (const [index, task] of restored.entries()) {
      assert.equal(task.pc, original[index]?.pc);
      assert.deepEqual(task.regs, original[index]?.regs);
      assert.equal(task.program, 'family');
    }
    assert.ok((original[0]?.regs[0] ?? 0) > 0, "the parent's regs[0] holds fork's child pid");
  });

  it('descriptors with their offsets, flags, close-on-exec and sharing', () => {
    const { original, restored } = restoredFamily();
    const shape = (task: TaskInfo) =>
      task.fds.map(({ fd, path, flags, pos, closeOnExec }) => ({
        fd,
        path,
        flags,
        pos,
        closeOnExec,
      }));
    for (const [index, task] of restored.entries())
      assert.deepEqual(shape(task), shape(original[index] as TaskInfo));
    const [parent, child] = restored;
    assert.ok(parent && child);
    const byFd = (task: TaskInfo, fd: number) => task.fds.find((entry) => entry.fd === fd);
    assert.equal(
      byFd(parent, 3)?.pos,
      8,
      'six bytes by the parent and two through the dup in the child',
    );
    assert.equal(byFd(parent, 5)?.closeOnExec, true);
    assert.equal(byFd(parent, 5)?.flags, 0);
    // Sharing: dup within a task, fork across tasks, stdio 0-2; never with the original tasks.
    assert.equal(byFd(parent, 3)?.openFileId, byFd(parent, 4)?.openFileId);
    assert.equal(byFd(parent, 3)?.openFileId, byFd(child, 3)?.openFileId);
    assert.equal(byFd(parent, 0)?.openFileId, byFd(parent, 2)?.openFileId);
    assert.notEqual(byFd(parent, 3)?.openFileId, byFd(parent, 5)?.openFileId);
    const originalIds = new Set(
      original.flatMap((task) => task.fds.map((entry) => entry.openFileId)),
    );
    assert.ok(
      restored.every((task) => task.fds.every((entry) => !originalIds.has(entry.openFileId))),
    );
  });

  it('the task tree in a new pid namespace with NS_INIT', () => {
    const { original, restored } = restoredFamily();
    const [parent, child] = restored;
    assert.ok(parent && child);
    assert.equal(child.ppid, parent.pid);
    assert.equal(parent.nsInit, true);
    assert.deepEqual([parent.nsPids.at(-1), child.nsPids.at(-1)], [1, 2]);
    assert.equal(parent.nsLevel, 1);
    assert.notEqual(parent.pid, original[0]?.pid);
    assert.deepEqual(
      restored.map((task) => task.comm),
      original.map((task) => task.comm),
    );
  });

  it('running state: tasks run on after a plain restart and stay frozen with RESTART_FROZEN', () => {
    const kernel = familyKernel();
    const init = family(kernel);
    kernel.checkpointAs('root', init, '/tmp/a.crimg', 0);
    const running = kernel.restartAs('root', '/tmp/a.crimg', 0).restored ?? [];
    assert.deepEqual(
      running.map((pid) => kernel.task(pid)?.state),
      ['running', 'running'],
    );
    const frozen = kernel.restartAs('root', '/tmp/a.crimg', RestartFlag.FROZEN).restored ?? [];
    assert.deepEqual(
      frozen.map((pid) => kernel.task(pid)?.state),
      ['frozen', 'frozen'],
    );
    assert.equal(kernel.step(frozen[0] ?? -1).status, 'blocked');
  });
});

describe('file mappings across checkpoint and restart', () => {
  it('a private mapping keeps its written page in the image; a shared one writes through to the file', () => {
    const items: SourceItem[] = [
      { op: 'open', path: '/tmp/backing', flags: 0x42, dst: 'f' },
      { op: 'write', fd: v('f'), text: 'original file text' },
      { op: 'mmap', pages: imm(1), prot: 3, fd: v('f'), dst: 'private' },
      { op: 'mmap', pages: imm(1), prot: 3, shared: true, fd: v('f'), dst: 'shared' },
      { op: 'store', addr: v('private'), data: { text: 'private copy' } },
      { op: 'store', addr: v('shared'), offset: imm(9), data: { text: 'FILE' } },
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/map.crimg', dst: 'crid' },
      ...idle(),
    ];
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/mapper', items));
    const pid = spawn(kernel, 'hallyn', '/usr/bin/mapper');
    runUntil(kernel, pid, 'checkpoint');
    const text = (bytes: Uint8Array | null, length: number) =>
      new TextDecoder().decode((bytes ?? new Uint8Array()).subarray(0, length));
    assert.equal(text(kernel.readFile('/tmp/backing'), 18), 'original FILE\0text');
    const image = readImage(bytesOf(kernel, '/tmp/map.crimg'));
    assert.ok(image.ok);
    const fileVmas = image.image.tasks[0]?.vmas.filter((vma) => vma.file === '/tmp/backing') ?? [];
    assert.deepEqual(
      fileVmas.map((vma) => [vma.vm_flags & 0x8, vma.pages.length]),
      [
        [0, 1],
        [0x8, 0],
      ],
    );
    const outcome = kernel.restartAs('hallyn', '/tmp/map.crimg', 0);
    assert.equal(outcome.ret, 0);
    const restored = kernel.task(outcome.restored?.[0] ?? -1);
    assert.ok(restored);
    assert.equal(
      text(kernel.readMemory(restored.pid, restored.vars.private ?? 0, 12), 12),
      'private copy',
    );
    assert.equal(
      text(kernel.readMemory(restored.pid, restored.vars.shared ?? 0, 13), 13),
      'original FILE',
    );
  });
});

describe('restart restores credentials per kernel.ckpt_restore_creds', () => {
  /** hallyn's self-checkpointing task restarted by root (every mode lets root restart it). */
  function restoredCreds(mode: RestoreCredsMode, sign: boolean): TaskInfo {
    const world = withProgram(defaultWorld(), '/usr/bin/self', [
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/self.crimg', dst: 'crid' },
      ...idle(),
    ]);
    world.sysctls['kernel.ckpt_restore_creds'] = mode;
    world.sysctls['kernel.ckpt_sign_images'] = sign ? 1 : 0;
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/usr/bin/self');
    runUntil(kernel, pid, 'checkpoint');
    const outcome = kernel.restartAs('root', '/tmp/self.crimg', 0);
    assert.equal(outcome.ret, 0);
    const task = kernel.task(outcome.restored?.[0] ?? -1);
    assert.ok(task);
    return task;
  }

  it("caller: the restarted task gets the caller's credentials", () => {
    const task = restoredCreds('caller', false);
    assert.deepEqual([task.cred.uid, task.cred.euid, task.cred.gid], [0, 0, 0]);
    assert.equal(task.cred.capEffective, (1n << 41n) - 1n);
  });
  it("authorized: the image's credentials", () => {
    const task = restoredCreds('authorized', false);
    assert.deepEqual(
      [task.cred.uid, task.cred.euid, task.cred.fsuid, task.cred.gid, task.cred.groups],
      [500, 500, 500, 500, [500]],
    );
    assert.equal(task.cred.capEffective, 0n);
  });
  it("signed with a verified signature: the image's credentials as saved", () => {
    const task = restoredCreds('signed', true);
    assert.deepEqual([task.cred.uid, task.cred.euid, task.cred.gid], [500, 500, 500]);
    assert.equal(task.cred.capPermitted, 0n);
  });
});

describe('programs across checkpoint and restart', () => {
  it('a counter printing 1, 2, 3 checkpointed at 3 prints 4, 5, 6 after restart', () => {
    // The IR built directly, registered with the kernel, and named by an executable file.
    const counterKernel = boot();
    const program = counterKernel.addProgram({
      name: 'count',
      items: [
        { op: 'set', dst: 'n', value: imm(0) },
        { op: 'label', name: 'loop' },
        { op: 'arith', dst: 'n', fn: 'add', a: v('n'), b: imm(1) },
        { op: 'print', parts: [{ value: v('n') }] },
        { op: 'jump', target: 'loop' },
      ],
    });
    assert.deepEqual(program.vars, ['n']);
    assert.deepEqual(program.labels, { loop: 1 });
    counterKernel.writeFile('/usr/bin/count', new Uint8Array(0), { mode: 0o755, runs: 'count' });
    const pid = spawn(counterKernel, 'hallyn', '/usr/bin/count');
    const printed = (who: number): string[] =>
      counterKernel
        .console()
        .filter((line) => line.pid === who)
        .map((line) => line.text);
    while (printed(pid).length < 3) counterKernel.step(pid);
    counterKernel.freeze(pid);
    assert.deepEqual(printed(pid), ['1', '2', '3']);
    assert.ok(
      counterKernel.checkpointAs('hallyn', pid, '/tmp/count.crimg', CheckpointFlag.SUBTREE).ret > 0,
    );
    const outcome = counterKernel.restartAs('hallyn', '/tmp/count.crimg', 0);
    assert.equal(outcome.ret, 0);
    const restored = outcome.restored?.[0] ?? -1;
    while (printed(restored).length < 3) counterKernel.step(restored);
    assert.deepEqual(printed(restored), ['4', '5', '6']);
    assert.deepEqual(printed(pid), ['1', '2', '3'], 'the frozen original printed nothing more');
  });

  it('a self-checkpointing task gets the crid; after restart the same call returns 0 in the restored task', () => {
    const items: SourceItem[] = [
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/me.crimg', dst: 'crid' },
      {
        op: 'print',
        parts: [{ text: 'crid ' }, { value: v('crid') }, { text: ' regs0 ' }, { value: reg(0) }],
      },
      ...idle(),
    ];
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/me', items));
    const pid = spawn(kernel, 'hallyn', '/usr/bin/me');
    kernel.run(pid, { untilSyscall: 'print' });
    const image = readImage(bytesOf(kernel, '/tmp/me.crimg'));
    assert.ok(image.ok);
    const cpu = image.image.tasks[0]?.cpu;
    const program = assemble({ name: 'me', items });
    assert.equal(program.code[0]?.op, 'checkpoint');
    assert.equal(cpu?.pc, 1, 'the pc after the checkpoint instruction');
    assert.equal(cpu?.regs[0], 0);
    assert.equal(image.image.head.flags, 0x1 | 0x2 | 0x4);
    const outcome = kernel.restartAs('hallyn', '/tmp/me.crimg', 0);
    const restored = outcome.restored?.[0] ?? -1;
    kernel.run(restored, { untilSyscall: 'print' });
    assert.deepEqual(
      kernel.console().map((line) => [line.pid, line.text]),
      [
        [pid, 'crid 1 regs0 1'],
        [restored, 'crid 0 regs0 0'],
      ],
    );
  });

  it('a program restarts an image itself with RESTART_TASKSELF and continues as the restored task', () => {
    const items: SourceItem[] = [
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/loop.crimg', dst: 'crid' },
      { op: 'print', parts: [{ text: 'after checkpoint ' }, { value: v('crid') }] },
      { op: 'exit', code: imm(0) },
    ];
    const restarter: SourceItem[] = [
      { op: 'restart', flags: RestartFlag.TASKSELF, path: '/tmp/loop.crimg', dst: 'r' },
      { op: 'print', parts: [{ text: 'never printed' }] },
    ];
    const world = withProgram(
      withProgram(defaultWorld(), '/usr/bin/loop', items),
      '/usr/bin/restarter',
      restarter,
    );
    const kernel = boot(world);
    const first = spawn(kernel, 'hallyn', '/usr/bin/loop');
    kernel.run(first);
    const second = spawn(kernel, 'hallyn', '/usr/bin/restarter');
    kernel.run(second);
    assert.deepEqual(
      kernel.console().map((line) => [line.pid, line.text]),
      [
        [first, 'after checkpoint 1'],
        [second, 'after checkpoint 0'],
      ],
    );
    assert.equal(kernel.task(second)?.exitCode, 0);
  });
});
