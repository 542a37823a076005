/**
 * Maps a CRIU dump onto the 2008 design's image (`CheckpointImage`), so that the emulator's own
 * restart checks can judge it: the process tree, each task's credentials, exe, mappings and
 * regular open files. What the 2008 image cannot hold, and what the dump does not say, is not
 * guessed silently: every such point becomes a {@link MappingNote} naming the task, what was
 * done, and where in the dump it comes from.
 */
import {
  CAP_LAST_CAP,
  FdType,
  FMode,
  HeadFlag,
  OFlag,
  PAGE_SIZE,
  TASK_SIZE,
  TaskFlag,
  TaskState,
  TreeFlag,
  VmaType,
  VmFlag,
  checkPath,
  type CheckpointImage,
  type CredRecord,
  type FdRecord,
  type OpenFileRecord,
  type TaskImage,
  type TreeEntry,
  type VmaRecord,
} from '../image/index';
import {
  KERNEL_MACHINE,
  KERNEL_RELEASE,
  KERNEL_UNAME_VERSION,
  KERNEL_VERSION,
} from '../kernel/checkpoint';
import type { CriuCreds, CriuDump, CriuProcess, FieldRef } from './dump';
import { capabilitySetText, MapFlag, OpenFlag, S_IFDIR, S_IFMT, VmaStatus } from './flags';

/** Where in the dump a mapped record comes from. */
export interface DumpSource {
  readonly file: string;
  readonly offset: number;
  readonly field: string;
}

/** Something the mapping dropped, assumed or cannot know, about one task or the whole dump. */
export interface MappingNote {
  /** `pid 4242 (passwd)`, or `the dump`. */
  readonly subject: string;
  readonly text: string;
  readonly source: DumpSource | null;
}

/** A path the dump uses, with what the dump says about it (for stand-ins in a world). */
export interface DumpPath {
  readonly path: string;
  /** st_mode when the dump records it (reg_file_entry.mode, CRIU 3.x and later). */
  readonly mode: number | null;
  /** Used as an exe or an executable mapping (a stand-in without a mode gets 0755). */
  readonly executable: boolean;
  readonly directory: boolean;
}

export interface RestartMapping {
  /** The image, or null when no task could be mapped. */
  readonly image: CheckpointImage | null;
  /** The dump's source of each record the image holds, by the record's place in the image. */
  readonly sources: {
    readonly tree: DumpSource | null;
    /** By task position: its TASK/CRED, MM, each VMA, and by objref each open file. */
    readonly tasks: readonly {
      readonly pid: number;
      readonly creds: DumpSource | null;
      readonly mm: DumpSource | null;
      readonly vmas: readonly DumpSource[];
    }[];
    readonly files: ReadonlyMap<number, DumpSource>;
  };
  readonly paths: readonly DumpPath[];
  readonly notes: readonly MappingNote[];
  /** Pages whose contents the dump holds (not carried into the image: see the notes). */
  readonly pages: number;
}

/** TREE holds at most this many tasks (image-format.md). */
const maxTasks = 1364;
const maxVmas = 1024;
const maxFds = 1024;
const maxGroups = 8189;
const allCaps = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;
const TWO_53 = 2n ** 53n;

const fromField = (ref: FieldRef): DumpSource => ({
  file: ref.file,
  offset: ref.offset,
  field: ref.field,
});

function describe(process: CriuProcess): string {
  return `pid ${process.pid}${process.comm ? ` (${process.comm})` : ''}`;
}

/** The tasks to map: the first root's tree, parents before children. */
function treeOrder(dump: CriuDump, notes: MappingNote[]): CriuProcess[] {
  const byPid = new Map(dump.processes.map((process) => [process.pid, process] as const));
  const [root, ...others] = dump.roots;
  if (others.length > 0) {
    notes.push({
      subject: 'the dump',
      text: `${others.length + 1} process trees: only the one of pid ${root} is judged (one restart restores one tree); not judged: ${others.map((pid) => `pid ${pid}`).join(', ')}`,
      source: null,
    });
  }
  const order: CriuProcess[] = [];
  const queue = root === undefined ? [] : [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const process = byPid.get(pid);
    if (!process || seen.has(pid)) continue;
    seen.add(pid);
    order.push(process);
    queue.push(...process.children);
  }
  const usable = order.filter((process) => {
    if (process.pid >= 1 && process.pid <= 0x7fff_ffff) return true;
    notes.push({
      subject: describe(process),
      text: `pid ${process.pid} is not a pid the 2008 image can hold: the task is left out`,
      source: {
        file: process.pstree.file,
        offset: process.pstree.offset,
        field: 'pstree_entry.pid',
      },
    });
    return false;
  });
  if (usable.length > maxTasks) {
    notes.push({
      subject: 'the dump',
      text: `${usable.length} tasks: the 2008 image holds at most ${maxTasks}; the first ${maxTasks} are judged`,
      source: null,
    });
  }
  return usable.slice(0, maxTasks);
}

/** A u64 as a number of the image (below 2^53), or 0 with a note. */
function safeNumber(
  value: bigint,
  what: string,
  subject: string,
  source: DumpSource | null,
  notes: MappingNote[],
): number {
  if (value >= 0n && value < TWO_53) return Number(value);
  notes.push({
    subject,
    text: `${what} 0x${value.toString(16)} does not fit the image (below 2^53): 0 is used`,
    source,
  });
  return 0;
}

function mapCreds(process: CriuProcess, creds: CriuCreds | null, notes: MappingNote[]): CredRecord {
  const subject = describe(process);
  if (creds === null) {
    notes.push({
      subject,
      text: 'the dump holds no credentials for this task: it is judged as root (uid 0 and every capability), the strictest reading',
      source: {
        file: process.pstree.file,
        offset: process.pstree.offset,
        field: 'pstree_entry.pid',
      },
    });
    return {
      uid: 0,
      suid: 0,
      euid: 0,
      fsuid: 0,
      gid: 0,
      sgid: 0,
      egid: 0,
      fsgid: 0,
      cap_inheritable: 0n,
      cap_permitted: allCaps,
      cap_effective: allCaps,
      cap_bset: allCaps,
      securebits: 0,
      groups: [],
      label: null,
    };
  }
  const source = fromField(creds.source);
  const clamp = (set: bigint, name: string): bigint => {
    const extra = set & ~allCaps;
    if (extra !== 0n)
      notes.push({
        subject,
        text: `${name} has capabilities above CAP_CHECKPOINT_RESTORE (${CAP_LAST_CAP}), which the 2008 model does not know (0x${extra.toString(16)}): left out`,
        source,
      });
    return set & allCaps;
  };
  const permitted = clamp(creds.capPrm, 'cap_prm');
  let effective = clamp(creds.capEff, 'cap_eff');
  if ((effective & ~permitted) !== 0n) {
    notes.push({
      subject,
      text: 'cap_eff is not within cap_prm (Linux never allows that): judged as cap_eff ∩ cap_prm',
      source,
    });
    effective &= permitted;
  }
  if ((creds.secbits & ~0x3f) !== 0)
    notes.push({
      subject,
      text: `securebits 0x${creds.secbits.toString(16)} include bits the 2008 model lacks (ambient-raise locks): only bits 0..5 are judged`,
      source,
    });
  if (creds.capAmb !== null && creds.capAmb !== 0n)
    notes.push({
      subject,
      text: `ambient capabilities ${capabilitySetText(creds.capAmb)} are not part of the 2008 design: not judged`,
      source,
    });
  if (creds.noNewPrivs === true)
    notes.push({
      subject,
      text: 'no_new_privs is set: the 2008 design has no such bit; not judged',
      source,
    });
  if (creds.lsmProfile !== null && creds.lsmProfile !== '')
    notes.push({
      subject,
      text: `LSM profile "${creds.lsmProfile}": labels are restored only with RESTART_KEEP_LSM and only the lab's own LSM; judged with default labels`,
      source,
    });
  const groups = [...new Set(creds.groups)].sort((a, b) => a - b);
  if (groups.length > maxGroups)
    notes.push({
      subject,
      text: `${groups.length} supplementary groups: the first ${maxGroups} are judged`,
      source,
    });
  return {
    uid: creds.uid,
    suid: creds.suid,
    euid: creds.euid,
    fsuid: creds.fsuid,
    gid: creds.gid,
    sgid: creds.sgid,
    egid: creds.egid,
    fsgid: creds.fsgid,
    cap_inheritable: clamp(creds.capInh, 'cap_inh'),
    cap_permitted: permitted,
    cap_effective: effective,
    cap_bset: clamp(creds.capBnd, 'cap_bnd'),
    securebits: creds.secbits & 0x3f,
    groups: groups.slice(0, maxGroups),
    label: null,
  };
}

function threadCredsDiffer(process: CriuProcess): boolean {
  const leader = process.creds;
  if (!leader) return false;
  const key = (c: CriuCreds): string =>
    [
      c.uid,
      c.euid,
      c.suid,
      c.fsuid,
      c.gid,
      c.egid,
      c.sgid,
      c.fsgid,
      c.capPrm,
      c.capEff,
      c.capInh,
      c.capBnd,
      c.groups.join(','),
    ].join('|');
  return process.threads.some(
    (thread) => thread.creds !== null && key(thread.creds) !== key(leader),
  );
}

/** Turns a CRIU dump into the image the emulator's restart judges. */
export function mapDumpToImage(dump: CriuDump): RestartMapping {
  const notes: MappingNote[] = [];
  const paths = new Map<string, DumpPath>();
  const usePath = (
    path: string,
    mode: number | null,
    executable: boolean,
    directory: boolean,
  ): void => {
    const known = paths.get(path);
    paths.set(path, {
      path,
      mode: known?.mode ?? mode,
      executable: (known?.executable ?? false) || executable,
      directory: (known?.directory ?? false) || directory,
    });
  };
  const processes = treeOrder(dump, notes);
  const emptySources = { tree: null, tasks: [], files: new Map<number, DumpSource>() };
  if (processes.length === 0) {
    notes.push({
      subject: 'the dump',
      text: 'no process could be mapped: there is nothing to restart',
      source: null,
    });
    return { image: null, sources: emptySources, paths: [], notes, pages: 0 };
  }
  const root = processes[0] as CriuProcess;
  const included = new Set(processes.map((process) => process.pid));
  const tree: TreeEntry[] = processes.map((process, index) => ({
    vpid: process.pid,
    vppid: index === 0 ? 0 : included.has(process.ppid) ? process.ppid : root.pid,
    vtgid: process.pid,
    nspid: process.pid,
    nsdepth: 0,
    // A dump whose root is pid 1 is a container's init (CRIU dumps containers from their init).
    flags: index === 0 && process.pid === 1 ? TreeFlag.NS_INIT : 0,
  }));
  const objrefs = new Map<number, number>();
  const openFiles: OpenFileRecord[] = [];
  const fileSources = new Map<number, DumpSource>();
  const taskSources: RestartMapping['sources']['tasks'][number][] = [];
  let pages = 0;
  const tasks: TaskImage[] = processes.map((process, index) => {
    const subject = describe(process);
    const pstreeSource: DumpSource = {
      file: process.pstree.file,
      offset: process.pstree.offset,
      field: 'pstree_entry',
    };
    const mmSource: DumpSource | null = process.mm
      ? { file: process.mm.file, offset: process.mm.offset, field: 'mm_entry' }
      : null;
    if (threadCredsDiffer(process))
      notes.push({
        subject,
        text: "its threads do not all share the leader's credentials: the 2008 image has one set per task, the leader's is judged",
        source: process.creds ? fromField(process.creds.source) : null,
      });
    const state = process.taskState;
    if (state === 'TASK_DEAD' || state === 'TASK_ZOMBIE')
      notes.push({
        subject,
        text: `a ${state} task: the 2008 design never checkpoints zombies; judged as a running task`,
        source: pstreeSource,
      });
    let exe = process.exe;
    if (exe === null || checkPath(exe) !== null) {
      const stand = `/criu-unknown/exe-of-${process.pid}`;
      notes.push({
        subject,
        text:
          exe === null
            ? `the dump does not name its exe: judged as ${stand}`
            : `its exe "${exe}" is not a path the image can hold: judged as ${stand}`,
        source: mmSource,
      });
      exe = stand;
    }
    const exeMode =
      process.exeFileId === null ? null : (dump.files.get(process.exeFileId)?.reg?.mode ?? null);
    usePath(exe, exeMode, true, false);

    const vmas: VmaRecord[] = [];
    const vmaSources: DumpSource[] = [];
    let end = 0n;
    let dropped = 0;
    for (const vma of process.vmas) {
      const source = fromField(vma.source);
      const kernelArea =
        (vma.status & (VmaStatus.AREA_VSYSCALL | VmaStatus.AREA_VDSO | VmaStatus.AREA_VVAR)) !== 0;
      if (kernelArea) continue;
      const aligned = vma.start % BigInt(PAGE_SIZE) === 0n && vma.end % BigInt(PAGE_SIZE) === 0n;
      if (!aligned || vma.start >= vma.end || vma.end > BigInt(TASK_SIZE) || vma.start < end) {
        notes.push({
          subject,
          text: `mapping 0x${vma.start.toString(16)}-0x${vma.end.toString(16)} is not page aligned, ascending and below TASK_SIZE: left out`,
          source,
        });
        continue;
      }
      if (vmas.length >= maxVmas) {
        dropped++;
        continue;
      }
      const isFile = (vma.status & (VmaStatus.FILE_PRIVATE | VmaStatus.FILE_SHARED)) !== 0;
      if (isFile && (vma.path === null || checkPath(vma.path) !== null)) {
        notes.push({
          subject,
          text:
            vma.path === null
              ? `file mapping 0x${vma.start.toString(16)} of file id ${vma.shmid}, which the dump does not name: left out`
              : `file mapping of "${vma.path}", not a path the image can hold: left out`,
          source,
        });
        continue;
      }
      const prot = vma.prot & 7;
      const flags =
        (prot & 1 ? VmFlag.READ : 0) |
        (prot & 2 ? VmFlag.WRITE : 0) |
        (prot & 4 ? VmFlag.EXEC : 0) |
        ((vma.flags & MapFlag.SHARED) !== 0 ? VmFlag.SHARED : 0) |
        ((vma.flags & MapFlag.GROWSDOWN) !== 0 ? VmFlag.GROWSDOWN : 0);
      if (isFile && vma.path !== null) {
        const mode = dump.files.get(Number(vma.shmid))?.reg?.mode ?? null;
        usePath(vma.path, mode, (prot & 4) !== 0, false);
      }
      vmas.push({
        vma_type: isFile ? VmaType.FILE : VmaType.ANON,
        vm_start: Number(vma.start),
        vm_end: Number(vma.end),
        vm_page_prot: prot,
        vm_flags: flags,
        vm_pgoff: isFile
          ? safeNumber(vma.pgoff / BigInt(PAGE_SIZE), 'pgoff', subject, source, notes)
          : 0,
        file: isFile ? vma.path : null,
        pages: [],
      });
      vmaSources.push(source);
      end = vma.end;
    }
    if (dropped > 0)
      notes.push({
        subject,
        text: `${dropped} mappings beyond the ${maxVmas} the image holds per task are not judged`,
        source: mmSource,
      });
    if (
      process.vmas.some(
        (v) =>
          (v.status & (VmaStatus.AREA_VSYSCALL | VmaStatus.AREA_VDSO | VmaStatus.AREA_VVAR)) !== 0,
      )
    )
      notes.push({
        subject,
        text: "the kernel's own areas ([vdso], [vvar], [vsyscall]) are not restored from an image: left out",
        source: mmSource,
      });
    pages += process.pagemap?.presentPages ?? 0;

    const fds: FdRecord[] = [];
    const sortedFds = [...process.fds].sort((a, b) => a.fd - b.fd);
    let lastFd = -1;
    for (const fd of sortedFds) {
      const source: DumpSource = {
        file: fd.source.file,
        offset: fd.source.offset,
        field: 'fdinfo_entry',
      };
      const reg = fd.file?.reg ?? null;
      if (fd.fd < 0 || fd.fd >= maxFds || fd.fd === lastFd) {
        notes.push({
          subject,
          text: `descriptor ${fd.fd} is outside 0..${maxFds - 1} or repeated: not judged`,
          source,
        });
        continue;
      }
      if (fd.type !== 'REG' || reg === null) {
        notes.push({
          subject,
          text: `descriptor ${fd.fd} is a ${fd.type}: the 2008 design re-opens regular files and directories only; not judged`,
          source,
        });
        continue;
      }
      if (checkPath(reg.path) !== null) {
        notes.push({
          subject,
          text: `descriptor ${fd.fd} names "${reg.path}", not a path the image can hold: not judged`,
          source,
        });
        continue;
      }
      const directory =
        reg.mode !== null ? (reg.mode & S_IFMT) === S_IFDIR : (reg.flags & 0x10000) !== 0;
      let objref = objrefs.get(fd.id);
      if (objref === undefined) {
        objref = objrefs.size + 1;
        objrefs.set(fd.id, objref);
        let access = reg.flags & OFlag.ACCMODE;
        if (access === 3 || (directory && access !== OFlag.RDONLY)) {
          notes.push({
            subject,
            text: `"${reg.path}" is open with access mode ${access}${directory ? ' on a directory' : ''}: judged as O_RDONLY`,
            source,
          });
          access = OFlag.RDONLY;
        }
        const fileSource: DumpSource = {
          file: reg.source.file,
          offset: reg.source.offset,
          field: 'reg_file_entry',
        };
        fileSources.set(objref, fileSource);
        openFiles.push({
          objref,
          fd_type: directory ? FdType.DIR : FdType.FILE,
          f_mode:
            access === OFlag.RDONLY
              ? FMode.READ
              : access === OFlag.WRONLY
                ? FMode.WRITE
                : FMode.READ | FMode.WRITE,
          f_flags:
            access |
            (reg.flags &
              (OpenFlag.CREAT | OpenFlag.TRUNC | OpenFlag.APPEND) &
              (directory ? 0 : ~0)),
          f_pos: safeNumber(reg.pos, 'file position', subject, fileSource, notes),
          f_version: 0,
          path: reg.path,
          label: null,
        });
        usePath(reg.path, reg.mode, false, directory);
      }
      fds.push({ objref, fd: fd.fd, close_on_exec: fd.cloexec ? 1 : 0 });
      lastFd = fd.fd;
    }
    taskSources.push({
      pid: process.pid,
      creds: process.creds ? fromField(process.creds.source) : null,
      mm: mmSource,
      vmas: vmaSources,
    });
    return {
      vpid: process.pid,
      task: {
        state: state === 'TASK_STOPPED' ? TaskState.STOPPED : TaskState.RUNNING,
        exit_state: 0,
        exit_code: 0,
        exit_signal: 0,
        flags: process.dumpable === null || process.dumpable === 1 ? TaskFlag.DUMPABLE : 0,
        comm:
          (process.comm ?? `pid${process.pid}`).replace(/\0/g, '').slice(0, 1024) ||
          `pid${process.pid}`,
      },
      cred: mapCreds(process, process.creds, notes),
      mm: {
        objref: index * 2 + 1,
        start_code: 0,
        end_code: 0,
        start_data: 0,
        end_data: 0,
        start_brk: 0,
        brk: 0,
        start_stack: 0,
        arg_start: 0,
        arg_end: 0,
        env_start: 0,
        env_end: 0,
        exe,
      },
      vmas,
      files: { objref: index * 2 + 2, fds },
      cpu: { pc: 0, sp: 0, flags: 0, orig_ax: 0, regs: Array.from({ length: 16 }, () => 0) },
    };
  });
  if (pages > 0)
    notes.push({
      subject: 'the dump',
      text: `${pages} pages (${(pages * PAGE_SIZE) / 1024} KiB) of memory are in its pages files: their contents are not carried over, so restart.memory judges none of them`,
      source: null,
    });
  const image: CheckpointImage = {
    head: {
      major: KERNEL_VERSION.major,
      minor: KERNEL_VERSION.minor,
      patch: KERNEL_VERSION.patch,
      rev: KERNEL_VERSION.rev,
      time: 0,
      flags: HeadFlag.CKPT | ((tree[0]?.flags ?? 0) & TreeFlag.NS_INIT ? 0 : HeadFlag.SUBTREE),
      release: KERNEL_RELEASE,
      version: KERNEL_UNAME_VERSION,
      machine: KERNEL_MACHINE,
    },
    lsm: null,
    tree,
    tasks,
    openFiles,
    sign: null,
  };
  return {
    image,
    sources: {
      tree: { file: root.pstree.file, offset: root.pstree.offset, field: 'pstree_entry' },
      tasks: taskSources,
      files: fileSources,
    },
    paths: [...paths.values()],
    notes,
    pages,
  };
}
