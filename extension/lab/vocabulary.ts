/**
 * The words of the language, in one place: the parser suggests from them, the TextMate grammar
 * test checks them against the grammar, and the editor completes from them. Words the kernel
 * defines (check ids, errnos, sysctls, call flags) come from the kernel, so the two never drift.
 */
import {
  CHECKPOINT_CHECKS,
  CheckpointFlag,
  DEFAULT_SYSCTLS,
  ERRNO,
  RESTART_CHECKS,
  RestartFlag,
  sysctlValues,
  type CheckId,
  type Errno,
  type SysctlName,
} from '../kernel/index';

/** Statements allowed at the top level of a scenario (world and script). */
export const WORLD_KEYWORDS = [
  'world',
  'user',
  'group',
  'dir',
  'file',
  'sysctl',
  'lsm',
  'machine',
  'limit',
  'seed',
  'program',
] as const;

export const SCRIPT_KEYWORDS = [
  'spawn',
  'run',
  'freeze',
  'thaw',
  'checkpoint',
  'restart',
  'tamper',
  'sysctl',
  'export',
  'expect',
] as const;

/** The instructions that are system calls (what `run T until SYSCALL` can stop at). */
export const SYSCALLS = [
  'open',
  'close',
  'read',
  'write',
  'dup',
  'mmap',
  'munmap',
  'fork',
  'exec',
  'seteuid',
  'setegid',
  'setresuid',
  'setresgid',
  'setgroups',
  'capset',
  'unshare',
  'prctl',
  'ptrace',
  'freeze',
  'thaw',
  'checkpoint',
  'restart',
  'getpid',
  'getuid',
  'unlink',
  'chmod',
  'print',
  'sleep',
  'exit',
] as const;

/** Instructions of a program body: the compute ones, the system calls, and `end`. */
export const INSTRUCTIONS = ['set', 'goto', 'if', 'store', 'load', ...SYSCALLS, 'end'] as const;

/** Sysctls of kernel.md with the values each takes. */
export const SYSCTLS: Readonly<Record<string, readonly (string | number)[]>> = Object.fromEntries(
  (Object.keys(DEFAULT_SYSCTLS) as SysctlName[]).map((name) => [name, sysctlValues(name)]),
);

/** The check ids of kernel.md, in the order the kernel runs them. */
export const CHECK_IDS: readonly CheckId[] = [...CHECKPOINT_CHECKS, ...RESTART_CHECKS];

/** The errnos a scenario can expect: every errno the kernel reports. */
export const ERRNOS = Object.keys(ERRNO) as readonly Errno[];

/** The most steps one `run TASK N steps` may ask for. */
export const MAX_RUN_STEPS = 1_000_000;

/** What may follow `lsm`: an LSM to run, or a rule of the `label` policy. */
export const LSM_POLICIES = ['none', 'dummy', 'label'] as const;
export const LSM_RULES = ['deny', 'allow', 'transition'] as const;

/** Fields `expect task` can look at. */
export const TASK_FIELDS = [
  'uid',
  'euid',
  'suid',
  'fsuid',
  'gid',
  'egid',
  'sgid',
  'fsgid',
  'state',
  'pc',
  'comm',
  'dumpable',
  'exit',
  'groups',
  'caps',
] as const;

export const TASK_STATES = [
  'running',
  'sleeping',
  'stopped',
  'frozen',
  'zombie',
  'exited',
] as const;

/** Checkpoint and restart flags by name, so scenarios can write `flags SUBTREE`. */
export const FLAG_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  [
    ...Object.entries(CheckpointFlag).map(([name, bit]) => [`CHECKPOINT_${name}`, bit] as const),
    ...Object.entries(RestartFlag).map(([name, bit]) => [`RESTART_${name}`, bit] as const),
  ].flatMap(([name, bit]) => [
    [name, bit],
    [name.replace(/^(CHECKPOINT|RESTART)_/, ''), bit],
  ]),
);
