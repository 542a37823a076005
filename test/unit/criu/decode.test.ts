/**
 * Every message kind issue #14 lists, decoded from synthesised dumps with exact values and
 * offsets: by hand for a few fields, and for every decoded leaf by re-encoding it from its
 * number, wire type and value and finding exactly those bytes at its offset.
 */
import assert from 'node:assert/strict';
import { readDump, type CriuDump } from '../../../extension/criu/dump';
import type { ImageFile } from '../../../extension/criu/image-file';
import { fieldNamed, fieldsNamed, type WireField } from '../../../extension/criu/wire';
import { MemoryDump, pb, sampleDump, FULL_CAPS } from './dump-writer';

function imageOf(dump: CriuDump, name: string): ImageFile {
  const found = dump.images.find((image) => image.name === name);
  assert.ok(found, `${name} was decoded`);
  return found;
}

/** The field at a dotted path (`thread_core.creds.euid`, `vmas[1].start`) of entry `index`. */
function at(image: ImageFile, index: number, path: string): WireField {
  let fields = image.entries[index]?.message.fields ?? [];
  let found: WireField | undefined;
  for (const part of path.split('.')) {
    const match = /^(.+?)(?:\[(\d+)\])?$/.exec(part);
    const name = match?.[1] ?? part;
    const occurrence = Number(match?.[2] ?? 0);
    found = fieldsNamed(fields, name)[occurrence];
    assert.ok(found, `${image.name} entry ${index} has ${path} (stopped at ${part})`);
    fields = found.children;
  }
  return found as WireField;
}

/** Every leaf field of every entry of every decoded image. */
function* leaves(fields: readonly WireField[]): Generator<WireField> {
  for (const field of fields) {
    if (field.children.length > 0) yield* leaves(field.children);
    else yield field;
  }
}

/** A field's bytes as the writer would encode them from its number, wire type and value. */
function reencode(field: WireField, bytes: Uint8Array): Uint8Array | null {
  const value = field.value;
  // An empty nested message (a schema-less one like fpregs here): its bytes as they are.
  if (value === null && field.wireType === 2)
    return pb.bytes(
      field.no,
      bytes.subarray(field.valueOffset, field.valueOffset + field.valueSize),
    );
  if (field.wireType === 2) {
    if (value instanceof Uint8Array) return pb.bytes(field.no, value);
    if (typeof value === 'string') return pb.string(field.no, value);
    return null;
  }
  if (field.wireType === 0) {
    if (typeof value === 'boolean') return pb.bool(field.no, value);
    if (field.type.startsWith('sint')) return pb.sint(field.no, value as number | bigint);
    if (typeof value === 'number' || typeof value === 'bigint') return pb.uint(field.no, value);
  }
  return null;
}

for (const layout of ['v1.1', 'v1'] as const) {
  describe(`criu: decoding a ${layout} dump`, () => {
    const contents = sampleDump(layout);
    const dump = readDump(new MemoryDump(contents));

    it('reads it without problems', () => {
      assert.deepEqual(dump.problems, []);
    });

    it('puts every decoded leaf field exactly where its bytes are', () => {
      let checked = 0;
      for (const image of dump.images) {
        const bytes = contents[image.name] as Uint8Array;
        for (const entry of image.entries) {
          for (const field of leaves(entry.message.fields)) {
            const expected = reencode(field, bytes);
            assert.ok(expected, `${image.name} ${field.path} can be re-encoded`);
            const actual = bytes.subarray(field.offset, field.offset + field.size);
            assert.deepEqual(actual, expected, `${image.name} ${field.path} at ${field.offset}`);
            assert.equal(field.valueOffset + field.valueSize, field.offset + field.size);
            checked++;
          }
        }
      }
      assert.ok(checked > 200, `${checked} fields checked`);
    });

    it('decodes inventory.img', () => {
      const inventory = imageOf(dump, 'inventory.img');
      assert.deepEqual(
        inventory.header.map((word) => word.name),
        ['INVENTORY'],
      );
      const version = at(inventory, 0, 'img_version');
      assert.equal(version.value, layout === 'v1' ? 1 : 2);
      // No common magic: the entry's size word is at 4, the message at 8.
      assert.equal(inventory.entries[0]?.offset, 4);
      assert.equal(version.offset, 8);
      assert.equal(version.valueOffset, 9);
      assert.equal(at(inventory, 0, 'root_ids.files_id').value, 7);
      if (layout === 'v1.1') {
        assert.equal(at(inventory, 0, 'fdinfo_per_id').value, true);
        assert.equal(at(inventory, 0, 'lsmtype').display, 'APPARMOR (2)');
        // Field 13 is not in our schema: kept, with its bytes, not dropped.
        const unknown = at(inventory, 0, '#13');
        assert.equal(unknown.known, false);
        assert.equal(unknown.type, 'unknown bytes');
        assert.equal(new TextDecoder().decode(unknown.value as Uint8Array), 'criu-run-0042');
        assert.equal(unknown.offset, 24);
        assert.equal(unknown.valueOffset, 26);
        assert.equal(unknown.valueSize, 13);
        assert.deepEqual(dump.inventory, {
          imgVersion: 2,
          lsmType: 'APPARMOR',
          fdinfoPerId: true,
          source: { file: 'inventory.img', entry: 0, offset: 4 },
        });
      }
    });

    it('decodes pstree.img', () => {
      const pstree = imageOf(dump, 'pstree.img');
      const base = layout === 'v1.1' ? 8 : 4;
      assert.deepEqual(
        pstree.header.map((word) => word.name),
        layout === 'v1.1' ? ['IMG_COMMON', 'PSTREE'] : ['PSTREE'],
      );
      const pid = at(pstree, 0, 'pid');
      assert.equal(pid.value, 4242);
      assert.equal(pid.offset, base + 4);
      assert.equal(pid.valueOffset, base + 5);
      assert.equal(pid.valueSize, 2);
      assert.equal(at(pstree, 0, 'ppid').value, 1);
      assert.deepEqual(
        fieldsNamed(pstree.entries[0]?.message.fields, 'threads').map((f) => f.value),
        [4242, 4243],
      );
      assert.equal(at(pstree, 0, 'threads[1]').offset, base + 4 + 14);
      // Entry 1 starts right after entry 0's 17-byte message.
      assert.equal(pstree.entries[1]?.offset, base + 4 + 17);
      assert.equal(at(pstree, 1, 'pid').value, 4250);
      assert.equal(at(pstree, 1, 'ppid').value, 4242);
      assert.deepEqual(dump.roots, [4242]);
      assert.deepEqual(
        dump.processes.map((p) => [p.pid, p.ppid, p.children]),
        [
          [4242, 1, [4250]],
          [4250, 4242, []],
        ],
      );
    });

    it('decodes core-<tid>.img: arch, registers, task core, ids and (current CRIU) creds', () => {
      const core = imageOf(dump, 'core-4242.img');
      assert.equal(at(core, 0, 'mtype').display, 'X86_64 (1)');
      assert.equal(at(core, 0, 'thread_info.gpregs.ip').value, 0x401000n);
      assert.equal(at(core, 0, 'thread_info.gpregs.ip').display, '0x401000');
      assert.equal(at(core, 0, 'tc.comm').value, 'passwd');
      assert.equal(at(core, 0, 'tc.task_state').display, 'TASK_ALIVE (1)');
      assert.equal(at(core, 0, 'tc.flags').display, '0x402100');
      const unknown = at(core, 0, '#99');
      assert.equal(unknown.value, 7n);
      assert.equal(unknown.type, 'unknown varint');
      const passwd = dump.processes.find((p) => p.pid === 4242);
      assert.equal(passwd?.comm, 'passwd');
      assert.equal(passwd?.taskState, 'TASK_ALIVE');
      assert.equal(passwd?.arch, 'X86_64');
      assert.deepEqual(
        passwd?.threads.map((t) => [t.tid, t.core?.file]),
        [
          [4242, 'core-4242.img'],
          [4243, 'core-4243.img'],
        ],
      );
      if (layout === 'v1.1') {
        assert.equal(at(core, 0, 'ids.files_id').value, 7);
        const euid = at(core, 0, 'thread_core.creds.euid');
        assert.equal(euid.value, 0);
        assert.equal(euid.path, 'core_entry.thread_core.creds.euid');
        assert.equal(
          at(core, 0, 'thread_core.creds.cap_prm[1]').display,
          '0x1ff (CAP_MAC_OVERRIDE, CAP_MAC_ADMIN, CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_READ, CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE)',
        );
        assert.equal(at(core, 0, 'thread_core.creds.lsm_profile').value, 'unconfined');
        assert.equal(at(core, 0, 'thread_core.creds.no_new_privs').value, 0);
        assert.equal(at(core, 0, 'thread_core.creds.cap_amb[0]').value, 0);
        assert.equal(passwd?.creds?.source.file, 'core-4242.img');
        assert.equal(passwd?.creds?.capAmb, 0n);
        assert.equal(passwd?.creds?.noNewPrivs, false);
        assert.equal(passwd?.creds?.lsmProfile, 'unconfined');
      }
      assert.deepEqual(
        {
          uid: passwd?.creds?.uid,
          euid: passwd?.creds?.euid,
          suid: passwd?.creds?.suid,
          fsuid: passwd?.creds?.fsuid,
          gid: passwd?.creds?.gid,
          prm: passwd?.creds?.capPrm,
          eff: passwd?.creds?.capEff,
          inh: passwd?.creds?.capInh,
          groups: passwd?.creds?.groups,
        },
        {
          uid: 500,
          euid: 0,
          suid: 0,
          fsuid: 0,
          gid: 500,
          prm: FULL_CAPS,
          eff: FULL_CAPS,
          inh: 0n,
          groups: [500, 42],
        },
      );
    });

    if (layout === 'v1') {
      it('decodes creds-<pid>.img and ids-<pid>.img of old dumps', () => {
        const creds = imageOf(dump, 'creds-4242.img');
        assert.deepEqual(
          creds.header.map((w) => w.name),
          ['CREDS'],
        );
        assert.equal(at(creds, 0, 'uid').value, 500);
        assert.equal(at(creds, 0, 'uid').offset, 8);
        assert.equal(at(creds, 0, 'euid').value, 0);
        const passwd = dump.processes.find((p) => p.pid === 4242);
        assert.equal(passwd?.creds?.source.file, 'creds-4242.img');
        assert.equal(passwd?.creds?.capAmb, null, 'old dumps have no ambient set');
        const ids = imageOf(dump, 'ids-4242.img');
        assert.equal(at(ids, 0, 'files_id').value, 7);
        assert.equal(passwd?.fdinfoFile, 'fdinfo-4242.img');
      });
    }

    it('decodes mm-<pid>.img: layout, exe, mappings', () => {
      const mm = imageOf(dump, 'mm-4242.img');
      assert.equal(at(mm, 0, 'mm_start_code').display, '0x400000');
      assert.equal(at(mm, 0, 'exe_file_id').value, 1);
      assert.equal(at(mm, 0, 'dumpable').value, 2);
      const vma = at(mm, 0, 'vmas[1]');
      assert.equal(vma.path, 'mm_entry.vmas[1]');
      assert.equal(at(mm, 0, 'vmas[1].start').value, 0x600000n);
      assert.equal(at(mm, 0, 'vmas[1].prot').display, '0x3 (PROT_READ | PROT_WRITE)');
      assert.equal(at(mm, 0, 'vmas[1].flags').display, '0x22 (MAP_PRIVATE | MAP_ANONYMOUS)');
      assert.equal(
        at(mm, 0, 'vmas[0].status').display,
        '0x41 (VMA_AREA_REGULAR | VMA_FILE_PRIVATE)',
      );
      assert.equal(at(mm, 0, 'vmas[0].fd').value, -1n);
      assert.equal(at(mm, 0, 'vmas[3].end').value, 0xffff_ffff_ff60_1000n);
      const passwd = dump.processes.find((p) => p.pid === 4242);
      assert.equal(passwd?.exe, '/bin/passwd');
      assert.equal(passwd?.dumpable, 2);
      assert.deepEqual(
        passwd?.vmas.map((v) => [v.start, v.end, v.path]),
        [
          [0x400000n, 0x401000n, '/bin/passwd'],
          [0x600000n, 0x602000n, null],
          [0x7ffd_0000n, 0x7ffd_2000n, null],
          [0xffff_ffff_ff60_0000n, 0xffff_ffff_ff60_1000n, null],
        ],
      );
      assert.equal(passwd?.vmas[1]?.source.offset, vma.offset);
    });

    it('decodes pagemap-<pid>.img and finds each run in pages-<id>.img', () => {
      const pagemap = imageOf(dump, 'pagemap-4242.img');
      assert.equal(at(pagemap, 0, 'pages_id').value, 1);
      assert.equal(pagemap.entries[0]?.message.type, 'pagemap_head');
      assert.equal(at(pagemap, 1, 'vaddr').display, '0x600000');
      if (layout === 'v1.1') {
        // CRIU 4.2 writes field 2 as 0 and the count in field 5.
        assert.equal(at(pagemap, 1, 'compat_nr_pages').value, 0);
        assert.equal(at(pagemap, 1, 'nr_pages').value, 2n);
        assert.equal(at(pagemap, 1, 'flags').display, '0x4 (PE_PRESENT)');
        assert.equal(at(pagemap, 3, 'flags').display, '0x1 (PE_PARENT)');
      } else {
        assert.equal(at(pagemap, 1, 'compat_nr_pages').value, 2);
        assert.equal(at(pagemap, 3, 'in_parent').value, true);
      }
      const runs = dump.processes.find((p) => p.pid === 4242)?.pagemap;
      assert.equal(runs?.pagesFile, 'pages-1.img');
      assert.equal(runs?.presentPages, 3);
      assert.deepEqual(
        runs?.runs.map((r) => [r.vaddr, r.nrPages, r.countField, r.flags, r.pagesOffset]),
        [
          [0x600000n, 2n, layout === 'v1.1' ? 'nr_pages' : 'compat_nr_pages', 4, 0],
          [0x7ffd_0000n, 1n, layout === 'v1.1' ? 'nr_pages' : 'compat_nr_pages', 4, 8192],
          [0x7ffd_1000n, 1n, layout === 'v1.1' ? 'nr_pages' : 'compat_nr_pages', 1, null],
        ],
      );
      // The third page of pages-1.img is the stack's, whose address the writer put at its start.
      const pages = contents['pages-1.img'] as Uint8Array;
      assert.equal(
        new DataView(pages.buffer, pages.byteOffset).getBigUint64(8192, true),
        0x7ffd_0000n,
      );
      assert.ok(dump.rawFiles.some((file) => file.name === 'pages-1.img' && file.role === 'pages'));
    });

    it('decodes fdinfo and the files they name', () => {
      const fdinfo = imageOf(dump, layout === 'v1.1' ? 'fdinfo-7.img' : 'fdinfo-4242.img');
      assert.equal(at(fdinfo, 1, 'fd').value, 3);
      assert.equal(at(fdinfo, 1, 'id').value, 3);
      assert.equal(at(fdinfo, 1, 'type').display, 'REG (1)');
      assert.equal(at(fdinfo, 1, 'flags').display, '0x1 (FD_CLOEXEC)');
      const passwd = dump.processes.find((p) => p.pid === 4242);
      assert.deepEqual(
        passwd?.fds.map((fd) => [fd.fd, fd.type, fd.cloexec, fd.file?.reg?.path ?? null]),
        [
          [0, 'REG', false, '/dev/null'],
          [3, 'REG', true, '/etc/shadow'],
          ...(layout === 'v1.1' ? [[4, 'PIPE', false, null]] : []),
        ],
      );
      if (layout === 'v1.1') {
        const files = imageOf(dump, 'files.img');
        assert.equal(at(files, 2, 'type').display, 'REG (1)');
        assert.equal(at(files, 2, 'reg.name').value, '/etc/shadow');
        assert.equal(at(files, 2, 'reg.flags').display, '0x8002 (O_RDWR | O_LARGEFILE)');
        assert.equal(at(files, 2, 'reg.mode').display, '0o100640');
        assert.equal(at(files, 4, 'type').display, 'PIPE (2)');
        // A pipe's own message is not described here: its fields are kept as unknown ones.
        assert.equal(at(files, 4, 'pipe.#2').value, 0x8000n);
        assert.equal(dump.files.get(3)?.reg?.mode, 0o100640);
      } else {
        const reg = imageOf(dump, 'reg-files.img');
        assert.deepEqual(
          reg.header.map((w) => w.name),
          ['REG_FILES'],
        );
        assert.equal(at(reg, 2, 'name').value, '/etc/shadow');
        assert.equal(dump.files.get(3)?.reg?.mode, null);
      }
    });

    if (layout === 'v1.1') {
      it('decodes stats-dump.img behind the service magic', () => {
        const stats = imageOf(dump, 'stats-dump.img');
        assert.deepEqual(
          stats.header.map((w) => w.name),
          ['IMG_SERVICE', 'STATS'],
        );
        assert.equal(at(stats, 0, 'dump.freezing_time').value, 120);
        assert.equal(at(stats, 0, 'dump.frozen_time').value, 3400);
        assert.equal(at(stats, 0, 'dump.pages_written').value, 3n);
      });

      it('finds the raw bytes after a pipe-data entry', () => {
        const pipes = imageOf(dump, 'pipes-data.img');
        const entry = pipes.entries[0];
        assert.deepEqual(entry?.extra, { offset: 8 + 4 + 4, size: 5 });
        assert.equal(entry?.size, 4 + 4 + 5);
        const bytes = contents['pipes-data.img'] as Uint8Array;
        assert.equal(new TextDecoder().decode(bytes.subarray(16, 21)), 'hello');
      });

      it('lists an image it has no schema for with every field unknown', () => {
        const fs = imageOf(dump, 'fs-4242.img');
        assert.equal(fs.kind, null);
        assert.deepEqual(
          fs.header.map((w) => w.name),
          ['IMG_COMMON', 'FS'],
        );
        assert.deepEqual(
          fs.entries[0]?.message.fields.map((f) => [f.name, f.value, f.known]),
          [
            ['#1', 5n, false],
            ['#2', 6n, false],
          ],
        );
      });
    }

    it('names no field it does not know as known', () => {
      for (const image of dump.images)
        for (const entry of image.entries)
          for (const field of leaves(entry.message.fields))
            if (field.name.startsWith('#')) assert.equal(field.known, false);
      assert.equal(
        fieldNamed(imageOf(dump, 'pstree.img').entries[0]?.message.fields, 'pid')?.known,
        true,
      );
    });
  });
}
