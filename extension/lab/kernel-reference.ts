/**
 * What the editor says about the kernel's own words: each security check (when it passes, fails
 * or is skipped, and with which errnos), each errno, each system call of the language (the
 * kernel function it models). The ids, errnos and call names come from the kernel and the
 * vocabulary; the tables below are keyed by their types, so a check or errno the kernel adds
 * without a text here is a type error, not a silent gap. The texts follow kernel.md's tables.
 */
import {
  CHECKPOINT_CHECKS,
  CHECK_MODELS,
  DEFAULT_SYSCTLS,
  ERRNO,
  type CheckId,
  type Errno,
  type SysctlName,
} from '../kernel/index';
import { SYSCTL_DOCS } from './reference';
import { CHECK_IDS, SYSCALLS, SYSCTLS } from './vocabulary';

export interface CheckDoc {
  /** What the check asks, in a sentence. */
  rule: string;
  /** When it is skipped, if it ever is. */
  skipped?: string;
  /** The errnos a failure of the check returns. */
  errnos: readonly Errno[];
  /** Per task (or per VMA, per file) of the image or the tree, rather than once per call. */
  each?: string;
}

/** kernel.md "The security checks", one entry per check id. */
const CHECK_DOCS: Readonly<Record<CheckId, CheckDoc>> = {
  'checkpoint.flags': {
    rule: 'only known flags are set (CHECKPOINT_SUBTREE 0x1); a bit at position 32 or above is unknown too',
    errnos: ['EINVAL'],
  },
  'checkpoint.unpriv': {
    rule: 'with `kernel.ckpt_unpriv_allowed = 0`, the caller needs CAP_SYS_ADMIN',
    errnos: ['EPERM'],
  },
  'checkpoint.fd': { rule: 'the output descriptor is open for writing', errnos: ['EBADF'] },
  'checkpoint.target': {
    rule: "the pid names a task in the caller's pid namespace (pid 0 is the caller itself)",
    errnos: ['ESRCH'],
  },
  'checkpoint.container_init': {
    rule: 'the target is the init of its pid namespace, unless CHECKPOINT_SUBTREE is given',
    skipped: 'for a task checkpointing itself (that implies SUBTREE)',
    errnos: ['EINVAL'],
  },
  'checkpoint.ptrace': {
    rule: "`ptrace_may_access`: the caller itself passes; otherwise the caller's fsuid (mode `read`) or uid (mode `attach`) equals the task's uid, euid and suid, likewise for the gids, and the task is dumpable; else only CAP_SYS_PTRACE passes; then the LSM's ptrace hook",
    errnos: ['EPERM'],
    each: 'task of the tree',
  },
  'checkpoint.frozen': {
    rule: 'every task is the caller or frozen',
    errnos: ['EBUSY'],
    each: 'task of the tree',
  },
  'checkpoint.state': {
    rule: 'no task is a zombie or traced',
    errnos: ['EBUSY'],
    each: 'task of the tree',
  },
  'checkpoint.lsm': {
    rule: "`security_checkpoint_obj` for the task and every file it holds (open files and the files behind its mappings), judged on the file's label in the VFS",
    errnos: ['EACCES'],
    each: 'task of the tree',
  },
  'checkpoint.leak': {
    rule: 'no open file or address space of the tree is shared with a task outside it',
    skipped: 'with CHECKPOINT_SUBTREE',
    errnos: ['EBUSY'],
  },
  'checkpoint.sign': {
    rule: 'with `kernel.ckpt_sign_images = 1`, a SIGN record (HMAC-SHA256 with the machine key) is written',
    skipped: 'when images are not signed',
    errnos: [],
  },
  'restart.flags': {
    rule: 'only known flags are set (RESTART_TASKSELF 0x1, RESTART_FROZEN 0x2, RESTART_KEEP_LSM 0x8)',
    errnos: ['EINVAL'],
  },
  'restart.unpriv': {
    rule: 'with `kernel.ckpt_unpriv_allowed = 0`, the caller needs CAP_SYS_ADMIN',
    errnos: ['EPERM'],
  },
  'restart.fd': { rule: 'the input descriptor is open for reading', errnos: ['EBADF'] },
  'restart.header': {
    rule: 'the first record is a valid HEAD: magic, revision, kernel version, machine, flags',
    errnos: ['EINVAL', 'EPIPE'],
  },
  'restart.format': {
    rule: 'every other structural rule of the image format holds; the whole image is judged before anything is created',
    errnos: ['EINVAL', 'EPIPE'],
  },
  'restart.error_record': { rule: 'the image holds no ERROR record', errnos: ['EIO'] },
  'restart.signature': {
    rule: 'a SIGN record names the machine key and its MAC verifies; an unsigned image fails while `kernel.ckpt_require_signed = 1`',
    skipped: 'for an unsigned image when signatures are not required',
    errnos: ['EBADMSG', 'EPERM'],
  },
  'restart.taskself': {
    rule: 'RESTART_TASKSELF restores exactly one task',
    skipped: 'without RESTART_TASKSELF',
    errnos: ['EINVAL'],
  },
  'restart.pidns': {
    rule: 'restoring more than one task, or a container init, creates a pid namespace: CAP_SYS_ADMIN',
    errnos: ['EPERM'],
  },
  'restart.nproc': {
    rule: "the caller's tasks plus those to be created stay within the limit (64 per user by default); root is exempt",
    errnos: ['EAGAIN'],
  },
  'restart.creds.uid': {
    rule: "`cred_setresuid`: each of uid, euid, suid, fsuid is one of the caller's uid, euid, suid, or the caller has CAP_SETUID",
    skipped: 'under `kernel.ckpt_restore_creds = caller` (credentials come from the caller)',
    errnos: ['EPERM'],
    each: 'task of the image',
  },
  'restart.creds.gid': {
    rule: "`cred_setresgid`: each gid is one of the caller's gid, egid, sgid, or the caller has CAP_SETGID",
    skipped: 'under `kernel.ckpt_restore_creds = caller`',
    errnos: ['EPERM'],
    each: 'task of the image',
  },
  'restart.creds.groups': {
    rule: 'every supplementary group is one the caller is in (`in_egroup_p`), or the caller has CAP_SETGID',
    skipped: 'under `kernel.ckpt_restore_creds = caller`',
    errnos: ['EPERM'],
    each: 'task of the image',
  },
  'restart.creds.caps': {
    rule: "permitted ⊆ the caller's permitted; inheritable ⊆ the caller's inheritable ∪ permitted; bounding set ⊆ the caller's; securebits equal unless the caller has CAP_SETPCAP",
    skipped: 'under `kernel.ckpt_restore_creds = caller`',
    errnos: ['EPERM'],
    each: 'task of the image',
  },
  'restart.setuid_exe': {
    rule: "the task's executable is found and executable; its setuid/setgid bits grant nothing on restart",
    errnos: ['ENOENT', 'EACCES'],
    each: 'task of the image',
  },
  'restart.mmap': {
    rule: 'the file behind a mapping is found and opens for reading; shared writable needs write permission; exec needs exec permission',
    skipped: 'for a task without file-backed mappings',
    errnos: ['ENOENT', 'EACCES'],
    each: 'file-backed mapping',
  },
  'restart.file.open': {
    rule: 're-open by path through the VFS with `inode_permission` for the access mode; O_CREAT and O_TRUNC are not applied again',
    skipped: 'for an image without open files',
    errnos: ['ENOENT', 'EACCES'],
    each: 'open file',
  },
  'restart.memory': {
    rule: "the restored pages fit the machine's memory limit",
    errnos: ['ENOMEM'],
  },
  'restart.lsm': {
    rule: "`security_may_restart` for the task and each file it will hold, judged on the VFS label, never on a label the image claims; with RESTART_KEEP_LSM the image's LSM must be the running one (EPERM), a saved file label must be the file's label in the VFS, and a task's saved domain must be the caller's own or one an `lsm allow transition` rule lets the caller's domain enter (EACCES)",
    errnos: ['EPERM', 'EACCES'],
    each: 'task of the image',
  },
};

/** The documentation of a check id, or undefined for a word that is not one. */
export function checkDoc(
  id: string,
): (CheckDoc & { id: CheckId; models: string; call: 'checkpoint' | 'restart' }) | undefined {
  if (!(CHECK_IDS as readonly string[]).includes(id)) return undefined;
  const checkId = id as CheckId;
  const call = (CHECKPOINT_CHECKS as readonly string[]).includes(id) ? 'checkpoint' : 'restart';
  return { ...CHECK_DOCS[checkId], id: checkId, models: CHECK_MODELS[checkId], call };
}

/** The checks whose failure returns `errno`, in the order the calls run them. */
export function checksFailingWith(errno: string): CheckId[] {
  return CHECK_IDS.filter((id) => (CHECK_DOCS[id].errnos as readonly string[]).includes(errno));
}

/** strerror(3) for every errno the kernel returns. */
const ERRNO_TEXT: Readonly<Record<Errno, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EIO: 'Input/output error',
  ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor',
  ECHILD: 'No child processes',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  EBADMSG: 'Bad message',
};

export interface ErrnoDoc {
  name: Errno;
  number: number;
  text: string;
}

export function errnoDoc(name: string): ErrnoDoc | undefined {
  if (!Object.hasOwn(ERRNO, name)) return undefined;
  const errno = name as Errno;
  return { name: errno, number: ERRNO[errno], text: ERRNO_TEXT[errno] };
}

type Syscall = (typeof SYSCALLS)[number];

/** The kernel function each system call of the language models. */
const SYSCALL_FUNCTIONS: Readonly<Record<Syscall, string>> = {
  open: 'sys_open → do_filp_open, inode_permission',
  close: 'sys_close',
  read: 'sys_read → vfs_read',
  write: 'sys_write → vfs_write',
  dup: 'sys_dup',
  mmap: 'sys_mmap → do_mmap_pgoff',
  munmap: 'sys_munmap → do_munmap',
  fork: 'sys_fork → do_fork, copy_process',
  exec: 'sys_execve → do_execve (setuid/setgid bits, dumpable cleared)',
  seteuid: 'sys_setresuid(-1, e, -1)',
  setegid: 'sys_setresgid(-1, e, -1)',
  setresuid: 'sys_setresuid',
  setresgid: 'sys_setresgid',
  setgroups: 'sys_setgroups → set_current_groups',
  capset: 'sys_capset → cap_capset',
  unshare: 'sys_unshare(CLONE_NEWPID)',
  prctl: 'sys_prctl(PR_CAPBSET_DROP / PR_SET_SECUREBITS) → cap_task_prctl',
  ptrace: 'sys_ptrace(PTRACE_ATTACH / PTRACE_DETACH) → ptrace_attach, ptrace_may_access',
  freeze: 'the cgroup freezer: freeze_task',
  thaw: 'the cgroup freezer: thaw_process',
  checkpoint: 'sys_checkpoint(pid, fd, flags)',
  restart: 'sys_restart(crid, fd, flags)',
  getpid: 'sys_getpid',
  getuid: 'sys_getuid',
  unlink: 'sys_unlink → vfs_unlink',
  chmod: 'sys_chmod → notify_change',
  print: 'a line on the console (the transcript)',
  sleep: 'sys_nanosleep, in emulated steps',
  exit: 'sys_exit → do_exit',
};

export function syscallFunction(name: string): string | undefined {
  return (SYSCALLS as readonly string[]).includes(name)
    ? SYSCALL_FUNCTIONS[name as Syscall]
    : undefined;
}

export interface SysctlDoc {
  name: SysctlName;
  values: readonly (string | number)[];
  default: string | number;
  effect: string;
}

export function sysctlDoc(name: string): SysctlDoc | undefined {
  const values = SYSCTLS[name];
  if (values === undefined) return undefined;
  const sysctl = name as SysctlName;
  return {
    name: sysctl,
    values,
    default: DEFAULT_SYSCTLS[sysctl],
    effect: SYSCTL_DOCS[name] ?? '',
  };
}
