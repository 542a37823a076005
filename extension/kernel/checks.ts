/**
 * The security checks of sys_checkpoint and sys_restart (kernel.md, "The security checks"):
 * their stable ids, the kernel function each one models, and the record every call returns.
 *
 * The registry order IS the order the calls run them in; tests compare against it.
 */
import type { Errno } from './errno';

/** Checkpoint check ids, in the order sys_checkpoint runs them. */
export const CHECKPOINT_CHECKS = [
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
] as const;

/** Restart check ids, in the order sys_restart runs them. */
export const RESTART_CHECKS = [
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

export type CheckpointCheckId = (typeof CHECKPOINT_CHECKS)[number];
export type RestartCheckId = (typeof RESTART_CHECKS)[number];
/** Every check id of kernel.md. */
export type CheckId = CheckpointCheckId | RestartCheckId;

/** The kernel function (or condition) each check models, as kernel.md's tables name it. */
export const CHECK_MODELS: Readonly<Record<CheckId, string>> = {
  'checkpoint.flags': 'sys_checkpoint: flags & ~CHECKPOINT_USER_FLAGS',
  'checkpoint.unpriv': 'sys_checkpoint: ckpt_unpriv_allowed == 0 && !capable(CAP_SYS_ADMIN)',
  'checkpoint.fd': 'sys_checkpoint: fget(fd) open for writing',
  'checkpoint.target': 'init_checkpoint_ctx: find_task_by_vpid(pid)',
  'checkpoint.container_init': 'init_checkpoint_ctx: is_container_init(task)',
  'checkpoint.ptrace': 'may_checkpoint_task: ptrace_may_access(t, mode)',
  'checkpoint.frozen': 'may_checkpoint_task: t == current || frozen(t)',
  'checkpoint.state': 'may_checkpoint_task: t->exit_state / task_ptrace(t)',
  'checkpoint.lsm': 'security_checkpoint_obj',
  'checkpoint.leak': 'ckpt_obj_leak_check',
  'checkpoint.sign': 'checkpoint_write_sign',
  'restart.flags': 'sys_restart: flags & ~RESTART_USER_FLAGS',
  'restart.unpriv': 'sys_restart: ckpt_unpriv_allowed == 0 && !capable(CAP_SYS_ADMIN)',
  'restart.fd': 'sys_restart: fget(fd) open for reading',
  'restart.header': 'restore_read_header',
  'restart.format': 'restore_read_image (structure)',
  'restart.error_record': 'restore_read_image: CKPT_HDR_ERROR',
  'restart.signature': 'restore_verify_sign',
  'restart.taskself': 'sys_restart: RESTART_TASKSELF && nr_tasks == 1',
  'restart.pidns': 'restore_pid_ns: capable(CAP_SYS_ADMIN)',
  'restart.nproc': 'copy_process: RLIMIT_NPROC',
  'restart.creds.uid': 'cred_setresuid',
  'restart.creds.gid': 'cred_setresgid',
  'restart.creds.groups': 'restore_groupinfo: in_egroup_p',
  'restart.creds.caps': 'restore_capabilities',
  'restart.setuid_exe': 'restore_mm: open_exec(exe)',
  'restart.mmap': 'restore_vma: filp_open + do_mmap_pgoff',
  'restart.file.open': 'restore_file: filp_open + inode_permission',
  'restart.memory': 'restore_memory: memory limit',
  'restart.lsm': 'security_may_restart / security_restore_obj',
};

export type CheckResult = 'pass' | 'fail' | 'skip';

/** One security check of a call, as the panel, the CLI and the lab show it. */
export interface CheckRecord {
  id: CheckId;
  /** The kernel function it models. */
  models: string;
  /** The caller's credentials, e.g. `pid 7 uid=500 euid=500 suid=500 fsuid=500 gid=500 caps=0`. */
  subject: string;
  /** What is checked: `task 57 (passwd)`, `file /etc/shadow`, `image record CRED`, `flags 0x4`. */
  object: string;
  result: CheckResult;
  /** The errno on failure, else null. */
  errno: Errno | null;
  /** One line a person can act on. */
  reason: string;
  /** The byte offset of the image record the check is about, else null. */
  offset: number | null;
  /**
   * On a failure decided by one field of that record: the field, as image-format errors name it
   * (`CRED.euid`, `VMA.vm_end`), so that a viewer can select it. Absent otherwise.
   */
  field?: string;
  /** The scenario line that caused the call; the lab layer fills it. */
  line?: number | null;
}
