/**
 * The virtual file system: directories and regular files with owners, modes (setuid 04000,
 * setgid 02000, sticky 01000) and labels, and Linux's permission rules (generic_permission with
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, CAP_FOWNER for owner-only operations, the sticky bit).
 * Every walk checks search permission on each directory it passes, so EACCES comes before ENOENT.
 */
import { Cap } from './caps';
import type { Cred } from './creds';
import { capable, inGroup } from './creds';
import type { Result } from './errno';
import { fail, ok } from './errno';
import { FileData } from './filedata';

export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IXUGO = 0o111;

export interface Inode {
  ino: number;
  kind: 'dir' | 'file';
  /** Permission bits with setuid/setgid/sticky (no file-type bits). */
  mode: number;
  uid: number;
  gid: number;
  /** A regular file's contents (sparse); empty for a directory. */
  data: FileData;
  children: Map<string, Inode>;
  parent: Inode | null;
  name: string;
  /** The program this file runs when executed. */
  runs: string | null;
  /** The `label` LSM's label of the file. */
  label: string;
}

/** Longest component name (NAME_MAX). */
export const NAME_MAX = 255;
/** PATH_MAX including the NUL: every path the VFS accepts fits an image's FNAME. */
export const PATH_MAX = 4096;

function maskName(mask: number): string {
  const parts: string[] = [];
  if (mask & MAY_READ) parts.push('read');
  if (mask & MAY_WRITE) parts.push('write');
  if (mask & MAY_EXEC) parts.push('exec');
  return parts.join('+');
}

export function modeString(inode: Inode): string {
  return `0${inode.mode.toString(8).padStart(3, '0')} ${inode.uid}:${inode.gid}`;
}

const utf8 = new TextEncoder();

/** Split an absolute path into components, resolving `.` and `..` lexically-free (by the walk). */
function components(path: string): Result<string[]> {
  if (!path.startsWith('/')) return fail('ENOENT', `'${path}' is not an absolute path`);
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long text needs encoding to know its size
  // (every path walk comes here: restart walks each path of an image several times).
  if (path.length * 3 >= PATH_MAX && utf8.encode(path).length >= PATH_MAX) {
    return fail('ENAMETOOLONG', `path of more than ${PATH_MAX - 1} bytes`);
  }
  const parts = path.split('/').filter((part) => part !== '');
  for (const part of parts) {
    if (part.length * 3 > NAME_MAX && utf8.encode(part).length > NAME_MAX) {
      return fail(
        'ENAMETOOLONG',
        `component '${part.slice(0, 20)}...' is longer than ${NAME_MAX} bytes`,
      );
    }
  }
  return ok(parts);
}

export class Vfs {
  readonly root: Inode;
  private nextIno = 2;

  constructor(rootMode = 0o755, rootUid = 0, rootGid = 0, rootLabel = 'file_t') {
    this.root = {
      ino: 1,
      kind: 'dir',
      mode: rootMode,
      uid: rootUid,
      gid: rootGid,
      data: new FileData(),
      children: new Map(),
      parent: null,
      name: '',
      runs: null,
      label: rootLabel,
    };
  }

  /** The canonical absolute path of an inode. */
  pathOf(inode: Inode): string {
    const names: string[] = [];
    for (
      let node: Inode | null = inode;
      node !== null && node.parent !== null;
      node = node.parent
    ) {
      names.push(node.name);
    }
    return '/' + names.reverse().join('/');
  }

  /**
   * generic_permission(): owner, then group, then other bits; CAP_DAC_OVERRIDE grants read and
   * write always and exec when any exec bit is set (or on a directory); CAP_DAC_READ_SEARCH grants
   * read, and search on directories.
   */
  permission(cred: Cred, inode: Inode, mask: number): boolean {
    let bits = inode.mode;
    if (cred.fsuid === inode.uid) bits >>= 6;
    else if (inGroup(cred, inode.gid)) bits >>= 3;
    if ((mask & ~bits & 7) === 0) return true;
    if ((mask & MAY_EXEC) === 0 || (inode.mode & S_IXUGO) !== 0 || inode.kind === 'dir') {
      if (capable(cred, Cap.DAC_OVERRIDE)) return true;
    }
    if (mask === MAY_READ || (inode.kind === 'dir' && (mask & MAY_WRITE) === 0)) {
      if (capable(cred, Cap.DAC_READ_SEARCH)) return true;
    }
    return false;
  }

  /** inode_permission() as a result with a reason a person can act on. */
  checkPermission(cred: Cred, inode: Inode, mask: number): Result<Inode> {
    if (this.permission(cred, inode, mask)) return ok(inode);
    return fail(
      'EACCES',
      `${maskName(mask)} permission denied on ${this.pathOf(inode)} (${modeString(inode)}) for fsuid ${cred.fsuid}`,
    );
  }

  /** Walk `path` as `cred`: search permission on every directory, then the last component. */
  lookup(cred: Cred, path: string): Result<Inode> {
    const parts = components(path);
    if (!parts.ok) return parts;
    let node = this.root;
    for (const part of parts.value) {
      if (node.kind !== 'dir') return fail('ENOTDIR', `${this.pathOf(node)} is not a directory`);
      if (!this.permission(cred, node, MAY_EXEC)) {
        return fail(
          'EACCES',
          `search permission denied on ${this.pathOf(node)} (${modeString(node)}) for fsuid ${cred.fsuid}`,
        );
      }
      if (part === '.') continue;
      if (part === '..') {
        node = node.parent ?? node;
        continue;
      }
      const child = node.children.get(part);
      if (child === undefined) return fail('ENOENT', `${path}: no such file or directory`);
      node = child;
    }
    return ok(node);
  }

  /** Walk to the directory that holds the last component of `path`. */
  lookupParent(cred: Cred, path: string): Result<{ dir: Inode; name: string }> {
    const parts = components(path);
    if (!parts.ok) return parts;
    const name = parts.value.at(-1);
    if (name === undefined || name === '.' || name === '..')
      return fail('EEXIST', `${path} is a directory`);
    const dir = this.lookup(cred, '/' + parts.value.slice(0, -1).join('/'));
    if (!dir.ok) return dir;
    if (dir.value.kind !== 'dir')
      return fail('ENOTDIR', `${this.pathOf(dir.value)} is not a directory`);
    if (!this.permission(cred, dir.value, MAY_EXEC)) {
      return fail(
        'EACCES',
        `search permission denied on ${this.pathOf(dir.value)} for fsuid ${cred.fsuid}`,
      );
    }
    return ok({ dir: dir.value, name });
  }

  /** Look a path up with no permission checks (world setup, host import/export). */
  lookupRaw(path: string): Inode | null {
    const parts = components(path);
    if (!parts.ok) return null;
    let node = this.root;
    for (const part of parts.value) {
      const child = node.children.get(part);
      if (child === undefined || node.kind !== 'dir') return null;
      node = child;
    }
    return node;
  }

  /** Insert a new inode into `dir` (no checks beyond the name being free). */
  addChild(
    dir: Inode,
    name: string,
    fields: Pick<Inode, 'kind' | 'mode' | 'uid' | 'gid'> &
      Partial<Pick<Inode, 'runs' | 'label'>> & { data?: Uint8Array },
  ): Inode {
    const inode: Inode = {
      ino: this.nextIno++,
      kind: fields.kind,
      mode: fields.mode,
      uid: fields.uid,
      gid: fields.gid,
      data: fields.data !== undefined ? FileData.of(fields.data) : new FileData(),
      children: new Map(),
      parent: dir,
      name,
      runs: fields.runs ?? null,
      label: fields.label ?? dir.label,
    };
    dir.children.set(name, inode);
    return inode;
  }

  /**
   * Create a regular file as `cred` (open with O_CREAT): write and search permission on the
   * directory; the owner is the fsuid, the group the fsgid (or the directory's with setgid).
   */
  create(cred: Cred, path: string, mode: number): Result<Inode> {
    const parent = this.lookupParent(cred, path);
    if (!parent.ok) return parent;
    const { dir, name } = parent.value;
    const existing = dir.children.get(name);
    if (existing !== undefined) return ok(existing);
    if (!this.permission(cred, dir, MAY_WRITE | MAY_EXEC)) {
      return fail(
        'EACCES',
        `cannot create ${path}: no write permission on ${this.pathOf(dir)} (${modeString(dir)})`,
      );
    }
    const gid = (dir.mode & S_ISGID) !== 0 ? dir.gid : cred.fsgid;
    return ok(
      this.addChild(dir, name, { kind: 'file', mode: mode & 0o7777, uid: cred.fsuid, gid }),
    );
  }

  /** Whether `cred` owns the inode or has CAP_FOWNER (is_owner_or_cap). */
  isOwnerOrFowner(cred: Cred, inode: Inode): boolean {
    return cred.fsuid === inode.uid || capable(cred, Cap.FOWNER);
  }

  /** chmod: the owner or CAP_FOWNER; a non-member without CAP_FSETID loses setgid. */
  chmod(cred: Cred, path: string, mode: number): Result<Inode> {
    const found = this.lookup(cred, path);
    if (!found.ok) return found;
    const inode = found.value;
    if (!this.isOwnerOrFowner(cred, inode)) {
      return fail('EPERM', `only the owner (uid ${inode.uid}) or CAP_FOWNER may chmod ${path}`);
    }
    let next = mode & 0o7777;
    if ((next & S_ISGID) !== 0 && !inGroup(cred, inode.gid) && !capable(cred, Cap.FSETID))
      next &= ~S_ISGID;
    inode.mode = next;
    return ok(inode);
  }

  /**
   * unlink: write and search permission on the directory; in a sticky directory the caller must
   * also own the file or the directory, or have CAP_FOWNER (may_delete / check_sticky).
   */
  unlink(cred: Cred, path: string): Result<Inode> {
    const parent = this.lookupParent(cred, path);
    if (!parent.ok) return parent;
    const { dir, name } = parent.value;
    const inode = dir.children.get(name);
    if (inode === undefined) return fail('ENOENT', `${path}: no such file or directory`);
    if (inode.kind === 'dir') return fail('EISDIR', `${path} is a directory`);
    if (!this.permission(cred, dir, MAY_WRITE | MAY_EXEC)) {
      return fail('EACCES', `no write permission on ${this.pathOf(dir)} (${modeString(dir)})`);
    }
    if (
      (dir.mode & S_ISVTX) !== 0 &&
      cred.fsuid !== inode.uid &&
      cred.fsuid !== dir.uid &&
      !capable(cred, Cap.FOWNER)
    ) {
      return fail(
        'EPERM',
        `${this.pathOf(dir)} is sticky: only the owner of ${path} (uid ${inode.uid}) may remove it`,
      );
    }
    dir.children.delete(name);
    return ok(inode);
  }
}
