/**
 * Every restart check of kernel.md: made to pass, to fail (errno + id, with the image offset where
 * it applies) and, where the table says so, to skip with a reason. Image-content failures are
 * crafted by editing the decoded image and re-writing it, or by patching bytes.
 */
import assert from 'node:assert/strict';
import { readImage, writeFailedImage, writeImage } from '../../../extension/image/index';
import type { CheckpointImage } from '../../../extension/image/index';
import type {
  CheckRecord,
  KernelApi,
  LabelRule,
  SourceItem,
  WorldSpec,
} from '../../../extension/kernel/index';
import {
  CheckpointFlag,
  RestartFlag,
  defaultWorld,
  emptyWorld,
  imm,
  v,
} from '../../../extension/kernel/index';
import { boot, bytesOf, idle, only, rows, runUntil, spawn, withProgram } from './helpers';

const O_WRONLY = 1;

function failedAt(checks: readonly CheckRecord[]): CheckRecord {
  const record = checks.at(-1);
  assert.ok(record);
  assert.equal(record.result, 'fail');
  assert.ok(record.reason.length > 0);
  assert.ok(checks.slice(0, -1).every((check) => check.result !== 'fail'));
  return record;
}

function assertFailsAt(checks: readonly CheckRecord[], id: string, errno: string): CheckRecord {
  const record = failedAt(checks);
  assert.deepEqual([record.id, record.errno], [id, errno]);
  return record;
}

/** hallyn's notes program: a file, a file mapping, an anonymous buffer, then a self checkpoint. */
const NOTES: SourceItem[] = [
  { op: 'open', path: '/tmp/notes', flags: 0x42, mode: 0o644, dst: 'notes' },
  { op: 'write', fd: v('notes'), text: 'hello' },
  { op: 'open', path: '/etc/passwd', flags: 0, dst: 'pw' },
  { op: 'mmap', pages: imm(1), prot: 1, fd: v('pw'), dst: 'map' },
  { op: 'mmap', pages: imm(2), prot: 3, dst: 'buf' },
  { op: 'store', addr: v('buf'), data: { text: 'hallyn was here' } },
  { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/h.crimg', dst: 'crid' },
  ...idle(),
];

interface Fixture {
  kernel: KernelApi;
  shell: number;
  notes: number;
  bytes: Uint8Array;
  image: CheckpointImage;
}

function fixture(edit: (world: WorldSpec) => void = () => {}): Fixture {
  const world = withProgram(defaultWorld(), '/usr/bin/notes', NOTES);
  edit(world);
  const kernel = boot(world);
  const shell = spawn(kernel, 'hallyn', '/bin/sh');
  const notes = spawn(kernel, 'hallyn', '/usr/bin/notes', { parent: shell });
  runUntil(kernel, notes, 'checkpoint');
  const bytes = bytesOf(kernel, '/tmp/h.crimg');
  const read = readImage(bytes);
  assert.ok(read.ok);
  return { kernel, shell, notes, bytes, image: read.image };
}

/** Write bytes to a file hallyn owns and restart it as `user`. */
function restartBytes(kernel: KernelApi, bytes: Uint8Array, user = 'hallyn', flags = 0) {
  kernel.writeFile('/tmp/edited.crimg', bytes, { uid: 500, gid: 500 });
  return kernel.restartAs(user, '/tmp/edited.crimg', flags);
}

describe('restart.flags', () => {
  it('passes with the known flags and fails with an unknown one: EINVAL', () => {
    const { kernel } = fixture();
    assert.equal(
      only(
        kernel.restartAs('hallyn', '/tmp/h.crimg', RestartFlag.FROZEN).checks,
        'restart.flags',
      )[0]?.result,
      'pass',
    );
    const outcome = kernel.restartAs('hallyn', '/tmp/h.crimg', 0x4);
    assert.deepEqual(rows(outcome.checks), [['restart.flags', 'fail', 'EINVAL']]);
  });

  it('sees every bit of the 64-bit flags: 0x100000000 and 0x100000001 (not TASKSELF) are EINVAL', () => {
    const { kernel } = fixture();
    const before = kernel.tasks().length;
    for (const [flags, unknown] of [
      [0x1_0000_0000, '0x100000000'],
      [0x1_0000_0001, '0x100000000'],
      [0x8000_0000, '0x80000000'],
      [0x8000_0008, '0x80000000'],
      [2 ** 52, '0x10000000000000'],
      [2 ** 63, '0x8000000000000000'],
    ] as const) {
      const outcome = kernel.restartAs('hallyn', '/tmp/h.crimg', flags);
      assert.deepEqual(rows(outcome.checks), [['restart.flags', 'fail', 'EINVAL']]);
      const [record] = outcome.checks;
      assert.equal(record?.object, `flags 0x${flags.toString(16)}`);
      assert.match(record?.reason ?? '', new RegExp(`unknown restart flags ${unknown}:`));
      assert.equal(outcome.restoredIntoCaller, undefined);
    }
    assert.equal(kernel.tasks().length, before, 'nothing was restored');
  });
});

describe('restart.unpriv', () => {
  it('fails for hallyn when kernel.ckpt_unpriv_allowed is 0 (EPERM) and passes for root', () => {
    const { kernel } = fixture();
    kernel.setSysctl('kernel.ckpt_unpriv_allowed', 0);
    assertFailsAt(kernel.restartAs('hallyn', '/tmp/h.crimg', 0).checks, 'restart.unpriv', 'EPERM');
    const root = kernel.restartAs('root', '/tmp/h.crimg', 0);
    assert.equal(only(root.checks, 'restart.unpriv')[0]?.result, 'pass');
    assert.equal(root.ret, 0);
  });
});

describe('restart.fd', () => {
  it('fails for a descriptor that is not open or not readable: EBADF', () => {
    const { kernel, shell } = fixture();
    assertFailsAt(kernel.sysRestart(shell, 0, 77, 0).checks, 'restart.fd', 'EBADF');
    const own = kernel.openAs(shell, '/tmp/h.crimg', O_WRONLY);
    assert.ok(own >= 0);
    assertFailsAt(kernel.sysRestart(shell, 0, own, 0).checks, 'restart.fd', 'EBADF');
  });
});

describe('restart.header', () => {
  it('fails (EINVAL, HEAD.flags) for SELF without SUBTREE', () => {
    const { kernel, image } = fixture();
    assert.equal(image.head.flags, 0x1 + 0x2 + 0x4);
    image.head.flags = 0x1 + 0x4; // judged before the TREE, whose root would need NS_INIT
    const outcome = restartBytes(kernel, writeImage(image), 'root');
    const record = assertFailsAt(outcome.checks, 'restart.header', 'EINVAL');
    assert.match(record.reason, /^EINVAL at 0x0 \(HEAD\.flags\)/);
  });
  it('fails (EINVAL, HEAD.machine) for a machine that is U+FEFF then lab64: text is its bytes', () => {
    const { kernel, image } = fixture();
    image.head.machine = '\uFEFFlab64';
    const outcome = restartBytes(kernel, writeImage(image));
    const record = assertFailsAt(outcome.checks, 'restart.header', 'EINVAL');
    assert.match(record.reason, /^EINVAL at 0x0 \(HEAD\.machine\)/);
  });

  it('passes for a valid HEAD and fails for a bad magic, a wrong machine (EINVAL) or an empty file (EPIPE)', () => {
    const { kernel, bytes } = fixture();
    const [passed] = only(kernel.restartAs('hallyn', '/tmp/h.crimg', 0).checks, 'restart.header');
    assert.equal(passed?.result, 'pass');
    assert.equal(passed?.offset, 0);

    const badMagic = bytes.slice();
    badMagic[8 + 1] = (badMagic[8 + 1] ?? 0) ^ 0xff;
    const magic = assertFailsAt(restartBytes(kernel, badMagic).checks, 'restart.header', 'EINVAL');
    assert.equal(magic.offset, 0);

    const badMachine = bytes.slice();
    badMachine[8 + 160 + 4] = 0x35; // lab64 -> lab65
    assertFailsAt(restartBytes(kernel, badMachine).checks, 'restart.header', 'EINVAL');

    assertFailsAt(restartBytes(kernel, new Uint8Array(0)).checks, 'restart.header', 'EPIPE');
  });
});

describe('restart.format', () => {
  it('fails for an image cut short (EPIPE) with the offset of the partial record', () => {
    const { kernel, bytes } = fixture();
    const cut = bytes.slice(0, bytes.length - 4);
    const record = assertFailsAt(restartBytes(kernel, cut).checks, 'restart.format', 'EPIPE');
    assert.equal(
      record.offset,
      bytes.length - 16,
      'TAIL (8-byte header + 8-byte magic) is the partial record',
    );
  });
  it('fails for bytes after TAIL (EINVAL)', () => {
    const { kernel, bytes } = fixture();
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    const record = assertFailsAt(restartBytes(kernel, longer).checks, 'restart.format', 'EINVAL');
    assert.equal(record.offset, bytes.length);
  });
});

describe('restart.error_record', () => {
  it('fails with EIO and shows the message of a well-formed ERROR record', () => {
    const { kernel, image } = fixture();
    const failed = writeFailedImage(image.head, 'pid 7 tsk passwd: Ptrace attach denied');
    const outcome = restartBytes(kernel, failed);
    const record = assertFailsAt(outcome.checks, 'restart.error_record', 'EIO');
    assert.match(record.reason, /Ptrace attach denied/);
    assert.deepEqual(
      rows(outcome.checks).map((row) => row[0]),
      [
        'restart.flags',
        'restart.unpriv',
        'restart.fd',
        'restart.header',
        'restart.format',
        'restart.error_record',
      ],
    );
    assert.equal(typeof record.offset, 'number');
  });
});

describe('restart.signature', () => {
  it('is skipped for an unsigned image, fails with EPERM when signatures are required', () => {
    const { kernel } = fixture();
    const [skipped] = only(
      kernel.restartAs('hallyn', '/tmp/h.crimg', 0).checks,
      'restart.signature',
    );
    assert.equal(skipped?.result, 'skip');
    assert.ok((skipped?.reason ?? '').length > 0);
    kernel.setSysctl('kernel.ckpt_require_signed', 1);
    assertFailsAt(
      kernel.restartAs('hallyn', '/tmp/h.crimg', 0).checks,
      'restart.signature',
      'EPERM',
    );
  });
  it('passes for an image signed by this machine, fails (EBADMSG) for a key the kernel does not hold', () => {
    const { kernel, image } = fixture((world) => {
      world.sysctls['kernel.ckpt_sign_images'] = 1;
    });
    const [verified] = only(
      kernel.restartAs('hallyn', '/tmp/h.crimg', 0).checks,
      'restart.signature',
    );
    assert.equal(verified?.result, 'pass');
    assert.equal(typeof verified?.offset, 'number');
    const otherKey = writeImage(image, {
      signingKey: { keyId: 'other', key: new TextEncoder().encode('not the machine key') },
    });
    assertFailsAt(restartBytes(kernel, otherKey).checks, 'restart.signature', 'EBADMSG');
    const wrongSecret = writeImage(image, {
      signingKey: { keyId: 'machine', key: new TextEncoder().encode('guessed') },
    });
    assertFailsAt(restartBytes(kernel, wrongSecret).checks, 'restart.signature', 'EBADMSG');
  });
});

describe('restart.taskself', () => {
  it('is skipped without RESTART_TASKSELF', () => {
    const { kernel } = fixture();
    const [skipped] = only(
      kernel.restartAs('hallyn', '/tmp/h.crimg', 0).checks,
      'restart.taskself',
    );
    assert.equal(skipped?.result, 'skip');
    assert.ok((skipped?.reason ?? '').length > 0);
  });
  it('passes for one task: the caller itself becomes the restored task', () => {
    const { kernel } = fixture();
    const before = kernel.tasks().length;
    const outcome = kernel.restartAs('hallyn', '/tmp/h.crimg', RestartFlag.TASKSELF);
    assert.equal(outcome.ret, 0);
    assert.equal(outcome.restoredIntoCaller, true);
    assert.deepEqual(outcome.restored, [outcome.caller]);
    assert.equal(kernel.tasks().length, before + 1);
    assert.equal(kernel.task(outcome.caller)?.comm, 'notes');
  });
  it('fails for an image of more than one task: EINVAL', () => {
    const kernel = boot();
    const init = spawn(kernel, 'root', '/usr/bin/counter', { newPidNamespace: true });
    spawn(kernel, 'root', '/bin/sh', { parent: init });
    kernel.freeze(init);
    assert.ok(kernel.checkpointAs('root', init, '/tmp/two.crimg', 0).ret > 0);
    const outcome = kernel.restartAs('root', '/tmp/two.crimg', RestartFlag.TASKSELF);
    const record = assertFailsAt(outcome.checks, 'restart.taskself', 'EINVAL');
    assert.equal(typeof record.offset, 'number');
  });
});

describe('restart.pidns', () => {
  it('fails for hallyn restoring two tasks (a pid namespace needs CAP_SYS_ADMIN: EPERM); root passes', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/pair', [
      { op: 'fork', dst: 'child' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const parent = spawn(kernel, 'hallyn', '/usr/bin/pair');
    runUntil(kernel, parent, 'fork');
    kernel.freeze(parent);
    assert.ok(
      kernel.checkpointAs('hallyn', parent, '/tmp/pair.crimg', CheckpointFlag.SUBTREE).ret > 0,
    );
    assertFailsAt(
      kernel.restartAs('hallyn', '/tmp/pair.crimg', 0).checks,
      'restart.pidns',
      'EPERM',
    );
    const root = kernel.restartAs('root', '/tmp/pair.crimg', 0);
    assert.equal(only(root.checks, 'restart.pidns')[0]?.result, 'pass');
    assert.equal(root.ret, 0);
    assert.equal(root.restored?.length, 2);
  });
});

describe('restart.nproc', () => {
  it("fails when the caller's tasks plus the restored ones exceed the limit (EAGAIN); root is exempt", () => {
    const { kernel } = fixture((world) => {
      world.limits = { nprocPerUser: 3 };
    });
    // hallyn: shell + notes + the transient caller = 3; one more is over the limit.
    assertFailsAt(kernel.restartAs('hallyn', '/tmp/h.crimg', 0).checks, 'restart.nproc', 'EAGAIN');
    const [root] = only(kernel.restartAs('root', '/tmp/h.crimg', 0).checks, 'restart.nproc');
    assert.equal(root?.result, 'pass');
    assert.match(root?.reason ?? '', /root is exempt/);
  });
});

describe('restart.creds.*', () => {
  it('creds.gid fails for a gid the caller does not hold: EPERM', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.cred.egid = 0;
    const record = assertFailsAt(
      restartBytes(kernel, writeImage(image)).checks,
      'restart.creds.gid',
      'EPERM',
    );
    assert.equal(typeof record.offset, 'number');
  });
  it('creds.groups fails for a group the caller is not in: EPERM', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.cred.groups = [42, 500];
    assertFailsAt(restartBytes(kernel, writeImage(image)).checks, 'restart.creds.groups', 'EPERM');
  });
  it('creds.caps fails for permitted or inheritable capabilities the caller lacks: EPERM', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.cred.cap_permitted = 1n << 21n;
    assertFailsAt(restartBytes(kernel, writeImage(image)).checks, 'restart.creds.caps', 'EPERM');
    task.cred.cap_permitted = 0n;
    task.cred.cap_inheritable = 1n << 1n;
    const record = assertFailsAt(
      restartBytes(kernel, writeImage(image)).checks,
      'restart.creds.caps',
      'EPERM',
    );
    assert.match(record.reason, /inheritable/);
  });
  it('creds.uid fails for each of uid, suid and fsuid on its own: EPERM naming it', () => {
    for (const field of ['uid', 'suid', 'euid', 'fsuid'] as const) {
      const { kernel, image } = fixture();
      const task = image.tasks[0];
      assert.ok(task);
      task.cred[field] = 0;
      const record = assertFailsAt(
        restartBytes(kernel, writeImage(image)).checks,
        'restart.creds.uid',
        'EPERM',
      );
      assert.match(record.reason, new RegExp(`^${field} 0 is not one of the caller's`));
      assert.equal(record.offset, task.cred.offset);
    }
  });

  /** A root program that runs `items` and then restarts hallyn's image /tmp/e.crimg itself. */
  function rootRestarts(items: SourceItem[], image: CheckpointImage) {
    const { kernel } = fixture((world) => {
      withProgram(world, '/usr/bin/restorer', [
        ...items,
        { op: 'restart', path: '/tmp/e.crimg', flags: 0, dst: 'r' },
        ...idle(),
      ]);
    });
    kernel.writeFile('/tmp/e.crimg', writeImage(image), { uid: 500, gid: 500 });
    const pid = spawn(kernel, 'root', '/usr/bin/restorer');
    runUntil(kernel, pid, 'restart');
    return { kernel, pid, outcome: kernel.calls().at(-1) };
  }

  it('creds.caps fails for a bounding set beyond the caller’s: EPERM', () => {
    const { image } = fixture();
    const dropped = rootRestarts(
      [{ op: 'prctl', option: 'capbset_drop', caps: [21], dst: 'p' }],
      image,
    );
    assert.equal(dropped.kernel.task(dropped.pid)?.vars['p'], 0);
    assert.equal(dropped.kernel.task(dropped.pid)?.cred.capBset, ((1n << 41n) - 1n) & ~(1n << 21n));
    const record = assertFailsAt(dropped.outcome?.checks ?? [], 'restart.creds.caps', 'EPERM');
    assert.match(
      record.reason,
      /bounding set 0x1ffffffffff is not within the caller's 0x1ffffdfffff/,
    );
    // The same image restarts for a root that kept its bounding set.
    assert.equal(rootRestarts([], image).outcome?.ret, 0);
  });

  it('creds.caps: securebits must be the caller’s without CAP_SETPCAP, and never undo a lock', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.cred.securebits = 0x1; // SECURE_NOROOT
    const record = assertFailsAt(
      restartBytes(kernel, writeImage(image)).checks,
      'restart.creds.caps',
      'EPERM',
    );
    assert.match(record.reason, /securebits 0x1 .*CAP_SETPCAP/);
    // root holds CAP_SETPCAP and no lock: it may restore them.
    assert.equal(restartBytes(kernel, writeImage(image), 'root').ret, 0);
    // A caller that locked SECURE_NOROOT at 0 (securebits 0x2) may neither set NOROOT...
    const locked = rootRestarts(
      [{ op: 'prctl', option: 'set_securebits', bits: imm(0x2), dst: 'p' }],
      image,
    );
    assert.equal(locked.kernel.task(locked.pid)?.cred.securebits, 0x2);
    assert.match(
      assertFailsAt(locked.outcome?.checks ?? [], 'restart.creds.caps', 'EPERM').reason,
      /locked/,
    );
    // ...nor come back without the lock.
    task.cred.securebits = 0;
    const unlocked = rootRestarts(
      [{ op: 'prctl', option: 'set_securebits', bits: imm(0x2), dst: 'p' }],
      image,
    );
    assert.match(
      assertFailsAt(unlocked.outcome?.checks ?? [], 'restart.creds.caps', 'EPERM').reason,
      /lock/,
    );
  });

  it('all four pass for root on the same edited image', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.cred.egid = 0;
    task.cred.groups = [42, 500];
    task.cred.cap_permitted = 1n << 21n;
    const outcome = restartBytes(kernel, writeImage(image), 'root');
    assert.equal(outcome.ret, 0);
    for (const id of [
      'restart.creds.uid',
      'restart.creds.gid',
      'restart.creds.groups',
      'restart.creds.caps',
    ]) {
      assert.deepEqual(rows(only(outcome.checks, id)), [[id, 'pass', null]]);
    }
  });
});

describe('restart.setuid_exe', () => {
  it('fails for a missing exe (ENOENT) and a file that is not executable (EACCES)', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.mm.exe = '/bin/gone';
    assertFailsAt(restartBytes(kernel, writeImage(image)).checks, 'restart.setuid_exe', 'ENOENT');
    task.mm.exe = '/etc/passwd';
    assertFailsAt(restartBytes(kernel, writeImage(image)).checks, 'restart.setuid_exe', 'EACCES');
    task.mm.exe = '/home/oren/notes';
    assertFailsAt(restartBytes(kernel, writeImage(image)).checks, 'restart.setuid_exe', 'EACCES');
  });
  it('says that setuid bits grant nothing on restart', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.mm.exe = '/bin/passwd';
    const [record] = only(restartBytes(kernel, writeImage(image)).checks, 'restart.setuid_exe');
    assert.equal(record?.result, 'pass');
    assert.match(record?.reason ?? '', /setuid\/setgid bits grant nothing/);
  });
});

describe('restart.mmap', () => {
  it('fails for a backing file that is gone: ENOENT', () => {
    const { kernel, image } = fixture();
    const mapping = image.tasks[0]?.vmas.find((vma) => vma.file === '/etc/passwd');
    assert.ok(mapping);
    mapping.file = '/etc/gone';
    const record = assertFailsAt(
      restartBytes(kernel, writeImage(image)).checks,
      'restart.mmap',
      'ENOENT',
    );
    assert.equal(typeof record.offset, 'number');
  });
  it('fails for a shared writable mapping of a file the caller cannot write: EACCES', () => {
    const { kernel, image } = fixture();
    const mapping = image.tasks[0]?.vmas.find((vma) => vma.file === '/etc/passwd');
    assert.ok(mapping);
    mapping.vm_page_prot = 3;
    mapping.vm_flags = 0x1 | 0x2 | 0x8;
    assertFailsAt(restartBytes(kernel, writeImage(image)).checks, 'restart.mmap', 'EACCES');
  });
  it('is skipped for a task without file-backed mappings', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.vmas = task.vmas.filter((vma) => vma.file === null);
    const outcome = restartBytes(kernel, writeImage(image));
    const [record] = only(outcome.checks, 'restart.mmap');
    assert.equal(record?.result, 'skip');
    assert.ok((record?.reason ?? '').length > 0);
  });
});

describe('restart.file.open', () => {
  it('fails for a file that is gone (ENOENT): O_CREAT is not applied again', () => {
    const { kernel, image } = fixture();
    const notes = image.openFiles.find((file) => file.path === '/tmp/notes');
    assert.ok(notes);
    assert.equal(notes.f_flags & 0x40, 0x40);
    notes.path = '/tmp/gone';
    const record = assertFailsAt(
      restartBytes(kernel, writeImage(image)).checks,
      'restart.file.open',
      'ENOENT',
    );
    assert.equal(typeof record.offset, 'number');
    assert.equal(kernel.stat('/tmp/gone'), null);
  });
  it('is skipped when the image has no open files', () => {
    const { kernel, image } = fixture();
    const task = image.tasks[0];
    assert.ok(task);
    task.files.fds = [];
    image.openFiles = [];
    const outcome = restartBytes(kernel, writeImage(image));
    assert.equal(outcome.ret, 0);
    const [record] = only(outcome.checks, 'restart.file.open');
    assert.equal(record?.result, 'skip');
    assert.ok((record?.reason ?? '').length > 0);
  });
  it('keeps the contents (no O_TRUNC again) and restores f_pos and O_APPEND', () => {
    const world = withProgram(emptyWorld(), '/tmp/logger', [
      { op: 'open', path: '/tmp/log', flags: 0x1 | 0x40 | 0x200 | 0x400, dst: 'log' },
      { op: 'write', fd: v('log'), text: 'abc' },
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/log.crimg', dst: 'crid' },
      { op: 'write', fd: v('log'), text: '!' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const pid = spawn(kernel, 'root', '/tmp/logger');
    runUntil(kernel, pid, 'checkpoint');
    kernel.writeFile('/tmp/log', new TextEncoder().encode('xyzxyz'));
    const outcome = kernel.restartAs('root', '/tmp/log.crimg', 0);
    assert.equal(outcome.ret, 0);
    assert.equal(
      new TextDecoder().decode(kernel.readFile('/tmp/log') ?? new Uint8Array()),
      'xyzxyz',
    );
    const restored = kernel.task(outcome.restored?.[0] ?? -1);
    const logFd = restored?.fds.find((fd) => fd.path === '/tmp/log');
    assert.deepEqual([logFd?.pos, logFd?.flags], [3, 0x1 | 0x40 | 0x200 | 0x400]);
    kernel.run(restored?.pid ?? -1, { untilSyscall: 'write' });
    assert.equal(
      new TextDecoder().decode(kernel.readFile('/tmp/log') ?? new Uint8Array()),
      'xyzxyz!',
    );
  });
});

describe('restart.memory', () => {
  it('fails when the restored pages exceed the memory limit: ENOMEM', () => {
    const big: SourceItem[] = [
      { op: 'mmap', pages: imm(6), prot: 3, dst: 'buf' },
      { op: 'set', dst: 'i', value: imm(0) },
      { op: 'label', name: 'touch' },
      { op: 'arith', dst: 'at', fn: 'mul', a: v('i'), b: imm(4096) },
      { op: 'store', addr: v('buf'), offset: v('at'), data: { value: imm(7) } },
      { op: 'arith', dst: 'i', fn: 'add', a: v('i'), b: imm(1) },
      { op: 'jump', target: 'touch', when: { fn: 'lt', a: v('i'), b: imm(6) } },
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/big.crimg', dst: 'crid' },
      ...idle(),
    ];
    const world = withProgram(defaultWorld(), '/usr/bin/big', big);
    world.limits = { memoryBytes: 12 * 4096 };
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/usr/bin/big');
    runUntil(kernel, pid, 'checkpoint');
    assert.equal(kernel.memoryInUse(), 7 * 4096);
    const outcome = kernel.restartAs('hallyn', '/tmp/big.crimg', 0);
    assertFailsAt(outcome.checks, 'restart.memory', 'ENOMEM');
    assert.equal(kernel.memoryInUse(), 7 * 4096);
  });
});

describe('restart.lsm', () => {
  it('passes without RESTART_KEEP_LSM: objects get default labels', () => {
    const { kernel } = fixture((world) => {
      world.lsm = { name: 'dummy' };
    });
    const outcome = kernel.restartAs('hallyn', '/tmp/h.crimg', 0);
    const [record] = only(outcome.checks, 'restart.lsm');
    assert.equal(record?.result, 'pass');
    assert.match(record?.reason ?? '', /default labels/);
  });
  it('with RESTART_KEEP_LSM fails when the image was taken under another LSM: EPERM', () => {
    const dummy = fixture((world) => {
      world.lsm = { name: 'dummy' };
    });
    const plain = boot(withProgram(defaultWorld(), '/usr/bin/notes', NOTES));
    plain.writeFile('/tmp/notes', new TextEncoder().encode('hello'), { uid: 500, gid: 500 });
    plain.writeFile('/tmp/h.crimg', dummy.bytes, { uid: 500, gid: 500 });
    const outcome = plain.restartAs('hallyn', '/tmp/h.crimg', RestartFlag.KEEP_LSM);
    assertFailsAt(outcome.checks, 'restart.lsm', 'EPERM');
    const same = restartBytes(dummy.kernel, dummy.bytes, 'hallyn', RestartFlag.KEEP_LSM);
    assert.equal(same.ret, 0);
    assert.equal(dummy.kernel.task(same.restored?.[0] ?? -1)?.label, 'dummy');
  });
  it('fails when the label policy forbids the caller domain to restore a label: EACCES', () => {
    const world = withProgram(
      defaultWorld(),
      '/bin/passwd',
      [
        { op: 'open', path: '/etc/shadow', flags: 2, dst: 'shadow' },
        { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/p.crimg', dst: 'crid' },
        ...idle(),
      ],
      { mode: 0o4755, label: 'passwd_exec_t' },
    );
    world.sysctls['kernel.ckpt_sign_images'] = 1;
    world.sysctls['kernel.ckpt_restore_creds'] = 'signed';
    world.lsm = {
      name: 'label',
      policy: {
        transitions: [{ exec: 'passwd_exec_t', to: 'passwd_t' }],
        rules: [{ deny: 'restore', label: 'shadow_t', domain: 'user_t' }],
      },
    };
    const shadow = world.files.find((file) => file.path === '/etc/shadow');
    assert.ok(shadow);
    shadow.label = 'shadow_t';
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/bin/passwd');
    runUntil(kernel, pid, 'checkpoint');
    const outcome = kernel.restartAs('hallyn', '/tmp/p.crimg', 0);
    const record = assertFailsAt(outcome.checks, 'restart.lsm', 'EACCES');
    assert.match(record.reason, /shadow_t may not be restored by domain user_t/);
    assert.equal(kernel.restartAs('root', '/tmp/p.crimg', 0).ret, 0);
  });

  /** hallyn's notes image under the label LSM, /tmp/notes labelled notes_t. */
  function labelled(
    policy: { rules?: LabelRule[]; allowedTransitions?: { from: string; to: string }[] } = {},
  ): Fixture {
    return fixture((world) => {
      world.lsm = { name: 'label', policy: { rules: policy.rules ?? [], ...policy } };
      world.files.push({
        path: '/tmp/notes',
        kind: 'file',
        mode: 0o644,
        uid: 500,
        gid: 500,
        label: 'notes_t',
      });
    });
  }

  it('with RESTART_KEEP_LSM fails (EACCES) for a saved file label that is not the one in the VFS', () => {
    const { kernel, image } = labelled();
    const notes = image.openFiles.find((file) => file.path === '/tmp/notes');
    assert.equal(notes?.label, 'notes_t');
    assert.ok(notes);
    notes.label = 'public_t';
    const outcome = restartBytes(kernel, writeImage(image), 'hallyn', RestartFlag.KEEP_LSM);
    const record = assertFailsAt(outcome.checks, 'restart.lsm', 'EACCES');
    assert.match(record.object, /\/tmp\/notes/);
    assert.match(record.reason, /public_t.*notes_t/);
    assert.equal(record.offset, notes.offset);
    // Without KEEP_LSM the saved label is not restored, so it is not asked about.
    assert.equal(restartBytes(kernel, writeImage(image), 'hallyn', 0).ret, 0);
  });

  it('with RESTART_KEEP_LSM fails (EACCES) for a domain that is not the caller’s, unless a rule allows the transition', () => {
    for (const allowed of [false, true]) {
      const { kernel, image } = labelled(
        allowed ? { allowedTransitions: [{ from: 'user_t', to: 'unconfined_t' }] } : {},
      );
      const task = image.tasks[0];
      assert.equal(task?.cred.label, 'user_t');
      assert.ok(task);
      task.cred.label = 'unconfined_t';
      const outcome = restartBytes(kernel, writeImage(image), 'hallyn', RestartFlag.KEEP_LSM);
      if (!allowed) {
        const record = assertFailsAt(outcome.checks, 'restart.lsm', 'EACCES');
        assert.match(record.reason, /unconfined_t.*user_t/);
      } else {
        assert.equal(outcome.ret, 0);
        assert.equal(kernel.task(outcome.restored?.[0] ?? -1)?.label, 'unconfined_t');
      }
    }
  });

  it('judges the files behind mappings on their VFS label: EACCES for a denied one', () => {
    const { kernel } = labelled();
    const passwd = kernel.stat('/etc/passwd');
    assert.equal(passwd?.label, 'file_t');
    const denied = fixture((world) => {
      world.lsm = {
        name: 'label',
        policy: { rules: [{ deny: 'restore', label: 'etc_t', domain: 'user_t' }] },
      };
      const file = world.files.find((spec) => spec.path === '/etc/passwd');
      assert.ok(file);
      file.label = 'etc_t';
    });
    // NOTES maps /etc/passwd and keeps its descriptor open: the mapping is judged first.
    const outcome = denied.kernel.restartAs('hallyn', '/tmp/h.crimg', 0);
    const record = assertFailsAt(outcome.checks, 'restart.lsm', 'EACCES');
    assert.match(record.object, /mapping 0x[0-9a-f]+ of \/etc\/passwd/);
  });
});
