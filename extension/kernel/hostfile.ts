/**
 * Files of the host that a checkpoint writes to or a restart reads from (HostImageOutput and
 * HostImageInput in types.ts): the host's disk, outside the emulated machine, reached through a
 * descriptor the transient caller holds, like the file a shell redirection opens before the
 * patchset's `ckpt` or `rstr` runs. The inode belongs to no directory of the emulated VFS, so no
 * task of the machine can open it: a restart may keep the bytes it read (the restored pages are
 * views of them), and a checkpoint streams its image out without holding it in the machine.
 */
import { checkPath } from '../image/index';
import { OFlag } from '../image/model';
import type { Result } from './errno';
import { FileData } from './filedata';
import { fail, ok } from './errno';
import { OpenFile } from './files';
import type { Machine } from './machine';
import type { Task } from './task';
import type { HostImageInput, HostImageOutput } from './types';
import type { Inode } from './vfs';

/** The inodes of host files opened for reading: their bytes are the kernel's alone. */
const hostInputs = new WeakSet<Inode>();

/**
 * Whether `inode` is a host file a restart reads from: no task can reach it, so its bytes can be
 * kept as they are (restart takes its pages from them without a copy).
 */
export function isHostInput(inode: Inode): boolean {
  return hostInputs.has(inode);
}

/** The memory of host inputs whose bytes a restart has kept as a task's pages. */
const keptHostBytes = new WeakSet<ArrayBufferLike>();

/**
 * Whether a restart may keep `bytes` (a host input's) as the restored task's pages: true the
 * first time for the memory they are in, false after (in any kernel of this process). A host may
 * hand the same bytes to a second restart; kept twice, the two restored tasks would share their
 * pages, each one's stores showing in the other's memory. The second one copies them instead.
 */
export function claimHostBytes(bytes: Uint8Array): boolean {
  if (keptHostBytes.has(bytes.buffer)) return false;
  keptHostBytes.add(bytes.buffer);
  return true;
}

/**
 * Opens `host` for `task`: O_WRONLY for an output, O_RDONLY for an input, at the lowest free
 * descriptor. The file is owned by the task's fsuid/fsgid with mode 0600 and the VFS root's
 * label. Throws RangeError for a path that is not absolute (a URI's path will do).
 */
export function openHostFile(
  machine: Machine,
  task: Task,
  host: HostImageOutput | HostImageInput,
): Result<number> {
  const problem = checkPath(host.path);
  if (problem !== null) throw new RangeError(`host file: ${problem}`);
  const input = 'bytes' in host;
  const inode: Inode = {
    ino: 0,
    kind: 'file',
    mode: 0o600,
    uid: task.cred.fsuid,
    gid: task.cred.fsgid,
    data: input ? FileData.of(host.bytes) : new FileData(),
    children: new Map(),
    parent: null,
    name: host.path.slice(host.path.lastIndexOf('/') + 1),
    runs: null,
    label: machine.vfs.root.label,
  };
  if (input) hostInputs.add(inode);
  const flags = input ? OFlag.RDONLY : OFlag.WRONLY;
  const file = new OpenFile(
    machine.allocateOpenFileId(),
    inode,
    host.path,
    flags,
    0,
    0,
    input ? null : host,
  );
  const fd = task.files.lowestFree();
  if (fd === null) return fail('EMFILE', 'the descriptor table is full');
  task.files.install(fd, file, false);
  return ok(fd);
}
