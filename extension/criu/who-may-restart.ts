/**
 * "Who may restart this dump?": the dump mapped onto the 2008 image (`restart-map.ts`), then
 * restarted in a fresh emulated kernel of a chosen world as each of its users, so that the
 * kernel's own restart checks (kernel.md, each modelled once in `kernel/restart.ts`) give the
 * verdict: allowed, or the first `restart.*` check that refuses, with its errno and reason, and
 * where in the dump the refused object comes from. What the mapping cannot know is said with
 * the answer, never hidden in it.
 */
import { readImage, writeImage } from '../image/index';
import { createKernel, type CheckRecord, type FileSpec, type WorldSpec } from '../kernel/index';
import type { CriuDump } from './dump';
import { S_IFDIR, S_IFMT } from './flags';
import {
  mapDumpToImage,
  type DumpPath,
  type DumpSource,
  type MappingNote,
  type RestartMapping,
} from './restart-map';

export interface RestartMatrixOptions {
  /** The world whose users, files and sysctls judge the dump. */
  readonly world: WorldSpec;
  /** How the world is named in reports (`the default world`, `01-passwd.crlab`). */
  readonly worldName: string;
  /** sys_restart flags (default 0). */
  readonly flags?: number;
  /**
   * Judge paths the world lacks on stand-ins (owned by root, with the dump's mode) rather than
   * as missing (ENOENT for everyone). Default true.
   */
  readonly standIns?: boolean;
}

/** A file the world lacked, added so that the checks judge the dump's permission needs. */
export interface StandIn {
  readonly path: string;
  readonly kind: 'dir' | 'file';
  readonly mode: number;
  /** Why this mode: from the dump, or the assumption made. */
  readonly why: string;
}

/** One user's answer. */
export interface RestartVerdict {
  readonly user: string;
  readonly uid: number;
  readonly allowed: boolean;
  readonly errno: string | null;
  /** The first check that failed, or null when allowed (or when the call never ran). */
  readonly refusedBy: CheckRecord | null;
  /** Why the call did not reach the checks (cannot open the image...), or null. */
  readonly reason: string | null;
  /** Where in the dump the refused object comes from, when the check names a record. */
  readonly source: DumpSource | null;
  /** The stand-in path the refusal is about, when it is about one. */
  readonly standIn: string | null;
  readonly checks: readonly CheckRecord[];
}

export interface RestartMatrix {
  readonly worldName: string;
  readonly flags: number;
  readonly rows: readonly RestartVerdict[];
  /** Per-task points of the mapping: what was dropped, assumed or is not judged. */
  readonly notes: readonly MappingNote[];
  readonly standIns: readonly StandIn[];
  /** What the mapping cannot know, whatever the dump: said with every answer. */
  readonly limits: readonly string[];
  /** Set when there is no answer (no task to map, or a mapping the image layer refused). */
  readonly error: string | null;
  readonly mapping: RestartMapping;
}

/** The general limits of the mapping, whatever the dump holds. */
export function mappingLimits(standIns: boolean): string[] {
  return [
    'A CRIU dump records paths, and from CRIU 3.x file modes, but never the owner of a file: ' +
      (standIns
        ? 'a path the world lacks is judged on a stand-in owned by root:root with the mode the dump records (0755 for an exe or executable mapping, 0644 otherwise, when it records none).'
        : 'a path the world lacks fails its check with ENOENT.'),
    "Paths are judged in the world's VFS, with the world's owners and modes, though they were the dumped task's view of its own mount namespace.",
    "Each user restarts with the world's login credentials for that user; the dump's uids, gids and capabilities are judged as numbers, whatever names the dumping machine gave them.",
    'Sockets, pipes, ttys and other non-regular descriptors, namespaces, seccomp filters, ambient capabilities, no_new_privs, rlimits and LSM profiles are outside the 2008 restart checks: they are listed with the task, not judged.',
    "Memory contents are not carried over: restart.memory judges none of the dump's pages (their count is given).",
  ];
}

function parentsOf(path: string): string[] {
  const parts = path.split('/').filter((part) => part !== '');
  return parts.slice(0, -1).map((_, index) => `/${parts.slice(0, index + 1).join('/')}`);
}

/** The world plus stand-ins for the dump's paths it lacks. */
function worldWithStandIns(
  world: WorldSpec,
  paths: readonly DumpPath[],
): { world: WorldSpec; standIns: StandIn[]; conflicts: string[] } {
  const known = new Map(world.files.map((file) => [file.path, file.kind] as const));
  known.set('/', 'dir');
  const added: FileSpec[] = [];
  const standIns: StandIn[] = [];
  const conflicts: string[] = [];
  for (const dumpPath of [...paths].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (known.has(dumpPath.path)) continue;
    const parents = parentsOf(dumpPath.path);
    if (parents.some((parent) => known.get(parent) === 'file')) {
      conflicts.push(dumpPath.path);
      continue;
    }
    for (const parent of parents) {
      if (known.has(parent)) continue;
      known.set(parent, 'dir');
      added.push({ path: parent, kind: 'dir', mode: 0o755, uid: 0, gid: 0 });
      standIns.push({
        path: parent,
        kind: 'dir',
        mode: 0o755,
        why: 'a directory on the way, assumed 0755 root:root',
      });
    }
    const directory =
      dumpPath.directory || (dumpPath.mode !== null && (dumpPath.mode & S_IFMT) === S_IFDIR);
    const mode =
      dumpPath.mode !== null
        ? dumpPath.mode & 0o7777
        : dumpPath.executable || directory
          ? 0o755
          : 0o644;
    const kind = directory ? 'dir' : 'file';
    known.set(dumpPath.path, kind);
    added.push({ path: dumpPath.path, kind, mode, uid: 0, gid: 0 });
    standIns.push({
      path: dumpPath.path,
      kind,
      mode,
      why:
        dumpPath.mode !== null
          ? `mode 0${mode.toString(8)} from the dump, owner unknown (root:root assumed)`
          : `no mode in the dump: 0${mode.toString(8)} and root:root assumed`,
    });
  }
  return { world: { ...world, files: [...world.files, ...added] }, standIns, conflicts };
}

/** Where each record of the written image comes from in the dump, by the record's offset. */
function sourcesByOffset(
  mapping: RestartMapping,
  read: ReturnType<typeof readImage>,
): Map<number, DumpSource> {
  const map = new Map<number, DumpSource>();
  if (!read.ok) return map;
  const { sources } = mapping;
  if (read.image.treeOffset !== undefined && sources.tree)
    map.set(read.image.treeOffset, sources.tree);
  read.image.tasks.forEach((task, index) => {
    const source = sources.tasks[index];
    if (!source) return;
    if (task.cred.offset !== undefined && source.creds) map.set(task.cred.offset, source.creds);
    if (task.mm.offset !== undefined && source.mm) map.set(task.mm.offset, source.mm);
    task.vmas.forEach((vma, vmaIndex) => {
      const vmaSource = source.vmas[vmaIndex];
      if (vma.offset !== undefined && vmaSource) map.set(vma.offset, vmaSource);
    });
  });
  for (const file of read.image.openFiles) {
    const source = sources.files.get(file.objref);
    if (file.offset !== undefined && source) map.set(file.offset, source);
  }
  return map;
}

/** Restarts the mapped dump as every user of the world, in a fresh kernel each. */
export function whoMayRestart(dump: CriuDump, options: RestartMatrixOptions): RestartMatrix {
  const useStandIns = options.standIns ?? true;
  const flags = options.flags ?? 0;
  const mapping = mapDumpToImage(dump);
  const base = {
    worldName: options.worldName,
    flags,
    notes: mapping.notes,
    limits: mappingLimits(useStandIns),
    mapping,
  };
  if (mapping.image === null)
    return { ...base, rows: [], standIns: [], error: 'no process of the dump could be mapped' };
  let bytes: Uint8Array;
  try {
    bytes = writeImage(mapping.image);
  } catch (error) {
    return {
      ...base,
      rows: [],
      standIns: [],
      error: `the mapped image could not be written: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const judged = readImage(bytes);
  if (!judged.ok)
    return {
      ...base,
      rows: [],
      standIns: [],
      error: `the mapped image is not valid (${judged.error.field}: ${judged.error.message}): a bug of the mapping`,
    };
  const sources = sourcesByOffset(mapping, judged);
  const { world, standIns, conflicts } = useStandIns
    ? worldWithStandIns(options.world, mapping.paths)
    : { world: options.world, standIns: [], conflicts: [] };
  const notes = [
    ...mapping.notes,
    ...conflicts.map((path) => ({
      subject: 'the dump',
      text: `${path} lies under a file of the world: no stand-in, judged as the world has it`,
      source: null,
    })),
  ];
  const standInPaths = standIns.filter((s) => s.kind === 'file').map((s) => s.path);
  const rows = world.users.map((user): RestartVerdict => {
    try {
      const kernel = createKernel({ world, clock: () => 0 });
      const where =
        kernel.stat('/tmp')?.kind === 'dir' ? '/tmp/criu-dump.crimg' : '/criu-dump.crimg';
      kernel.writeFile(where, bytes, { mode: 0o644, uid: 0, gid: 0 });
      const outcome = kernel.restartAs(user.name, where, flags);
      const failed = outcome.checks.find((check) => check.result === 'fail') ?? null;
      return {
        user: user.name,
        uid: user.uid,
        allowed: outcome.errno === null,
        errno: outcome.errno,
        refusedBy: failed,
        reason: outcome.reason ?? null,
        source: failed && failed.offset !== null ? (sources.get(failed.offset) ?? null) : null,
        standIn: failed
          ? (standInPaths.find((path) => failed.object.includes(path)) ?? null)
          : null,
        checks: outcome.checks,
      };
    } catch (error) {
      return {
        user: user.name,
        uid: user.uid,
        allowed: false,
        errno: null,
        refusedBy: null,
        reason: `the kernel could not boot this world: ${error instanceof Error ? error.message : String(error)}`,
        source: null,
        standIn: null,
        checks: [],
      };
    }
  });
  return { ...base, notes, rows, standIns, error: null };
}
