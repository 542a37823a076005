/**
 * "Who may restart this dump?": the dump mapped onto the 2008 image and restarted by the
 * emulator's own checks as each user of a world; the refusing check, its errno, and where in
 * the dump the refused object is; what the mapping cannot know, said.
 */
import assert from 'node:assert/strict';
import { readDump } from '../../../extension/criu/dump';
import { mapDumpToImage } from '../../../extension/criu/restart-map';
import { whoMayRestart, type RestartMatrix } from '../../../extension/criu/who-may-restart';
import { readImage, writeImage } from '../../../extension/image/index';
import { defaultWorld } from '../../../extension/kernel/index';
import {
  FULL_CAPS,
  MemoryDump,
  coreEntry,
  entry,
  fileEntryReg,
  header,
  image,
  mmEntry,
  sampleDump,
  singleTaskDump,
  fdinfoEntry,
  PROT_R,
  PROT_X,
  MAP_PRIVATE,
  VMA_REGULAR,
  VMA_FILE_PRIVATE,
  O_RDONLY,
} from './dump-writer';

function matrix(
  contents: Record<string, Uint8Array>,
  sysctls = {},
  standIns = true,
): RestartMatrix {
  const world = defaultWorld();
  world.sysctls = { ...world.sysctls, ...sysctls };
  return whoMayRestart(readDump(new MemoryDump(contents)), {
    world,
    worldName: 'the default world',
    standIns,
  });
}

function row(result: RestartMatrix, user: string) {
  const found = result.rows.find((r) => r.user === user);
  assert.ok(found, `a row for ${user}`);
  return found;
}

/** A single task of hallyn (uid 500) running /opt/tools/sleep, whose mode the dump records. */
function hallynsSleep(mode: number): Record<string, Uint8Array> {
  const files = singleTaskDump();
  files['core-4242.img'] = image(
    header('CORE', 'v1.1'),
    entry(
      coreEntry({
        comm: 'sleep',
        creds: { uid: 500, gid: 500, groups: [500] },
        ids: { vm: 1, files: 7, fs: 3, sighand: 4 },
      }),
    ),
  );
  files['core-4243.img'] = files['core-4242.img'] as Uint8Array;
  files['mm-4242.img'] = image(
    header('MM', 'v1.1'),
    entry(
      mmEntry(5, [
        {
          start: 0x400000n,
          end: 0x401000n,
          prot: PROT_R | PROT_X,
          flags: MAP_PRIVATE,
          status: VMA_REGULAR | VMA_FILE_PRIVATE,
          shmid: 5,
        },
      ]),
    ),
  );
  files['files.img'] = image(
    header('FILES', 'v1.1'),
    entry(fileEntryReg(2, '/dev/null', 2, 0o020666)),
    entry(fileEntryReg(5, '/opt/tools/sleep', O_RDONLY, mode)),
  );
  files['fdinfo-7.img'] = image(header('FDINFO', 'v1.1'), entry(fdinfoEntry(2, 0, 1)));
  return files;
}

describe('criu: who may restart this dump', () => {
  it('maps both layouts onto an image the 2008 reader accepts', () => {
    for (const layout of ['v1.1', 'v1'] as const) {
      const mapping = mapDumpToImage(readDump(new MemoryDump(sampleDump(layout))));
      assert.ok(mapping.image);
      const read = readImage(writeImage(mapping.image));
      assert.ok(read.ok, read.ok ? '' : `${read.error.field}: ${read.error.message}`);
      assert.deepEqual(
        read.image.tree.map((t) => [t.vpid, t.vppid]),
        [
          [4242, 0],
          [4250, 4242],
        ],
      );
      const passwd = read.image.tasks[0];
      assert.equal(passwd?.task.comm, 'passwd');
      assert.equal(passwd?.task.flags, 0, 'dumpable 2 (suid dump) is not DUMPABLE');
      assert.equal(passwd?.cred.euid, 0);
      assert.equal(passwd?.cred.cap_permitted, FULL_CAPS);
      assert.deepEqual(passwd?.cred.groups, [42, 500]);
      assert.equal(passwd?.mm.exe, '/bin/passwd');
      assert.deepEqual(
        passwd?.vmas.map((v) => [v.vm_start, v.vm_end, v.vma_type, v.file]),
        [
          [0x400000, 0x401000, 2, '/bin/passwd'],
          [0x600000, 0x602000, 1, null],
          [0x7ffd_0000, 0x7ffd_2000, 1, null],
        ],
      );
      assert.deepEqual(
        read.image.openFiles.map((f) => [f.objref, f.path, f.f_flags]),
        [
          [1, '/dev/null', 2],
          [2, '/etc/shadow', 2],
        ],
      );
    }
  });

  it('a setuid passwd dump: root may, the others are refused by restart.creds.uid at its creds', () => {
    const result = matrix(singleTaskDump());
    assert.equal(result.error, null);
    assert.deepEqual(
      result.rows.map((r) => [r.user, r.allowed, r.refusedBy?.id ?? null, r.errno]),
      [
        ['root', true, null, null],
        ['daemon', false, 'restart.creds.uid', 'EPERM'],
        ['hallyn', false, 'restart.creds.uid', 'EPERM'],
        ['oren', false, 'restart.creds.uid', 'EPERM'],
      ],
    );
    const hallyn = row(result, 'hallyn');
    assert.match(
      hallyn.refusedBy?.reason ?? '',
      /euid 0 is not one of the caller's uid\/euid\/suid 500\/500\/500/,
    );
    // The refused object is the creds message inside core-4242.img.
    const dump = readDump(new MemoryDump(singleTaskDump()));
    const creds = dump.processes[0]?.creds?.source;
    assert.deepEqual(hallyn.source, {
      file: 'core-4242.img',
      offset: creds?.offset,
      field: 'core_entry.thread_core.creds',
    });
    assert.deepEqual(result.standIns, [], 'every path is in the default world');
  });

  it('with kernel.ckpt_restore_creds = caller, hallyn is refused re-opening /etc/shadow', () => {
    const result = matrix(singleTaskDump(), { 'kernel.ckpt_restore_creds': 'caller' });
    const hallyn = row(result, 'hallyn');
    assert.equal(hallyn.refusedBy?.id, 'restart.file.open');
    assert.equal(hallyn.errno, 'EACCES');
    assert.match(hallyn.refusedBy?.object ?? '', /\/etc\/shadow/);
    const dump = readDump(new MemoryDump(singleTaskDump()));
    const shadow = dump.files.get(3)?.reg?.source;
    assert.deepEqual(hallyn.source, {
      file: 'files.img',
      offset: shadow?.offset,
      field: 'reg_file_entry',
    });
    assert.equal(row(result, 'root').allowed, true);
  });

  it('a tree of two processes needs a pid namespace: CAP_SYS_ADMIN', () => {
    const result = matrix(sampleDump());
    assert.equal(row(result, 'root').allowed, true);
    for (const user of ['daemon', 'hallyn', 'oren']) {
      assert.equal(row(result, user).refusedBy?.id, 'restart.pidns');
      assert.deepEqual(row(result, user).source, {
        file: 'pstree.img',
        offset: 8,
        field: 'pstree_entry',
      });
    }
  });

  it("a process of hallyn's own, its exe outside the world: judged on a stand-in with the dump's mode", () => {
    const files = hallynsSleep(0o100750);
    const result = matrix(files);
    assert.deepEqual(
      result.standIns.map((s) => [s.path, s.kind, s.mode.toString(8)]),
      [
        ['/opt', 'dir', '755'],
        ['/opt/tools', 'dir', '755'],
        ['/opt/tools/sleep', 'file', '750'],
      ],
    );
    assert.match(
      result.standIns[2]?.why ?? '',
      /mode 0750 from the dump, owner unknown \(root:root assumed\)/,
    );
    // A stand-in owned by root, mode 0750: nobody but root may execute it.
    const hallyn = row(result, 'hallyn');
    assert.equal(hallyn.refusedBy?.id, 'restart.setuid_exe');
    assert.equal(hallyn.errno, 'EACCES');
    assert.equal(hallyn.standIn, '/opt/tools/sleep');
    assert.equal(row(result, 'oren').refusedBy?.id, 'restart.creds.uid');
    assert.equal(row(result, 'root').allowed, true);
    // Without stand-ins, the path is simply missing for everyone.
    const bare = matrix(files, {}, false);
    assert.equal(row(bare, 'root').refusedBy?.id, 'restart.setuid_exe');
    assert.equal(row(bare, 'root').errno, 'ENOENT');
    assert.ok(bare.limits[0]?.includes('fails its check with ENOENT'));
    // Executable by all (0755): hallyn may restart his own task; oren may not take his uid.
    const open = matrix(hallynsSleep(0o100755));
    assert.equal(row(open, 'hallyn').allowed, true);
    assert.equal(row(open, 'oren').refusedBy?.id, 'restart.creds.uid');
  });

  it('says what it dropped and what it cannot know', () => {
    const result = matrix(sampleDump());
    const texts = result.notes.map((n) => `${n.subject}: ${n.text}`);
    assert.ok(
      texts.some((t) => /pid 4242 \(passwd\): descriptor 4 is a PIPE/.test(t)),
      texts.join('\n'),
    );
    assert.ok(texts.some((t) => /\[vsyscall\]\) are not restored from an image/.test(t)));
    assert.ok(texts.some((t) => /LSM profile "unconfined"/.test(t)));
    assert.ok(texts.some((t) => /3 pages \(12 KiB\) of memory/.test(t)));
    assert.equal(result.limits.length, 5);
    assert.ok(result.limits.some((t) => /never the owner of a file/.test(t)));
  });

  it('notes ambient capabilities, no_new_privs, capability bits beyond 40 and differing thread creds', () => {
    const files = singleTaskDump();
    files['core-4242.img'] = image(
      header('CORE', 'v1.1'),
      entry(
        coreEntry({
          comm: 'x',
          creds: { uid: 0, gid: 0, capAmb: 1n << 21n, noNewPrivs: 1, capBnd: (1n << 45n) - 1n },
          ids: { vm: 1, files: 7, fs: 3, sighand: 4 },
        }),
      ),
    );
    const result = matrix(files);
    const texts = result.notes.map((n) => n.text);
    assert.ok(
      texts.some((t) =>
        /ambient capabilities CAP_SYS_ADMIN are not part of the 2008 design/.test(t),
      ),
      texts.join('\n'),
    );
    assert.ok(texts.some((t) => /no_new_privs is set/.test(t)));
    assert.ok(
      texts.some((t) => /cap_bnd has capabilities above CAP_CHECKPOINT_RESTORE \(40\)/.test(t)),
    );
    assert.ok(texts.some((t) => /threads do not all share the leader's credentials/.test(t)));
  });

  it('a dump with no processes has no answer, and says why', () => {
    const files = sampleDump();
    delete files['pstree.img'];
    const result = matrix(files);
    assert.equal(result.error, 'no process of the dump could be mapped');
    assert.deepEqual(result.rows, []);
  });
});
