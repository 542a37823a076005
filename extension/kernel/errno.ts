/**
 * Linux errno names and numbers (asm-generic/errno-base.h, errno.h) for the errnos the emulated
 * kernel returns. Check records carry the name; a task's regs[0] carries the negated number.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EIO: 5,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  EBADMSG: 74,
} as const;

export type Errno = keyof typeof ERRNO;

/** The errno name for a (positive or negative) number, or null if it is not one we use. */
export function errnoName(code: number): Errno | null {
  const wanted = Math.abs(code);
  for (const [name, value] of Object.entries(ERRNO)) {
    if (value === wanted) return name as Errno;
  }
  return null;
}

/** A failure inside the kernel that a system call returns as -errno. */
export class KernelError extends Error {
  constructor(
    readonly errno: Errno,
    message: string,
  ) {
    super(`${errno}: ${message}`);
    this.name = 'KernelError';
  }
}

/** Result of an internal kernel operation: a value or an errno with a reason. */
export type Result<T> = { ok: true; value: T } | { ok: false; errno: Errno; reason: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(errno: Errno, reason: string): Result<T> => ({ ok: false, errno, reason });
