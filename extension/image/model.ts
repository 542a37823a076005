/**
 * The decoded form of a `.crimg` checkpoint image (image-format.md, revision 1).
 *
 * Field names are the contract's own (`cap_effective`, `vm_start`, ...) so that error field
 * paths (`CRED.cap_effective`), tamper paths (`tasks[0].cred.euid`), the JSON form and the
 * editor all speak one vocabulary. Every u64 of the format is below 2^53 and so is held as a
 * `number`, except the capability sets, held as `bigint` so that set algebra stays exact.
 *
 * `offset` fields are filled by the reader (the first byte of the record) and ignored by the
 * writer; the kernel uses them to point a security check at the record it is about.
 */

/** Record type numbers (image-format.md, "Record types"). */
export const RecordType = {
  HEAD: 1,
  STRING: 2,
  FNAME: 3,
  LSM_INFO: 4,
  TASK: 101,
  CPU: 103,
  TREE: 110,
  CRED: 111,
  GROUPINFO: 112,
  SECURITY: 113,
  MM: 201,
  VMA: 202,
  PGARR: 203,
  FILES: 301,
  FD_ENT: 302,
  FD_DATA: 303,
  TAIL: 5001,
  SIGN: 5002,
  ERROR: 9999,
} as const;
export type RecordTypeName = keyof typeof RecordType;

/** Payload lengths of the fixed-size record types ("Record types"; any other `len` is invalid). */
export const FIXED_RECORD_LEN: ReadonlyMap<number, number> = new Map([
  [RecordType.HEAD, 224],
  [RecordType.LSM_INFO, 16],
  [RecordType.TASK, 24],
  [RecordType.CPU, 160],
  [RecordType.CRED, 72],
  [RecordType.MM, 96],
  [RecordType.VMA, 48],
  [RecordType.PGARR, 8],
  [RecordType.FILES, 8],
  [RecordType.FD_ENT, 16],
  [RecordType.FD_DATA, 24],
  [RecordType.TAIL, 8],
  [RecordType.ERROR, 0],
]);

/** HEAD.flags bits. */
export const HeadFlag = { CKPT: 0x1, SUBTREE: 0x2, SELF: 0x4, SIGNED: 0x8 } as const;
/** TREE entry flags. */
export const TreeFlag = { NS_INIT: 0x1 } as const;
/** TASK.state values. */
export const TaskState = { RUNNING: 0, SLEEPING: 1, STOPPED: 4, FROZEN: 8 } as const;
/** TASK.flags bits. */
export const TaskFlag = { DUMPABLE: 0x1, SUPERPRIV: 0x2 } as const;
/** VMA.vma_type values. */
export const VmaType = { ANON: 1, FILE: 2 } as const;
/** VMA.vm_page_prot bits. */
export const Prot = { READ: 1, WRITE: 2, EXEC: 4 } as const;
/** VMA.vm_flags bits. */
export const VmFlag = { READ: 0x1, WRITE: 0x2, EXEC: 0x4, SHARED: 0x8, GROWSDOWN: 0x100 } as const;
/** FD_DATA.fd_type values. */
export const FdType = { FILE: 1, DIR: 2 } as const;
/** FD_DATA.f_mode bits. */
export const FMode = { READ: 1, WRITE: 2 } as const;
/** FD_DATA.f_flags: access modes and the flag bits the format allows. */
export const OFlag = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  ACCMODE: 3,
  CREAT: 0x40,
  TRUNC: 0x200,
  APPEND: 0x400,
} as const;
/** SECURITY.sectype values. */
export const SecType = { CRED: 1, FILE: 2 } as const;
/** SIGN.alg values. */
export const SignAlg = { HMAC_SHA256: 1 } as const;

export const PAGE_SIZE = 4096;
export const TASK_SIZE = 0x7fff_ffff_f000;
export const CAP_LAST_CAP = 40;
export const CHECKPOINT_MAGIC_HEAD = Uint8Array.of(0x00, 0xd2, 0xa2, 0xc0, 0x0c, 0xed, 0xfe, 0x00);
export const CHECKPOINT_MAGIC_TAIL = Uint8Array.of(0x00, 0xef, 0xde, 0xc0, 0x0c, 0x2a, 0x2d, 0x00);

export interface HeadRecord {
  offset?: number;
  major: number;
  minor: number;
  patch: number;
  rev: number;
  time: number;
  flags: number;
  release: string;
  version: string;
  machine: string;
}

export interface TreeEntry {
  vpid: number;
  vppid: number;
  vtgid: number;
  nspid: number;
  nsdepth: number;
  flags: number;
}

export interface TaskRecord {
  offset?: number;
  state: number;
  exit_state: number;
  exit_code: number;
  exit_signal: number;
  flags: number;
  /** The STRING that follows TASK; task_comm_len is its UTF-8 byte length. */
  comm: string;
}

export interface CredRecord {
  offset?: number;
  uid: number;
  suid: number;
  euid: number;
  fsuid: number;
  gid: number;
  sgid: number;
  egid: number;
  fsgid: number;
  cap_inheritable: bigint;
  cap_permitted: bigint;
  cap_effective: bigint;
  cap_bset: bigint;
  securebits: number;
  /** GROUPINFO.groups, strictly ascending; CRED.ngroups is its length. */
  groups: number[];
  /** The SECURITY (sectype 1) label of the cred, or null when none was written. */
  label: string | null;
}

export interface MmRecord {
  offset?: number;
  objref: number;
  start_code: number;
  end_code: number;
  start_data: number;
  end_data: number;
  start_brk: number;
  brk: number;
  start_stack: number;
  arg_start: number;
  arg_end: number;
  env_start: number;
  env_end: number;
  /** The FNAME that follows MM: the program file the task executes. */
  exe: string;
}

export interface PageImage {
  /** Offset of the PGARR record that carried this page (reader only). */
  offset?: number;
  addr: number;
  /** Exactly PAGE_SIZE bytes. */
  data: Uint8Array;
}

/**
 * Pages whose bytes lie one after another: the addresses and one view of their data, instead of
 * an object and a view per page (for a 256 MiB task, 65 536 of each: most of a restart's time in
 * the reader, and a fifth of a checkpoint's). The kernel reads an image's pages so, a PGARR each
 * (`readImage(bytes, { pageRuns: true })`), and hands the writer a task's pages so.
 */
export interface PageRun {
  /** Offset of the PGARR record (reader only). */
  offset?: number;
  /** The pages' addresses, judged as `VmaRecord.pages`' are (aligned, in the VMA, ascending). */
  addrs: Float64Array;
  /** `addrs.length` × PAGE_SIZE bytes: the page at `addrs[i]` is at i × PAGE_SIZE. */
  data: Uint8Array;
}

export interface VmaRecord {
  offset?: number;
  vma_type: number;
  vm_start: number;
  vm_end: number;
  vm_page_prot: number;
  vm_flags: number;
  vm_pgoff: number;
  /** The backing file's path for FILE mappings, null for ANON. */
  file: string | null;
  /**
   * Pages in ascending address order. The writer skips all-zero pages. Empty when the image was
   * read with `pageRuns`, or built by the kernel's checkpoint: the pages are then in `pageRuns`.
   */
  pages: PageImage[];
  /**
   * The pages as runs, ascending: a PGARR each from a read with `pageRuns` (the kernel's), any
   * runs from the kernel's checkpoint. The writer writes them after `pages` (a VMA has one or
   * the other), all-zero pages skipped.
   */
  pageRuns?: PageRun[];
}

export interface OpenFileRecord {
  offset?: number;
  objref: number;
  fd_type: number;
  f_mode: number;
  f_flags: number;
  f_pos: number;
  f_version: number;
  path: string;
  /** The SECURITY (sectype 2) label of the file, or null. */
  label: string | null;
}

export interface FdRecord {
  offset?: number;
  objref: number;
  fd: number;
  close_on_exec: number;
}

export interface FilesRecord {
  offset?: number;
  objref: number;
  fds: FdRecord[];
}

export interface CpuRecord {
  offset?: number;
  pc: number;
  sp: number;
  flags: number;
  orig_ax: number;
  /** Sixteen s64 registers; regs[0] is the last system call's return value. */
  regs: number[];
}

/** Everything the image holds about one task, in stream order. */
export interface TaskImage {
  vpid: number;
  task: TaskRecord;
  cred: CredRecord;
  mm: MmRecord;
  vmas: VmaRecord[];
  files: FilesRecord;
  cpu: CpuRecord;
}

export interface SignRecord {
  offset?: number;
  alg: number;
  key_id: string;
  /** The MAC bytes as stored (the writer computes them; ignored on write). */
  sig: Uint8Array;
}

/**
 * A whole image. Open files are shared objects: `openFiles` holds each one once, keyed by
 * objref, in order of first appearance; an FD_ENT refers to it by objref.
 */
export interface CheckpointImage {
  head: HeadRecord;
  /** LSM_INFO's name, or null when the record is absent ("none"). */
  lsm: string | null;
  tree: TreeEntry[];
  /** Offset of the TREE record (reader only). */
  treeOffset?: number;
  tasks: TaskImage[];
  openFiles: OpenFileRecord[];
  /** Present exactly when head.flags has SIGNED. */
  sign: SignRecord | null;
}

/** Errnos the image reader can report (image-format.md, "Judging an image"). */
export type ImageErrno = 'EINVAL' | 'EPIPE' | 'EIO' | 'EBADMSG';

/** The first violation found in an image: always with an offset and a field. */
export interface ImageError {
  errno: ImageErrno;
  /** Byte offset, per the rules of "Every rejection names an offset and a field". */
  offset: number;
  /** `RECORD.field`, e.g. `VMA.vm_end`, `TREE.tasks[2].nspid`, `hdr.len`. */
  field: string;
  /** One line a person can act on, e.g. `0x800000001000 is above TASK_SIZE`. */
  message: string;
}

/**
 * One record the reader parsed and judged sound, in stream order (added by the image layer
 * for viewers: what parsed before any damage).
 */
export interface RecordSummary {
  /** The record type number (`hdr.type`). */
  type: number;
  /** Its name from the record table (`VMA`), or `TYPE_<n>` for an unknown type. */
  name: string;
  /** Offset of the record header. */
  offset: number;
  /** `hdr.len`, the payload length. */
  len: number;
  /** `hdr.parent`. */
  parent: number;
}
