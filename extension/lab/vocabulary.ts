/**
 * The words of the language, in one place: the parser suggests from them, the TextMate grammar
 * test checks them against the grammar, and the editor completes from them.
 */

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

/** Instructions of a program body; the system calls among them are in SYSCALLS. */
export const INSTRUCTIONS = [
  'set',
  'goto',
  'if',
  'open',
  'close',
  'read',
  'write',
  'dup',
  'mmap',
  'munmap',
  'store',
  'load',
  'fork',
  'exec',
  'seteuid',
  'setegid',
  'setresuid',
  'setresgid',
  'setgroups',
  'capset',
  'unshare',
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
  'end',
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

/** Sysctls of kernel.md with the values each takes. */
export const SYSCTLS: Record<string, { values: readonly string[] } | { numeric: true }> = {
  'kernel.ckpt_unpriv_allowed': { numeric: true },
  'kernel.ckpt_ptrace_mode': { values: ['read', 'attach'] },
  'kernel.ckpt_restore_creds': { values: ['caller', 'authorized', 'signed'] },
  'kernel.ckpt_sign_images': { numeric: true },
  'kernel.ckpt_require_signed': { numeric: true },
};

/** The check ids of kernel.md, in the order the kernel runs them. */
export const CHECK_IDS = [
  'checkpoint.flags',
  'checkpoint.unpriv',
  'checkpoint.fd',
  'checkpoint.target',
  'checkpoint.container_init',
  'checkpoint.ptrace',
  'checkpoint.frozen',
  'checkpoint.state',
  'checkpoint.lsm',
  'checkpoint.leak',
  'checkpoint.sign',
  'restart.flags',
  'restart.unpriv',
  'restart.fd',
  'restart.header',
  'restart.format',
  'restart.error_record',
  'restart.signature',
  'restart.taskself',
  'restart.pidns',
  'restart.nproc',
  'restart.creds.uid',
  'restart.creds.gid',
  'restart.creds.groups',
  'restart.creds.caps',
  'restart.setuid_exe',
  'restart.mmap',
  'restart.file.open',
  'restart.memory',
  'restart.lsm',
] as const;

/** The errnos a scenario can expect. */
export const ERRNOS = [
  'EPERM',
  'ENOENT',
  'ESRCH',
  'EIO',
  'EBADF',
  'EAGAIN',
  'ENOMEM',
  'EACCES',
  'EBUSY',
  'EEXIST',
  'ENOTDIR',
  'EISDIR',
  'EINVAL',
  'EMFILE',
  'ENOSPC',
  'EPIPE',
  'ECHILD',
  'EBADMSG',
  'EFAULT',
  'ENOSYS',
] as const;

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
export const FLAG_NAMES: Record<string, number> = {
  SUBTREE: 0x1,
  CHECKPOINT_SUBTREE: 0x1,
  TASKSELF: 0x1,
  RESTART_TASKSELF: 0x1,
  FROZEN: 0x2,
  RESTART_FROZEN: 0x2,
  KEEP_LSM: 0x8,
  RESTART_KEEP_LSM: 0x8,
};
