/**
 * A CRIU dump directory read into a model: every file decoded (`image-file.ts`), then the
 * process tree of `pstree.img` joined with each task's core (credentials, comm, registers),
 * mm (mappings, exe), fdinfo + files (open files) and pagemap + pages (memory). Files are read
 * through an injected {@link DumpDirectory}, so this runs the same in the extension host, the
 * command line and a browser. Nothing throws: every problem names a file, an offset and a field.
 */
import { FD_CLOEXEC, PagemapFlag, VmaStatus } from './flags';
import {
  decodeImageFile,
  maxDecodedFileSize,
  type DumpProblem,
  type HeaderStyle,
  type ImageEntry,
  type ImageFile,
} from './image-file';
import { roleOf, type FileRole } from './magic';
import { FD_TYPES, LSM_TYPES, MARCH, TASK_STATES } from './schema';
import {
  bigintOf,
  fieldNamed,
  fieldsNamed,
  numberOf,
  stringOf,
  type WireField,
  type WireMessage,
} from './wire';

/** The files of a dump directory, read through whatever the host has (node:fs, a browser...). */
export interface DumpDirectory {
  /** The directory's regular files: names (no path) and sizes in bytes. */
  readonly files: readonly { readonly name: string; readonly size: number }[];
  /**
   * Up to `length` bytes of `name` from `offset` (fewer at its end), or null when the file
   * cannot be read. Called once per decoded image with its whole size (bounded by
   * {@link maxDecodedFileSize}); page contents are never read here.
   */
  read(name: string, offset: number, length: number): Uint8Array | null;
}

/** At most this many files of a directory are looked at. */
export const maxDumpFiles = 20_000;
/** At most this many processes are joined into the tree. */
export const maxProcesses = 20_000;
export const PAGE_SIZE = 4096;

/** Where a field's bytes are: file, offset, size, and its path for messages. */
export interface FieldRef {
  readonly file: string;
  readonly offset: number;
  readonly size: number;
  readonly field: string;
}

/** An entry of a file: which file, which entry. */
export interface EntryRef {
  readonly file: string;
  readonly entry: number;
  readonly offset: number;
}

/** Credentials of a thread (`creds_entry`), capability sets joined from their 32-bit words. */
export interface CriuCreds {
  readonly uid: number;
  readonly gid: number;
  readonly euid: number;
  readonly egid: number;
  readonly suid: number;
  readonly sgid: number;
  readonly fsuid: number;
  readonly fsgid: number;
  readonly capInh: bigint;
  readonly capPrm: bigint;
  readonly capEff: bigint;
  readonly capBnd: bigint;
  /** Null when the dump does not record ambient capabilities (older CRIU). */
  readonly capAmb: bigint | null;
  readonly secbits: number;
  readonly groups: readonly number[];
  readonly lsmProfile: string | null;
  readonly noNewPrivs: boolean | null;
  /** The creds message: in `core-<tid>.img` (thread_core.creds) or `creds-<pid>.img`. */
  readonly source: FieldRef;
}

export interface CriuThread {
  readonly tid: number;
  readonly core: EntryRef | null;
  readonly creds: CriuCreds | null;
}

/** A regular file of `files.img` (file_entry.reg) or `reg-files.img`. */
export interface CriuRegFile {
  readonly id: number;
  readonly path: string;
  readonly flags: number;
  readonly pos: bigint;
  /** st_mode at dump time, when recorded. */
  readonly mode: number | null;
  readonly size: bigint | null;
  readonly source: EntryRef;
}

/** Any file object of `files.img`: its type, and the regular file when it is one. */
export interface CriuFileObject {
  readonly id: number;
  readonly type: string;
  readonly reg: CriuRegFile | null;
  readonly source: EntryRef;
}

export interface CriuVma {
  readonly start: bigint;
  readonly end: bigint;
  /** In bytes, as CRIU stores it. */
  readonly pgoff: bigint;
  /** For a file mapping: the id of its file in files.img. */
  readonly shmid: bigint;
  readonly prot: number;
  readonly flags: number;
  readonly status: number;
  /** The backing file's path for a file mapping whose file is found, else null. */
  readonly path: string | null;
  readonly source: FieldRef;
}

export interface CriuFd {
  readonly fd: number;
  readonly type: string;
  readonly id: number;
  readonly cloexec: boolean;
  readonly file: CriuFileObject | null;
  readonly source: EntryRef;
}

/** One run of a pagemap: `nrPages` pages from `vaddr`, and where their bytes are. */
export interface PagemapRun {
  readonly vaddr: bigint;
  readonly nrPages: bigint;
  /** Which field the count came from: `nr_pages` (5, CRIU 4.2+) or `compat_nr_pages` (2). */
  readonly countField: 'nr_pages' | 'compat_nr_pages';
  /** PE_* flags (from `in_parent` for images older than the flags field). */
  readonly flags: number;
  /** Offset of the first page in the pages file, when the pages are in it (PE_PRESENT). */
  readonly pagesOffset: number | null;
  readonly source: EntryRef;
}

export interface CriuPagemap {
  readonly file: string;
  readonly pagesId: number | null;
  /** `pages-<pages_id>.img`, when present in the directory. */
  readonly pagesFile: string | null;
  readonly runs: readonly PagemapRun[];
  /** Pages whose contents are in the pages file. */
  readonly presentPages: number;
}

export interface CriuProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  readonly pstree: EntryRef;
  readonly threads: readonly CriuThread[];
  readonly comm: string | null;
  readonly taskState: string | null;
  readonly arch: string | null;
  /** The thread leader's credentials. */
  readonly creds: CriuCreds | null;
  readonly mm: EntryRef | null;
  readonly exe: string | null;
  readonly exeFileId: number | null;
  readonly dumpable: number | null;
  readonly vmas: readonly CriuVma[];
  readonly fdinfoFile: string | null;
  readonly fds: readonly CriuFd[];
  readonly pagemap: CriuPagemap | null;
  /** Pids of child processes (by ppid), in pstree order. */
  readonly children: readonly number[];
}

export interface CriuInventory {
  readonly imgVersion: number | null;
  readonly lsmType: string | null;
  readonly fdinfoPerId: boolean;
  readonly source: EntryRef;
}

/** A file of the directory that was not decoded (pages, logs), with its size. */
export interface RawFile {
  readonly name: string;
  readonly size: number;
  readonly role: FileRole['role'];
}

export interface CriuDump {
  readonly inventory: CriuInventory | null;
  /** Decoded images, by name order. */
  readonly images: readonly ImageFile[];
  /** Files not decoded: pages, logs, images too large. */
  readonly rawFiles: readonly RawFile[];
  readonly processes: readonly CriuProcess[];
  /** Pids of processes whose parent is not in the dump (normally one: the dump's root). */
  readonly roots: readonly number[];
  readonly files: ReadonlyMap<number, CriuFileObject>;
  /** Every problem: each file's, then those found joining files. */
  readonly problems: readonly DumpProblem[];
}

function entryRef(file: ImageFile, entry: ImageEntry): EntryRef {
  return { file: file.name, entry: entry.index, offset: entry.offset };
}

function fieldRef(file: string, field: WireField): FieldRef {
  return { file, offset: field.offset, size: field.size, field: field.path };
}

/** A repeated u32 capability field's words joined into one set (word i holds caps 32i..). */
function capSet(fields: readonly WireField[], name: string): bigint {
  let set = 0n;
  for (const [index, field] of fieldsNamed(fields, name).entries()) {
    const word = bigintOf(field) ?? 0n;
    if (index < 2) set |= BigInt.asUintN(32, word) << BigInt(32 * index);
  }
  return set;
}

function readCreds(file: string, field: WireField | WireMessage): CriuCreds {
  const fields = 'children' in field ? field.children : field.fields;
  const id = (name: string): number => numberOf(fieldNamed(fields, name)) ?? 0;
  const amb = fieldsNamed(fields, 'cap_amb');
  const noNewPrivs = fieldNamed(fields, 'no_new_privs');
  const source: FieldRef =
    'children' in field
      ? fieldRef(file, field)
      : { file, offset: field.offset, size: field.size, field: field.type };
  return {
    uid: id('uid'),
    gid: id('gid'),
    euid: id('euid'),
    egid: id('egid'),
    suid: id('suid'),
    sgid: id('sgid'),
    fsuid: id('fsuid'),
    fsgid: id('fsgid'),
    capInh: capSet(fields, 'cap_inh'),
    capPrm: capSet(fields, 'cap_prm'),
    capEff: capSet(fields, 'cap_eff'),
    capBnd: capSet(fields, 'cap_bnd'),
    capAmb: amb.length === 0 ? null : capSet(fields, 'cap_amb'),
    secbits: id('secbits'),
    groups: fieldsNamed(fields, 'groups').map((group) => numberOf(group) ?? 0),
    lsmProfile: stringOf(fieldNamed(fields, 'lsm_profile')),
    noNewPrivs: noNewPrivs === undefined ? null : numberOf(noNewPrivs) !== 0,
    source,
  };
}

/** Reads the directory into a model. */
export function readDump(directory: DumpDirectory): CriuDump {
  const problems: DumpProblem[] = [];
  const images = new Map<string, ImageFile>();
  const rawFiles: RawFile[] = [];
  const listed = [...directory.files]
    .filter((file) => Number.isSafeInteger(file.size) && file.size >= 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (listed.length > maxDumpFiles) {
    problems.push({
      file: listed[maxDumpFiles]?.name ?? '',
      offset: 0,
      field: 'file',
      message: `the directory has ${listed.length} files: only the first ${maxDumpFiles} are read`,
    });
  }
  const files = listed.slice(0, maxDumpFiles);
  const read = (name: string, size: number): Uint8Array | null => {
    const bytes = directory.read(name, 0, size);
    if (bytes === null || bytes.length !== size) {
      problems.push({
        file: name,
        offset: bytes?.length ?? 0,
        field: 'file',
        message:
          bytes === null
            ? 'the file cannot be read'
            : `only ${bytes.length} of its ${size} bytes could be read`,
      });
    }
    return bytes;
  };

  // The inventory first: it says whether the other files carry the common magic.
  let style: HeaderStyle = 'auto';
  const inventoryListing = files.find((file) => file.name === 'inventory.img');
  let inventory: CriuInventory | null = null;
  const decode = (name: string, size: number, role: FileRole): ImageFile | null => {
    if (size > maxDecodedFileSize) {
      problems.push({
        file: name,
        offset: 0,
        field: 'file',
        message: `${size} bytes: larger than the ${maxDecodedFileSize / (1024 * 1024)} MiB an image is decoded up to`,
      });
      return null;
    }
    const bytes = read(name, size);
    if (bytes === null) return null;
    const image = decodeImageFile(name, bytes, role.role === 'image' ? role.kind : null, style);
    images.set(name, image);
    return image;
  };
  if (inventoryListing === undefined) {
    problems.push({
      file: 'inventory.img',
      offset: 0,
      field: 'file',
      message: 'the directory has no inventory.img: is it a CRIU dump?',
    });
  } else {
    const image = decode(inventoryListing.name, inventoryListing.size, roleOf('inventory.img'));
    const entry = image?.entries[0];
    if (image && entry) {
      const fields = entry.message.fields;
      const version = numberOf(fieldNamed(fields, 'img_version'));
      const lsm = numberOf(fieldNamed(fields, 'lsmtype'));
      inventory = {
        imgVersion: version,
        lsmType: lsm === null ? null : (LSM_TYPES[lsm] ?? String(lsm)),
        fdinfoPerId: fieldNamed(fields, 'fdinfo_per_id')?.value === true,
        source: entryRef(image, entry),
      };
      style = version === 1 ? 'v1' : version === 2 ? 'v1.1' : 'auto';
      if (version !== null && version !== 1 && version !== 2) {
        const at = fieldNamed(fields, 'img_version');
        problems.push({
          file: image.name,
          offset: at?.offset ?? entry.payloadOffset,
          field: 'inventory_entry.img_version',
          message: `img_version ${version} is neither 1 nor 2 (images v1.1): headers are read as they come`,
        });
      }
    }
  }
  for (const file of files) {
    if (file.name === 'inventory.img') continue;
    const role = roleOf(file.name);
    if (role.role === 'image' || role.role === 'other-image') {
      if (decode(file.name, file.size, role) === null)
        rawFiles.push({ name: file.name, size: file.size, role: role.role });
    } else rawFiles.push({ name: file.name, size: file.size, role: role.role });
  }
  for (const image of [...images.values()]) problems.push(...image.problems);

  const sizes = new Map(files.map((file) => [file.name, file.size] as const));
  const fileObjects = readFileObjects(images, problems);
  const { processes, roots } = joinProcesses(images, sizes, fileObjects, inventory, problems);
  return {
    inventory,
    images: [...images.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    rawFiles,
    processes,
    roots,
    files: fileObjects,
    problems,
  };
}

function readRegFile(
  file: ImageFile,
  entry: ImageEntry,
  fields: readonly WireField[],
): CriuRegFile {
  const mode = fieldNamed(fields, 'mode');
  const size = fieldNamed(fields, 'size');
  return {
    id: numberOf(fieldNamed(fields, 'id')) ?? 0,
    path: stringOf(fieldNamed(fields, 'name')) ?? '',
    flags: numberOf(fieldNamed(fields, 'flags')) ?? 0,
    pos: bigintOf(fieldNamed(fields, 'pos')) ?? 0n,
    mode: mode === undefined ? null : numberOf(mode),
    size: size === undefined ? null : bigintOf(size),
    source: entryRef(file, entry),
  };
}

/** File objects by id, from files.img (current CRIU) and reg-files.img (older dumps). */
function readFileObjects(
  images: ReadonlyMap<string, ImageFile>,
  problems: DumpProblem[],
): Map<number, CriuFileObject> {
  const objects = new Map<number, CriuFileObject>();
  const add = (object: CriuFileObject, at: FieldRef): void => {
    if (objects.has(object.id)) {
      problems.push({
        file: at.file,
        offset: at.offset,
        field: at.field,
        message: `file id ${object.id} appears twice: the first one is used`,
      });
      return;
    }
    objects.set(object.id, object);
  };
  const filesImage = images.get('files.img');
  for (const entry of filesImage?.entries ?? []) {
    if (!filesImage) break;
    const fields = entry.message.fields;
    const idField = fieldNamed(fields, 'id');
    const id = numberOf(idField);
    if (id === null || idField === undefined) continue;
    const type = numberOf(fieldNamed(fields, 'type'));
    const reg = fieldNamed(fields, 'reg');
    add(
      {
        id,
        type: type === null ? '?' : (FD_TYPES[type] ?? String(type)),
        reg: reg === undefined ? null : readRegFile(filesImage, entry, reg.children),
        source: entryRef(filesImage, entry),
      },
      fieldRef(filesImage.name, idField),
    );
  }
  const regImage = images.get('reg-files.img');
  for (const entry of regImage?.entries ?? []) {
    if (!regImage) break;
    const idField = fieldNamed(entry.message.fields, 'id');
    if (idField === undefined) continue;
    const reg = readRegFile(regImage, entry, entry.message.fields);
    add(
      { id: reg.id, type: 'REG', reg, source: entryRef(regImage, entry) },
      fieldRef(regImage.name, idField),
    );
  }
  return objects;
}

function firstEntry(image: ImageFile | undefined): ImageEntry | undefined {
  return image?.entries[0];
}

function readVmas(
  image: ImageFile,
  entry: ImageEntry,
  files: ReadonlyMap<number, CriuFileObject>,
  problems: DumpProblem[],
): CriuVma[] {
  return fieldsNamed(entry.message.fields, 'vmas').map((field) => {
    const inner = field.children;
    const status = numberOf(fieldNamed(inner, 'status')) ?? 0;
    const shmid = bigintOf(fieldNamed(inner, 'shmid')) ?? 0n;
    const isFile = (status & (VmaStatus.FILE_PRIVATE | VmaStatus.FILE_SHARED)) !== 0;
    let path: string | null = null;
    if (isFile) {
      const object = shmid <= 0xffff_ffffn ? files.get(Number(shmid)) : undefined;
      path = object?.reg?.path ?? null;
      if (object === undefined) {
        const at = fieldNamed(inner, 'shmid') ?? field;
        problems.push({
          file: image.name,
          offset: at.offset,
          field: at.path,
          message: `file mapping of file id ${shmid}, which no files.img or reg-files.img entry has`,
        });
      }
    }
    return {
      start: bigintOf(fieldNamed(inner, 'start')) ?? 0n,
      end: bigintOf(fieldNamed(inner, 'end')) ?? 0n,
      pgoff: bigintOf(fieldNamed(inner, 'pgoff')) ?? 0n,
      shmid,
      prot: numberOf(fieldNamed(inner, 'prot')) ?? 0,
      flags: numberOf(fieldNamed(inner, 'flags')) ?? 0,
      status,
      path,
      source: fieldRef(image.name, field),
    };
  });
}

function readPagemap(
  image: ImageFile,
  sizes: ReadonlyMap<string, number>,
  problems: DumpProblem[],
): CriuPagemap {
  const head = image.entries[0];
  const pagesId = head ? numberOf(fieldNamed(head.message.fields, 'pages_id')) : null;
  const pagesName = pagesId === null ? null : `pages-${pagesId}.img`;
  const pagesSize = pagesName === null ? undefined : sizes.get(pagesName);
  if (pagesName !== null && pagesSize === undefined) {
    const at = head ? fieldNamed(head.message.fields, 'pages_id') : undefined;
    problems.push({
      file: image.name,
      offset: at?.offset ?? head?.offset ?? 0,
      field: 'pagemap_head.pages_id',
      message: `${pagesName} is not in the directory: the page contents are missing`,
    });
  }
  const runs: PagemapRun[] = [];
  let cursor = 0n;
  let presentPages = 0;
  let overrun = false;
  for (const entry of image.entries.slice(1)) {
    const fields = entry.message.fields;
    const count = fieldNamed(fields, 'nr_pages');
    const compat = fieldNamed(fields, 'compat_nr_pages');
    const nrPages = bigintOf(count ?? compat) ?? 0n;
    const compatValue = bigintOf(compat);
    if (
      count !== undefined &&
      compatValue !== null &&
      compatValue !== 0n &&
      compatValue !== nrPages
    ) {
      problems.push({
        file: image.name,
        offset: compat?.offset ?? entry.offset,
        field: compat?.path ?? 'pagemap_entry.compat_nr_pages',
        message: `compat_nr_pages ${compatValue} disagrees with nr_pages ${nrPages}: nr_pages is used`,
      });
    }
    const flagsField = fieldNamed(fields, 'flags');
    const inParent = fieldNamed(fields, 'in_parent')?.value === true;
    // Images older than the flags field say only in_parent; CRIU reads them the same way.
    const flags = numberOf(flagsField) ?? (inParent ? PagemapFlag.PARENT : PagemapFlag.PRESENT);
    let pagesOffset: number | null = null;
    if ((flags & PagemapFlag.PRESENT) !== 0 && !overrun && pagesSize !== undefined) {
      const end = cursor + nrPages * BigInt(PAGE_SIZE);
      if (end > BigInt(pagesSize)) {
        overrun = true;
        const at = count ?? compat;
        problems.push({
          file: image.name,
          offset: at?.offset ?? entry.offset,
          field: at?.path ?? 'pagemap_entry.nr_pages',
          message: `${nrPages} pages from offset ${cursor} of ${pagesName} run past its end (${pagesSize} bytes): this and later runs have no contents`,
        });
      } else {
        pagesOffset = Number(cursor);
        cursor = end;
        presentPages += Number(nrPages);
      }
    }
    runs.push({
      vaddr: bigintOf(fieldNamed(fields, 'vaddr')) ?? 0n,
      nrPages,
      countField: count !== undefined ? 'nr_pages' : 'compat_nr_pages',
      flags,
      pagesOffset,
      source: entryRef(image, entry),
    });
  }
  if (pagesSize !== undefined && !overrun && cursor < BigInt(pagesSize)) {
    problems.push({
      file: pagesName ?? '',
      offset: Number(cursor),
      field: 'pages',
      message: `${BigInt(pagesSize) - cursor} bytes after the last page ${image.name} accounts for`,
    });
  }
  return {
    file: image.name,
    pagesId,
    pagesFile: pagesSize === undefined ? null : pagesName,
    runs,
    presentPages,
  };
}

function joinProcesses(
  images: ReadonlyMap<string, ImageFile>,
  sizes: ReadonlyMap<string, number>,
  files: ReadonlyMap<number, CriuFileObject>,
  inventory: CriuInventory | null,
  problems: DumpProblem[],
): { processes: CriuProcess[]; roots: number[] } {
  const pstree = images.get('pstree.img');
  if (!pstree) {
    if (!sizes.has('pstree.img'))
      problems.push({
        file: 'pstree.img',
        offset: 0,
        field: 'file',
        message: 'the directory has no pstree.img: no process tree',
      });
    return { processes: [], roots: [] };
  }
  const seen = new Set<number>();
  const entries = pstree.entries.slice(0, maxProcesses);
  const processes: CriuProcess[] = [];
  for (const entry of entries) {
    const fields = entry.message.fields;
    const pidField = fieldNamed(fields, 'pid');
    const pid = numberOf(pidField);
    if (pid === null || pidField === undefined) continue;
    if (seen.has(pid)) {
      problems.push({
        file: pstree.name,
        offset: pidField.offset,
        field: pidField.path,
        message: `pid ${pid} appears twice in pstree.img: the second is ignored`,
      });
      continue;
    }
    seen.add(pid);
    processes.push(readProcess(pstree, entry, pid, images, sizes, files, inventory, problems));
  }
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const process of processes) {
    if (process.ppid === process.pid || !seen.has(process.ppid)) {
      roots.push(process.pid);
      continue;
    }
    const siblings = children.get(process.ppid) ?? [];
    siblings.push(process.pid);
    children.set(process.ppid, siblings);
  }
  // Parents that form a cycle leave their tasks unreachable from any root: list them as roots.
  const reached = new Set<number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (reached.has(pid)) continue;
    reached.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  for (const process of processes) {
    if (reached.has(process.pid)) continue;
    problems.push({
      file: process.pstree.file,
      offset: process.pstree.offset,
      field: 'pstree_entry.ppid',
      message: `pid ${process.pid}'s parents form a cycle: it is shown at the top of the tree`,
    });
    roots.push(process.pid);
    const siblings = children.get(process.ppid) ?? [];
    const at = siblings.indexOf(process.pid);
    if (at >= 0) siblings.splice(at, 1);
    const stackInner = [process.pid];
    while (stackInner.length > 0) {
      const pid = stackInner.pop() as number;
      if (reached.has(pid)) continue;
      reached.add(pid);
      stackInner.push(...(children.get(pid) ?? []));
    }
  }
  const withChildren = processes.map((process) => ({
    ...process,
    children: children.get(process.pid) ?? [],
  }));
  return { processes: withChildren, roots };
}

function readProcess(
  pstree: ImageFile,
  entry: ImageEntry,
  pid: number,
  images: ReadonlyMap<string, ImageFile>,
  sizes: ReadonlyMap<string, number>,
  files: ReadonlyMap<number, CriuFileObject>,
  inventory: CriuInventory | null,
  problems: DumpProblem[],
): CriuProcess {
  const fields = entry.message.fields;
  const id = (name: string): number => numberOf(fieldNamed(fields, name)) ?? 0;
  const pidField = fieldNamed(fields, 'pid');
  const missing = (name: string, what: string): void => {
    problems.push({
      file: pstree.name,
      offset: pidField?.offset ?? entry.offset,
      field: pidField?.path ?? 'pstree_entry.pid',
      message: `${name} is not in the directory: ${what} of pid ${pid} unknown`,
    });
  };
  const tids = fieldsNamed(fields, 'threads').map((field) => numberOf(field) ?? 0);
  if (!tids.includes(pid)) tids.unshift(pid);
  const threads: CriuThread[] = tids.slice(0, 4096).map((tid) => {
    const core = images.get(`core-${tid}.img`);
    const coreEntry = firstEntry(core);
    if (!core || !coreEntry) {
      if (!sizes.has(`core-${tid}.img`))
        missing(`core-${tid}.img`, `the registers and state of thread ${tid}`);
      return { tid, core: null, creds: null };
    }
    const threadCore = fieldNamed(coreEntry.message.fields, 'thread_core');
    const credsField = fieldNamed(threadCore?.children, 'creds');
    return {
      tid,
      core: entryRef(core, coreEntry),
      creds: credsField ? readCreds(core.name, credsField) : null,
    };
  });
  const leader = threads.find((thread) => thread.tid === pid);
  const coreImage = images.get(`core-${pid}.img`);
  const coreEntry = firstEntry(coreImage);
  const coreFields = coreEntry?.message.fields;
  const tc = fieldNamed(coreFields, 'tc');
  const state = numberOf(fieldNamed(tc?.children, 'task_state'));
  const march = numberOf(fieldNamed(coreFields, 'mtype'));

  // Credentials: the leader's thread_core.creds, or creds-<pid>.img in older dumps.
  let creds = leader?.creds ?? null;
  if (creds === null) {
    const credsImage = images.get(`creds-${pid}.img`);
    const credsEntry = firstEntry(credsImage);
    if (credsImage && credsEntry) creds = readCreds(credsImage.name, credsEntry.message);
  }

  // Task object ids: core's ids, or ids-<pid>.img in older dumps.
  let ids = fieldNamed(coreFields, 'ids')?.children;
  if (ids === undefined) ids = firstEntry(images.get(`ids-${pid}.img`))?.message.fields;

  const mmImage = images.get(`mm-${pid}.img`);
  const mmEntry = firstEntry(mmImage);
  if (!mmImage && !sizes.has(`mm-${pid}.img`)) missing(`mm-${pid}.img`, 'the mappings');
  const exeFieldValue = mmEntry ? fieldNamed(mmEntry.message.fields, 'exe_file_id') : undefined;
  const exeFileId = numberOf(exeFieldValue);
  const exeObject = exeFileId === null ? undefined : files.get(exeFileId);
  if (mmImage && exeFieldValue && exeFileId !== null && exeObject === undefined) {
    problems.push({
      file: mmImage.name,
      offset: exeFieldValue.offset,
      field: exeFieldValue.path,
      message: `exe_file_id ${exeFileId} names no entry of files.img or reg-files.img`,
    });
  }
  const vmas = mmImage && mmEntry ? readVmas(mmImage, mmEntry, files, problems) : [];

  // Descriptors: fdinfo-<files_id>.img when the inventory says fdinfo_per_id, else fdinfo-<pid>.img.
  const filesId = numberOf(fieldNamed(ids, 'files_id'));
  const candidates =
    inventory?.fdinfoPerId && filesId !== null
      ? [`fdinfo-${filesId}.img`, `fdinfo-${pid}.img`]
      : [`fdinfo-${pid}.img`, ...(filesId !== null ? [`fdinfo-${filesId}.img`] : [])];
  const fdinfoName = candidates.find((name) => images.has(name)) ?? null;
  const fdinfo = fdinfoName === null ? undefined : images.get(fdinfoName);
  const fds: CriuFd[] = (fdinfo?.entries ?? []).map((fdEntry) => {
    const inner = fdEntry.message.fields;
    const type = numberOf(fieldNamed(inner, 'type'));
    const objectId = numberOf(fieldNamed(inner, 'id')) ?? 0;
    const object = files.get(objectId);
    if (object === undefined && fdinfo) {
      const at = fieldNamed(inner, 'id');
      problems.push({
        file: fdinfo.name,
        offset: at?.offset ?? fdEntry.offset,
        field: at?.path ?? 'fdinfo_entry.id',
        message: `descriptor ${numberOf(fieldNamed(inner, 'fd')) ?? '?'} refers to file id ${objectId}, which no files.img or reg-files.img entry has`,
      });
    }
    return {
      fd: numberOf(fieldNamed(inner, 'fd')) ?? -1,
      type: type === null ? '?' : (FD_TYPES[type] ?? String(type)),
      id: objectId,
      cloexec: ((numberOf(fieldNamed(inner, 'flags')) ?? 0) & FD_CLOEXEC) !== 0,
      file: object ?? null,
      source: { file: fdinfo?.name ?? '', entry: fdEntry.index, offset: fdEntry.offset },
    };
  });
  if (fdinfoName === null && !candidates.some((name) => sizes.has(name)))
    missing(candidates[0] ?? `fdinfo-${pid}.img`, 'the open files');

  const pagemapImage = images.get(`pagemap-${pid}.img`);
  const pagemap = pagemapImage ? readPagemap(pagemapImage, sizes, problems) : null;
  if (!pagemapImage && !sizes.has(`pagemap-${pid}.img`))
    missing(`pagemap-${pid}.img`, 'the memory');

  return {
    pid,
    ppid: id('ppid'),
    pgid: id('pgid'),
    sid: id('sid'),
    pstree: entryRef(pstree, entry),
    threads,
    comm: stringOf(fieldNamed(tc?.children, 'comm')),
    taskState: state === null ? null : (TASK_STATES[state] ?? String(state)),
    arch: march === null ? null : (MARCH[march] ?? String(march)),
    creds,
    mm: mmImage && mmEntry ? entryRef(mmImage, mmEntry) : null,
    exe: exeObject?.reg?.path ?? null,
    exeFileId,
    dumpable: mmEntry ? numberOf(fieldNamed(mmEntry.message.fields, 'dumpable')) : null,
    vmas,
    fdinfoFile: fdinfoName,
    fds,
    pagemap,
    children: [],
  };
}
