/**
 * The seven scenarios at the end of kernel.md, through the kernel API, each asserting the
 * outcome and the full ordered list of checks (id, result, errno).
 */
import assert from 'node:assert/strict';
import { readImage, writeImage } from '../../../extension/image/index';
import type { CheckpointImage } from '../../../extension/image/index';
import type { KernelApi, RestoreCredsMode } from '../../../extension/kernel/index';
import { CheckpointFlag, defaultWorld, imm } from '../../../extension/kernel/index';
import type { CheckRow } from './helpers';
import {
  boot,
  bytesOf,
  idle,
  only,
  passwdItems,
  rows,
  runUntil,
  spawn,
  withProgram,
} from './helpers';

const P = 'pass';
const F = 'fail';
const S = 'skip';

/** The rows every successful-so-far restart starts with (unsigned image). */
const RESTART_PREFIX_UNSIGNED: CheckRow[] = [
  ['restart.flags', P, null],
  ['restart.unpriv', P, null],
  ['restart.fd', P, null],
  ['restart.header', P, null],
  ['restart.format', P, null],
  ['restart.error_record', P, null],
  ['restart.signature', S, null],
  ['restart.taskself', S, null],
  ['restart.pidns', P, null],
  ['restart.nproc', P, null],
];

function decode(bytes: Uint8Array): CheckpointImage {
  const result = readImage(bytes);
  if (!result.ok) throw new Error(`image does not decode: ${result.error.message}`);
  return result.image;
}

describe('kernel.md scenario 1: hallyn checkpoints a running /bin/passwd and restarts it', () => {
  function passwdKernel(
    mode: RestoreCredsMode,
    sign: boolean,
  ): { kernel: KernelApi; passwd: number } {
    const world = withProgram(defaultWorld(), '/bin/passwd', passwdItems(), { mode: 0o4755 });
    world.sysctls['kernel.ckpt_restore_creds'] = mode;
    if (sign) world.sysctls['kernel.ckpt_sign_images'] = 1;
    const kernel = boot(world);
    const shell = spawn(kernel, 'hallyn', '/bin/sh');
    const passwd = spawn(kernel, 'hallyn', '/bin/passwd', { parent: shell });
    runUntil(kernel, passwd, 'checkpoint');
    return { kernel, passwd };
  }

  it('the setuid passwd task checkpoints itself (allowed) and gets the crid', () => {
    const { kernel, passwd } = passwdKernel('authorized', false);
    const info = kernel.task(passwd);
    assert.ok(info);
    assert.deepEqual(
      [info.cred.uid, info.cred.euid, info.cred.suid, info.cred.fsuid],
      [500, 0, 0, 0],
    );
    assert.equal(info.dumpable, false);
    const call = kernel.calls().at(-1);
    assert.ok(call);
    assert.equal(call.ret, 1);
    assert.deepEqual(rows(call.checks), [
      ['checkpoint.flags', P, null],
      ['checkpoint.unpriv', P, null],
      ['checkpoint.fd', P, null],
      ['checkpoint.target', P, null],
      ['checkpoint.container_init', S, null],
      ['checkpoint.ptrace', P, null],
      ['checkpoint.frozen', P, null],
      ['checkpoint.state', P, null],
      ['checkpoint.lsm', P, null],
      ['checkpoint.leak', S, null],
      ['checkpoint.sign', S, null],
    ]);
  });

  it('authorized: hallyn gets EPERM from restart.creds.uid (euid 0 is not his to set)', () => {
    const { kernel } = passwdKernel('authorized', false);
    const before = kernel.tasks().length;
    const outcome = kernel.restartAs('hallyn', '/tmp/passwd.crimg', 0);
    assert.equal(outcome.errno, 'EPERM');
    assert.equal(outcome.ret, -1);
    assert.deepEqual(rows(outcome.checks), [
      ...RESTART_PREFIX_UNSIGNED,
      ['restart.creds.uid', F, 'EPERM'],
    ]);
    assert.match(outcome.checks.at(-1)?.reason ?? '', /euid 0/);
    assert.equal(kernel.tasks().length, before);
  });

  it('caller: the credential checks are skipped and re-opening /etc/shadow read-write fails with EACCES', () => {
    const { kernel } = passwdKernel('caller', false);
    const outcome = kernel.restartAs('hallyn', '/tmp/passwd.crimg', 0);
    assert.equal(outcome.errno, 'EACCES');
    assert.deepEqual(rows(outcome.checks), [
      ...RESTART_PREFIX_UNSIGNED,
      ['restart.creds.uid', S, null],
      ['restart.creds.gid', S, null],
      ['restart.creds.groups', S, null],
      ['restart.creds.caps', S, null],
      ['restart.setuid_exe', P, null],
      ['restart.mmap', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', F, 'EACCES'],
    ]);
    for (const skipped of outcome.checks.filter((check) => check.result === 'skip'))
      assert.ok(skipped.reason.length > 0);
    assert.match(
      only(outcome.checks, 'restart.creds.uid')[0]?.reason ?? '',
      /credentials come from the caller/,
    );
    assert.match(outcome.checks.at(-1)?.object ?? '', /\/etc\/shadow/);
  });

  it('signed: the signed image restarts for hallyn with euid 0 and /etc/shadow open; one changed byte gives EBADMSG', () => {
    const { kernel } = passwdKernel('signed', true);
    const checkpoint = kernel.calls().at(-1);
    assert.deepEqual(
      only(checkpoint?.checks ?? [], 'checkpoint.sign').map((c) => c.result),
      ['pass'],
    );
    const bytes = bytesOf(kernel, '/tmp/passwd.crimg');

    const outcome = kernel.restartAs('hallyn', '/tmp/passwd.crimg', 0);
    assert.equal(outcome.ret, 0, outcome.checks.at(-1)?.reason);
    assert.deepEqual(rows(outcome.checks), [
      ['restart.flags', P, null],
      ['restart.unpriv', P, null],
      ['restart.fd', P, null],
      ['restart.header', P, null],
      ['restart.format', P, null],
      ['restart.error_record', P, null],
      ['restart.signature', P, null],
      ['restart.taskself', S, null],
      ['restart.pidns', P, null],
      ['restart.nproc', P, null],
      ['restart.creds.uid', P, null],
      ['restart.creds.gid', P, null],
      ['restart.creds.groups', P, null],
      ['restart.creds.caps', P, null],
      ['restart.setuid_exe', P, null],
      ['restart.mmap', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', P, null],
      ['restart.memory', P, null],
      ['restart.lsm', P, null],
    ]);
    assert.match(
      only(outcome.checks, 'restart.creds.uid')[0]?.reason ?? '',
      /signed by this machine/,
    );
    const restored = kernel.task(outcome.restored?.[0] ?? -1);
    assert.ok(restored);
    assert.equal(restored.cred.euid, 0);
    assert.equal(restored.cred.uid, 500);
    assert.ok(
      restored.fds.some((fd) => fd.fd === 3 && fd.path === '/etc/shadow' && fd.flags === 2),
    );

    // One byte changed: regs[1] of the CPU record (still a valid image, no longer the signed one).
    const result = readImage(bytes);
    assert.ok(result.ok);
    const cpu = result.records.find((record) => record.name === 'CPU');
    assert.ok(cpu);
    const tampered = bytes.slice();
    tampered[cpu.offset + 8 + 32 + 8] = (tampered[cpu.offset + 8 + 32 + 8] ?? 0) ^ 1;
    kernel.writeFile('/tmp/tampered.crimg', tampered, { uid: 500, gid: 500 });
    const refused = kernel.restartAs('hallyn', '/tmp/tampered.crimg', 0);
    assert.equal(refused.errno, 'EBADMSG');
    assert.deepEqual(rows(refused.checks), [
      ['restart.flags', P, null],
      ['restart.unpriv', P, null],
      ['restart.fd', P, null],
      ['restart.header', P, null],
      ['restart.format', P, null],
      ['restart.error_record', P, null],
      ['restart.signature', F, 'EBADMSG'],
    ]);
  });

  it('root restarting it under authorized succeeds with the saved credentials', () => {
    const { kernel, passwd } = passwdKernel('authorized', false);
    kernel.run(passwd, { untilSyscall: 'print' });
    const outcome = kernel.restartAs('root', '/tmp/passwd.crimg', 0);
    assert.equal(outcome.ret, 0);
    assert.deepEqual(rows(outcome.checks), [
      ...RESTART_PREFIX_UNSIGNED,
      ['restart.creds.uid', P, null],
      ['restart.creds.gid', P, null],
      ['restart.creds.groups', P, null],
      ['restart.creds.caps', P, null],
      ['restart.setuid_exe', P, null],
      ['restart.mmap', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', P, null],
      ['restart.memory', P, null],
      ['restart.lsm', P, null],
    ]);
    const restored = kernel.task(outcome.restored?.[0] ?? -1);
    assert.ok(restored);
    assert.deepEqual(
      [restored.cred.uid, restored.cred.euid, restored.cred.suid, restored.cred.fsuid],
      [500, 0, 0, 0],
    );
    assert.equal(restored.dumpable, false);
    // The restored task's checkpoint call returns 0, the original saw crid 1.
    kernel.run(restored.pid, { untilSyscall: 'print' });
    assert.deepEqual(
      kernel
        .console()
        .filter((line) => line.text.startsWith('checkpoint returned'))
        .map((line) => line.text),
      ['checkpoint returned 1', 'checkpoint returned 0'],
    );
  });
});

describe('kernel.md scenario 2: checkpoint.ptrace denies other users and setuid tasks', () => {
  const ptraceDenied: CheckRow[] = [
    ['checkpoint.flags', P, null],
    ['checkpoint.unpriv', P, null],
    ['checkpoint.fd', P, null],
    ['checkpoint.target', P, null],
    ['checkpoint.container_init', P, null],
    ['checkpoint.ptrace', F, 'EPERM'],
  ];

  it("hallyn asking for oren's task gets EPERM", () => {
    const kernel = boot();
    const counter = spawn(kernel, 'oren', '/usr/bin/counter');
    kernel.run(counter, { steps: 5 });
    kernel.freeze(counter);
    const outcome = kernel.checkpointAs(
      'hallyn',
      counter,
      '/tmp/oren.crimg',
      CheckpointFlag.SUBTREE,
    );
    assert.equal(outcome.errno, 'EPERM');
    assert.deepEqual(rows(outcome.checks), ptraceDenied);
    assert.match(outcome.checks.at(-1)?.reason ?? '', /uid/);
  });

  it('hallyn asking for his own running passwd from his shell gets EPERM', () => {
    const kernel = boot();
    const shell = spawn(kernel, 'hallyn', '/bin/sh');
    const passwd = spawn(kernel, 'hallyn', '/bin/passwd', { parent: shell });
    kernel.run(passwd, { steps: 3 });
    kernel.freeze(passwd);
    const fd = kernel.openAs(shell, '/tmp/mine.crimg', 0x41);
    assert.ok(fd >= 0);
    const outcome = kernel.sysCheckpoint(shell, passwd, fd, CheckpointFlag.SUBTREE);
    assert.equal(outcome.ret, -1);
    assert.deepEqual(rows(outcome.checks), ptraceDenied);
    assert.deepEqual(kernel.readFile('/tmp/mine.crimg'), new Uint8Array(0));
  });
});

describe('kernel.md scenario 3: unknown checkpoint flags', () => {
  for (const flags of [0x2, 0x4, 0x100]) {
    it(`flags 0x${flags.toString(16)} give EINVAL from checkpoint.flags`, () => {
      const kernel = boot();
      const counter = spawn(kernel, 'hallyn', '/usr/bin/counter');
      kernel.freeze(counter);
      const outcome = kernel.checkpointAs('hallyn', counter, '/tmp/x.crimg', flags);
      assert.equal(outcome.ret, -22);
      assert.deepEqual(rows(outcome.checks), [['checkpoint.flags', F, 'EINVAL']]);
    });
  }
});

describe('kernel.md scenario 4: container inits, nested containers and the freezer', () => {
  function nested(): { kernel: KernelApi; outer: number; inner: number; worker: number } {
    const kernel = boot();
    const outer = spawn(kernel, 'root', '/bin/sh', { newPidNamespace: true });
    const inner = spawn(kernel, 'root', '/bin/sh', { parent: outer, newPidNamespace: true });
    const worker = spawn(kernel, 'root', '/usr/bin/counter', { parent: inner });
    kernel.run(worker, { steps: 7 });
    kernel.freeze(outer);
    return { kernel, outer, inner, worker };
  }

  const upToContainerInit: CheckRow[] = [
    ['checkpoint.flags', P, null],
    ['checkpoint.unpriv', P, null],
    ['checkpoint.fd', P, null],
    ['checkpoint.target', P, null],
  ];

  it('a task that is not a container init, without SUBTREE: EINVAL', () => {
    const { kernel, worker } = nested();
    const outcome = kernel.checkpointAs('root', worker, '/tmp/w.crimg', 0);
    assert.equal(outcome.errno, 'EINVAL');
    assert.deepEqual(rows(outcome.checks), [
      ...upToContainerInit,
      ['checkpoint.container_init', F, 'EINVAL'],
    ]);
  });

  it('the frozen outer init takes the inner container along: TREE has both namespaces', () => {
    const { kernel, outer } = nested();
    const outcome = kernel.checkpointAs('root', outer, '/tmp/outer.crimg', 0);
    assert.ok(outcome.ret > 0);
    const each = (id: string): CheckRow[] => [
      [id, P, null],
      [id, P, null],
      [id, P, null],
    ];
    assert.deepEqual(rows(outcome.checks), [
      ...upToContainerInit,
      ['checkpoint.container_init', P, null],
      ...each('checkpoint.ptrace'),
      ...each('checkpoint.frozen'),
      ...each('checkpoint.state'),
      ...each('checkpoint.lsm'),
      ['checkpoint.leak', P, null],
      ['checkpoint.sign', S, null],
    ]);
    const image = decode(bytesOf(kernel, '/tmp/outer.crimg'));
    assert.deepEqual(image.tree, [
      { vpid: 1, vppid: 0, vtgid: 1, nspid: 1, nsdepth: 0, flags: 1 },
      { vpid: 2, vppid: 1, vtgid: 2, nspid: 1, nsdepth: 1, flags: 1 },
      { vpid: 3, vppid: 2, vtgid: 3, nspid: 2, nsdepth: 1, flags: 0 },
    ]);
    assert.equal(image.head.flags & 0x2, 0);
  });

  it('the inner init alone needs SUBTREE', () => {
    const { kernel, inner } = nested();
    const refused = kernel.checkpointAs('root', inner, '/tmp/inner.crimg', 0);
    assert.deepEqual(rows(refused.checks), [
      ...upToContainerInit,
      ['checkpoint.container_init', F, 'EINVAL'],
    ]);
    const outcome = kernel.checkpointAs('root', inner, '/tmp/inner.crimg', CheckpointFlag.SUBTREE);
    assert.ok(outcome.ret > 0);
    assert.deepEqual(rows(outcome.checks).slice(4, 5), [['checkpoint.container_init', P, null]]);
    assert.deepEqual(
      only(outcome.checks, 'checkpoint.leak').map((c) => c.result),
      ['skip'],
    );
    const image = decode(bytesOf(kernel, '/tmp/inner.crimg'));
    assert.deepEqual(image.tree, [
      { vpid: 1, vppid: 0, vtgid: 1, nspid: 1, nsdepth: 0, flags: 1 },
      { vpid: 2, vppid: 1, vtgid: 2, nspid: 2, nsdepth: 0, flags: 0 },
    ]);
  });

  it('a task of the container that is not frozen gives EBUSY from checkpoint.frozen', () => {
    const { kernel, outer, worker } = nested();
    kernel.thaw(worker);
    const outcome = kernel.checkpointAs('root', outer, '/tmp/outer.crimg', 0);
    assert.equal(outcome.errno, 'EBUSY');
    assert.deepEqual(rows(outcome.checks), [
      ...upToContainerInit,
      ['checkpoint.container_init', P, null],
      ['checkpoint.ptrace', P, null],
      ['checkpoint.ptrace', P, null],
      ['checkpoint.ptrace', P, null],
      ['checkpoint.frozen', P, null],
      ['checkpoint.frozen', P, null],
      ['checkpoint.frozen', F, 'EBUSY'],
    ]);
  });
});

describe('kernel.md scenarios 5 and 6: hand-edited images restarted by hallyn and by root', () => {
  const notesItems = [
    { op: 'open' as const, path: '/tmp/notes', flags: 0x42, mode: 0o644, dst: 'notes' },
    { op: 'write' as const, fd: { kind: 'var' as const, name: 'notes' }, text: 'hello' },
    { op: 'open' as const, path: '/etc/passwd', flags: 0, dst: 'pw' },
    {
      op: 'mmap' as const,
      pages: imm(1),
      prot: 1,
      fd: { kind: 'var' as const, name: 'pw' },
      dst: 'map',
    },
    { op: 'mmap' as const, pages: imm(2), prot: 3, dst: 'buf' },
    {
      op: 'store' as const,
      addr: { kind: 'var' as const, name: 'buf' },
      data: { text: 'hallyn was here' },
    },
    { op: 'checkpoint' as const, pid: imm(0), flags: 0, path: '/tmp/h.crimg', dst: 'crid' },
    ...idle(),
  ];

  function notesKernel(): {
    kernel: KernelApi;
    shell: number;
    image: CheckpointImage;
    bytes: Uint8Array;
  } {
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/notes', notesItems));
    const shell = spawn(kernel, 'hallyn', '/bin/sh');
    const notes = spawn(kernel, 'hallyn', '/usr/bin/notes', { parent: shell });
    runUntil(kernel, notes, 'checkpoint');
    const bytes = bytesOf(kernel, '/tmp/h.crimg');
    return { kernel, shell, image: decode(bytes), bytes };
  }

  /** Restart `bytes` as hallyn's shell through its own descriptor; prove nothing of hallyn's changed. */
  function restartAsShell(kernel: KernelApi, shell: number, bytes: Uint8Array) {
    kernel.writeFile('/tmp/edited.crimg', bytes, { uid: 500, gid: 500 });
    const fd = kernel.openAs(shell, '/tmp/edited.crimg', 0);
    assert.ok(fd >= 0);
    const tasksBefore = kernel.tasks();
    const memoryBefore = kernel.memoryInUse();
    const notesBefore = kernel.readFile('/tmp/notes');
    const outcome = kernel.sysRestart(shell, 0, fd, 0);
    if (outcome.ret < 0) {
      assert.deepEqual(
        kernel.tasks(),
        tasksBefore,
        'a failed restart changes no task (the fd offset included)',
      );
      assert.equal(kernel.memoryInUse(), memoryBefore);
      assert.deepEqual(kernel.readFile('/tmp/notes'), notesBefore);
    }
    return outcome;
  }

  const credsPass: CheckRow[] = [
    ['restart.creds.uid', P, null],
    ['restart.creds.gid', P, null],
    ['restart.creds.groups', P, null],
    ['restart.creds.caps', P, null],
  ];

  it('the unedited image restarts for hallyn', () => {
    const { kernel, shell, bytes } = notesKernel();
    const outcome = restartAsShell(kernel, shell, bytes);
    assert.equal(outcome.ret, 0, outcome.checks.at(-1)?.reason);
  });

  it('uid changed to 0 fails restart.creds.uid, and nothing of hallyn changes', () => {
    const { kernel, shell, image } = notesKernel();
    const task = image.tasks[0];
    assert.ok(task);
    task.cred.uid = 0;
    const outcome = restartAsShell(kernel, shell, writeImage(image));
    assert.equal(outcome.errno, 'EPERM');
    assert.deepEqual(rows(outcome.checks), [
      ...RESTART_PREFIX_UNSIGNED,
      ['restart.creds.uid', F, 'EPERM'],
    ]);
    assert.equal(typeof outcome.checks.at(-1)?.offset, 'number');
  });

  it("a descriptor's path changed to /etc/shadow fails restart.file.open with EACCES", () => {
    const { kernel, shell, image } = notesKernel();
    const notesFile = image.openFiles.find((file) => file.path === '/tmp/notes');
    assert.ok(notesFile);
    notesFile.path = '/etc/shadow';
    const outcome = restartAsShell(kernel, shell, writeImage(image));
    assert.equal(outcome.errno, 'EACCES');
    assert.deepEqual(rows(outcome.checks), [
      ...RESTART_PREFIX_UNSIGNED,
      ...credsPass,
      ['restart.setuid_exe', P, null],
      ['restart.mmap', P, null],
      ['restart.mmap', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', F, 'EACCES'],
    ]);
  });

  it('a mapping of /etc/passwd made executable fails restart.mmap with EACCES', () => {
    const { kernel, shell, image } = notesKernel();
    const mapping = image.tasks[0]?.vmas.find((vma) => vma.file === '/etc/passwd');
    assert.ok(mapping);
    mapping.vm_page_prot |= 4;
    mapping.vm_flags |= 4;
    const outcome = restartAsShell(kernel, shell, writeImage(image));
    assert.equal(outcome.errno, 'EACCES');
    assert.deepEqual(rows(outcome.checks), [
      ...RESTART_PREFIX_UNSIGNED,
      ...credsPass,
      ['restart.setuid_exe', P, null],
      ['restart.mmap', P, null],
      ['restart.mmap', F, 'EACCES'],
    ]);
    assert.match(outcome.checks.at(-1)?.object ?? '', /\/etc\/passwd/);
  });

  it('a count made huge fails restart.format with its offset and field', () => {
    const { kernel, shell, bytes } = notesKernel();
    const read = readImage(bytes);
    assert.ok(read.ok);
    const files = read.records.find((record) => record.name === 'FILES');
    assert.ok(files);
    const edited = bytes.slice();
    new DataView(edited.buffer).setUint32(files.offset + 8 + 4, 0xffff_ffff, true);
    const outcome = restartAsShell(kernel, shell, edited);
    assert.equal(outcome.errno, 'EINVAL');
    assert.deepEqual(rows(outcome.checks), [
      ['restart.flags', P, null],
      ['restart.unpriv', P, null],
      ['restart.fd', P, null],
      ['restart.header', P, null],
      ['restart.format', F, 'EINVAL'],
    ]);
    const failed = outcome.checks.at(-1);
    assert.equal(failed?.offset, files.offset);
    assert.match(failed?.reason ?? '', /FILES\.nfds/);
  });

  it('scenario 6: the same edited credential image restarted by root succeeds with the saved credentials', () => {
    const { kernel, image } = notesKernel();
    const task = image.tasks[0];
    assert.ok(task);
    task.cred.uid = 0;
    kernel.writeFile('/tmp/uid0.crimg', writeImage(image), { uid: 500, gid: 500 });
    const outcome = kernel.restartAs('root', '/tmp/uid0.crimg', 0);
    assert.equal(outcome.ret, 0);
    assert.deepEqual(rows(outcome.checks), [
      ...RESTART_PREFIX_UNSIGNED,
      ...credsPass,
      ['restart.setuid_exe', P, null],
      ['restart.mmap', P, null],
      ['restart.mmap', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', P, null],
      ['restart.file.open', P, null],
      ['restart.memory', P, null],
      ['restart.lsm', P, null],
    ]);
    const restored = kernel.task(outcome.restored?.[0] ?? -1);
    assert.ok(restored);
    assert.deepEqual(
      [restored.cred.uid, restored.cred.euid, restored.cred.suid, restored.cred.fsuid],
      [0, 500, 500, 500],
    );
  });
});

describe('kernel.md scenario 7: the label LSM forbids checkpointing domain passwd_t, even for root', () => {
  it('root gets EACCES from checkpoint.lsm', () => {
    const world = defaultWorld();
    world.lsm = {
      name: 'label',
      policy: {
        transitions: [{ exec: 'passwd_exec_t', to: 'passwd_t' }],
        rules: [{ deny: 'checkpoint', domain: 'passwd_t' }],
      },
    };
    const passwdFile = world.files.find((file) => file.path === '/bin/passwd');
    assert.ok(passwdFile);
    passwdFile.label = 'passwd_exec_t';
    const kernel = boot(world);
    const passwd = spawn(kernel, 'hallyn', '/bin/passwd');
    assert.equal(kernel.task(passwd)?.label, 'passwd_t');
    kernel.run(passwd, { steps: 3 });
    kernel.freeze(passwd);
    const outcome = kernel.checkpointAs('root', passwd, '/tmp/p.crimg', CheckpointFlag.SUBTREE);
    assert.equal(outcome.errno, 'EACCES');
    assert.deepEqual(rows(outcome.checks), [
      ['checkpoint.flags', P, null],
      ['checkpoint.unpriv', P, null],
      ['checkpoint.fd', P, null],
      ['checkpoint.target', P, null],
      ['checkpoint.container_init', P, null],
      ['checkpoint.ptrace', P, null],
      ['checkpoint.frozen', P, null],
      ['checkpoint.state', P, null],
      ['checkpoint.lsm', F, 'EACCES'],
    ]);
    assert.match(outcome.checks.at(-1)?.reason ?? '', /passwd_t/);
    // A task in another domain is checkpointed fine under the same policy.
    const counter = spawn(kernel, 'hallyn', '/usr/bin/counter');
    kernel.freeze(counter);
    assert.ok(kernel.checkpointAs('root', counter, '/tmp/c.crimg', CheckpointFlag.SUBTREE).ret > 0);
  });
});
