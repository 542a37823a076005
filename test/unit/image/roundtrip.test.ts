/**
 * The writer against the parser generated from crimg.ksy (the raw generated class), and
 * write -> readImage -> write identity.
 */
import assert from 'node:assert/strict';
import KaitaiStream from 'kaitai-struct/KaitaiStream';
import { Crimg } from '../../../extension/image/generated/Crimg';
import { HeadFlag, RecordType, type CheckpointImage } from '../../../extension/image/model';
import { readImage } from '../../../extension/image/reader';
import { PAGES_PER_PGARR, writeFailedImage, writeImage } from '../../../extension/image/writer';
import { formatImageError } from '../../../extension/image/index';
import { MACHINE_KEY, bigImage, containerImage, head, sampleImage, signedImage } from './fixtures';

function parseRaw(bytes: Uint8Array): Crimg {
  return new Crimg(
    new KaitaiStream(new DataView(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length)),
  );
}

function bodyOf<T>(record: Crimg.Record, cls: new (...args: never[]) => T): T {
  assert.ok(record.body instanceof cls, `record ${record.hdr.type} body is not ${cls.name}`);
  return record.body as T;
}

/** Compares the generated parser's view of `bytes` with the model it was written from. */
function assertParsedMatches(bytes: Uint8Array, image: CheckpointImage): void {
  const parsed = parseRaw(bytes);
  const records = parsed.records;
  assert.equal(records[0]?.hdr.type, RecordType.HEAD);
  const headBody = bodyOf(records[0] as Crimg.Record, Crimg.Head);
  assert.deepEqual(
    [headBody.major, headBody.minor, headBody.patch, headBody.rev, headBody.time, headBody.flags],
    [
      image.head.major,
      image.head.minor,
      image.head.patch,
      image.head.rev,
      image.head.time,
      image.head.flags,
    ],
  );
  assert.equal(headBody.release, image.head.release);
  assert.equal(headBody.machine, image.head.machine);
  assert.equal(headBody.isCkpt, true);

  const tree = records.find((r) => r.hdr.type === RecordType.TREE);
  assert.ok(tree);
  const treeBody = bodyOf(tree, Crimg.Tree);
  assert.deepEqual(
    treeBody.tasks.map((t) => [t.vpid, t.vppid, t.vtgid, t.nspid, t.nsdepth, t.flags]),
    image.tree.map((t) => [t.vpid, t.vppid, t.vtgid, t.nspid, t.nsdepth, t.flags]),
  );

  const tasks = records.filter((r) => r.hdr.type === RecordType.TASK);
  assert.equal(tasks.length, image.tasks.length);
  const creds = records.filter((r) => r.hdr.type === RecordType.CRED);
  const cpus = records.filter((r) => r.hdr.type === RecordType.CPU);
  const vmas = records.filter((r) => r.hdr.type === RecordType.VMA);
  const fdEnts = records.filter((r) => r.hdr.type === RecordType.FD_ENT);
  let vmaIndex = 0;
  let fdIndex = 0;
  image.tasks.forEach((t, i) => {
    const taskRec = tasks[i] as Crimg.Record;
    assert.equal(taskRec.hdr.parent, t.vpid);
    const task = bodyOf(taskRec, Crimg.Task);
    assert.equal(task.state, t.task.state);
    assert.equal(task.taskCommLen, new TextEncoder().encode(t.task.comm).length);
    const cred = bodyOf(creds[i] as Crimg.Record, Crimg.Cred);
    assert.deepEqual(
      [cred.uid, cred.euid, cred.suid, cred.fsuid, cred.gid, cred.ngroups, cred.capBset],
      [
        t.cred.uid,
        t.cred.euid,
        t.cred.suid,
        t.cred.fsuid,
        t.cred.gid,
        t.cred.groups.length,
        Number(t.cred.cap_bset),
      ],
    );
    const cpu = bodyOf(cpus[i] as Crimg.Record, Crimg.Cpu);
    assert.deepEqual(cpu.regs, t.cpu.regs);
    assert.equal(cpu.pc, t.cpu.pc);
    for (const vma of t.vmas) {
      const v = bodyOf(vmas[vmaIndex++] as Crimg.Record, Crimg.Vma);
      assert.deepEqual(
        [v.vmaType, v.vmStart, v.vmEnd, v.vmPageProt, v.vmFlags, v.vmPgoff],
        [vma.vma_type, vma.vm_start, vma.vm_end, vma.vm_page_prot, vma.vm_flags, vma.vm_pgoff],
      );
    }
    for (const fd of t.files.fds) {
      const f = bodyOf(fdEnts[fdIndex++] as Crimg.Record, Crimg.FdEnt);
      assert.deepEqual([f.objref, f.fd, f.closeOnExec], [fd.objref, fd.fd, fd.close_on_exec]);
    }
  });
  // Each open file's FD_DATA appears exactly once, in order of first appearance.
  const fdData = records.filter((r) => r.hdr.type === RecordType.FD_DATA).map((r) => r.hdr.parent);
  const used = image.tasks.flatMap((t) => t.files.fds.map((fd) => fd.objref));
  assert.deepEqual(fdData, [...new Set(used)]);
  assert.equal(records.at(-1)?.hdr.type, RecordType.TAIL);
}

describe('image writer: round trips through the generated parser', () => {
  it('a single task', () => {
    const image = sampleImage();
    assertParsedMatches(writeImage(image), image);
  });

  it('a 3-task container with a nested pid namespace', () => {
    const image = containerImage();
    const bytes = writeImage(image);
    assertParsedMatches(bytes, image);
    const tree = parseRaw(bytes).records.find((r) => r.hdr.type === RecordType.TREE);
    const entries = bodyOf(tree as Crimg.Record, Crimg.Tree).tasks;
    assert.equal(entries[2]?.isNsInit, true);
    assert.equal(entries[2]?.nsdepth, 1);
  });

  it('10 000 touched pages: chunks of 1024, all-zero pages skipped', function () {
    this.timeout(60_000);
    const image = bigImage(10_000);
    const bytes = writeImage(image);
    assertParsedMatches(bytes, image);
    const records = parseRaw(bytes).records;
    let recordIndex = 0;
    for (const vma of image.tasks[0]?.vmas ?? []) {
      const nonZero = vma.pages.filter((p) => p.data.some((b) => b !== 0));
      assert.ok(nonZero.length < vma.pages.length, 'the fixture has zero pages to skip');
      while (
        records[recordIndex]?.hdr.type !== RecordType.VMA ||
        bodyOf(records[recordIndex] as Crimg.Record, Crimg.Vma).vmStart !== vma.vm_start
      ) {
        recordIndex++;
      }
      recordIndex++;
      const chunks: Crimg.Record[] = [];
      for (;;) {
        const rec = records[recordIndex++] as Crimg.Record;
        assert.equal(rec.hdr.type, RecordType.PGARR);
        chunks.push(rec);
        if (bodyOf(rec, Crimg.Pgarr).nrPages === 0) break;
      }
      const counts = chunks.map((c) => bodyOf(c, Crimg.Pgarr).nrPages);
      const expected: number[] = [];
      for (let left = nonZero.length; left > 0; left -= PAGES_PER_PGARR)
        expected.push(Math.min(left, PAGES_PER_PGARR));
      expected.push(0);
      assert.deepEqual(counts, expected);
      const addrs = chunks.flatMap((c) => c.addrs ?? []);
      assert.deepEqual(
        addrs,
        nonZero.map((p) => p.addr),
      );
      const pages = chunks.flatMap((c) => c.pages ?? []);
      nonZero.forEach((p, i) => assert.deepEqual(pages[i], p.data));
    }
  });

  it('write -> readImage -> write gives identical bytes', function () {
    this.timeout(60_000);
    const signingKey = { keyId: 'machine', key: MACHINE_KEY };
    const cases: Array<[CheckpointImage, { signingKey?: typeof signingKey }]> = [
      [sampleImage(), {}],
      [containerImage(), {}],
      [signedImage(), { signingKey }],
      [bigImage(10_000), {}],
    ];
    for (const [image, opts] of cases) {
      const bytes = writeImage(image, opts);
      const result = readImage(bytes, { keys: { machine: MACHINE_KEY } });
      assert.ok(result.ok, result.ok ? '' : formatImageError(result.error));
      assert.deepEqual(writeImage(result.image, opts), bytes);
    }
  });

  it('readImage decodes what was written, with record offsets', () => {
    const image = containerImage();
    const bytes = writeImage(image);
    const result = readImage(bytes);
    assert.ok(result.ok);
    const decoded = result.image;
    assert.deepEqual(decoded.tree, image.tree);
    assert.equal(decoded.tasks.length, 3);
    const t = decoded.tasks[2];
    const src = image.tasks[2];
    assert.ok(t && src);
    assert.equal(t.task.comm, src.task.comm);
    assert.deepEqual(t.cred.groups, src.cred.groups);
    assert.equal(t.cred.label, src.cred.label);
    assert.equal(t.cred.cap_bset, src.cred.cap_bset);
    assert.equal(t.mm.exe, src.mm.exe);
    assert.deepEqual(t.cpu.regs, src.cpu.regs);
    assert.deepEqual(
      decoded.openFiles.map((f) => [f.objref, f.path, f.label]),
      [
        [1, '/dev/null', null],
        [2, '/etc/passwd', 'etc_t'],
        [3, '/', null],
      ],
    );
    for (const rec of [t.task, t.cred, t.mm, t.files, t.cpu, ...t.vmas]) {
      assert.equal(typeof rec.offset, 'number');
    }
    const summaryTypes = new Set(result.records.map((r) => r.name));
    for (const name of [
      'HEAD',
      'TREE',
      'TASK',
      'CRED',
      'MM',
      'VMA',
      'PGARR',
      'FILES',
      'FD_ENT',
      'FD_DATA',
      'CPU',
      'TAIL',
    ]) {
      assert.ok(summaryTypes.has(name), name);
    }
    const taskSummary = result.records.find((r) => r.offset === t.task.offset);
    assert.equal(taskSummary?.name, 'TASK');
    assert.equal(bytes[t.task.offset ?? -1], RecordType.TASK);
  });

  it('writes texts in UTF-8 as TextEncoder does: two-, three- and four-byte characters, lone surrogates', () => {
    const texts = [
      'é',
      'naïve/日本',
      'emoji 😀 pair',
      'lone \uD800 high',
      'lone \uDC00 low',
      'end \uD83D',
      'high, then two bytes \uD800é',
    ];
    const utf8 = new TextEncoder();
    for (const text of texts) {
      const image = containerImage();
      const task = image.tasks[2];
      const file = image.openFiles[1];
      assert.ok(task && file);
      task.task.comm = text;
      task.mm.exe = `/usr/bin/${text}`;
      file.path = `/etc/${text}`;
      file.label = `label ${text}`;
      image.head.release = text;
      const bytes = writeImage(image);
      const read = readImage(bytes);
      assert.ok(read.ok, read.ok ? '' : read.error.message);
      const decode = (value: string): string => new TextDecoder().decode(utf8.encode(value));
      const back = read.image.tasks[2];
      assert.equal(back?.task.comm, decode(text));
      assert.equal(back?.mm.exe, decode(`/usr/bin/${text}`));
      assert.equal(read.image.head.release, decode(text));
      const backFile = read.image.openFiles.find((open) => open.objref === file.objref);
      assert.equal(backFile?.path, decode(`/etc/${text}`));
      assert.equal(backFile?.label, decode(`label ${text}`));
      // TASK's comm length is the STRING's bytes without the NUL.
      const raw = parseRaw(bytes);
      const comms = raw.records
        .filter((record) => record.hdr.type === RecordType.TASK)
        .map((record) => bodyOf(record, Crimg.Task).taskCommLen);
      assert.equal(comms[2], utf8.encode(text).length);
    }
    // A char array counts bytes, not characters: 63 bytes fit char[64], 64 do not.
    const fits = sampleImage();
    fits.head.release = 'x'.repeat(61) + 'é';
    assert.ok(readImage(writeImage(fits)).ok);
    const long = sampleImage();
    long.head.release = 'x'.repeat(62) + 'é';
    assert.throws(() => writeImage(long), /HEAD.release: 64 bytes do not fit char\[64\]/);
  });

  it('signs with HMAC-SHA256 over every byte before the signature', () => {
    const bytes = writeImage(signedImage(), { signingKey: { keyId: 'machine', key: MACHINE_KEY } });
    const result = readImage(bytes, { keys: { machine: MACHINE_KEY } });
    assert.ok(result.ok && result.signature === 'verified');
    assert.throws(() => writeImage(signedImage()), /signingKey/);
    const unsigned = sampleImage();
    assert.equal(unsigned.head.flags & HeadFlag.SIGNED, 0);
    assert.equal(
      readImage(writeImage(unsigned, { signingKey: { keyId: 'machine', key: MACHINE_KEY } })).ok,
      true,
    );
  });

  it('writes failed images with ERROR and a STRING', () => {
    const long = 'é'.repeat(3000);
    const bytes = writeFailedImage(head(), long);
    const result = readImage(bytes);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.error.errno, 'EIO');
      assert.ok(long.startsWith(result.error.message));
      assert.ok(new TextEncoder().encode(result.error.message).length <= 4095);
    }
    const withNul = readImage(writeFailedImage(head(), 'a\0b'));
    assert.ok(!withNul.ok && withNul.error.errno === 'EIO' && withNul.error.message === 'a\\0b');
  });

  it('reads bytes that sit at an odd offset of a larger buffer', () => {
    const bytes = writeImage(containerImage());
    const backing = new Uint8Array(bytes.length + 7);
    backing.fill(0xee);
    backing.set(bytes, 3);
    const shifted = backing.subarray(3, 3 + bytes.length);
    const result = readImage(shifted);
    assert.ok(result.ok, result.ok ? '' : formatImageError(result.error));
    assert.deepEqual(writeImage(result.image), bytes);
    const truncated = readImage(backing.subarray(3, 3 + bytes.length - 1));
    assert.ok(!truncated.ok && truncated.error.errno === 'EPIPE');
  });

  it('formats errors as one line', () => {
    assert.equal(
      formatImageError({
        errno: 'EINVAL',
        offset: 0x1a40,
        field: 'VMA.vm_end',
        message: '0x800000001000 is above TASK_SIZE',
      }),
      'EINVAL at 0x1a40 (VMA.vm_end): 0x800000001000 is above TASK_SIZE',
    );
  });
});
