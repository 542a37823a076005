/**
 * sys_restart(crid, fd, flags): read the image through the image layer's judge, run the checks
 * of kernel.md's restart table in its order against the whole image, and only then build the
 * tasks. Restart is all or nothing: no check creates or changes anything, so a failure leaves
 * the caller, the VFS and every other task exactly as they were.
 *
 * `crid` is accepted as the patchset's API has it and is not otherwise used: the image on `fd`
 * is what gets restored.
 */
import type {
  CheckpointImage,
  CredRecord,
  OpenFileRecord,
  TaskImage,
  VmaRecord,
} from '../image/model';
import {
  FdType,
  OFlag,
  PAGE_SIZE,
  Prot,
  TaskFlag,
  TaskState,
  TreeFlag,
  VmFlag,
  VmaType,
} from '../image/model';
import type { CheckStep } from './audit';
import { Audit, runChecks } from './audit';
import { Cap, capHex, isSubset } from './caps';
import type { Cred } from './creds';
import { capable, copyCred, credSummary, inEgroup, securebitsDenial } from './creds';
import type { Errno, Result } from './errno';
import { ERRNO, fail } from './errno';
import { FdTable, OpenFile } from './files';
import { flagsHex, hasFlag, unknownFlags, unknownFlagsReason } from './flags';
import type { ReadResult } from './imageio';
import { decodeImage, decodeImageSlices } from './imageio';
import type { Machine } from './machine';
import { cutComm, emptyProgram } from './machine';
import { AddressSpace } from './mm';
import { claimHostBytes, isHostInput } from './hostfile';
import { runToEnd } from './sliced';
import type { PidNamespace } from './pidns';
import type { Task } from './task';
import { NREGS, activeNs, describeTask, globalPid } from './task';
import type { CallOutcome, CallProgress } from './types';
import { RestartFlag } from './types';
import type { Inode } from './vfs';
import { MAY_EXEC, MAY_READ, MAY_WRITE, S_ISGID, S_ISUID } from './vfs';
import type { RestoreCredsMode } from './world';

/** The flags sys_restart knows (RESTART_USER_FLAGS of the emulated subset). */
export const RESTART_USER_FLAGS = RestartFlag.TASKSELF + RestartFlag.FROZEN + RestartFlag.KEEP_LSM;

interface RestartContext {
  machine: Machine;
  caller: Task;
  fd: number;
  flags: number;
  input: OpenFile | null;
  bytes: Uint8Array;
  read: ReadResult | null;
  image: CheckpointImage | null;
  mode: RestoreCredsMode;
  /** `signed` mode with a signature that verified with the machine key. */
  trusted: boolean;
  /** Restoring creates a pid namespace. */
  needsPidNs: boolean;
}

const taskSelf = (context: RestartContext): boolean => hasFlag(context.flags, RestartFlag.TASKSELF);
const keepLsm = (context: RestartContext): boolean => hasFlag(context.flags, RestartFlag.KEEP_LSM);

function imageOf(context: RestartContext): CheckpointImage {
  if (context.image === null)
    throw new Error('restart: image checks ran before the image was read');
  return context.image;
}

function describeImageTask(task: TaskImage): string {
  return `image task ${task.vpid} (${task.task.comm})`;
}

/** The credentials a restored task will have. */
function restoredCred(context: RestartContext, saved: CredRecord): Cred {
  if (context.mode === 'caller') return copyCred(context.caller.cred);
  return {
    uid: saved.uid,
    euid: saved.euid,
    suid: saved.suid,
    fsuid: saved.fsuid,
    gid: saved.gid,
    egid: saved.egid,
    sgid: saved.sgid,
    fsgid: saved.fsgid,
    groups: [...saved.groups],
    capInheritable: saved.cap_inheritable,
    capPermitted: saved.cap_permitted,
    capEffective: saved.cap_effective,
    capBset: saved.cap_bset,
    securebits: saved.securebits,
  };
}

/**
 * Whose credentials re-open files and mappings (kernel.md's mode table): the restored ones for a
 * verified signed image (the kernel's own record), the caller's otherwise — in `authorized` the
 * image's credentials are committed only at the end of the task's restore.
 */
function openerCred(context: RestartContext, saved: CredRecord): Cred {
  return context.trusted ? restoredCred(context, saved) : context.caller.cred;
}

function openerName(context: RestartContext): string {
  return context.trusted ? 'the restored credentials' : 'the caller';
}

const checkFlags: CheckStep<RestartContext> = {
  id: 'restart.flags',
  run({ flags }, audit) {
    const object = `flags ${flagsHex(flags)}`;
    const unknown = unknownFlags(flags, RESTART_USER_FLAGS);
    if (unknown !== 0n) {
      return audit.fail(
        'restart.flags',
        object,
        'EINVAL',
        unknownFlagsReason(
          'restart',
          flags,
          unknown,
          'RESTART_TASKSELF 0x1, RESTART_FROZEN 0x2 and RESTART_KEEP_LSM 0x8',
        ),
      );
    }
    return audit.pass('restart.flags', object, 'only known flags are set');
  },
};

const checkUnpriv: CheckStep<RestartContext> = {
  id: 'restart.unpriv',
  run({ machine, caller }, audit) {
    const object = 'sysctl kernel.ckpt_unpriv_allowed';
    if (machine.sysctls.get('kernel.ckpt_unpriv_allowed') === 1) {
      return audit.pass(
        'restart.unpriv',
        object,
        'kernel.ckpt_unpriv_allowed is 1: unprivileged restart is allowed',
      );
    }
    if (capable(caller.cred, Cap.SYS_ADMIN)) {
      return audit.pass(
        'restart.unpriv',
        object,
        'kernel.ckpt_unpriv_allowed is 0 and the caller has CAP_SYS_ADMIN',
      );
    }
    return audit.fail(
      'restart.unpriv',
      object,
      'EPERM',
      'kernel.ckpt_unpriv_allowed is 0: restart needs CAP_SYS_ADMIN, which the caller lacks',
    );
  },
};

/** The image a descriptor reaches: from the file offset on, without moving it (the offset moves only if the restart succeeds). */
function imageBytes(file: OpenFile): Uint8Array {
  const data = file.inode.data;
  return data.view(file.pos, data.size);
}

const checkFd: CheckStep<RestartContext> = {
  id: 'restart.fd',
  run(context, audit) {
    const { caller, fd } = context;
    const entry = caller.files.get(fd);
    if (entry === null)
      return audit.fail(
        'restart.fd',
        `fd ${fd}`,
        'EBADF',
        `descriptor ${fd} is not open in the caller`,
      );
    const object = `fd ${fd} (${entry.file.path})`;
    if (!entry.file.readable || entry.file.inode.kind !== 'file') {
      return audit.fail(
        'restart.fd',
        object,
        'EBADF',
        `descriptor ${fd} (${entry.file.path}) is not open for reading: open the image O_RDONLY or O_RDWR`,
      );
    }
    context.input = entry.file;
    // The sliced call has judged these very bytes already (see sysRestartSlices).
    if (context.read === null) {
      context.bytes = imageBytes(entry.file);
      context.read = decodeImage(context.bytes, context.machine.machineKey);
    }
    if (context.read.ok) context.image = context.read.image;
    return audit.pass(
      'restart.fd',
      object,
      `descriptor ${fd} is open for reading (${context.bytes.length} bytes)`,
    );
  },
};

function imageErrorText(error: {
  errno: string;
  offset: number;
  field: string;
  message: string;
}): string {
  return `${error.errno} at 0x${error.offset.toString(16)} (${error.field}): ${error.message}`;
}

/** A reader rejection is about HEAD when it is found in the first record (offset 0) or names a HEAD field. */
function concernsHead(error: { offset: number; field: string }): boolean {
  return error.offset === 0 || error.field.startsWith('HEAD.');
}

const checkHeader: CheckStep<RestartContext> = {
  id: 'restart.header',
  run({ read }, audit) {
    const result = read as ReadResult;
    if (
      !result.ok &&
      (result.error.errno === 'EINVAL' || result.error.errno === 'EPIPE') &&
      concernsHead(result.error)
    ) {
      return audit.fail(
        'restart.header',
        `image record HEAD`,
        result.error.errno,
        imageErrorText(result.error),
        result.error.offset,
        result.error.field,
      );
    }
    return audit.pass(
      'restart.header',
      'image record HEAD',
      'HEAD is valid: magic, revision 1, kernel 2.6.27, machine lab64, known flags',
      0,
    );
  },
};

const checkFormat: CheckStep<RestartContext> = {
  id: 'restart.format',
  run({ read }, audit) {
    const result = read as ReadResult;
    if (!result.ok && (result.error.errno === 'EINVAL' || result.error.errno === 'EPIPE')) {
      return audit.fail(
        'restart.format',
        `image field ${result.error.field}`,
        result.error.errno,
        imageErrorText(result.error),
        result.error.offset,
        result.error.field,
      );
    }
    return audit.pass(
      'restart.format',
      'image',
      `every record follows image-format.md (${result.records.length} records)`,
    );
  },
};

const checkErrorRecord: CheckStep<RestartContext> = {
  id: 'restart.error_record',
  run({ read }, audit) {
    const result = read as ReadResult;
    if (!result.ok && result.error.errno === 'EIO') {
      return audit.fail(
        'restart.error_record',
        'image record ERROR',
        'EIO',
        `the checkpoint that wrote this image failed: ${result.error.message}`,
        result.error.offset,
      );
    }
    return audit.pass('restart.error_record', 'image', 'the image holds no ERROR record');
  },
};

const checkSignature: CheckStep<RestartContext> = {
  id: 'restart.signature',
  run(context, audit) {
    const result = context.read as ReadResult;
    if (!result.ok) {
      // Only EBADMSG can be left here: the structural errnos failed earlier rows.
      return audit.fail(
        'restart.signature',
        'image record SIGN',
        'EBADMSG',
        `the signature does not verify with the machine key: the image was changed after it was signed (${result.error.message})`,
        result.error.offset,
      );
    }
    const image = result.image;
    const signOffset = image.sign?.offset ?? null;
    if (result.signature === 'verified') {
      context.trusted = context.mode === 'signed';
      return audit.pass(
        'restart.signature',
        'image record SIGN',
        'image signed by this machine (key "machine"): the MAC verifies',
        signOffset,
      );
    }
    if (result.signature === 'unverified') {
      return audit.fail(
        'restart.signature',
        'image record SIGN',
        'EBADMSG',
        `the image is signed with key "${image.sign?.key_id ?? '?'}", which this kernel does not hold: only "machine" can be verified`,
        signOffset,
      );
    }
    if (context.machine.sysctls.get('kernel.ckpt_require_signed') === 1) {
      return audit.fail(
        'restart.signature',
        'image',
        'EPERM',
        'kernel.ckpt_require_signed is 1 and the image is unsigned: checkpoint it with kernel.ckpt_sign_images = 1',
      );
    }
    return audit.skip(
      'restart.signature',
      'image',
      'the image is unsigned and kernel.ckpt_require_signed is 0',
    );
  },
};

const checkTaskself: CheckStep<RestartContext> = {
  id: 'restart.taskself',
  run(context, audit) {
    const image = imageOf(context);
    const object = `image TREE (${image.tree.length} task(s))`;
    if (!taskSelf(context)) {
      return audit.skip(
        'restart.taskself',
        object,
        'RESTART_TASKSELF not given: the tasks are created as children of the caller',
      );
    }
    if (image.tree.length !== 1) {
      return audit.fail(
        'restart.taskself',
        object,
        'EINVAL',
        `RESTART_TASKSELF restores exactly one task, the image has ${image.tree.length}`,
        image.treeOffset ?? null,
      );
    }
    return audit.pass(
      'restart.taskself',
      object,
      'one task: the caller becomes the restored task',
      image.treeOffset ?? null,
    );
  },
};

const checkPidns: CheckStep<RestartContext> = {
  id: 'restart.pidns',
  run(context, audit) {
    const image = imageOf(context);
    const object = `image TREE (${image.tree.length} task(s))`;
    const offset = image.treeOffset ?? null;
    const anyInit = image.tree.some((entry) => (entry.flags & TreeFlag.NS_INIT) !== 0);
    context.needsPidNs = !taskSelf(context) && (image.tree.length > 1 || anyInit);
    if (!context.needsPidNs) {
      const why = taskSelf(context)
        ? 'RESTART_TASKSELF: the caller keeps its pid, no pid namespace is created'
        : "one task without NS_INIT: it gets a new pid in the caller's namespace, no pid namespace is created";
      return audit.pass('restart.pidns', object, why, offset);
    }
    if (capable(context.caller.cred, Cap.SYS_ADMIN)) {
      return audit.pass(
        'restart.pidns',
        object,
        'restoring the tree creates a pid namespace; the caller has CAP_SYS_ADMIN',
        offset,
      );
    }
    return audit.fail(
      'restart.pidns',
      object,
      'EPERM',
      `restoring ${image.tree.length > 1 ? 'more than one task' : 'a task with NS_INIT'} creates a pid namespace, which needs CAP_SYS_ADMIN`,
      offset,
    );
  },
};

const checkNproc: CheckStep<RestartContext> = {
  id: 'restart.nproc',
  run(context, audit) {
    const { machine, caller } = context;
    const image = imageOf(context);
    const object = `uid ${caller.cred.uid}`;
    if (caller.cred.uid === 0)
      return audit.pass('restart.nproc', object, 'root is exempt from the process limit');
    const created = image.tree.length - (taskSelf(context) ? 1 : 0);
    const current = machine.countTasksOf(caller.cred.uid);
    const limit = machine.limits.nprocPerUser;
    if (current + created > limit) {
      return audit.fail(
        'restart.nproc',
        object,
        'EAGAIN',
        `uid ${caller.cred.uid} has ${current} tasks; ${created} more exceed the limit of ${limit} (RLIMIT_NPROC)`,
      );
    }
    return audit.pass(
      'restart.nproc',
      object,
      `${current} + ${created} tasks stay within the limit of ${limit}`,
    );
  },
};

type CredRow =
  'restart.creds.uid' | 'restart.creds.gid' | 'restart.creds.groups' | 'restart.creds.caps';

/**
 * The authorisation of one credential row for one saved cred against the caller; null = allowed.
 * `field` is the CRED field that was refused (`euid`, `cap_permitted`).
 */
type CredJudge = (
  caller: Cred,
  saved: CredRecord,
) => { errno: Errno; reason: string; field?: string } | null;

const judgeUid: CredJudge = (caller, saved) => {
  if (capable(caller, Cap.SETUID)) return null;
  const allowed = [caller.uid, caller.euid, caller.suid];
  for (const [name, id] of [
    ['uid', saved.uid],
    ['euid', saved.euid],
    ['suid', saved.suid],
    ['fsuid', saved.fsuid],
  ] as const) {
    if (!allowed.includes(id)) {
      return {
        errno: 'EPERM',
        reason: `${name} ${id} is not one of the caller's uid/euid/suid ${allowed.join('/')} and the caller lacks CAP_SETUID`,
        field: name,
      };
    }
  }
  return null;
};

const judgeGid: CredJudge = (caller, saved) => {
  if (capable(caller, Cap.SETGID)) return null;
  const allowed = [caller.gid, caller.egid, caller.sgid];
  for (const [name, id] of [
    ['gid', saved.gid],
    ['egid', saved.egid],
    ['sgid', saved.sgid],
    ['fsgid', saved.fsgid],
  ] as const) {
    if (!allowed.includes(id)) {
      return {
        errno: 'EPERM',
        reason: `${name} ${id} is not one of the caller's gid/egid/sgid ${allowed.join('/')} and the caller lacks CAP_SETGID`,
        field: name,
      };
    }
  }
  return null;
};

const judgeGroups: CredJudge = (caller, saved) => {
  if (capable(caller, Cap.SETGID)) return null;
  const foreign = saved.groups.find((gid) => !inEgroup(caller, gid));
  if (foreign === undefined) return null;
  return {
    errno: 'EPERM',
    reason: `supplementary group ${foreign} is not one the caller is in, and the caller lacks CAP_SETGID`,
    field: 'groups',
  };
};

const judgeCaps: CredJudge = (caller, saved) => {
  if (!isSubset(saved.cap_permitted, caller.capPermitted)) {
    return {
      errno: 'EPERM',
      reason: `permitted ${capHex(saved.cap_permitted)} is not within the caller's permitted ${capHex(caller.capPermitted)}`,
      field: 'cap_permitted',
    };
  }
  const inheritableLimit = caller.capInheritable | caller.capPermitted;
  if (!isSubset(saved.cap_inheritable, inheritableLimit)) {
    return {
      errno: 'EPERM',
      reason: `inheritable ${capHex(saved.cap_inheritable)} is not within the caller's inheritable ∪ permitted ${capHex(inheritableLimit)}`,
      field: 'cap_inheritable',
    };
  }
  if (!isSubset(saved.cap_bset, caller.capBset)) {
    return {
      errno: 'EPERM',
      reason: `bounding set ${capHex(saved.cap_bset)} is not within the caller's ${capHex(caller.capBset)}`,
      field: 'cap_bset',
    };
  }
  // The caller's own securebits need nothing; a change is judged as prctl(PR_SET_SECUREBITS).
  const securebits =
    saved.securebits === caller.securebits ? null : securebitsDenial(caller, saved.securebits);
  if (securebits !== null) return { errno: 'EPERM', reason: securebits, field: 'securebits' };
  return null;
};

function credStep(id: CredRow, judge: CredJudge, what: string): CheckStep<RestartContext> {
  return {
    id,
    run(context, audit) {
      for (const task of imageOf(context).tasks) {
        const object = describeImageTask(task);
        const offset = task.cred.offset ?? null;
        if (context.mode === 'caller') {
          audit.skip(
            id,
            object,
            'kernel.ckpt_restore_creds is caller: credentials come from the caller',
            offset,
          );
          continue;
        }
        if (context.trusted) {
          audit.pass(id, object, `image signed by this machine: ${what} restored as saved`, offset);
          continue;
        }
        const denial = judge(context.caller.cred, task.cred);
        if (denial !== null) {
          const field = denial.field === undefined ? null : `CRED.${denial.field}`;
          return audit.fail(id, object, denial.errno, denial.reason, offset, field);
        }
        audit.pass(id, object, `the caller could set these ${what} itself`, offset);
      }
      return true;
    },
  };
}

/** Look a path up and check it as `cred` would, without opening anything. */
function probe(machine: Machine, cred: Cred, path: string, mask: number): Result<Inode> {
  const found = machine.vfs.lookup(cred, path);
  if (!found.ok) return found;
  return machine.vfs.checkPermission(cred, found.value, mask);
}

const checkSetuidExe: CheckStep<RestartContext> = {
  id: 'restart.setuid_exe',
  run(context, audit) {
    const { machine } = context;
    for (const task of imageOf(context).tasks) {
      const object = `${describeImageTask(task)} exe ${task.mm.exe}`;
      const offset = task.mm.offset ?? null;
      const cred = openerCred(context, task.cred);
      const found = machine.vfs.lookup(cred, task.mm.exe);
      if (!found.ok)
        return audit.fail(
          'restart.setuid_exe',
          object,
          found.errno,
          `the exe: ${found.reason}`,
          offset,
        );
      const inode = found.value;
      if (inode.kind !== 'file') {
        return audit.fail(
          'restart.setuid_exe',
          object,
          'EACCES',
          `the exe ${task.mm.exe} is not a regular file`,
          offset,
        );
      }
      const exec = machine.vfs.checkPermission(cred, inode, MAY_EXEC);
      if (!exec.ok)
        return audit.fail(
          'restart.setuid_exe',
          object,
          exec.errno,
          `the exe as ${openerName(context)}: ${exec.reason}`,
          offset,
        );
      const setid = (inode.mode & (S_ISUID | S_ISGID)) !== 0;
      audit.pass(
        'restart.setuid_exe',
        object,
        setid
          ? `the exe is found and executable; its setuid/setgid bits grant nothing on restart (credentials come from the ${context.mode} rules)`
          : 'the exe is found and executable',
        offset,
      );
    }
    return true;
  },
};

function mmapMask(vma: VmaRecord): number {
  let mask = MAY_READ;
  if ((vma.vm_flags & VmFlag.SHARED) !== 0 && (vma.vm_page_prot & Prot.WRITE) !== 0)
    mask |= MAY_WRITE;
  if ((vma.vm_page_prot & Prot.EXEC) !== 0) mask |= MAY_EXEC;
  return mask;
}

const checkMmap: CheckStep<RestartContext> = {
  id: 'restart.mmap',
  run(context, audit) {
    const { machine } = context;
    for (const task of imageOf(context).tasks) {
      const fileVmas = task.vmas.filter((vma) => vma.vma_type === VmaType.FILE);
      if (fileVmas.length === 0) {
        audit.skip('restart.mmap', describeImageTask(task), 'the task has no file-backed mappings');
        continue;
      }
      const cred = openerCred(context, task.cred);
      for (const vma of fileVmas) {
        const path = vma.file ?? '';
        const object = `${describeImageTask(task)} mapping 0x${vma.vm_start.toString(16)} of ${path}`;
        const offset = vma.offset ?? null;
        const checked = probe(machine, cred, path, mmapMask(vma));
        if (!checked.ok) {
          return audit.fail(
            'restart.mmap',
            object,
            checked.errno,
            `re-mapping as ${openerName(context)}: ${checked.reason}`,
            offset,
          );
        }
        if (checked.value.kind !== 'file') {
          return audit.fail(
            'restart.mmap',
            object,
            'EACCES',
            `${path} is not a regular file`,
            offset,
          );
        }
        audit.pass(
          'restart.mmap',
          object,
          `the backing file opens for the mapping's access as ${openerName(context)}`,
          offset,
        );
      }
    }
    return true;
  },
};

/** The first image task whose descriptors name each open file. */
function firstHolders(image: CheckpointImage): Map<number, TaskImage> {
  const holders = new Map<number, TaskImage>();
  for (const task of image.tasks) {
    for (const fd of task.files.fds) if (!holders.has(fd.objref)) holders.set(fd.objref, task);
  }
  return holders;
}

function reopenProbe(machine: Machine, cred: Cred, file: OpenFileRecord): Result<Inode> {
  const access = file.f_flags & OFlag.ACCMODE;
  const mask = (access === OFlag.WRONLY ? 0 : MAY_READ) | (access === OFlag.RDONLY ? 0 : MAY_WRITE);
  const found = machine.vfs.lookup(cred, file.path);
  if (!found.ok) return found;
  if (file.fd_type === FdType.FILE && found.value.kind === 'dir')
    return fail('EISDIR', `${file.path} is now a directory`);
  if (file.fd_type === FdType.DIR && found.value.kind !== 'dir')
    return fail('ENOTDIR', `${file.path} is not a directory`);
  return machine.vfs.checkPermission(cred, found.value, mask);
}

const checkFileOpen: CheckStep<RestartContext> = {
  id: 'restart.file.open',
  run(context, audit) {
    const { machine } = context;
    const image = imageOf(context);
    if (image.openFiles.length === 0)
      return audit.skip('restart.file.open', 'image', 'the image has no open files');
    const holders = firstHolders(image);
    for (const file of image.openFiles) {
      const holder = holders.get(file.objref);
      const cred = holder !== undefined ? openerCred(context, holder.cred) : context.caller.cred;
      const access = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', '?'][file.f_flags & OFlag.ACCMODE];
      const object = `file ${file.path} (objref ${file.objref}, ${access})`;
      const offset = file.offset ?? null;
      const checked = reopenProbe(machine, cred, file);
      if (!checked.ok) {
        return audit.fail(
          'restart.file.open',
          object,
          checked.errno,
          `re-opening as ${openerName(context)}: ${checked.reason}`,
          offset,
        );
      }
      audit.pass(
        'restart.file.open',
        object,
        `re-opened ${access} as ${openerName(context)}; offset ${file.f_pos} restored, O_CREAT/O_TRUNC not applied again`,
        offset,
      );
    }
    return true;
  },
};

function imagePages(image: CheckpointImage): number {
  let pages = 0;
  for (const task of image.tasks)
    for (const vma of task.vmas) for (const run of vma.pageRuns ?? []) pages += run.addrs.length;
  return pages;
}

const checkMemory: CheckStep<RestartContext> = {
  id: 'restart.memory',
  run(context, audit) {
    const { accounting, limits } = context.machine;
    const pages = imagePages(imageOf(context));
    const object = `${pages} page(s)`;
    if (accounting.used + pages > accounting.limitPages) {
      return audit.fail(
        'restart.memory',
        object,
        'ENOMEM',
        `${pages} pages (${pages * 4} KiB) on top of ${accounting.used} in use exceed the memory limit of ${limits.memoryBytes} bytes`,
      );
    }
    return audit.pass(
      'restart.memory',
      object,
      `the restored pages fit the memory limit of ${limits.memoryBytes} bytes`,
    );
  },
};

/** The label a restored task will carry. */
function restoredTaskLabel(context: RestartContext, task: TaskImage): string | null {
  return keepLsm(context) ? task.cred.label : context.caller.label;
}

/** One file a restored task will hold, judged on the inode the VFS has at that path. */
interface HeldFile {
  what: string;
  path: string;
  /** The label the image saved for it (open files only; a VMA has no SECURITY record). */
  saved: string | null | undefined;
  offset: number | null;
}

/** The files a restored task will hold, in image order: behind its mappings, then its open files. */
function heldFiles(task: TaskImage, firstHeld: readonly OpenFileRecord[]): HeldFile[] {
  return [
    ...task.vmas.flatMap((vma) =>
      vma.file === null
        ? []
        : [
            {
              what: `mapping 0x${vma.vm_start.toString(16)} of ${vma.file}`,
              path: vma.file,
              saved: undefined,
              offset: vma.offset ?? null,
            },
          ],
    ),
    ...firstHeld.map((file) => ({
      what: `file ${file.path} (objref ${file.objref})`,
      path: file.path,
      saved: file.label,
      offset: file.offset ?? null,
    })),
  ];
}

/**
 * security_may_restart for each task and each file it will hold. What is judged is what the
 * restored objects will really be: a file's label in the VFS (the image's claim is only compared
 * with it), the task's domain as it will be set. Labels are restored only with RESTART_KEEP_LSM,
 * and then only as they are: the image's LSM must be the running one (EPERM), a saved file label
 * must be the file's label in the VFS, and a saved domain must be the caller's own or one the
 * policy lets the caller's domain enter (EACCES).
 */
const checkLsm: CheckStep<RestartContext> = {
  id: 'restart.lsm',
  run(context, audit) {
    const { machine, caller } = context;
    const lsm = machine.lsm;
    const image = imageOf(context);
    const holders = firstHolders(image);
    const keep = keepLsm(context);
    const imageLsm = image.lsm ?? 'none';
    for (const task of image.tasks) {
      const object = describeImageTask(task);
      const offset = task.cred.offset ?? null;
      if (keep && imageLsm !== lsm.name) {
        return audit.fail(
          'restart.lsm',
          object,
          'EPERM',
          `RESTART_KEEP_LSM: the image was taken under LSM ${imageLsm}, the running LSM is ${lsm.name}`,
          offset,
        );
      }
      const domain = restoredTaskLabel(context, task);
      if (keep && domain !== caller.label && !lsm.allowsTransition(caller.label, domain)) {
        return audit.fail(
          'restart.lsm',
          object,
          'EACCES',
          `RESTART_KEEP_LSM: the saved domain ${String(domain)} is not the caller's domain ${String(caller.label)}, and no policy rule lets ${String(caller.label)} enter it (lsm allow transition)`,
          offset,
        );
      }
      const taskDenial = lsm.restoreObject(caller.label, domain);
      if (taskDenial !== null)
        return audit.fail('restart.lsm', object, 'EACCES', taskDenial, offset);
      const firstHeld = image.openFiles.filter((file) => holders.get(file.objref) === task);
      for (const held of heldFiles(task, firstHeld)) {
        const fileObject = `${object} ${held.what}`;
        const inode = machine.vfs.lookupRaw(held.path);
        if (inode === null) {
          return audit.fail(
            'restart.lsm',
            fileObject,
            'EACCES',
            `${held.path} is not in the VFS: there is no label to judge`,
            held.offset,
          );
        }
        const label = lsm.fileLabel(inode.label);
        if (keep && held.saved !== undefined && held.saved !== label) {
          return audit.fail(
            'restart.lsm',
            fileObject,
            'EACCES',
            `RESTART_KEEP_LSM: the image says ${held.path} is labelled ${String(held.saved)}, the VFS labels it ${String(label)}: a label is restored only as it is`,
            held.offset,
          );
        }
        const fileDenial = lsm.restoreObject(caller.label, label);
        if (fileDenial !== null)
          return audit.fail('restart.lsm', fileObject, 'EACCES', fileDenial, held.offset);
      }
      audit.pass(
        'restart.lsm',
        object,
        keep
          ? `RESTART_KEEP_LSM: domain ${String(domain)} ${domain === caller.label ? "is the caller's own" : 'is one the policy lets the caller enter'}; files keep their labels in the VFS; LSM ${lsm.name} lets the caller's domain restore them`
          : `labels are not restored: objects get default labels (the task the caller's domain, files their labels in the VFS), which LSM ${lsm.name} lets the caller's domain restore`,
        offset,
      );
    }
    return true;
  },
};

/** The restart table (kernel.md), in order. */
export const RESTART_STEPS: readonly CheckStep<RestartContext>[] = [
  checkFlags,
  checkUnpriv,
  checkFd,
  checkHeader,
  checkFormat,
  checkErrorRecord,
  checkSignature,
  checkTaskself,
  checkPidns,
  checkNproc,
  credStep('restart.creds.uid', judgeUid, 'uids'),
  credStep('restart.creds.gid', judgeGid, 'gids'),
  credStep('restart.creds.groups', judgeGroups, 'supplementary groups'),
  credStep('restart.creds.caps', judgeCaps, 'capability sets'),
  checkSetuidExe,
  checkMmap,
  checkFileOpen,
  checkMemory,
  checkLsm,
];

// ---- building the tasks (after every check passed; nothing here can fail) ---------------------

/** The address space of every restored task, its pages in place (charged at the commit). */
type PreparedPages = Map<TaskImage, AddressSpace>;

/**
 * The bytes the restored pages will hold, prepared a slice at a time before anything is created.
 * The kernel reads images with their pages a PGARR at a time (`VmaRecord.pageRuns`), and a
 * task's page table holds restored pages as offsets into one buffer (PageTable.adoptRestored):
 * no object per page.
 *
 * Which buffer (restored memory must never share bytes with anything that can still change
 * them, or with another task):
 * - an image read from a host file (HostImageInput): its bytes are the kernel's (the host hands
 *   them over and no task can reach the file's inode, see hostfile.ts), so the pages stay where
 *   they are, with no copy. Only the first restart that keeps a given buffer does so: a second
 *   restart from the same bytes copies, or the two restored tasks would write into each other's
 *   memory (claimHostBytes);
 * - an image from a file of the emulated VFS: copied, into one buffer per task (one memcpy per
 *   PGARR), since a task may write that file later, and the restored task its memory.
 */
function* preparePages(
  context: RestartContext,
  judged: number,
): Generator<CallProgress, PreparedPages, void> {
  const { machine, bytes } = context;
  const image = imageOf(context);
  const own = context.input !== null && isHostInput(context.input.inode) && claimHostBytes(bytes);
  // The host's bytes as a plain Uint8Array over the same memory (they may be a Node Buffer).
  const hostBytes = own ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
  const total = judged + imagePages(image) * PAGE_SIZE;
  const prepared: PreparedPages = new Map();
  let done = judged;
  for (const task of image.tasks) {
    const mm = new AddressSpace(machine.accounting, task.mm.exe);
    let taskPages = 0;
    for (const vma of task.vmas)
      for (const run of vma.pageRuns ?? []) taskPages += run.addrs.length;
    // One buffer for all of a task's pages: one allocation outside the JavaScript heap per task,
    // not one per slice (each one adds to the external memory that drives V8's full collections:
    // a pause of up to 100 ms apiece on a loaded machine, several per 256 MiB restart).
    const buffer = hostBytes ?? new Uint8Array(taskPages * PAGE_SIZE);
    let at = 0;
    for (const vma of task.vmas) {
      // A slice per PGARR (at most 1024 pages).
      for (const run of vma.pageRuns ?? []) {
        if (hostBytes !== null) at = run.data.byteOffset - hostBytes.byteOffset;
        else buffer.set(run.data, at);
        mm.pages.adoptRestored(buffer, at, run.addrs);
        if (hostBytes === null) at += run.data.length;
        done += run.data.length;
        yield { done, total };
      }
    }
    prepared.set(task, mm);
  }
  return prepared;
}

function restoreAddressSpace(
  machine: Machine,
  saved: TaskImage,
  prepared: PreparedPages,
): AddressSpace {
  const mm = prepared.get(saved) ?? new AddressSpace(machine.accounting, saved.mm.exe);
  mm.layout = {
    startCode: saved.mm.start_code,
    endCode: saved.mm.end_code,
    startData: saved.mm.start_data,
    endData: saved.mm.end_data,
    startBrk: saved.mm.start_brk,
    brk: saved.mm.brk,
    startStack: saved.mm.start_stack,
    argStart: saved.mm.arg_start,
    argEnd: saved.mm.arg_end,
    envStart: saved.mm.env_start,
    envEnd: saved.mm.env_end,
  };
  for (const vma of saved.vmas) {
    const file = vma.file !== null ? machine.vfs.lookupRaw(vma.file) : null;
    mm.vmas.push({
      start: vma.vm_start,
      end: vma.vm_end,
      prot: vma.vm_page_prot,
      flags: vma.vm_flags,
      file,
      path: vma.file,
      pgoff: vma.vm_pgoff,
    });
  }
  machine.accounting.charge(mm.pages.size);
  return mm;
}

function restoreFiles(
  machine: Machine,
  saved: TaskImage,
  openFiles: Map<number, OpenFile>,
  records: Map<number, OpenFileRecord>,
): FdTable {
  const table = new FdTable();
  for (const fd of saved.files.fds) {
    let file = openFiles.get(fd.objref);
    if (file === undefined) {
      const record = records.get(fd.objref) as OpenFileRecord;
      const inode = machine.vfs.lookupRaw(record.path) as Inode;
      file = new OpenFile(
        machine.allocateOpenFileId(),
        inode,
        record.path,
        record.f_flags,
        record.f_pos,
        record.f_version,
      );
      openFiles.set(fd.objref, file);
    }
    table.install(fd.fd, file, fd.close_on_exec === 1);
  }
  return table;
}

/** Fill a task from its image record (creds, memory, files, program, CPU, state). */
function fillTask(
  context: RestartContext,
  task: Task,
  saved: TaskImage,
  openFiles: Map<number, OpenFile>,
  records: Map<number, OpenFileRecord>,
  prepared: PreparedPages,
): void {
  const { machine } = context;
  task.comm = cutComm(saved.task.comm);
  task.cred = restoredCred(context, saved.cred);
  task.dumpable = (saved.task.flags & TaskFlag.DUMPABLE) !== 0;
  task.superpriv = (saved.task.flags & TaskFlag.SUPERPRIV) !== 0;
  task.label = restoredTaskLabel(context, saved);
  task.mm.release();
  task.mm = restoreAddressSpace(machine, saved, prepared);
  task.files = restoreFiles(machine, saved, openFiles, records);
  const exe = machine.vfs.lookupRaw(saved.mm.exe);
  const programName = exe?.runs ?? null;
  task.program =
    (programName !== null ? machine.programs.get(programName) : undefined) ??
    emptyProgram(saved.task.comm);
  task.pc = saved.cpu.pc;
  task.regs = Array.from({ length: NREGS }, (_, index) => saved.cpu.regs[index] ?? 0);
  task.runState =
    saved.task.state === TaskState.SLEEPING
      ? 'sleeping'
      : saved.task.state === TaskState.STOPPED
        ? 'stopped'
        : 'running';
  task.sleepTicks = 0;
  task.frozen = hasFlag(context.flags, RestartFlag.FROZEN);
  task.zombie = false;
  task.exitCode = null;
  task.childPidNamespacePending = false;
}

/**
 * Give every restored task its pids: the image's vpid in the new namespace (the image's root
 * namespace), its nspid in its own nested namespace, fresh pids at the levels the image does not
 * record (the caller's namespace and its ancestors, and any namespace between). Pinned pids are
 * placed first so a fresh one never takes a number the image needs.
 */
function assignPids(machine: Machine, caller: Task, image: CheckpointImage, tasks: Task[]): void {
  const imageRoot = machine.newNamespace(activeNs(caller));
  const nsOf: PidNamespace[] = [];
  image.tree.forEach((entry, index) => {
    const parentIndex = image.tree.findIndex((other) => other.vpid === entry.vppid);
    let ns = imageRoot;
    if (index > 0) {
      const parentNs = nsOf[parentIndex] ?? imageRoot;
      ns =
        entry.nsdepth > (image.tree[parentIndex]?.nsdepth ?? 0)
          ? machine.newNamespace(parentNs)
          : parentNs;
    }
    nsOf.push(ns);
  });
  const pinned: Map<PidNamespace, number>[] = image.tree.map((entry, index) => {
    const ns = nsOf[index] as PidNamespace;
    const pins = new Map<PidNamespace, number>([[imageRoot, entry.vpid]]);
    pins.set(ns, entry.nspid);
    return pins;
  });
  // First pass: pinned numbers.
  tasks.forEach((task, index) => {
    const ns = nsOf[index] as PidNamespace;
    for (const [level, nr] of pinned[index] ?? []) {
      level.reserve(nr);
      level.tasks.set(nr, task);
    }
    task.pids = ns.lineage().map((level) => ({ ns: level, nr: pinned[index]?.get(level) ?? 0 }));
  });
  // Second pass: fresh numbers where the image records none.
  for (const task of tasks) {
    for (const link of task.pids) {
      if (link.nr !== 0) continue;
      link.nr = link.ns.allocate() ?? 0;
      link.ns.tasks.set(link.nr, task);
    }
  }
  tasks.forEach((task, index) => {
    const ns = nsOf[index] as PidNamespace;
    if (((image.tree[index]?.flags ?? 0) & TreeFlag.NS_INIT) !== 0 && ns.init === null)
      ns.init = task;
  });
}

function build(context: RestartContext, prepared: PreparedPages): Task[] {
  const { machine, caller } = context;
  const image = imageOf(context);
  const openFiles = new Map<number, OpenFile>();
  const records = new Map(image.openFiles.map((file) => [file.objref, file] as const));
  if (taskSelf(context)) {
    fillTask(context, caller, image.tasks[0] as TaskImage, openFiles, records, prepared);
    return [caller];
  }
  const tasks = image.tasks.map(() => machine.blankTask(copyCred(caller.cred), '', null));
  if (context.needsPidNs) assignPids(machine, caller, image, tasks);
  else machine.attachPids(tasks[0] as Task, activeNs(caller), null);
  image.tasks.forEach((saved, index) => {
    const task = tasks[index] as Task;
    const entry = image.tree[index];
    const parentIndex =
      index === 0 ? -1 : image.tree.findIndex((other) => other.vpid === entry?.vppid);
    machine.adopt(parentIndex < 0 ? caller : (tasks[parentIndex] as Task), task);
    fillTask(context, task, saved, openFiles, records, prepared);
  });
  return tasks;
}

/**
 * sys_restart as `caller`, a slice at a time: every check (the whole image judged) in the first
 * slice, then the restored pages prepared a PGARR at a time, then, in the last slice, the tasks
 * created all at once. Cancelled before the last slice, nothing was created. The kernel must not
 * change between slices (the facade refuses other calls meanwhile).
 *
 * With `commit` false the call is only judged: every check runs as it would, and then nothing is
 * built (no pages prepared), the descriptor's offset stays and the call log is left alone (a
 * probe: "would this restart succeed?").
 */
export function* sysRestartSlices(
  machine: Machine,
  caller: Task,
  _crid: number,
  fd: number,
  flags: number,
  commit = true,
): Generator<CallProgress, CallOutcome, void> {
  const audit = new Audit(`${describeTask(caller)} ${credSummary(caller.cred)}`);
  const context: RestartContext = {
    machine,
    caller,
    fd,
    flags,
    input: null,
    bytes: new Uint8Array(0),
    read: null,
    image: null,
    mode: machine.sysctls.get('kernel.ckpt_restore_creds'),
    trusted: false,
    needsPidNs: false,
  };
  const callerPid = globalPid(caller);
  // The longest part of a large restart comes first, a PGARR at a time: judging the image the
  // descriptor reaches (restart.fd then takes the verdict; a call that fails an earlier check
  // has judged an image for nothing, and says nothing of it).
  const entry = caller.files.get(fd);
  let judged = 0;
  if (entry !== null && entry.file.readable && entry.file.inode.kind === 'file') {
    context.bytes = imageBytes(entry.file);
    const total = context.bytes.length;
    const judging = decodeImageSlices(context.bytes, machine.machineKey);
    for (let step = judging.next(); ; step = judging.next()) {
      if (step.done === true) {
        context.read = step.value;
        break;
      }
      // Until the image is judged its page bytes are not known: about as many as its size.
      yield { done: step.value, total: 2 * total };
    }
    judged = total;
  }
  // The call's result as the call log keeps it: -errno on failure, 0 on success.
  const outcomeOf = (errno: Errno | null): CallOutcome => ({
    call: 'restart',
    caller: callerPid,
    flags,
    ret: errno === null ? 0 : -ERRNO[errno],
    errno,
    checks: audit.records,
  });
  if (!runChecks(RESTART_STEPS, context, audit)) {
    const outcome = outcomeOf(audit.failure?.errno ?? 'EINVAL');
    if (commit) machine.callLog.push(outcome);
    return outcome;
  }
  if (!commit) return outcomeOf(null);
  const prepared = yield* preparePages(context, judged);
  const input = context.input as OpenFile;
  const restored = build(context, prepared);
  input.pos += context.bytes.length;
  const outcome: CallOutcome = {
    ...outcomeOf(null),
    restored: restored.map(globalPid),
    restoredIntoCaller: taskSelf(context),
  };
  machine.callLog.push(outcome);
  return outcome;
}

/**
 * sys_restart as `caller`: 0 and the restored tasks on success (with RESTART_TASKSELF the caller
 * itself has become the restored task), -errno and nothing changed on failure.
 */
export function sysRestart(
  machine: Machine,
  caller: Task,
  crid: number,
  fd: number,
  flags: number,
  commit = true,
): CallOutcome {
  return runToEnd(sysRestartSlices(machine, caller, crid, fd, flags, commit));
}
