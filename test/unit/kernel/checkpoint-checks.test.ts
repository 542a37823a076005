/**
 * Every checkpoint check of kernel.md: made to pass, to fail (errno + id) and, where the table
 * says so, to skip with a reason.
 */
import assert from 'node:assert/strict';
import { readImage } from '../../../extension/image/index';
import type { CheckRecord, KernelApi } from '../../../extension/kernel/index';
import { CheckpointFlag, defaultWorld, imm, reg } from '../../../extension/kernel/index';
import { boot, bytesOf, idle, only, rows, runUntil, spawn, withProgram } from './helpers';

const O_WRONLY_CREAT = 0x41;

function last(checks: readonly CheckRecord[]): CheckRecord {
  const record = checks.at(-1);
  assert.ok(record, 'no checks');
  return record;
}

function assertFailsAt(checks: readonly CheckRecord[], id: string, errno: string): void {
  const record = last(checks);
  assert.deepEqual([record.id, record.result, record.errno], [id, 'fail', errno]);
  assert.ok(record.reason.length > 0);
  assert.equal(
    checks.slice(0, -1).every((check) => check.result !== 'fail'),
    true,
  );
}

/** A frozen counter of hallyn's, spawned in the root namespace. */
function frozenCounter(kernel: KernelApi, user = 'hallyn'): number {
  const pid = spawn(kernel, user, '/usr/bin/counter');
  kernel.run(pid, { steps: 4 });
  kernel.freeze(pid);
  return pid;
}

describe('checkpoint.flags', () => {
  it('passes with 0 and with CHECKPOINT_SUBTREE', () => {
    const kernel = boot();
    const pid = frozenCounter(kernel);
    for (const flags of [0, CheckpointFlag.SUBTREE]) {
      const outcome = kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', flags);
      assert.deepEqual(rows(only(outcome.checks, 'checkpoint.flags')), [
        ['checkpoint.flags', 'pass', null],
      ]);
    }
  });
  it('fails with an unknown bit: EINVAL', () => {
    const kernel = boot();
    const outcome = kernel.checkpointAs('hallyn', frozenCounter(kernel), '/tmp/a.crimg', 0x8);
    assertFailsAt(outcome.checks, 'checkpoint.flags', 'EINVAL');
  });

  it('sees every bit of the 64-bit flags: bit 31, bit 32 beside SUBTREE, bit 52 and bit 53 are EINVAL', () => {
    const kernel = boot();
    const pid = frozenCounter(kernel);
    for (const [flags, unknown] of [
      [0x8000_0000, '0x80000000'],
      [0x1_0000_0000, '0x100000000'],
      [0x1_0000_0001, '0x100000000'],
      [2 ** 52 + 1, '0x10000000000000'],
      [2 ** 53, '0x20000000000000'],
    ] as const) {
      const outcome = kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', flags);
      assertFailsAt(outcome.checks, 'checkpoint.flags', 'EINVAL');
      assert.equal(outcome.ret, -22);
      const record = last(outcome.checks);
      assert.equal(record.object, `flags 0x${flags.toString(16)}`);
      assert.match(record.reason, new RegExp(`unknown checkpoint flags ${unknown}:`));
      assert.doesNotMatch(record.reason + record.object, /0x-/);
    }
    assert.equal(kernel.readFile('/tmp/a.crimg'), null, 'a refused checkpoint writes nothing');
    for (const flags of [-1, 0.5, Number.NaN]) {
      assertFailsAt(
        kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', flags).checks,
        'checkpoint.flags',
        'EINVAL',
      );
    }
  });
});

describe('checkpoint.unpriv', () => {
  it('passes by default, and for root when kernel.ckpt_unpriv_allowed is 0', () => {
    const kernel = boot();
    const pid = frozenCounter(kernel);
    assert.equal(
      only(kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', 1).checks, 'checkpoint.unpriv')[0]
        ?.result,
      'pass',
    );
    kernel.setSysctl('kernel.ckpt_unpriv_allowed', 0);
    assert.equal(
      only(kernel.checkpointAs('root', pid, '/tmp/b.crimg', 1).checks, 'checkpoint.unpriv')[0]
        ?.result,
      'pass',
    );
  });
  it('fails for hallyn when kernel.ckpt_unpriv_allowed is 0: EPERM', () => {
    const kernel = boot();
    const pid = frozenCounter(kernel);
    kernel.setSysctl('kernel.ckpt_unpriv_allowed', 0);
    assertFailsAt(
      kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', 1).checks,
      'checkpoint.unpriv',
      'EPERM',
    );
  });
});

describe('checkpoint.fd', () => {
  it('fails for a descriptor that is not open, or open read-only: EBADF', () => {
    const kernel = boot();
    const shell = spawn(kernel, 'hallyn', '/bin/sh');
    const pid = frozenCounter(kernel);
    assertFailsAt(kernel.sysCheckpoint(shell, pid, 42, 1).checks, 'checkpoint.fd', 'EBADF');
    const readOnly = kernel.openAs(shell, '/etc/passwd', 0);
    assertFailsAt(kernel.sysCheckpoint(shell, pid, readOnly, 1).checks, 'checkpoint.fd', 'EBADF');
    const writable = kernel.openAs(shell, '/tmp/ok.crimg', O_WRONLY_CREAT);
    const outcome = kernel.sysCheckpoint(shell, pid, writable, 1);
    assert.equal(only(outcome.checks, 'checkpoint.fd')[0]?.result, 'pass');
    assert.ok(outcome.ret > 0);
  });
});

describe('checkpoint.target', () => {
  it('fails for a pid that does not exist: ESRCH', () => {
    const kernel = boot();
    assertFailsAt(
      kernel.checkpointAs('hallyn', 4242, '/tmp/a.crimg', 1).checks,
      'checkpoint.target',
      'ESRCH',
    );
  });
  it("looks the pid up in the caller's namespace: a root-namespace pid is invisible inside a container", () => {
    const world = withProgram(defaultWorld(), '/usr/bin/ck', [
      { op: 'checkpoint', pid: imm(2), flags: 1, path: '/tmp/in.crimg', dst: 'r' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const outside = frozenCounter(kernel, 'root');
    assert.equal(outside, 2);
    const container = spawn(kernel, 'root', '/usr/bin/ck', { newPidNamespace: true });
    runUntil(kernel, container, 'checkpoint');
    const call = kernel.calls().at(-1);
    assert.ok(call);
    assertFailsAt(call.checks, 'checkpoint.target', 'ESRCH');
  });
  it('passes with pid 0 (self) from a program', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/self', [
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/self.crimg', dst: 'r' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/usr/bin/self');
    runUntil(kernel, pid, 'checkpoint');
    const call = kernel.calls().at(-1);
    assert.equal(only(call?.checks ?? [], 'checkpoint.target')[0]?.result, 'pass');
  });
});

describe('checkpoint.container_init', () => {
  it('passes for a container init, fails without SUBTREE otherwise (EINVAL), passes with SUBTREE', () => {
    const kernel = boot();
    const init = spawn(kernel, 'root', '/bin/sh', { newPidNamespace: true });
    kernel.freeze(init);
    assert.equal(
      only(
        kernel.checkpointAs('root', init, '/tmp/a.crimg', 0).checks,
        'checkpoint.container_init',
      )[0]?.result,
      'pass',
    );
    const plain = frozenCounter(kernel);
    assertFailsAt(
      kernel.checkpointAs('hallyn', plain, '/tmp/b.crimg', 0).checks,
      'checkpoint.container_init',
      'EINVAL',
    );
    assert.equal(
      only(
        kernel.checkpointAs('hallyn', plain, '/tmp/c.crimg', 1).checks,
        'checkpoint.container_init',
      )[0]?.result,
      'pass',
    );
  });
  it("fails for the root namespace's init: the machine is not a container", () => {
    const kernel = boot();
    kernel.freeze(1);
    assertFailsAt(
      kernel.checkpointAs('root', 1, '/tmp/a.crimg', 0).checks,
      'checkpoint.container_init',
      'EINVAL',
    );
  });
  it('is skipped, with a reason, for a self checkpoint', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/self', [
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/self.crimg', dst: 'r' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/usr/bin/self');
    runUntil(kernel, pid, 'checkpoint');
    const [record] = only(kernel.calls().at(-1)?.checks ?? [], 'checkpoint.container_init');
    assert.equal(record?.result, 'skip');
    assert.match(record?.reason ?? '', /implies CHECKPOINT_SUBTREE/);
  });
});

describe('checkpoint.ptrace', () => {
  it('passes for the same user and for root (CAP_SYS_PTRACE)', () => {
    const kernel = boot();
    const pid = frozenCounter(kernel, 'oren');
    assert.equal(
      only(kernel.checkpointAs('oren', pid, '/tmp/a.crimg', 1).checks, 'checkpoint.ptrace')[0]
        ?.result,
      'pass',
    );
    const [root] = only(
      kernel.checkpointAs('root', pid, '/tmp/b.crimg', 1).checks,
      'checkpoint.ptrace',
    );
    assert.equal(root?.result, 'pass');
    assert.match(root?.reason ?? '', /CAP_SYS_PTRACE/);
  });
  it('fails for a task that is not dumpable even when every id matches again: EPERM', () => {
    // setuid-root exec, then every uid dropped back to 500: ids match, dumpable stays cleared.
    const world = withProgram(
      defaultWorld(),
      '/usr/bin/suid',
      [{ op: 'setresuid', ruid: imm(500), euid: imm(500), suid: imm(500), dst: 'r' }, ...idle()],
      { mode: 0o4755 },
    );
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/usr/bin/suid');
    runUntil(kernel, pid, 'setresuid');
    assert.deepEqual([kernel.task(pid)?.cred.euid, kernel.task(pid)?.dumpable], [500, false]);
    kernel.freeze(pid);
    const outcome = kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', 1);
    assertFailsAt(outcome.checks, 'checkpoint.ptrace', 'EPERM');
    assert.match(last(outcome.checks).reason, /not dumpable/);
  });
  it('uses the fsuid in mode read and the uid in mode attach', () => {
    // root program dropping to uid/gid 500, euid/suid/fsuid (and gids) 501: oren's ids by fsuid, hallyn's by uid.
    const world = withProgram(defaultWorld(), '/usr/bin/switch', [
      { op: 'setresgid', rgid: imm(500), egid: imm(501), sgid: imm(501), dst: 'g' },
      { op: 'setresuid', ruid: imm(500), euid: imm(501), suid: imm(501), dst: 'r' },
      { op: 'label', name: 'again' },
      { op: 'checkpoint', pid: imm(2), flags: 1, path: '/tmp/sw.crimg', dst: 'crid' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const orenTask = frozenCounter(kernel, 'oren');
    assert.equal(orenTask, 2);
    kernel.setSysctl('kernel.ckpt_ptrace_mode', 'read');
    const switcher = spawn(kernel, 'root', '/usr/bin/switch');
    runUntil(kernel, switcher, 'checkpoint');
    assert.equal(only(kernel.calls().at(-1)?.checks ?? [], 'checkpoint.ptrace')[0]?.result, 'pass');
    kernel.setSysctl('kernel.ckpt_ptrace_mode', 'attach');
    const second = spawn(kernel, 'root', '/usr/bin/switch');
    runUntil(kernel, second, 'checkpoint');
    assertFailsAt(kernel.calls().at(-1)?.checks ?? [], 'checkpoint.ptrace', 'EPERM');
  });
  it('fails when the uids match but the gids do not: EPERM', () => {
    // root drops to uid 500 with gid 501: hallyn's uid matches every uid, his gid 500 no gid.
    const world = withProgram(defaultWorld(), '/usr/bin/half', [
      { op: 'setresgid', rgid: imm(501), egid: imm(501), sgid: imm(501), dst: 'g' },
      { op: 'setresuid', ruid: imm(500), euid: imm(500), suid: imm(500), dst: 'u' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const pid = spawn(kernel, 'root', '/usr/bin/half');
    kernel.run(pid, { untilLabel: 'idle', steps: 10 });
    const cred = kernel.task(pid)?.cred;
    assert.deepEqual(
      [cred?.uid, cred?.euid, cred?.suid, cred?.gid, cred?.egid, cred?.sgid],
      [500, 500, 500, 501, 501, 501],
    );
    assert.equal(kernel.task(pid)?.dumpable, true);
    kernel.freeze(pid);
    for (const mode of ['attach', 'read'] as const) {
      kernel.setSysctl('kernel.ckpt_ptrace_mode', mode);
      const outcome = kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', CheckpointFlag.SUBTREE);
      assertFailsAt(outcome.checks, 'checkpoint.ptrace', 'EPERM');
      assert.match(
        last(outcome.checks).reason,
        /gid 500 does not match the target's gid\/egid\/sgid 501\/501\/501/,
      );
    }
  });
  it("fails when the label LSM's ptrace hook denies: EPERM", () => {
    const world = defaultWorld();
    world.lsm = { name: 'label', policy: { rules: [{ deny: 'ptrace', domain: 'user_t' }] } };
    const kernel = boot(world);
    const pid = frozenCounter(kernel);
    assertFailsAt(
      kernel.checkpointAs('root', pid, '/tmp/a.crimg', 1).checks,
      'checkpoint.ptrace',
      'EPERM',
    );
  });
});

describe('checkpoint.frozen', () => {
  it('passes for frozen targets and for the caller itself; fails for a running target: EBUSY', () => {
    const kernel = boot();
    const pid = spawn(kernel, 'hallyn', '/usr/bin/counter');
    assertFailsAt(
      kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', 1).checks,
      'checkpoint.frozen',
      'EBUSY',
    );
    kernel.freeze(pid);
    assert.equal(
      only(kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', 1).checks, 'checkpoint.frozen')[0]
        ?.result,
      'pass',
    );
  });
});

describe('checkpoint.state', () => {
  it('fails for a zombie in the tree: EBUSY', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/parent', [
      { op: 'fork', dst: 'child' },
      { op: 'jump', target: 'parent', when: { fn: 'ne', a: reg(0), b: imm(0) } },
      { op: 'exit', code: imm(3) },
      { op: 'label', name: 'parent' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const init = spawn(kernel, 'root', '/usr/bin/parent', { newPidNamespace: true });
    runUntil(kernel, init, 'fork');
    const child = kernel.tasks().find((task) => task.ppid === init);
    assert.ok(child);
    kernel.run(child.pid, { steps: 10 });
    assert.equal(kernel.task(child.pid)?.state, 'zombie');
    kernel.freeze(init);
    const outcome = kernel.checkpointAs('root', init, '/tmp/z.crimg', 0);
    assertFailsAt(outcome.checks, 'checkpoint.state', 'EBUSY');
    assert.deepEqual(
      only(outcome.checks, 'checkpoint.state').map((check) => check.result),
      ['pass', 'fail'],
    );
  });

  /** hallyn's tracer (a program that attaches to pid 2, then idles) and his frozen counter. */
  function traced(detach: boolean): { kernel: KernelApi; counter: number; tracer: number } {
    const world = withProgram(defaultWorld(), '/usr/bin/tracer', [
      { op: 'ptrace', request: 'attach', pid: imm(2), dst: 'r' },
      ...(detach
        ? [{ op: 'ptrace' as const, request: 'detach' as const, pid: imm(2), dst: 'd' }]
        : []),
      ...idle(),
    ]);
    const kernel = boot(world);
    const counter = spawn(kernel, 'hallyn', '/usr/bin/counter');
    assert.equal(counter, 2);
    kernel.run(counter, { steps: 4 });
    const tracer = spawn(kernel, 'hallyn', '/usr/bin/tracer');
    kernel.run(tracer, { untilLabel: 'idle', steps: 10 });
    kernel.freeze(counter);
    return { kernel, counter, tracer };
  }

  it('fails for a traced task: EBUSY (ptraced tasks are not supported, as in the patchset)', () => {
    const { kernel, counter, tracer } = traced(false);
    assert.equal(kernel.task(counter)?.tracer, tracer);
    assert.equal(kernel.task(tracer)?.vars['r'], 0);
    const outcome = kernel.checkpointAs('hallyn', counter, '/tmp/t.crimg', 1);
    const failed = last(outcome.checks);
    assertFailsAt(outcome.checks, 'checkpoint.state', 'EBUSY');
    assert.match(failed.reason, new RegExp(`traced by task ${tracer}`));
    assert.equal(only(outcome.checks, 'checkpoint.ptrace')[0]?.result, 'pass');
  });

  it('passes once the tracer detaches, or exits; its reason says what it checked', () => {
    const detached = traced(true);
    assert.equal(detached.kernel.task(detached.counter)?.tracer, null);
    const [record] = only(
      detached.kernel.checkpointAs('hallyn', detached.counter, '/tmp/t.crimg', 1).checks,
      'checkpoint.state',
    );
    assert.equal(record?.result, 'pass');
    assert.equal(record?.reason, 'the task is neither a zombie nor traced');

    // The tracer exits: its tracees are detached, as exit_ptrace() does.
    const exiting = withProgram(defaultWorld(), '/usr/bin/tracer', [
      { op: 'ptrace', request: 'attach', pid: imm(2), dst: 'r' },
      { op: 'exit', code: imm(0) },
    ]);
    const kernel = boot(exiting);
    const counter = spawn(kernel, 'hallyn', '/usr/bin/counter');
    const tracer = spawn(kernel, 'hallyn', '/usr/bin/tracer');
    kernel.run(tracer, { steps: 10 });
    assert.equal(kernel.task(tracer)?.state, 'zombie');
    assert.equal(kernel.task(counter)?.tracer, null);
    kernel.freeze(counter);
    assert.equal(kernel.checkpointAs('hallyn', counter, '/tmp/t.crimg', 1).errno, null);
  });

  it('ptrace attach is ptrace_may_access in attach mode: hallyn may not trace oren (EPERM)', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/tracer', [
      { op: 'ptrace', request: 'attach', pid: imm(2), dst: 'r' },
      { op: 'ptrace', request: 'attach', pid: imm(3), dst: 'self' },
      { op: 'ptrace', request: 'detach', pid: imm(2), dst: 'd' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const orens = spawn(kernel, 'oren', '/usr/bin/counter');
    assert.equal(orens, 2);
    const tracer = spawn(kernel, 'hallyn', '/usr/bin/tracer');
    assert.equal(tracer, 3);
    kernel.run(tracer, { untilLabel: 'idle', steps: 10 });
    const vars = kernel.task(tracer)?.vars;
    assert.deepEqual([vars?.['r'], vars?.['self'], vars?.['d']], [-1, -1, -3]);
    assert.equal(kernel.task(orens)?.tracer, null);
  });
});

describe('checkpoint.lsm', () => {
  it('fails for an open file whose label may not be checkpointed: EACCES; passes under none and dummy', () => {
    const world = defaultWorld();
    world.lsm = { name: 'label', policy: { rules: [{ deny: 'checkpoint', label: 'shadow_t' }] } };
    const shadow = world.files.find((file) => file.path === '/etc/shadow');
    assert.ok(shadow);
    shadow.label = 'shadow_t';
    const kernel = boot(world);
    const passwd = spawn(kernel, 'root', '/bin/passwd');
    kernel.run(passwd, { steps: 3 });
    kernel.freeze(passwd);
    const outcome = kernel.checkpointAs('root', passwd, '/tmp/a.crimg', 1);
    assertFailsAt(outcome.checks, 'checkpoint.lsm', 'EACCES');
    assert.match(last(outcome.checks).object, /\/etc\/shadow/);

    const dummy = defaultWorld();
    dummy.lsm = { name: 'dummy' };
    const dummyKernel = boot(dummy);
    const pid = frozenCounter(dummyKernel);
    const passed = dummyKernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', 1);
    assert.equal(only(passed.checks, 'checkpoint.lsm')[0]?.result, 'pass');
    const image = readImage(bytesOf(dummyKernel, '/tmp/a.crimg'));
    assert.ok(image.ok);
    assert.equal(image.image.lsm, 'dummy');
    assert.equal(image.image.tasks[0]?.cred.label, 'dummy');
  });
});

describe('checkpoint.leak', () => {
  const leaky = [
    { op: 'unshare' as const, what: 'pidns' as const, dst: 'u' },
    { op: 'fork' as const, dst: 'child' },
    ...idle(),
  ];
  it('fails when an open file of the container is shared with a task outside it: EBUSY', () => {
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/leaky', leaky));
    const parent = spawn(kernel, 'root', '/usr/bin/leaky');
    runUntil(kernel, parent, 'fork');
    const init = kernel.tasks().find((task) => task.ppid === parent);
    assert.ok(init?.nsInit);
    kernel.freeze(init.pid);
    const outcome = kernel.checkpointAs('root', init.pid, '/tmp/l.crimg', 0);
    assertFailsAt(outcome.checks, 'checkpoint.leak', 'EBUSY');
    assert.match(last(outcome.checks).reason, /\/dev\/null/);
  });
  it('passes for a container with its own files and is skipped with SUBTREE', () => {
    const kernel = boot();
    const init = spawn(kernel, 'root', '/bin/sh', { newPidNamespace: true });
    kernel.freeze(init);
    assert.equal(
      only(kernel.checkpointAs('root', init, '/tmp/a.crimg', 0).checks, 'checkpoint.leak')[0]
        ?.result,
      'pass',
    );
    const [skipped] = only(
      kernel.checkpointAs('root', init, '/tmp/b.crimg', 1).checks,
      'checkpoint.leak',
    );
    assert.equal(skipped?.result, 'skip');
    assert.ok((skipped?.reason ?? '').length > 0);
  });
});

describe('checkpoint.sign', () => {
  it('is skipped when signing is off and passes with a SIGN record when it is on', () => {
    const kernel = boot();
    const pid = frozenCounter(kernel);
    const [skipped] = only(
      kernel.checkpointAs('hallyn', pid, '/tmp/a.crimg', 1).checks,
      'checkpoint.sign',
    );
    assert.equal(skipped?.result, 'skip');
    assert.match(skipped?.reason ?? '', /ckpt_sign_images is 0/);
    const unsigned = readImage(bytesOf(kernel, '/tmp/a.crimg'));
    assert.ok(unsigned.ok);
    assert.equal(unsigned.image.sign, null);

    kernel.setSysctl('kernel.ckpt_sign_images', 1);
    const [passed] = only(
      kernel.checkpointAs('hallyn', pid, '/tmp/b.crimg', 1).checks,
      'checkpoint.sign',
    );
    assert.equal(passed?.result, 'pass');
    const signed = readImage(bytesOf(kernel, '/tmp/b.crimg'), {
      keys: { machine: new TextEncoder().encode('crlab-default-machine-key') },
    });
    assert.ok(signed.ok);
    assert.equal(signed.signature, 'verified');
    assert.equal(signed.image.sign?.key_id, 'machine');
  });
});

describe('sys_checkpoint records', () => {
  it('fill models, subject and object on every record, and write nothing on failure', () => {
    const kernel = boot();
    const pid = spawn(kernel, 'hallyn', '/usr/bin/counter');
    const outcome = kernel.checkpointAs('hallyn', pid, '/tmp/none.crimg', 1);
    assert.equal(outcome.errno, 'EBUSY');
    for (const check of outcome.checks) {
      assert.ok(check.models.length > 0);
      assert.match(check.subject, /uid=500/);
      assert.ok(check.object.length > 0);
      assert.equal(check.offset, null);
    }
    assert.equal(
      kernel.readFile('/tmp/none.crimg'),
      null,
      'the file the convenience created is gone again',
    );
  });
  it('a refused checkpoint to a path leaves an earlier image there untouched', () => {
    const kernel = boot();
    const pid = spawn(kernel, 'hallyn', '/usr/bin/counter');
    kernel.freeze(pid);
    assert.ok(kernel.checkpointAs('hallyn', pid, '/tmp/keep.crimg', 1).ret > 0);
    const before = bytesOf(kernel, '/tmp/keep.crimg');
    kernel.thaw(pid);
    const refused = kernel.checkpointAs('hallyn', pid, '/tmp/keep.crimg', 1);
    assert.equal(refused.errno, 'EBUSY');
    assert.deepEqual(bytesOf(kernel, '/tmp/keep.crimg'), before);
  });
});
