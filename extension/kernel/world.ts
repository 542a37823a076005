/**
 * World descriptions: the users, groups, files, programs, sysctls, LSM policy and machine key an
 * emulated kernel boots with, and kernel.md's default world.
 */
import type { ProgramSource } from './program';
import { imm, v } from './program';

/** A password-file entry. Supplementary groups come from {@link GroupSpec.members} plus `gid`. */
export interface UserSpec {
  name: string;
  uid: number;
  gid: number;
  /** The user's login domain under the `label` LSM (default `user_t`, root `unconfined_t`). */
  domain?: string;
}

export interface GroupSpec {
  name: string;
  gid: number;
  /** User names with this group as a supplementary group. */
  members?: string[];
}

/** A directory or regular file of the VFS. Parent directories must come first. */
export interface FileSpec {
  path: string;
  kind: 'dir' | 'file';
  /** Permission bits including setuid 04000, setgid 02000, sticky 01000. */
  mode: number;
  uid: number;
  gid: number;
  contents?: string | Uint8Array;
  /** The program (a name in the world's program table) this file runs when executed. */
  runs?: string;
  /** The file's label under the `label` LSM (default `file_t`). */
  label?: string;
}

export type RestoreCredsMode = 'caller' | 'authorized' | 'signed';
export type PtraceMode = 'read' | 'attach';

/** The sysctls of kernel.md. */
export interface Sysctls {
  'kernel.ckpt_unpriv_allowed': 0 | 1;
  'kernel.ckpt_ptrace_mode': PtraceMode;
  'kernel.ckpt_restore_creds': RestoreCredsMode;
  'kernel.ckpt_sign_images': 0 | 1;
  'kernel.ckpt_require_signed': 0 | 1;
}
export type SysctlName = keyof Sysctls;

export const DEFAULT_SYSCTLS: Readonly<Sysctls> = {
  'kernel.ckpt_unpriv_allowed': 1,
  'kernel.ckpt_ptrace_mode': 'attach',
  'kernel.ckpt_restore_creds': 'authorized',
  'kernel.ckpt_sign_images': 0,
  'kernel.ckpt_require_signed': 0,
};

/**
 * A rule of the `label` LSM. Every rule denies; what no rule denies is allowed.
 * - `checkpoint` + `domain`: tasks running in that domain may not be checkpointed (EACCES);
 * - `checkpoint` + `label`: files with that label may not be checkpointed (EACCES);
 * - `restore` + `label` [+ `domain`]: objects (task or file) with that label may not be restored
 *   by a caller in `domain` (any domain when omitted) (EACCES);
 * - `ptrace` + `domain`: tasks in that domain may not be ptraced (checkpoint.ptrace, EPERM).
 */
export type LabelRule =
  | { deny: 'checkpoint'; domain: string }
  | { deny: 'checkpoint'; label: string }
  | { deny: 'restore'; label: string; domain?: string }
  | { deny: 'ptrace'; domain: string };

/** A domain transition on exec, like SELinux's type_transition for process labels. */
export interface LabelTransition {
  /** The executed file's label. */
  exec: string;
  /** The new domain. */
  to: string;
  /** Only from this domain (any when omitted). */
  from?: string;
}

/**
 * `allow transition from D0 to D`: a task in domain `from` may enter domain `to` other than by
 * exec, as SELinux's `allow D0 D:process transition` (kernel.md, restart.lsm: a task restored
 * with RESTART_KEEP_LSM comes back in its saved domain only if it is the caller's own domain or
 * one such a rule lets the caller's domain enter). None by default: a transition is denied unless
 * a rule allows it.
 */
export interface LabelTransitionAllow {
  from: string;
  to: string;
}

export interface LabelPolicy {
  transitions?: LabelTransition[];
  /** Domain transitions the policy allows (none by default). */
  allowedTransitions?: LabelTransitionAllow[];
  rules: LabelRule[];
}

export type LsmSpec = { name: 'none' } | { name: 'dummy' } | { name: 'label'; policy: LabelPolicy };

export interface Limits {
  /** RLIMIT_NPROC per user; root is exempt. */
  nprocPerUser: number;
  /** Bytes of touched pages the whole machine may hold. */
  memoryBytes: number;
  /**
   * The largest file (kernel.md, **Files**): a write that would end past it fails with EFBIG.
   * At most {@link MAX_FILE_SIZE}.
   */
  fileSizeBytes: number;
}

/** The most any file may hold: 4 GiB, enough for any image the emulator can write. */
export const MAX_FILE_SIZE = 4 * 1024 * 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<Limits> = {
  nprocPerUser: 64,
  memoryBytes: 2 * 1024 * 1024 * 1024,
  fileSizeBytes: MAX_FILE_SIZE,
};

/** Everything a kernel boots with. */
export interface WorldSpec {
  users: UserSpec[];
  groups: GroupSpec[];
  files: FileSpec[];
  programs: ProgramSource[];
  sysctls: Partial<Sysctls>;
  lsm: LsmSpec;
  /** The machine's sealed key (key id `machine`); never written to an image or a log. */
  machineKey: Uint8Array;
  limits?: Partial<Limits>;
}

/** The default machine key: the 25 ASCII bytes `crlab-default-machine-key`. */
export function defaultMachineKey(): Uint8Array {
  return new TextEncoder().encode('crlab-default-machine-key');
}

/** The program of `/bin/sh` in the default world: a shell that sleeps. */
export function shellProgram(): ProgramSource {
  return {
    name: 'sh',
    items: [
      { op: 'label', name: 'idle' },
      { op: 'sleep', ticks: imm(1) },
      { op: 'jump', target: 'idle' },
    ],
  };
}

/** `/usr/bin/counter`: prints 1, 2, 3, ... one number per loop, its counter in task memory. */
export function counterProgram(): ProgramSource {
  return {
    name: 'counter',
    items: [
      { op: 'set', dst: 'n', value: imm(0) },
      { op: 'label', name: 'loop' },
      { op: 'arith', dst: 'n', fn: 'add', a: v('n'), b: imm(1) },
      { op: 'print', parts: [{ value: v('n') }] },
      { op: 'jump', target: 'loop' },
    ],
  };
}

/** `/bin/passwd`: opens /etc/shadow read-write, then waits. */
export function passwdProgram(): ProgramSource {
  return {
    name: 'passwd',
    items: [
      { op: 'open', path: '/etc/shadow', flags: 2, dst: 'shadow' },
      { op: 'label', name: 'idle' },
      { op: 'sleep', ticks: imm(1) },
      { op: 'jump', target: 'idle' },
    ],
  };
}

/** The kernel's own pid 1 of the root namespace: it only waits. */
export function initProgram(): ProgramSource {
  return {
    name: 'init',
    items: [
      { op: 'label', name: 'idle' },
      { op: 'sleep', ticks: imm(1) },
      { op: 'jump', target: 'idle' },
    ],
  };
}

/** kernel.md's default world, exactly. A fresh copy on every call. */
export function defaultWorld(): WorldSpec {
  const dir = (path: string, mode = 0o755, uid = 0, gid = 0): FileSpec => ({
    path,
    kind: 'dir',
    mode,
    uid,
    gid,
  });
  return {
    users: [
      { name: 'root', uid: 0, gid: 0 },
      { name: 'daemon', uid: 1, gid: 1 },
      { name: 'hallyn', uid: 500, gid: 500 },
      { name: 'oren', uid: 501, gid: 501 },
    ],
    groups: [
      { name: 'root', gid: 0 },
      { name: 'daemon', gid: 1 },
      { name: 'shadow', gid: 42, members: [] },
      { name: 'hallyn', gid: 500 },
      { name: 'oren', gid: 501 },
    ],
    files: [
      dir('/'),
      dir('/bin'),
      dir('/etc'),
      dir('/usr'),
      dir('/usr/bin'),
      dir('/home'),
      dir('/dev'),
      dir('/tmp', 0o1777),
      dir('/home/hallyn', 0o700, 500, 500),
      dir('/home/oren', 0o700, 501, 501),
      {
        path: '/bin/sh',
        kind: 'file',
        mode: 0o755,
        uid: 0,
        gid: 0,
        contents: '#!crlab sh\n',
        runs: 'sh',
      },
      {
        path: '/bin/passwd',
        kind: 'file',
        mode: 0o4755,
        uid: 0,
        gid: 0,
        contents: '#!crlab passwd\n',
        runs: 'passwd',
      },
      {
        path: '/usr/bin/counter',
        kind: 'file',
        mode: 0o755,
        uid: 0,
        gid: 0,
        contents: '#!crlab counter\n',
        runs: 'counter',
      },
      {
        path: '/etc/passwd',
        kind: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        contents:
          'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/:/bin/sh\n' +
          'hallyn:x:500:500::/home/hallyn:/bin/sh\noren:x:501:501::/home/oren:/bin/sh\n',
      },
      {
        path: '/etc/shadow',
        kind: 'file',
        mode: 0o640,
        uid: 0,
        gid: 42,
        contents: 'root:!:14000::::::\nhallyn:$6$old:14000::::::\noren:$6$old:14000::::::\n',
      },
      { path: '/dev/null', kind: 'file', mode: 0o666, uid: 0, gid: 0 },
    ],
    programs: [shellProgram(), passwdProgram(), counterProgram()],
    sysctls: { ...DEFAULT_SYSCTLS },
    lsm: { name: 'none' },
    machineKey: defaultMachineKey(),
  };
}

/** A world with only `/`, `/tmp` and root: for scenarios that build everything themselves. */
export function emptyWorld(): WorldSpec {
  return {
    users: [{ name: 'root', uid: 0, gid: 0 }],
    groups: [{ name: 'root', gid: 0 }],
    files: [
      { path: '/', kind: 'dir', mode: 0o755, uid: 0, gid: 0 },
      { path: '/tmp', kind: 'dir', mode: 0o1777, uid: 0, gid: 0 },
    ],
    programs: [],
    sysctls: { ...DEFAULT_SYSCTLS },
    lsm: { name: 'none' },
    machineKey: defaultMachineKey(),
  };
}
