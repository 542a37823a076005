/**
 * sys_checkpoint(pid, fd, flags): the checks of kernel.md's checkpoint table, in its order, then
 * kernel state → CheckpointImage → image bytes written to the file open on `fd`.
 *
 * Every check runs before the first byte is written (as in the later patchsets, which collect and
 * judge the whole tree before writing the header), so a failed checkpoint writes nothing and
 * changes nothing; an ERROR record can therefore only come from elsewhere (a crafted image).
 */
import type {
  CheckpointImage,
  CredRecord,
  OpenFileRecord,
  PageRun,
  TaskImage,
  TreeEntry,
  VmaRecord,
} from '../image/model';
import { FdType, HeadFlag, OFlag, TaskFlag, TaskState, TreeFlag, VmaType } from '../image/model';
import type { CheckStep } from './audit';
import { Audit, runChecks } from './audit';
import { Cap } from './caps';
import { capable, credSummary } from './creds';
import type { Errno, Result } from './errno';
import { ERRNO, ok } from './errno';
import type { FdEntry, OpenFile } from './files';
import { flagsHex, hasFlag, unknownFlags, unknownFlagsReason } from './flags';
import { ptraceMayAccess } from './ptrace';
import type { ImageEncoder } from './imageio';
import { imageEncoder, MACHINE_KEY_ID } from './imageio';
import type { Machine } from './machine';
import type { Vma } from './mm';
import { runToEnd } from './sliced';
import type { Task } from './task';
import type { Inode } from './vfs';
import { activeNs, describeTask, globalPid, isNsInit, pidIn, subtree } from './task';
import type { CallOutcome, CallProgress } from './types';
import { CheckpointFlag } from './types';

/** The flags sys_checkpoint knows (CHECKPOINT_USER_FLAGS). */
export const CHECKPOINT_USER_FLAGS = CheckpointFlag.SUBTREE;

/** The emulated kernel's uname. */
export const KERNEL_VERSION = { major: 2, minor: 6, patch: 27, rev: 1 } as const;
export const KERNEL_RELEASE = '2.6.27-crlab';
export const KERNEL_UNAME_VERSION = '#1 crlab';
export const KERNEL_MACHINE = 'lab64';

interface CheckpointContext {
  machine: Machine;
  caller: Task;
  pid: number;
  fd: number;
  flags: number;
  output: OpenFile | null;
  target: Task | null;
  /** The caller checkpoints itself (pid 0 or its own pid): implies SUBTREE. */
  self: boolean;
  tree: Task[];
  signed: boolean;
}

function subtreeMode(context: CheckpointContext): boolean {
  return context.self || hasFlag(context.flags, CheckpointFlag.SUBTREE);
}

const checkFlags: CheckStep<CheckpointContext> = {
  id: 'checkpoint.flags',
  run({ flags }, audit) {
    const object = `flags ${flagsHex(flags)}`;
    const unknown = unknownFlags(flags, CHECKPOINT_USER_FLAGS);
    if (unknown !== 0n) {
      return audit.fail(
        'checkpoint.flags',
        object,
        'EINVAL',
        unknownFlagsReason('checkpoint', flags, unknown, 'CHECKPOINT_SUBTREE (0x1)'),
      );
    }
    return audit.pass('checkpoint.flags', object, 'only known flags are set');
  },
};

const checkUnpriv: CheckStep<CheckpointContext> = {
  id: 'checkpoint.unpriv',
  run({ machine, caller }, audit) {
    const object = 'sysctl kernel.ckpt_unpriv_allowed';
    if (machine.sysctls.get('kernel.ckpt_unpriv_allowed') === 1) {
      return audit.pass(
        'checkpoint.unpriv',
        object,
        'kernel.ckpt_unpriv_allowed is 1: unprivileged checkpoint is allowed',
      );
    }
    if (capable(caller.cred, Cap.SYS_ADMIN)) {
      return audit.pass(
        'checkpoint.unpriv',
        object,
        'kernel.ckpt_unpriv_allowed is 0 and the caller has CAP_SYS_ADMIN',
      );
    }
    return audit.fail(
      'checkpoint.unpriv',
      object,
      'EPERM',
      'kernel.ckpt_unpriv_allowed is 0: checkpoint needs CAP_SYS_ADMIN, which the caller lacks',
    );
  },
};

const checkFd: CheckStep<CheckpointContext> = {
  id: 'checkpoint.fd',
  run(context, audit) {
    const { caller, fd } = context;
    const entry = caller.files.get(fd);
    const object = `fd ${fd}`;
    if (entry === null)
      return audit.fail(
        'checkpoint.fd',
        object,
        'EBADF',
        `descriptor ${fd} is not open in the caller`,
      );
    if (!entry.file.writable || entry.file.inode.kind !== 'file') {
      return audit.fail(
        'checkpoint.fd',
        `${object} (${entry.file.path})`,
        'EBADF',
        `descriptor ${fd} (${entry.file.path}) is not open for writing: open the image file O_WRONLY or O_RDWR`,
      );
    }
    context.output = entry.file;
    return audit.pass(
      'checkpoint.fd',
      `${object} (${entry.file.path})`,
      `descriptor ${fd} is open for writing`,
    );
  },
};

const checkTarget: CheckStep<CheckpointContext> = {
  id: 'checkpoint.target',
  run(context, audit) {
    const { machine, caller, pid } = context;
    const target = pid === 0 ? caller : machine.findTaskInNs(caller, pid);
    if (target === null) {
      return audit.fail(
        'checkpoint.target',
        `pid ${pid}`,
        'ESRCH',
        `no task with pid ${pid} in the caller's pid namespace`,
      );
    }
    context.target = target;
    context.self = target === caller;
    context.tree = subtree(target);
    return audit.pass(
      'checkpoint.target',
      describeTask(target),
      context.self
        ? 'the caller checkpoints itself'
        : `pid ${pid} found in the caller's pid namespace`,
    );
  },
};

const checkContainerInit: CheckStep<CheckpointContext> = {
  id: 'checkpoint.container_init',
  run(context, audit) {
    const target = context.target as Task;
    const object = describeTask(target);
    if (context.self) {
      return audit.skip(
        'checkpoint.container_init',
        object,
        'the caller checkpoints itself, which implies CHECKPOINT_SUBTREE',
      );
    }
    if (hasFlag(context.flags, CheckpointFlag.SUBTREE)) {
      return audit.pass(
        'checkpoint.container_init',
        object,
        'CHECKPOINT_SUBTREE: the target need not be a container init',
      );
    }
    // Reading of kernel.md scenario 4 ("the inner init alone needs SUBTREE"): a whole container
    // is the init of a pid namespace directly below the caller's. The init of a namespace nested
    // inside another container is, seen from the caller, a task inside that container.
    const ns = activeNs(target);
    if (isNsInit(target) && ns.parent === activeNs(context.caller)) {
      return audit.pass(
        'checkpoint.container_init',
        object,
        "the target is the init of a container of the caller's namespace",
      );
    }
    const why = !isNsInit(target)
      ? 'not container init'
      : ns.parent === null
        ? "not container init: the root namespace's init is the whole machine"
        : 'not container init of this namespace: the target is the init of a container nested inside another';
    return audit.fail(
      'checkpoint.container_init',
      object,
      'EINVAL',
      `${why}: checkpoint the init of the outer container, or pass CHECKPOINT_SUBTREE`,
    );
  },
};

/** ptrace_may_access(t, mode) for every task of the tree (kernel/ptrace.ts). */
const checkPtrace: CheckStep<CheckpointContext> = {
  id: 'checkpoint.ptrace',
  run({ machine, caller, tree }, audit) {
    const mode = machine.sysctls.get('kernel.ckpt_ptrace_mode');
    for (const task of tree) {
      const object = describeTask(task);
      if (task === caller) {
        audit.pass('checkpoint.ptrace', object, 'a task may always checkpoint itself');
        continue;
      }
      const verdict = ptraceMayAccess(machine, caller, task, mode);
      if (!verdict.allowed) return audit.fail('checkpoint.ptrace', object, 'EPERM', verdict.reason);
      audit.pass('checkpoint.ptrace', object, verdict.reason);
    }
    return true;
  },
};

const checkFrozen: CheckStep<CheckpointContext> = {
  id: 'checkpoint.frozen',
  run({ caller, tree }, audit) {
    for (const task of tree) {
      const object = describeTask(task);
      if (task === caller) {
        audit.pass('checkpoint.frozen', object, 'the caller itself need not be frozen');
      } else if (task.frozen) {
        audit.pass('checkpoint.frozen', object, 'the task is frozen');
      } else {
        return audit.fail(
          'checkpoint.frozen',
          object,
          'EBUSY',
          'not frozen: freeze the container before checkpointing it',
        );
      }
    }
    return true;
  },
};

/**
 * may_checkpoint_task's state rows: a dead task (TASK_DEAD, a zombie here) and a ptraced one are
 * refused with EBUSY. Tracing is modelled (sys_ptrace attach/detach), so a task being traced is
 * refused as the patchset refused it: "FIX: add support for ptraced tasks".
 */
const checkState: CheckStep<CheckpointContext> = {
  id: 'checkpoint.state',
  run({ tree }, audit) {
    for (const task of tree) {
      const object = describeTask(task);
      if (task.zombie) {
        return audit.fail(
          'checkpoint.state',
          object,
          'EBUSY',
          'the task is a zombie (exited): zombies are never checkpointed',
        );
      }
      if (task.tracer !== null) {
        return audit.fail(
          'checkpoint.state',
          object,
          'EBUSY',
          `the task is traced by ${describeTask(task.tracer)}: ptraced tasks are not checkpointed; detach the tracer first`,
        );
      }
      audit.pass('checkpoint.state', object, 'the task is neither a zombie nor traced');
    }
    return true;
  },
};

/**
 * security_checkpoint_obj for each task and every file it holds, in image order: the files behind
 * its mappings (a mapping holds its file open, as vm_file does, whether or not a descriptor is
 * still open on it), then its open files. Each file is judged on its label in the VFS.
 */
const checkLsm: CheckStep<CheckpointContext> = {
  id: 'checkpoint.lsm',
  run({ machine, tree }, audit) {
    const lsm = machine.lsm;
    for (const task of tree) {
      const object = describeTask(task);
      const taskDenial = lsm.checkpointTask(task.label);
      if (taskDenial !== null) return audit.fail('checkpoint.lsm', object, 'EACCES', taskDenial);
      const held: { what: string; inode: Inode }[] = [
        ...task.mm.vmas.flatMap((vma) =>
          vma.file === null
            ? []
            : [
                {
                  what: `mapping 0x${vma.start.toString(16)} (${vma.path ?? machine.vfs.pathOf(vma.file)})`,
                  inode: vma.file,
                },
              ],
        ),
        ...task.files.sorted().map(([fd, entry]) => ({
          what: `fd ${fd} (${entry.file.path})`,
          inode: entry.file.inode,
        })),
      ];
      for (const { what, inode } of held) {
        const fileDenial = lsm.checkpointFile(lsm.fileLabel(inode.label));
        if (fileDenial !== null)
          return audit.fail('checkpoint.lsm', `${object} ${what}`, 'EACCES', fileDenial);
      }
      audit.pass(
        'checkpoint.lsm',
        object,
        `LSM ${lsm.name} allows checkpointing the task, the files behind its mappings and its open files`,
      );
    }
    return true;
  },
};

const checkLeak: CheckStep<CheckpointContext> = {
  id: 'checkpoint.leak',
  run(context, audit) {
    const { machine, tree } = context;
    const object = `tree of ${tree.length} task(s)`;
    if (subtreeMode(context)) {
      return audit.skip(
        'checkpoint.leak',
        object,
        'CHECKPOINT_SUBTREE: resources shared with tasks outside the tree are not checked',
      );
    }
    const inside = new Set(tree);
    const holders = new Map<OpenFile, Task>();
    for (const task of machine.allTasks()) {
      if (inside.has(task) || task.zombie) continue;
      for (const [, entry] of task.files.entries)
        if (!holders.has(entry.file)) holders.set(entry.file, task);
    }
    for (const task of tree) {
      for (const [fd, entry] of task.files.sorted()) {
        const outsider = holders.get(entry.file);
        if (outsider !== undefined) {
          return audit.fail(
            'checkpoint.leak',
            `${describeTask(task)} fd ${fd} (${entry.file.path})`,
            'EBUSY',
            `the open file ${entry.file.path} is shared with ${describeTask(outsider)} outside the container: close it there or use CHECKPOINT_SUBTREE`,
          );
        }
      }
    }
    return audit.pass(
      'checkpoint.leak',
      object,
      'no open file or address space is shared with a task outside the tree',
    );
  },
};

/** The checkpoint table (kernel.md), in order; checkpoint.sign runs after the image is written. */
export const CHECKPOINT_STEPS: readonly CheckStep<CheckpointContext>[] = [
  checkFlags,
  checkUnpriv,
  checkFd,
  checkTarget,
  checkContainerInit,
  checkPtrace,
  checkFrozen,
  checkState,
  checkLsm,
  checkLeak,
];

function recordSign(context: CheckpointContext, audit: Audit): boolean {
  if (!context.signed) {
    return audit.skip(
      'checkpoint.sign',
      'image',
      'kernel.ckpt_sign_images is 0: the image is not signed',
    );
  }
  return audit.pass(
    'checkpoint.sign',
    'image',
    `SIGN record written (HMAC-SHA256, key id "${MACHINE_KEY_ID}")`,
  );
}

/** The row list including the post-write sign step, for registries and tests. */
export const CHECKPOINT_STEP_IDS = [
  ...CHECKPOINT_STEPS.map((step) => step.id),
  'checkpoint.sign',
] as const;

function credRecord(task: Task): CredRecord {
  const cred = task.cred;
  return {
    uid: cred.uid,
    suid: cred.suid,
    euid: cred.euid,
    fsuid: cred.fsuid,
    gid: cred.gid,
    sgid: cred.sgid,
    egid: cred.egid,
    fsgid: cred.fsgid,
    cap_inheritable: cred.capInheritable,
    cap_permitted: cred.capPermitted,
    cap_effective: cred.capEffective,
    cap_bset: cred.capBset,
    securebits: cred.securebits,
    groups: [...cred.groups],
    label: task.label,
  };
}

function taskState(task: Task, caller: Task): number {
  if (task !== caller && task.frozen) return TaskState.FROZEN;
  if (task.runState === 'sleeping') return TaskState.SLEEPING;
  if (task.runState === 'stopped') return TaskState.STOPPED;
  return TaskState.RUNNING;
}

/** Kernel state of a checked tree → the decoded image. */
export function buildImage(
  machine: Machine,
  caller: Task,
  tree: Task[],
  headFlags: number,
  pagesOf: ReadonlyMap<Vma, PageRun[]> = new Map(),
): CheckpointImage {
  const root = tree[0] as Task;
  const rootNs = activeNs(root);
  const vpidOf = (task: Task): number => pidIn(task, rootNs) ?? 0;
  const treeEntries: TreeEntry[] = tree.map((task, index) => ({
    vpid: vpidOf(task),
    vppid: index === 0 || task.parent === null ? 0 : vpidOf(task.parent),
    vtgid: vpidOf(task),
    nspid: pidIn(task, activeNs(task)) ?? 0,
    nsdepth: activeNs(task).level - rootNs.level,
    flags: isNsInit(task) ? TreeFlag.NS_INIT : 0,
  }));

  let nextObjref = 1;
  const fileObjrefs = new Map<OpenFile, number>();
  const openFiles: OpenFileRecord[] = [];
  const tasks: TaskImage[] = tree.map((task) => {
    const vmas: VmaRecord[] = task.mm.vmas.map((vma) => ({
      vma_type: vma.file !== null ? VmaType.FILE : VmaType.ANON,
      vm_start: vma.start,
      vm_end: vma.end,
      vm_page_prot: vma.prot,
      vm_flags: vma.flags,
      vm_pgoff: vma.file !== null ? vma.pgoff : 0,
      file: vma.file !== null ? (vma.path ?? machine.vfs.pathOf(vma.file)) : null,
      pages: [],
      pageRuns: pagesOf.get(vma) ?? task.mm.savedPages(vma),
    }));
    const mmObjref = nextObjref++;
    const filesObjref = nextObjref++;
    const fds = task.files.sorted().map(([fd, entry]) => {
      let objref = fileObjrefs.get(entry.file);
      if (objref === undefined) {
        objref = fileObjrefs.size + 1;
        fileObjrefs.set(entry.file, objref);
        openFiles.push({
          objref,
          fd_type: entry.file.inode.kind === 'dir' ? FdType.DIR : FdType.FILE,
          f_mode: entry.file.fmode,
          f_flags: entry.file.flags,
          f_pos: entry.file.pos,
          f_version: entry.file.version,
          path: entry.file.path,
          label: machine.lsm.fileLabel(entry.file.inode.label),
        });
      }
      return { objref, fd, close_on_exec: entry.closeOnExec ? 1 : 0 };
    });
    const regs = [...task.regs];
    if (task === caller) regs[0] = 0;
    const layout = task.mm.layout;
    return {
      vpid: vpidOf(task),
      task: {
        state: taskState(task, caller),
        exit_state: 0,
        exit_code: 0,
        exit_signal: 0,
        flags: (task.dumpable ? TaskFlag.DUMPABLE : 0) | (task.superpriv ? TaskFlag.SUPERPRIV : 0),
        comm: task.comm,
      },
      cred: credRecord(task),
      mm: {
        objref: mmObjref,
        start_code: layout.startCode,
        end_code: layout.endCode,
        start_data: layout.startData,
        end_data: layout.endData,
        start_brk: layout.startBrk,
        brk: layout.brk,
        start_stack: layout.startStack,
        arg_start: layout.argStart,
        arg_end: layout.argEnd,
        env_start: layout.envStart,
        env_end: layout.envEnd,
        exe: task.mm.exe,
      },
      vmas,
      files: { objref: filesObjref, fds },
      cpu: { pc: task.pc, sp: layout.startStack, flags: 0, orig_ax: 0, regs },
    };
  });

  return {
    head: {
      major: KERNEL_VERSION.major,
      minor: KERNEL_VERSION.minor,
      patch: KERNEL_VERSION.patch,
      rev: KERNEL_VERSION.rev,
      time: Math.max(0, Math.floor(machine.clock())),
      flags: headFlags,
      release: KERNEL_RELEASE,
      version: KERNEL_UNAME_VERSION,
      machine: KERNEL_MACHINE,
    },
    lsm: machine.lsm.name === 'none' ? null : machine.lsm.name,
    tree: treeEntries,
    tasks,
    openFiles,
    sign: null,
  };
}

/** Bytes copied per slice when an image gathered for the VFS is cut to its size. */
const COPY_SLICE = 4 * 1024 * 1024;
/**
 * The room a VFS file's buffer may keep past its bytes (a fraction of them) rather than be
 * copied to its size: the room of the all-zero pages skipped.
 */
const KEPT_ROOM = 1 / 8;

/**
 * Writes the image to the output a slice at a time: to a host file chunk by chunk as it comes;
 * to a file of the emulated VFS in one write at the end, so the file changes once. For the VFS,
 * each slice's chunks are copied as they come into one buffer of the image's bound (copying them
 * all in the last slice stalled a lab's event loop for 184 ms on a 257 MiB image). When all-zero
 * pages were skipped the image is shorter than that: the file keeps a view of the buffer when
 * the room left is at most an eighth of the image (a task with a zero page or a few: copying
 * 257 MiB for one page doubled the extension host's peak memory), and a copy of the image's
 * size, made 4 MiB a slice, when more. Until the last slice, the progress's total is the bound
 * (see ImageEncoder.bound).
 */
function* writeImageSlices(
  encoder: ImageEncoder,
  output: OpenFile,
  limit: number,
): Generator<CallProgress, Result<number>, void> {
  let gathered: Uint8Array | null = null;
  let at = 0;
  for (let chunks = encoder.next(); chunks !== null; chunks = encoder.next()) {
    if (output.host !== null) output.writeChunks(chunks, limit);
    else {
      for (const chunk of chunks) {
        gathered ??= new Uint8Array(encoder.bound);
        gathered.set(chunk, at);
        at += chunk.length;
      }
    }
    yield { done: encoder.written, total: encoder.size >= 0 ? encoder.size : encoder.bound };
  }
  if (output.host !== null) return ok(encoder.written);
  let bytes = (gathered ?? new Uint8Array(0)).subarray(0, at);
  if (bytes.buffer.byteLength - at > at * KEPT_ROOM) {
    const exact = new Uint8Array(at);
    for (let from = 0; from < at; from += COPY_SLICE) {
      exact.set(bytes.subarray(from, Math.min(at, from + COPY_SLICE)), from);
      yield { done: at, total: at };
    }
    bytes = exact;
  }
  return output.write(bytes, limit);
}

/**
 * sys_checkpoint as `caller`, a slice at a time: the checks and the image model in the first
 * slice, then the image, at most 1024 pages a slice (see {@link writeImageSlices}). The kernel
 * must not change between slices (the facade refuses other calls meanwhile).
 */
export function* sysCheckpointSlices(
  machine: Machine,
  caller: Task,
  pid: number,
  fd: number,
  flags: number,
): Generator<CallProgress, CallOutcome, void> {
  const audit = new Audit(`${describeTask(caller)} ${credSummary(caller.cred)}`);
  const context: CheckpointContext = {
    machine,
    caller,
    pid,
    fd,
    flags,
    output: null,
    target: null,
    self: false,
    tree: [],
    signed: machine.sysctls.get('kernel.ckpt_sign_images') === 1,
  };
  const outcome = (ret: number, written?: { errno: Errno; reason: string }): CallOutcome => {
    const errno = written?.errno ?? audit.failure?.errno ?? null;
    const result: CallOutcome = {
      call: 'checkpoint',
      caller: globalPid(caller),
      flags,
      ret,
      errno,
      checks: audit.records,
    };
    if (written !== undefined) result.reason = written.reason;
    machine.callLog.push(result);
    return result;
  };
  if (!runChecks(CHECKPOINT_STEPS, context, audit)) {
    return outcome(-ERRNO[audit.failure?.errno ?? 'EINVAL']);
  }
  let headFlags: number = HeadFlag.CKPT;
  if (subtreeMode(context)) headFlags |= HeadFlag.SUBTREE;
  if (context.self) headFlags |= HeadFlag.SELF;
  if (context.signed) headFlags |= HeadFlag.SIGNED;
  // The pages each mapping saves, a mapping per slice: for a large task, gathering them is the
  // longest part of building the image.
  const pagesOf = new Map<Vma, PageRun[]>();
  for (const task of context.tree) {
    for (const vma of task.mm.vmas) {
      pagesOf.set(vma, task.mm.savedPages(vma));
      yield { done: 0, total: 0 };
    }
  }
  const image = buildImage(machine, caller, context.tree, headFlags, pagesOf);
  const encoder = imageEncoder(image, context.signed ? machine.machineKey : null);
  // Every check passed; writing can still fail as any write(2) can (EFBIG past the file size
  // limit), and then nothing was written and the call returns that errno.
  const written = yield* writeImageSlices(
    encoder,
    context.output as OpenFile,
    machine.limits.fileSizeBytes,
  );
  if (!written.ok) {
    const reason = `the image could not be written: ${written.reason}`;
    return outcome(-ERRNO[written.errno], { errno: written.errno, reason });
  }
  recordSign(context, audit);
  return outcome(machine.allocateCrid());
}

/**
 * sys_checkpoint as `caller`. On success the image is written at the descriptor's offset and the
 * crid (> 0) is returned; on failure nothing is written and -errno is returned. The ordered
 * check records come back either way.
 */
export function sysCheckpoint(
  machine: Machine,
  caller: Task,
  pid: number,
  fd: number,
  flags: number,
): CallOutcome {
  return runToEnd(sysCheckpointSlices(machine, caller, pid, fd, flags));
}

/** A checkpoint that could not be made: the descriptor could not be opened. */
export interface CheckpointOpenFailure {
  ok: false;
  errno: Errno;
  reason: string;
}

/**
 * "checkpoint to a path": open `path` O_WRONLY|O_CREAT|O_TRUNC (0644, as a shell redirection
 * would) as the caller, call sys_checkpoint on that descriptor, close it. The open is a
 * convenience around the call, so when the call fails the file is put back as it was (or removed
 * if the open created it): a refused checkpoint never clobbers an earlier image.
 */
export function checkpointToPath(
  machine: Machine,
  caller: Task,
  pid: number,
  path: string,
  flags: number,
): { ok: true; outcome: CallOutcome } | CheckpointOpenFailure {
  return runToEnd(checkpointToPathSlices(machine, caller, pid, path, flags));
}

/**
 * {@link checkpointToPath} a slice at a time. Cancelled (`return()`) before its end, it leaves
 * the file as it was, like a refused call.
 */
export function* checkpointToPathSlices(
  machine: Machine,
  caller: Task,
  pid: number,
  path: string,
  flags: number,
): Generator<CallProgress, { ok: true; outcome: CallOutcome } | CheckpointOpenFailure, void> {
  const existing = machine.vfs.lookupRaw(path);
  const previous = existing?.kind === 'file' ? existing.data : null;
  const fd = machine.open(caller, path, OFlag.WRONLY | OFlag.CREAT | OFlag.TRUNC, 0o644);
  if (!fd.ok)
    return {
      ok: false,
      errno: fd.errno,
      reason: `cannot open ${path} for the image: ${fd.reason}`,
    };
  const inode = (caller.files.get(fd.value) as FdEntry).file.inode;
  let outcome: CallOutcome | null = null;
  try {
    outcome = yield* sysCheckpointSlices(machine, caller, pid, fd.value, flags);
    return { ok: true, outcome };
  } finally {
    caller.files.close(fd.value);
    if (outcome === null || outcome.ret < 0) {
      if (previous !== null) inode.data = previous;
      else if (inode.parent !== null && inode.parent.children.get(inode.name) === inode)
        inode.parent.children.delete(inode.name);
    }
  }
}
