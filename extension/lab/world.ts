/**
 * Turns a scenario's world statements into the kernel's WorldSpec: start from the default or the
 * empty world, then apply users, groups, files, programs, sysctls, the LSM policy, limits and the
 * machine key in source order.
 */
import type { FileSpec, LabelPolicy, ProgramSource, WorldSpec } from '../kernel/index';
import { defaultWorld, emptyWorld } from '../kernel/index';
import type { Scenario, WorldStatement } from './ast';
import type { BaseWorldFacts } from './resolve';

export interface BuiltWorld {
  world: WorldSpec;
  seed: number;
}

/** The names the default world defines, for the resolver and the editor's completion. */
export function worldFacts(world: WorldSpec): BaseWorldFacts {
  return {
    users: new Map(world.users.map((user) => [user.name, user.uid])),
    groups: new Map(world.groups.map((group) => [group.name, group.gid])),
    paths: new Set(world.files.map((file) => file.path)),
    dirs: new Set(world.files.filter((file) => file.kind === 'dir').map((file) => file.path)),
    programs: new Map(
      world.programs.map((program) => [
        program.name,
        {
          labels: program.items.flatMap((item) => (item.op === 'label' ? [item.name] : [])),
          variables: program.items.flatMap((item) =>
            'dst' in item && typeof item.dst === 'string' ? [item.dst] : [],
          ),
        },
      ]),
    ),
  };
}

export function defaultWorldFacts(): BaseWorldFacts {
  return worldFacts(defaultWorld());
}

function depth(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/** Where a program that no file runs is installed, so `spawn NAME` can exec it. */
export const INSTALL_DIR = '/usr/bin';

export function buildWorld(scenario: Scenario, programs: ProgramSource[]): BuiltWorld {
  const empty = scenario.world.some((s) => s.kind === 'world' && s.base === 'empty');
  const world = empty ? emptyWorld() : defaultWorld();
  let seed = 0;
  const policy: LabelPolicy = { rules: [], transitions: [], allowedTransitions: [] };
  let lsm: 'none' | 'dummy' | 'label' = world.lsm.name;
  const uidOf = (name: string): number =>
    /^[0-9]+$/.test(name) ? Number(name) : (world.users.find((u) => u.name === name)?.uid ?? 0);
  const gidOf = (name: string): number =>
    /^[0-9]+$/.test(name) ? Number(name) : (world.groups.find((g) => g.name === name)?.gid ?? 0);
  const addedFiles: FileSpec[] = [];

  const apply = (statement: WorldStatement): void => {
    switch (statement.kind) {
      case 'world':
        return;
      case 'user': {
        const gid = statement.gid ?? statement.uid;
        world.users = world.users.filter((u) => u.name !== statement.name.text);
        const user: WorldSpec['users'][number] = {
          name: statement.name.text,
          uid: statement.uid,
          gid,
        };
        if (statement.domain !== undefined) user.domain = statement.domain.text;
        world.users.push(user);
        // A user's primary group exists, named after the user when nothing else has that gid.
        if (!world.groups.some((g) => g.gid === gid)) {
          world.groups.push({ name: statement.name.text, gid, members: [] });
        }
        for (const group of statement.groups) {
          const spec = world.groups.find(
            (g) => g.name === group.text || String(g.gid) === group.text,
          );
          if (spec !== undefined) spec.members = [...(spec.members ?? []), statement.name.text];
        }
        return;
      }
      case 'group': {
        const existing = world.groups.find((g) => g.name === statement.name.text);
        const members = statement.members.map((m) => m.text);
        if (existing !== undefined) {
          existing.gid = statement.gid;
          existing.members = [...(existing.members ?? []), ...members];
        } else {
          world.groups.push({ name: statement.name.text, gid: statement.gid, members });
        }
        return;
      }
      case 'dir':
      case 'file': {
        const user = statement.owner?.user.text ?? 'root';
        const uid = uidOf(user);
        const primary = world.users.find((u) => u.uid === uid)?.gid ?? 0;
        const gid =
          statement.owner?.group === undefined ? primary : gidOf(statement.owner.group.text);
        const spec: FileSpec = {
          path: statement.path.path,
          kind: statement.kind,
          mode:
            statement.mode ??
            (statement.kind === 'dir' || (statement.kind === 'file' && statement.runs)
              ? 0o755
              : 0o644),
          uid,
          gid,
        };
        if (statement.label !== undefined) spec.label = statement.label.text;
        if (statement.kind === 'file') {
          if (statement.runs !== undefined) {
            spec.runs = statement.runs.text;
            spec.contents = `#!crlab ${statement.runs.text}\n`;
          }
          if (statement.contents !== undefined) spec.contents = statement.contents;
        }
        world.files = world.files.filter((f) => f.path !== spec.path);
        addedFiles.push(spec);
        return;
      }
      case 'sysctl': {
        const value = typeof statement.value === 'number' ? statement.value : statement.value.text;
        (world.sysctls as Record<string, unknown>)[statement.name.text] = value;
        return;
      }
      case 'lsm':
        lsm = statement.policy;
        return;
      case 'lsm-deny': {
        const domain = statement.domain?.text;
        const label = statement.label?.text;
        if (statement.deny === 'restore' && label !== undefined) {
          policy.rules.push(
            domain === undefined ? { deny: 'restore', label } : { deny: 'restore', label, domain },
          );
        } else if (statement.deny === 'ptrace' && domain !== undefined) {
          policy.rules.push({ deny: 'ptrace', domain });
        } else if (domain !== undefined) {
          policy.rules.push({ deny: 'checkpoint', domain });
        } else if (label !== undefined) {
          policy.rules.push({ deny: 'checkpoint', label });
        }
        return;
      }
      case 'lsm-transition': {
        const transition: NonNullable<LabelPolicy['transitions']>[number] = {
          exec: statement.exec.text,
          to: statement.to.text,
        };
        if (statement.from !== undefined) transition.from = statement.from.text;
        policy.transitions?.push(transition);
        return;
      }
      case 'lsm-allow-transition':
        policy.allowedTransitions?.push({ from: statement.from.text, to: statement.to.text });
        return;
      case 'machine-key':
        world.machineKey = statement.key;
        return;
      case 'limit':
        world.limits = {
          ...world.limits,
          ...(statement.limit === 'memory'
            ? { memoryBytes: statement.value }
            : statement.limit === 'file'
              ? { fileSizeBytes: statement.value }
              : { nprocPerUser: statement.value }),
        };
        return;
      case 'seed':
        seed = statement.value;
        return;
    }
  };
  // Groups first, so that `user alice 600 groups staff` may come before `group staff 50`.
  scenario.world.filter((s) => s.kind === 'group').forEach(apply);
  scenario.world.filter((s) => s.kind !== 'group').forEach(apply);

  // Scenario programs replace default ones of the same name (`program passwd` redefines what
  // /bin/passwd does); a program that no file runs is installed under /usr/bin.
  for (const program of programs) {
    world.programs = world.programs.filter((p) => p.name !== program.name);
    world.programs.push(program);
  }
  const allFiles = [...world.files, ...addedFiles];
  for (const program of programs) {
    if (allFiles.some((f) => f.runs === program.name)) continue;
    for (const dir of ['/usr', INSTALL_DIR]) {
      if (!allFiles.some((f) => f.path === dir)) {
        const spec: FileSpec = { path: dir, kind: 'dir', mode: 0o755, uid: 0, gid: 0 };
        addedFiles.push(spec);
        allFiles.push(spec);
      }
    }
    const spec: FileSpec = {
      path: `${INSTALL_DIR}/${program.name}`,
      kind: 'file',
      mode: 0o755,
      uid: 0,
      gid: 0,
      contents: `#!crlab ${program.name}\n`,
      runs: program.name,
    };
    addedFiles.push(spec);
    allFiles.push(spec);
  }
  // Parents before children, as the kernel's VFS builder needs; the sort is stable.
  world.files = [...world.files, ...addedFiles.sort((a, b) => depth(a.path) - depth(b.path))];
  world.lsm = lsm === 'label' ? { name: 'label', policy } : { name: lsm };
  return { world, seed };
}
