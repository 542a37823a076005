/**
 * The model under the system calls: the default world, credentials and capabilities, VFS
 * permissions, setuid exec, sparse memory, descriptors, the freezer, pid namespaces, limits,
 * sysctls and the machine key.
 */
import assert from 'node:assert/strict';
import { CHECKPOINT_STEP_IDS } from '../../../extension/kernel/checkpoint';
import { loginCred, setresuid } from '../../../extension/kernel/creds';
import type { SourceItem } from '../../../extension/kernel/index';
import {
  CHECKPOINT_CHECKS,
  CHECK_MODELS,
  ProgramError,
  RESTART_CHECKS,
  assemble,
  createKernel,
  defaultWorld,
  imm,
  reg,
  v,
} from '../../../extension/kernel/index';
import { RESTART_STEPS } from '../../../extension/kernel/restart';
import { boot, bytesOf, idle, runUntil, spawn, withProgram } from './helpers';

const FULL = (1n << 41n) - 1n;

/** Run a one-shot program as `user` and return its regs[0] after each system call, in order. */
function syscallResults(
  items: SourceItem[],
  user = 'hallyn',
  edit?: Parameters<typeof withProgram>[3],
) {
  const kernel = boot(withProgram(defaultWorld(), '/usr/bin/probe', items, edit));
  const pid = spawn(kernel, user, '/usr/bin/probe');
  const results: number[] = [];
  for (let step = 0; step < 1000; step++) {
    const outcome = kernel.step(pid);
    if (outcome.ret !== undefined) results.push(outcome.ret);
    if (outcome.status === 'exited' || outcome.status === 'killed') break;
  }
  return { kernel, pid, results };
}

describe('the default world', () => {
  it('has the users, groups, directories and files of kernel.md', () => {
    const world = defaultWorld();
    assert.deepEqual(
      world.users.map((user) => [user.name, user.uid, user.gid]),
      [
        ['root', 0, 0],
        ['daemon', 1, 1],
        ['hallyn', 500, 500],
        ['oren', 501, 501],
      ],
    );
    const shadowGroup = world.groups.find((group) => group.name === 'shadow');
    assert.deepEqual([shadowGroup?.gid, shadowGroup?.members], [42, []]);
    const kernel = createKernel();
    const expect: [string, 'dir' | 'file', number, number, number][] = [
      ['/', 'dir', 0o755, 0, 0],
      ['/bin', 'dir', 0o755, 0, 0],
      ['/etc', 'dir', 0o755, 0, 0],
      ['/usr', 'dir', 0o755, 0, 0],
      ['/usr/bin', 'dir', 0o755, 0, 0],
      ['/home', 'dir', 0o755, 0, 0],
      ['/dev', 'dir', 0o755, 0, 0],
      ['/tmp', 'dir', 0o1777, 0, 0],
      ['/home/hallyn', 'dir', 0o700, 500, 500],
      ['/home/oren', 'dir', 0o700, 501, 501],
      ['/bin/sh', 'file', 0o755, 0, 0],
      ['/bin/passwd', 'file', 0o4755, 0, 0],
      ['/usr/bin/counter', 'file', 0o755, 0, 0],
      ['/etc/passwd', 'file', 0o644, 0, 0],
      ['/etc/shadow', 'file', 0o640, 0, 42],
      ['/dev/null', 'file', 0o666, 0, 0],
    ];
    for (const [path, kind, mode, uid, gid] of expect) {
      const stat = kernel.stat(path);
      assert.deepEqual(
        [stat?.kind, stat?.mode, stat?.uid, stat?.gid],
        [kind, mode, uid, gid],
        path,
      );
    }
    assert.equal(new TextDecoder().decode(world.machineKey), 'crlab-default-machine-key');
    assert.equal(world.machineKey.length, 25);
    assert.deepEqual(world.sysctls, {
      'kernel.ckpt_unpriv_allowed': 1,
      'kernel.ckpt_ptrace_mode': 'attach',
      'kernel.ckpt_restore_creds': 'authorized',
      'kernel.ckpt_sign_images': 0,
      'kernel.ckpt_require_signed': 0,
    });
    assert.deepEqual(world.lsm, { name: 'none' });
  });

  it('gives root every capability and others none, with the full bounding set, and fds 0-2 on /dev/null', () => {
    const kernel = createKernel();
    const root = kernel.task(spawn(kernel, 'root', '/bin/sh'));
    const hallyn = kernel.task(spawn(kernel, 'hallyn', '/bin/sh'));
    assert.ok(root && hallyn);
    assert.deepEqual(
      [root.cred.capPermitted, root.cred.capEffective, root.cred.capBset],
      [FULL, FULL, FULL],
    );
    assert.deepEqual(
      [
        hallyn.cred.capPermitted,
        hallyn.cred.capEffective,
        hallyn.cred.capInheritable,
        hallyn.cred.capBset,
        hallyn.cred.securebits,
      ],
      [0n, 0n, 0n, FULL, 0],
    );
    assert.deepEqual(hallyn.cred.groups, [500]);
    assert.deepEqual(
      hallyn.fds.map((fd) => [fd.fd, fd.path]),
      [
        [0, '/dev/null'],
        [1, '/dev/null'],
        [2, '/dev/null'],
      ],
    );
    assert.equal(kernel.task(1)?.comm, 'init');
  });
});

describe('credentials', () => {
  it('setresuid: an unprivileged task may only shuffle its own ids; root dropping every 0 loses its capabilities', () => {
    const hallyn = loginCred(500, 500, [500]);
    assert.equal(setresuid(hallyn, 0, -1, -1).ok, false);
    const root = loginCred(0, 0, [0]);
    const dropped = setresuid(root, 500, 500, 500);
    assert.ok(dropped.ok);
    assert.deepEqual(
      [dropped.cred.capPermitted, dropped.cred.capEffective, dropped.cred.fsuid],
      [0n, 0n, 500],
    );
    const keepSaved = setresuid(root, 500, 500, 0);
    assert.ok(keepSaved.ok);
    assert.deepEqual([keepSaved.cred.capPermitted, keepSaved.cred.capEffective], [FULL, 0n]);
    const regain = setresuid(keepSaved.cred, -1, 0, -1);
    assert.ok(regain.ok);
    assert.equal(regain.cred.capEffective, FULL);
  });

  it('system calls from programs: setresuid/setresgid/setgroups/capset follow the rules, errors land in regs[0]', () => {
    const { results } = syscallResults([
      { op: 'setresuid', ruid: imm(0), euid: imm(-1), suid: imm(-1) },
      { op: 'setresgid', rgid: imm(42), egid: imm(-1), sgid: imm(-1) },
      { op: 'setgroups', groups: [42] },
      { op: 'capset', effective: [21], permitted: [21], inheritable: [] },
      { op: 'getuid' },
      { op: 'exit', code: imm(0) },
    ]);
    assert.deepEqual(results, [-1, -1, -1, -1, 500, 0]);
    const asRoot = syscallResults(
      [
        { op: 'setgroups', groups: [42, 0] },
        { op: 'capset', effective: [1], permitted: [1, 2], inheritable: [] },
        { op: 'capset', effective: [21], permitted: [21], inheritable: [] },
        { op: 'exit', code: imm(0) },
      ],
      'root',
    );
    assert.deepEqual(asRoot.results, [0, 0, -1, 0]);
  });
});

describe('ids are uid_t and gid_t', () => {
  it('setresuid and setresgid refuse an id outside 0..2^32 - 2 (EINVAL); -1 keeps one', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/ids', [
      { op: 'setresuid', ruid: imm(2 ** 32), euid: imm(-1), suid: imm(-1), dst: 'big' },
      { op: 'setresgid', rgid: imm(-2), egid: imm(-1), sgid: imm(-1), dst: 'neg' },
      { op: 'setresuid', ruid: imm(2 ** 32 - 2), euid: imm(-1), suid: imm(-1), dst: 'max' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const pid = spawn(kernel, 'root', '/usr/bin/ids');
    kernel.run(pid, { untilLabel: 'idle', steps: 20 });
    const info = kernel.task(pid);
    assert.deepEqual(
      ['big', 'neg', 'max'].map((name) => info?.vars[name]),
      [-22, -22, 0],
    );
    assert.equal(info?.cred.uid, 2 ** 32 - 2);
  });

  it('refuses a world whose users or groups have ids outside uid_t', () => {
    const world = defaultWorld();
    world.users.push({ name: 'huge', uid: 2 ** 40, gid: 1 });
    assert.throws(() => boot(world), /0\.\.4294967294/);
  });
});

describe('program immediates', () => {
  it('refuses an immediate that is no 64-bit integer when assembling, not when running', () => {
    for (const value of [Number.POSITIVE_INFINITY, Number.NaN, 0.5, 2 ** 65]) {
      assert.throws(
        () => assemble({ name: 'p', items: [{ op: 'sleep', ticks: imm(value), line: 3 }] }),
        (error: unknown) => error instanceof ProgramError && error.line === 3,
        String(value),
      );
    }
    assert.doesNotThrow(() =>
      assemble({ name: 'p', items: [{ op: 'set', dst: 'x', value: imm(-(2 ** 63)) }] }),
    );
  });
});

describe('prctl', () => {
  it('PR_CAPBSET_DROP and PR_SET_SECUREBITS need CAP_SETPCAP; locks hold; bad values are EINVAL/EPERM', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/bits', [
      { op: 'prctl', option: 'capbset_drop', caps: [21, 7], dst: 'drop' },
      { op: 'prctl', option: 'capbset_drop', caps: [41], dst: 'bad' },
      { op: 'prctl', option: 'set_securebits', bits: imm(0x3), dst: 'lock' },
      { op: 'prctl', option: 'set_securebits', bits: imm(0x0), dst: 'unlock' },
      { op: 'prctl', option: 'set_securebits', bits: imm(0x40), dst: 'unknown' },
      ...idle(),
    ]);
    const kernel = boot(world);
    const root = spawn(kernel, 'root', '/usr/bin/bits');
    kernel.run(root, { untilLabel: 'idle', steps: 20 });
    const info = kernel.task(root);
    assert.deepEqual(
      ['drop', 'bad', 'lock', 'unlock', 'unknown'].map((name) => info?.vars[name]),
      [0, -22, 0, -1, -1],
    );
    assert.equal(info?.cred.capBset, ((1n << 41n) - 1n) & ~(1n << 21n) & ~(1n << 7n));
    assert.equal(info?.cred.securebits, 0x3);
    const user = spawn(kernel, 'hallyn', '/usr/bin/bits');
    kernel.run(user, { untilLabel: 'idle', steps: 20 });
    const vars = kernel.task(user)?.vars;
    assert.deepEqual([vars?.['drop'], vars?.['lock']], [-1, -1]);
  });
});

describe('VFS permissions', () => {
  const O_RDONLY = 0;
  const O_RDWR = 2;
  it('walks check search permission on every directory: EACCES before ENOENT', () => {
    const kernel = createKernel();
    const hallyn = spawn(kernel, 'hallyn', '/bin/sh');
    const root = spawn(kernel, 'root', '/bin/sh');
    assert.equal(kernel.openAs(hallyn, '/home/oren/missing', O_RDONLY), -13);
    assert.equal(kernel.openAs(root, '/home/oren/missing', O_RDONLY), -2);
    assert.equal(kernel.openAs(hallyn, '/etc/missing', O_RDONLY), -2);
  });
  it('owner/group/other bits, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH', () => {
    const kernel = createKernel();
    const hallyn = spawn(kernel, 'hallyn', '/bin/sh');
    const root = spawn(kernel, 'root', '/bin/sh');
    assert.equal(kernel.openAs(hallyn, '/etc/shadow', O_RDONLY), -13);
    assert.ok(kernel.openAs(hallyn, '/etc/passwd', O_RDONLY) >= 0);
    assert.equal(kernel.openAs(hallyn, '/etc/passwd', O_RDWR), -13);
    assert.ok(kernel.openAs(root, '/etc/shadow', O_RDWR) >= 0);
    // A task holding only CAP_DAC_READ_SEARCH reads and searches, but does not write.
    const { results } = syscallResults(
      [
        { op: 'setresuid', ruid: imm(0), euid: imm(501), suid: imm(0) },
        { op: 'capset', effective: [2], permitted: [2], inheritable: [] },
        { op: 'open', path: '/home/hallyn', flags: O_RDONLY },
        { op: 'open', path: '/etc/shadow', flags: O_RDONLY },
        { op: 'open', path: '/etc/shadow', flags: O_RDWR },
        { op: 'exit', code: imm(0) },
      ],
      'root',
    );
    assert.deepEqual(results, [0, 0, 3, 4, -13, 0]);
  });
  it('paths longer than PATH_MAX and components longer than NAME_MAX: ENAMETOOLONG', () => {
    const kernel = createKernel();
    const root = spawn(kernel, 'root', '/bin/sh');
    assert.equal(kernel.openAs(root, '/tmp/' + 'a'.repeat(256), 0x41), -36);
    assert.equal(kernel.openAs(root, '/tmp' + '/a'.repeat(2100), 0), -36);
    assert.ok(kernel.openAs(root, '/tmp/' + 'a'.repeat(255), 0x41) >= 0);
  });
  it('a file without exec bits is not executable even for root', () => {
    const { results } = syscallResults(
      [
        { op: 'exec', path: '/etc/passwd' },
        { op: 'exit', code: imm(0) },
      ],
      'root',
    );
    assert.deepEqual(results, [-13, 0]);
  });
  it('CAP_FOWNER: chmod of another user’s file, and unlink in the sticky /tmp', () => {
    const kernel = boot(
      withProgram(defaultWorld(), '/usr/bin/probe', [
        { op: 'chmod', path: '/tmp/orens', mode: 0o777 },
        { op: 'unlink', path: '/tmp/orens' },
        { op: 'chmod', path: '/tmp/mine', mode: 0o600 },
        { op: 'unlink', path: '/tmp/mine' },
        { op: 'exit', code: imm(0) },
      ]),
    );
    kernel.writeFile('/tmp/orens', new Uint8Array(1), { uid: 501, gid: 501 });
    kernel.writeFile('/tmp/mine', new Uint8Array(1), { uid: 500, gid: 500 });
    const pid = spawn(kernel, 'hallyn', '/usr/bin/probe');
    const results: number[] = [];
    for (let i = 0; i < 5; i++) results.push(kernel.step(pid).ret ?? NaN);
    assert.deepEqual(results, [-1, -1, 0, 0, 0]);
    assert.equal(kernel.stat('/tmp/mine'), null);
    assert.equal(kernel.stat('/tmp/orens')?.mode, 0o644);
    const rootKernel = boot(
      withProgram(defaultWorld(), '/usr/bin/probe', [
        { op: 'chmod', path: '/tmp/orens', mode: 0o600 },
        { op: 'unlink', path: '/tmp/orens' },
      ]),
    );
    rootKernel.writeFile('/tmp/orens', new Uint8Array(1), { uid: 501, gid: 501 });
    const rootPid = spawn(rootKernel, 'root', '/usr/bin/probe');
    assert.deepEqual([rootKernel.step(rootPid).ret, rootKernel.step(rootPid).ret], [0, 0]);
  });
});

describe('exec of setuid and setgid files', () => {
  it('setuid root: euid/suid/fsuid 0, permitted and effective from the bounding set, not dumpable', () => {
    const kernel = createKernel();
    const pid = spawn(kernel, 'hallyn', '/bin/passwd');
    const task = kernel.task(pid);
    assert.ok(task);
    assert.deepEqual(
      [task.cred.uid, task.cred.euid, task.cred.suid, task.cred.fsuid],
      [500, 0, 0, 0],
    );
    assert.deepEqual([task.cred.capPermitted, task.cred.capEffective], [FULL, FULL]);
    assert.equal(task.dumpable, false);
    assert.equal(task.comm, 'passwd');
    const plain = kernel.task(spawn(kernel, 'hallyn', '/usr/bin/counter'));
    assert.equal(plain?.dumpable, true);
  });
  it('setgid: egid/sgid/fsgid to the group; exec closes close-on-exec descriptors', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/sg', idle(), { mode: 0o2755, gid: 42 });
    const kernel = boot(
      withProgram(world, '/usr/bin/launch', [
        { op: 'open', path: '/etc/passwd', flags: 0x80000, dst: 'a' },
        { op: 'open', path: '/etc/passwd', flags: 0, dst: 'b' },
        { op: 'exec', path: '/usr/bin/sg' },
      ]),
    );
    const pid = spawn(kernel, 'hallyn', '/usr/bin/launch');
    runUntil(kernel, pid, 'exec');
    const task = kernel.task(pid);
    assert.ok(task);
    assert.deepEqual(
      [task.cred.gid, task.cred.egid, task.cred.sgid, task.cred.fsgid],
      [500, 42, 42, 42],
    );
    assert.equal(task.dumpable, false);
    assert.deepEqual(
      task.fds.map((fd) => fd.fd),
      [0, 1, 2, 4],
    );
    assert.equal(task.program, 'sg');
    assert.equal(task.pc, 0);
  });
});

describe('address spaces', () => {
  it('1 GiB of touched memory fits the default 2 GiB machine, counted page by page', function () {
    this.timeout(120_000);
    const pages = 262_144;
    const touch = withProgram(defaultWorld(), '/usr/bin/touch', [
      { op: 'mmap', pages: imm(pages), prot: 3, dst: 'buf' },
      { op: 'set', dst: 'i', value: imm(0) },
      { op: 'label', name: 'loop' },
      { op: 'store', addr: v('buf'), offset: v('i'), data: { value: imm(1) } },
      { op: 'arith', dst: 'i', fn: 'add', a: v('i'), b: imm(4096) },
      { op: 'jump', target: 'loop', when: { fn: 'lt', a: v('i'), b: imm(pages * 4096) } },
      { op: 'label', name: 'done' },
      ...idle(),
    ]);
    const big = boot(touch);
    const task = spawn(big, 'hallyn', '/usr/bin/touch');
    const outcome = big.run(task, { untilLabel: 'done', steps: 4 * pages + 10 });
    assert.equal(outcome.stopped, 'label');
    assert.ok(big.memoryInUse() >= 1024 * 1024 * 1024);
    const info = big.task(task);
    assert.equal(info?.state, 'running');
    assert.equal(
      info?.vmas.find((vma) => vma.end - vma.start === pages * 4096)?.residentPages,
      pages,
    );
    big.run(task, { steps: 1 });
  });

  it('touching past the memory limit kills the task; untouched pages cost nothing', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/hog', [
      { op: 'mmap', pages: imm(1000), prot: 3, dst: 'buf' },
      { op: 'set', dst: 'i', value: imm(0) },
      { op: 'label', name: 'loop' },
      { op: 'store', addr: v('buf'), offset: v('i'), data: { text: 'x' } },
      { op: 'arith', dst: 'i', fn: 'add', a: v('i'), b: imm(4096) },
      { op: 'jump', target: 'loop' },
    ]);
    world.limits = { memoryBytes: 8 * 4096 };
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/usr/bin/hog');
    kernel.run(pid, { steps: 2 });
    assert.equal(
      kernel.memoryInUse(),
      4096,
      'only the variables page: 1000 mapped pages cost nothing',
    );
    const outcome = kernel.run(pid, { steps: 1000 });
    assert.equal(outcome.last?.status, 'killed');
    assert.equal(kernel.task(pid)?.exitCode, 137);
    assert.equal(kernel.memoryInUse(), 0);
  });

  it('stores and loads strings and numbers; a bad address is a segmentation fault', () => {
    const { kernel, pid } = syscallResults([
      { op: 'mmap', pages: imm(1), prot: 3, dst: 'buf' },
      { op: 'store', addr: v('buf'), offset: imm(100), data: { value: imm(-5) } },
      { op: 'load', dst: 'got', addr: v('buf'), offset: imm(100) },
      { op: 'store', addr: v('buf'), data: { text: 'hi there' } },
      { op: 'print', parts: [{ cstr: v('buf') }, { text: ' ' }, { value: v('got') }] },
      { op: 'munmap', addr: v('buf'), pages: imm(1) },
      { op: 'store', addr: v('buf'), data: { text: 'boom' } },
    ]);
    assert.deepEqual(
      kernel.console().map((line) => line.text),
      ['hi there -5', 'killed: segmentation fault writing 0x7f0000000000'],
    );
    assert.equal(kernel.task(pid)?.exitCode, 139);
  });
});

describe('descriptors', () => {
  it('dup shares the open file (one offset); fork shares them with the child', () => {
    const items: SourceItem[] = [
      { op: 'open', path: '/tmp/f', flags: 0x42, dst: 'a' },
      { op: 'dup', fd: v('a'), dst: 'b' },
      { op: 'write', fd: v('a'), text: '123' },
      { op: 'write', fd: v('b'), text: '45' },
      { op: 'fork', dst: 'child' },
      { op: 'jump', target: 'parent', when: { fn: 'ne', a: reg(0), b: imm(0) } },
      { op: 'write', fd: v('a'), text: '6' },
      { op: 'exit', code: imm(0) },
      { op: 'label', name: 'parent' },
      ...idle(),
    ];
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/share', items));
    const pid = spawn(kernel, 'hallyn', '/usr/bin/share');
    runUntil(kernel, pid, 'fork');
    const child = kernel.tasks().find((task) => task.ppid === pid);
    assert.ok(child);
    kernel.run(child.pid);
    assert.equal(new TextDecoder().decode(bytesOf(kernel, '/tmp/f')), '123456');
    const parent = kernel.task(pid);
    assert.deepEqual(
      parent?.fds.filter((fd) => fd.fd >= 3).map((fd) => fd.pos),
      [6, 6],
    );
  });
});

describe('freezer, pid namespaces and limits', () => {
  it('a frozen task does not run until thawed', () => {
    const kernel = createKernel();
    const pid = spawn(kernel, 'hallyn', '/usr/bin/counter');
    kernel.freeze(pid);
    assert.equal(kernel.step(pid).status, 'blocked');
    assert.equal(kernel.task(pid)?.state, 'frozen');
    kernel.thaw(pid);
    assert.equal(kernel.step(pid).status, 'ran');
  });
  it('freeze/thaw from a program need the same uid or CAP_SYS_ADMIN', () => {
    const kernel = boot(
      withProgram(defaultWorld(), '/usr/bin/ctl', [
        { op: 'freeze', pid: imm(2) },
        { op: 'freeze', pid: imm(3) },
        { op: 'thaw', pid: imm(3) },
        { op: 'freeze', pid: imm(99) },
        ...idle(),
      ]),
    );
    assert.equal(spawn(kernel, 'oren', '/usr/bin/counter'), 2);
    assert.equal(spawn(kernel, 'hallyn', '/usr/bin/counter'), 3);
    const ctl = spawn(kernel, 'hallyn', '/usr/bin/ctl');
    assert.deepEqual(
      [0, 1, 2, 3].map(() => kernel.step(ctl).ret),
      [-1, 0, 0, -3],
    );
  });
  it('a task of a nested namespace has a pid at every level; getpid answers the innermost', () => {
    const kernel = createKernel();
    const outer = spawn(kernel, 'root', '/bin/sh', { newPidNamespace: true });
    const inner = spawn(kernel, 'root', '/bin/sh', { parent: outer, newPidNamespace: true });
    kernel.addProgram({ name: 'who', items: [{ op: 'getpid', dst: 'me' }, ...idle()] });
    kernel.writeFile('/usr/bin/who', new Uint8Array(0), { mode: 0o755, runs: 'who' });
    const worker = spawn(kernel, 'root', '/usr/bin/who', { parent: inner });
    const info = kernel.task(worker);
    assert.deepEqual(info?.nsPids.slice(1), [3, 2]);
    assert.equal(info?.nsLevel, 2);
    kernel.run(worker, { steps: 2 });
    assert.equal(kernel.task(worker)?.vars.me, 2);
    assert.equal(kernel.task(inner)?.nsInit, true);
  });
  it('unshare of a pid namespace needs CAP_SYS_ADMIN; the next child is the init of the new namespace', () => {
    const items: SourceItem[] = [
      { op: 'unshare', what: 'pidns', dst: 'u' },
      { op: 'fork', dst: 'c' },
      ...idle(),
    ];
    const { results } = syscallResults([...items.slice(0, 1), { op: 'exit', code: imm(0) }]);
    assert.deepEqual(results, [-1, 0]);
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/ns', items));
    const pid = spawn(kernel, 'root', '/usr/bin/ns');
    runUntil(kernel, pid, 'fork');
    const child = kernel.tasks().find((task) => task.ppid === pid);
    assert.deepEqual([child?.nsInit, child?.nsPids.at(-1), child?.nsLevel], [true, 1, 1]);
  });
  it('RLIMIT_NPROC: 64 tasks per user, root exempt', () => {
    const fork: SourceItem[] = [
      { op: 'label', name: 'again' },
      { op: 'fork', dst: 'c' },
      { op: 'jump', target: 'again', when: { fn: 'gt', a: v('c'), b: imm(0) } },
      ...idle(),
    ];
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/forker', fork));
    const pid = spawn(kernel, 'hallyn', '/usr/bin/forker');
    let last = 0;
    for (let i = 0; i < 300 && last !== -11; i++) {
      const outcome = kernel.step(pid);
      if (outcome.instruction?.op === 'fork') last = outcome.ret ?? 0;
    }
    assert.equal(last, -11);
    assert.equal(
      kernel.tasks().filter((task) => task.cred.uid === 500 && task.state !== 'zombie').length,
      64,
    );
    assert.deepEqual(kernel.spawn({ user: 'hallyn', exe: '/bin/sh' }).ok, false);
    assert.equal(kernel.spawn({ user: 'root', exe: '/bin/sh' }).ok, true);
  });
});

describe('sysctls and the machine key', () => {
  it('refuses a world with a label no SECURITY record could hold', () => {
    const world = defaultWorld();
    const shadow = world.files.find((file) => file.path === '/etc/shadow');
    assert.ok(shadow);
    shadow.label = '';
    assert.throws(() => createKernel({ world }), RangeError);
  });
  it('validates sysctl values', () => {
    const kernel = createKernel();
    assert.equal(kernel.sysctl('kernel.ckpt_restore_creds'), 'authorized');
    kernel.setSysctl('kernel.ckpt_restore_creds', 'signed');
    assert.equal(kernel.sysctl('kernel.ckpt_restore_creds'), 'signed');
    assert.throws(() => kernel.setSysctl('kernel.ckpt_sign_images', 2 as 0), RangeError);
  });
  it('never writes the machine key into an image, a check record or the console', () => {
    const world = withProgram(defaultWorld(), '/usr/bin/self', [
      { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/s.crimg', dst: 'crid' },
      ...idle(),
    ]);
    world.sysctls['kernel.ckpt_sign_images'] = 1;
    const kernel = boot(world);
    const pid = spawn(kernel, 'hallyn', '/usr/bin/self');
    runUntil(kernel, pid, 'checkpoint');
    kernel.restartAs('hallyn', '/tmp/s.crimg', 0);
    const image = bytesOf(kernel, '/tmp/s.crimg');
    const text = new TextDecoder('latin1').decode(image);
    assert.ok(!text.includes('crlab-default-machine-key'));
    assert.ok(text.includes('machine'), 'the key id is there');
    const log = JSON.stringify({ calls: kernel.calls(), console: kernel.console() });
    assert.ok(!log.includes('crlab-default-machine-key'));
  });
});

describe('the check registry', () => {
  it('lists every check id of kernel.md once, in table order, each with the function it models', () => {
    assert.deepEqual(CHECKPOINT_STEP_IDS, [...CHECKPOINT_CHECKS]);
    assert.deepEqual(
      RESTART_STEPS.map((step) => step.id),
      [...RESTART_CHECKS],
    );
    const all = [...CHECKPOINT_CHECKS, ...RESTART_CHECKS];
    assert.equal(new Set(all).size, 30);
    for (const id of all) assert.ok(CHECK_MODELS[id].length > 0, id);
  });
});

describe('program assembly', () => {
  it('resolves labels, allocates variables and splits a system call’s dst into a set from regs[0]', () => {
    const program = assemble({
      name: 'p',
      items: [
        { op: 'label', name: 'top' },
        { op: 'open', path: '/x', flags: 0, dst: 'fd', line: 3 },
        { op: 'jump', target: 'top', when: { fn: 'lt', a: v('fd'), b: imm(0) } },
      ],
    });
    assert.deepEqual(program.labels, { top: 0 });
    assert.deepEqual(program.vars, ['fd']);
    assert.deepEqual(program.code[1], { op: 'set', dst: 'fd', value: reg(0), line: 3 });
    assert.throws(
      () => assemble({ name: 'q', items: [{ op: 'jump', target: 'nowhere' }] }),
      ProgramError,
    );
    assert.throws(
      () =>
        assemble({
          name: 'r',
          items: [
            { op: 'label', name: 'a' },
            { op: 'label', name: 'a' },
          ],
        }),
      ProgramError,
    );
  });
});
