/**
 * Seeded mutation of a valid image through sys_restart: no crash, a check record naming the
 * failure, nothing created on failure, and never more privilege than the caller had.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readImage, writeImage } from '../../../extension/image/index';
import type { CheckpointImage } from '../../../extension/image/index';
import type { SourceItem } from '../../../extension/kernel/index';
import { defaultWorld, imm, v } from '../../../extension/kernel/index';
import { boot, bytesOf, idle, runUntil, spawn, withProgram } from './helpers';

/** Uniform draws in [0, 1) from fast-check's seeded generator (no bias towards the edges). */
const uniform = fc.noBias(fc.integer({ min: 0, max: 0xffff_ffff })).map((n) => n / 0x1_0000_0000);

/** A draw function over `g`, for the imperative rounds below. */
function drawer(g: fc.GeneratorValue): () => number {
  return () => g(() => uniform);
}

const ITEMS: SourceItem[] = [
  { op: 'open', path: '/tmp/notes', flags: 0x42, mode: 0o644, dst: 'notes' },
  { op: 'write', fd: v('notes'), text: 'hello' },
  { op: 'open', path: '/etc/passwd', flags: 0, dst: 'pw' },
  { op: 'mmap', pages: imm(1), prot: 1, fd: v('pw'), dst: 'map' },
  { op: 'mmap', pages: imm(1), prot: 3, dst: 'buf' },
  { op: 'store', addr: v('buf'), data: { text: 'data' } },
  { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/h.crimg', dst: 'crid' },
  ...idle(),
];

describe('restart under seeded mutation (fuzz)', () => {
  it('never crashes, always names the failing check, and never grants more than the caller holds', function () {
    this.timeout(60_000);
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/notes', ITEMS));
    const shell = spawn(kernel, 'hallyn', '/bin/sh');
    const notes = spawn(kernel, 'hallyn', '/usr/bin/notes', { parent: shell });
    runUntil(kernel, notes, 'checkpoint');
    const original = bytesOf(kernel, '/tmp/h.crimg');
    const read = readImage(original);
    assert.ok(read.ok);
    // Mutate the record headers and payloads, not the page contents (they are plain data).
    const structure = read.records.map(
      (record) => [record.offset, record.offset + 8 + record.len] as const,
    );
    let restored = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const random = drawer(g);
        const bytes = original.slice();
        const flips = 1 + Math.floor(random() * 3);
        for (let flip = 0; flip < flips; flip++) {
          const [start, end] = structure[Math.floor(random() * structure.length)] ?? [0, 8];
          const at = start + Math.floor(random() * (end - start));
          bytes[at] = Math.floor(random() * 256);
        }
        kernel.writeFile('/tmp/fuzz.crimg', bytes, { uid: 500, gid: 500 });
        const tasksBefore = kernel.tasks().length;
        const memoryBefore = kernel.memoryInUse();
        const result = kernel.restartAs('hallyn', '/tmp/fuzz.crimg', 0);
        if (result.ret === 0) {
          restored++;
          for (const pid of result.restored ?? []) {
            const task = kernel.task(pid);
            assert.ok(task);
            for (const id of [task.cred.uid, task.cred.euid, task.cred.suid, task.cred.fsuid])
              assert.equal(id, 500);
            for (const id of [task.cred.gid, task.cred.egid, task.cred.sgid, task.cred.fsgid])
              assert.equal(id, 500);
            assert.ok(task.cred.groups.every((gid) => gid === 500));
            assert.equal(task.cred.capPermitted, 0n);
            assert.equal(task.cred.capEffective, 0n);
            kernel.run(pid, { steps: 20 });
            kernel.freeze(pid);
          }
        } else {
          refused++;
          const failed = result.checks.at(-1);
          assert.ok(failed);
          assert.equal(failed.result, 'fail');
          assert.equal(failed.errno, result.errno);
          assert.ok(failed.reason.length > 0);
          assert.equal(kernel.tasks().length, tasksBefore);
          assert.equal(kernel.memoryInUse(), memoryBefore);
        }
      }),
      { seed: 0xc0ffee, numRuns: 300 },
    );
    assert.ok(refused > 0 && restored > 0, `${refused} refused, ${restored} restored`);
  });

  it('decoded-field mutations: whatever restarts holds only ids, capabilities, files and mappings hallyn could get himself', function () {
    this.timeout(60_000);
    const kernel = boot(withProgram(defaultWorld(), '/usr/bin/notes', ITEMS));
    const shell = spawn(kernel, 'hallyn', '/bin/sh');
    const notes = spawn(kernel, 'hallyn', '/usr/bin/notes', { parent: shell });
    runUntil(kernel, notes, 'checkpoint');
    let random: () => number = () => 0;
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const ids = [0, 1, 42, 500, 501];
    const paths = [
      '/etc/shadow',
      '/etc/passwd',
      '/tmp/notes',
      '/home/oren',
      '/bin/passwd',
      '/dev/null',
      '/tmp/h.crimg',
    ];
    let restored = 0;
    fc.assert(
      fc.property(fc.gen(), (g) => {
        random = drawer(g);
        const read = readImage(bytesOf(kernel, '/tmp/h.crimg'));
        assert.ok(read.ok);
        const image: CheckpointImage = read.image;
        const task = image.tasks[0];
        assert.ok(task);
        switch (Math.floor(random() * 6)) {
          case 0:
            task.cred.uid = pick(ids);
            task.cred.euid = pick(ids);
            task.cred.fsuid = task.cred.euid;
            break;
          case 1:
            task.cred.egid = pick(ids);
            task.cred.groups = [...new Set([pick(ids), pick(ids)])].sort((a, b) => a - b);
            break;
          case 2:
            task.cred.cap_permitted = 1n << BigInt(Math.floor(random() * 41));
            task.cred.cap_effective = random() < 0.5 ? task.cred.cap_permitted : 0n;
            break;
          case 3: {
            const file = pick(image.openFiles);
            file.path = pick(paths);
            file.f_flags = pick([0, 1, 2]);
            file.f_mode = file.f_flags === 0 ? 1 : file.f_flags === 1 ? 2 : 3;
            file.fd_type = 1;
            break;
          }
          case 4: {
            const vma = pick(task.vmas.filter((candidate) => candidate.file !== null));
            vma.file = pick(paths);
            vma.vm_page_prot = pick([1, 3, 5, 7]);
            vma.vm_flags = vma.vm_page_prot | (random() < 0.5 ? 0x8 : 0);
            break;
          }
          default:
            task.mm.exe = pick(paths);
        }
        let bytes: Uint8Array;
        try {
          bytes = writeImage(image);
        } catch {
          return; // a combination the writer cannot encode is not a restart input
        }
        kernel.writeFile('/tmp/fuzz.crimg', bytes, { uid: 500, gid: 500 });
        const result = kernel.restartAs('hallyn', '/tmp/fuzz.crimg', 0);
        if (result.ret !== 0) {
          assert.equal(result.checks.at(-1)?.errno, result.errno);
          return;
        }
        restored++;
        const pid = result.restored?.[0] ?? -1;
        const info = kernel.task(pid);
        assert.ok(info);
        assert.deepEqual(
          [info.cred.uid, info.cred.euid, info.cred.suid, info.cred.fsuid],
          [500, 500, 500, 500],
        );
        assert.deepEqual([info.cred.egid, info.cred.groups], [500, [500]]);
        assert.deepEqual([info.cred.capPermitted, info.cred.capEffective], [0n, 0n]);
        for (const fd of info.fds) {
          const reopened = kernel.openAs(shell, fd.path, fd.flags & 3);
          assert.ok(
            reopened >= 0,
            `hallyn could not open ${fd.path} with flags ${fd.flags & 3} himself`,
          );
        }
        for (const vma of info.vmas.filter((candidate) => candidate.file !== null)) {
          assert.ok(
            kernel.openAs(shell, vma.file ?? '', 0) >= 0,
            `hallyn could not read ${vma.file ?? ''}`,
          );
        }
        kernel.freeze(pid);
        kernel.run(shell, { steps: 1 });
      }),
      { seed: 42, numRuns: 200 },
    );
    assert.ok(restored > 0);
  });
});
