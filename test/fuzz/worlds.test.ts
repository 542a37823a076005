/**
 * The privilege property over generated worlds, not just the default one: users and groups with
 * generated ids and memberships, files with generated owners, groups and modes (setuid and setgid
 * bits included), and an image of one task with generated credentials, capabilities, descriptors,
 * mappings and program, signed or not. Restarted by a generated unprivileged user under each
 * `kernel.ckpt_restore_creds` mode, a restart either is refused with nothing changed, or restores
 * only what that user could set and open (see properties.ts), unless its signature verifies under
 * `signed`.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  HeadFlag,
  TaskState,
  TreeFlag,
  VmaType,
  writeImage,
  type CheckpointImage,
  type VmaRecord,
} from '../../extension/image/index';
import { defaultWorld, type FileSpec, type WorldSpec } from '../../extension/kernel/index';
import { oneTaskImage } from '../e2e/fixtureImages';
import { MACHINE } from './corpus';
import { MODES, MutantJudge } from './properties';

const UIDS = [1, 42, 100, 500, 501, 1000, 65534] as const;
const GIDS = [0, 1, 42, 100, 500, 501, 1000, 65534] as const;
const CAP_ALL = (1n << 41n) - 1n;

interface GeneratedWorld {
  world: WorldSpec;
  caller: number;
  files: string[];
}

/** Users, groups and files around kernel.md's default world (its /bin/sh and /tmp stay). */
const worldArbitrary: fc.Arbitrary<GeneratedWorld> = fc
  .uniqueArray(fc.constantFrom(...UIDS), { minLength: 1, maxLength: 4 })
  .chain((uids) =>
    fc.record({
      uids: fc.constant(uids),
      primary: fc.array(fc.constantFrom(...GIDS), {
        minLength: uids.length,
        maxLength: uids.length,
      }),
      members: fc.array(fc.subarray(uids), { minLength: GIDS.length, maxLength: GIDS.length }),
      files: fc.array(
        fc.record({
          owner: fc.constantFrom(0, ...uids),
          group: fc.constantFrom(...GIDS),
          mode: fc.oneof(
            fc.constantFrom(0o644, 0o640, 0o600, 0o755, 0o4755, 0o2750),
            fc.nat(0o7777),
          ),
          private: fc.boolean(),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      privateDir: fc.record({
        owner: fc.constantFrom(0, ...uids),
        mode: fc.constantFrom(0o700, 0o750, 0o755, 0o711),
      }),
      caller: fc.nat(uids.length - 1),
    }),
  )
  .map(({ uids, primary, members, files, privateDir, caller }) => {
    const world = defaultWorld();
    const name = (uid: number): string => `u${uid}`;
    world.users = [
      { name: 'root', uid: 0, gid: 0 },
      ...uids.map((uid, i) => ({ name: name(uid), uid, gid: primary[i] ?? uid })),
    ];
    world.groups = GIDS.map((gid, i) => ({
      name: gid === 0 ? 'root' : `g${gid}`,
      gid,
      members: (members[i] ?? []).map(name),
    }));
    const specs: FileSpec[] = [
      { path: '/srv', kind: 'dir', mode: 0o755, uid: 0, gid: 0 },
      { path: '/srv/private', kind: 'dir', mode: privateDir.mode, uid: privateDir.owner, gid: 0 },
    ];
    files.forEach((file, i) => {
      specs.push({
        path: `/srv/${file.private ? 'private/' : ''}f${i}`,
        kind: 'file',
        mode: file.mode,
        uid: file.owner,
        gid: file.group,
        contents: `file ${i}\n`,
        runs: 'sh',
      });
    });
    world.files = [...world.files, ...specs];
    return {
      world,
      caller: uids[caller] ?? 500,
      files: specs.filter((spec) => spec.kind === 'file').map((spec) => spec.path),
    };
  });

/** One task's image with generated credentials, descriptors, mappings and program. */
function imageArbitrary(
  generated: GeneratedWorld,
): fc.Arbitrary<{ image: CheckpointImage; sign: boolean }> {
  const { caller, files } = generated;
  const worldUids = generated.world.users.map((user) => user.uid);
  const worldGids = generated.world.groups.map((group) => group.gid);
  // Mostly the caller's own ids, so that restarts also succeed; sometimes anyone's.
  const uid = fc.oneof(
    { weight: 3, arbitrary: fc.constant(caller) },
    { weight: 1, arbitrary: fc.constantFrom(...worldUids) },
  );
  const gid = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constant(generated.world.users.find((u) => u.uid === caller)?.gid ?? caller),
    },
    { weight: 1, arbitrary: fc.constantFrom(...worldGids) },
  );
  const caps = fc.oneof(
    { weight: 3, arbitrary: fc.constant(0n) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: CAP_ALL }) },
  );
  const path = fc.constantFrom(...files, '/etc/shadow', '/etc/passwd', '/bin/sh', '/dev/null');
  return fc
    .record({
      uids: fc.tuple(uid, uid, uid, uid),
      gids: fc.tuple(gid, gid, gid, gid),
      groups: fc.uniqueArray(fc.constantFrom(...worldGids), { maxLength: 3 }),
      permitted: caps,
      inheritable: caps,
      bset: fc.oneof(fc.constant(CAP_ALL), fc.bigInt({ min: 0n, max: CAP_ALL })),
      securebits: fc.oneof(
        { weight: 4, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.nat(0x3f) },
      ),
      exe: fc.constantFrom(...files, '/bin/sh'),
      fds: fc.array(fc.record({ path, access: fc.constantFrom(0, 1, 2) }), { maxLength: 3 }),
      mapping: fc.option(
        fc.record({ path, prot: fc.constantFrom(1, 3, 5, 7), shared: fc.boolean() }),
      ),
      sign: fc.boolean(),
    })
    .map((g) => {
      const image = oneTaskImage();
      const task = image.tasks[0] as CheckpointImage['tasks'][number];
      task.task.state = TaskState.SLEEPING;
      // A subtree in the caller's pid namespace: a new namespace (NS_INIT) needs CAP_SYS_ADMIN,
      // which would refuse every restart before the credentials are judged.
      image.head.flags |= HeadFlag.SUBTREE;
      for (const entry of image.tree) entry.flags &= ~TreeFlag.NS_INIT;
      const [u0, u1, u2, u3] = g.uids;
      const [g0, g1, g2, g3] = g.gids;
      Object.assign(task.cred, {
        uid: u0,
        euid: u1,
        suid: u2,
        fsuid: u3,
        gid: g0,
        egid: g1,
        sgid: g2,
        fsgid: g3,
        groups: [...g.groups].sort((a, b) => a - b),
        cap_permitted: g.permitted,
        cap_effective: g.permitted,
        cap_inheritable: g.inheritable,
        cap_bset: g.bset,
        securebits: g.securebits,
      });
      task.mm.exe = g.exe;
      task.files = {
        objref: 2,
        fds: g.fds.map((_, i) => ({ objref: 10 + i, fd: i, close_on_exec: 0 })),
      };
      image.openFiles = g.fds.map((fd, i) => ({
        objref: 10 + i,
        fd_type: 1,
        f_mode: fd.access === 0 ? 1 : fd.access === 1 ? 2 : 3,
        f_flags: fd.access,
        f_pos: 0,
        f_version: 0,
        path: fd.path,
        label: null,
      }));
      if (g.mapping) {
        const start = 0x10000000;
        const vma: VmaRecord = {
          vma_type: VmaType.FILE,
          vm_start: start,
          vm_end: start + 0x1000,
          vm_page_prot: g.mapping.prot,
          vm_flags: g.mapping.prot | (g.mapping.shared ? 0x8 : 0),
          vm_pgoff: 0,
          file: g.mapping.path,
          pages: [],
        };
        task.vmas.push(vma);
      }
      image.head.flags = g.sign ? image.head.flags | 0x8 : image.head.flags;
      return { image, sign: g.sign };
    });
}

describe('fuzz: generated worlds and credentials', () => {
  it('no restart by a generated user restores more than that user could set or open', function () {
    this.timeout(0);
    const outcomes = new Map<string, number>();
    const scenario = worldArbitrary.chain((generated) =>
      imageArbitrary(generated).map((image) => ({ generated, ...image })),
    );
    fc.assert(
      fc.property(scenario, ({ generated, image, sign }) => {
        let bytes: Uint8Array;
        try {
          bytes = writeImage(image, sign ? { signingKey: { keyId: 'machine', key: MACHINE } } : {});
        } catch {
          return; // a combination the writer refuses is not an image
        }
        const judge = new MutantJudge(() => structuredClone(generated.world), generated.caller);
        const outcome = judge.judge(bytes, 0, null, false);
        MODES.forEach((mode, i) => {
          const key = `${mode} ${outcome.restarts[i] ?? '?'}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        });
      }),
      { seed: 20081027, numRuns: 400 },
    );
    // The worlds reach restores and privilege refusals in every mode.
    for (const mode of MODES) {
      assert.ok(
        (outcomes.get(`${mode} ok`) ?? 0) > 0,
        `no restore under ${mode}: ${JSON.stringify([...outcomes])}`,
      );
    }
    assert.ok((outcomes.get('authorized EPERM') ?? 0) > 0, JSON.stringify([...outcomes]));
    assert.ok((outcomes.get('caller EACCES') ?? 0) > 0, JSON.stringify([...outcomes]));
  });
});
