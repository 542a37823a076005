/**
 * Truncated, oversized and hostile dumps: every problem names the file, the offset and the
 * field, nothing throws, nothing is allocated by a size the bytes do not back, and what came
 * before the damage is kept.
 */
import assert from 'node:assert/strict';
import { readDump, type CriuDump } from '../../../extension/criu/dump';
import type { DumpProblem } from '../../../extension/criu/image-file';
import { IMG_COMMON_MAGIC } from '../../../extension/criu/magic';
import {
  MemoryDump,
  entry,
  header,
  image,
  magic,
  message,
  pagemapEntry,
  pb,
  pstreeEntry,
  sampleDump,
  varint,
} from './dump-writer';

function readWith(changes: Record<string, Uint8Array | null>): CriuDump {
  const contents = sampleDump();
  for (const [name, bytes] of Object.entries(changes)) {
    if (bytes === null) delete contents[name];
    else contents[name] = bytes;
  }
  return readDump(new MemoryDump(contents));
}

function problemIn(dump: CriuDump, file: string, field: string | RegExp): DumpProblem {
  const found = dump.problems.find(
    (problem) =>
      problem.file === file &&
      (typeof field === 'string' ? problem.field === field : field.test(problem.field)),
  );
  assert.ok(found, `a problem in ${file} at ${String(field)}: ${JSON.stringify(dump.problems)}`);
  return found;
}

const v11 = (name: string, ...entries: Uint8Array[]): Uint8Array =>
  image(header(name, 'v1.1'), ...entries);

describe('criu: problems name the file, the offset and the field', () => {
  it('a file too short for its magic', () => {
    const dump = readWith({ 'core-4243.img': Uint8Array.of(0x19, 0x43) });
    const problem = problemIn(dump, 'core-4243.img', 'magic');
    assert.equal(problem.offset, 0);
    assert.match(problem.message, /2 bytes: too short for a magic/);
  });

  it('a file that ends after the common magic', () => {
    const dump = readWith({ 'core-4243.img': image([IMG_COMMON_MAGIC]) });
    const problem = problemIn(dump, 'core-4243.img', 'magic');
    assert.equal(problem.offset, 4);
    assert.match(problem.message, /own magic \(4 more bytes\) is missing/);
  });

  it('a file whose magic is another kind: named, and decoded as what it is', () => {
    const dump = readWith({
      'pstree.img': image(header('CORE', 'v1.1'), entry(message(pb.uint(1, 1)))),
    });
    const problem = problemIn(dump, 'pstree.img', 'magic');
    assert.equal(problem.offset, 4);
    assert.match(
      problem.message,
      /should start with PSTREE_MAGIC 0x50273030, not 0x55053847 \(CORE\)/,
    );
    const decoded = dump.images.find((file) => file.name === 'pstree.img');
    assert.equal(decoded?.kind, 'core');
    assert.equal(decoded?.entries[0]?.message.type, 'core_entry');
  });

  it('an image without the common magic in an img_version 2 dump, and one with it in a v1 dump', () => {
    const dump = readWith({
      'core-4243.img': image([magic('CORE')], entry(message(pb.uint(1, 1)))),
    });
    const problem = problemIn(dump, 'core-4243.img', 'magic');
    assert.equal(problem.offset, 0);
    assert.match(problem.message, /img_version 2, whose images start with IMG_COMMON_MAGIC/);
    // Read as v1 all the same: the entry is there.
    assert.equal(dump.images.find((f) => f.name === 'core-4243.img')?.entries.length, 1);

    const old = sampleDump('v1');
    old['core-4250.img'] = v11('CORE', entry(message(pb.uint(1, 1))));
    const oldDump = readDump(new MemoryDump(old));
    assert.match(
      problemIn(oldDump, 'core-4250.img', 'magic').message,
      /img_version 1, whose images have no common magic/,
    );
  });

  it('a service file with the image magic', () => {
    const dump = readWith({ 'stats-dump.img': v11('STATS', entry(message())) });
    assert.match(
      problemIn(dump, 'stats-dump.img', 'magic').message,
      /a service file starts with IMG_SERVICE_MAGIC/,
    );
  });

  it('an entry size cut off at the end of the file', () => {
    const whole = sampleDump()['pstree.img'] as Uint8Array;
    const cut = new Uint8Array([...whole, 0x05, 0x00]);
    const dump = readWith({ 'pstree.img': cut });
    const problem = problemIn(dump, 'pstree.img', 'entry[2].size');
    assert.equal(problem.offset, whole.length);
    assert.match(problem.message, /ends 2 bytes into the 4-byte size/);
    // The two whole entries before it are kept.
    assert.equal(dump.processes.length, 2);
  });

  it('an entry size larger than the bytes left', () => {
    const bytes = (sampleDump()['pstree.img'] as Uint8Array).slice();
    new DataView(bytes.buffer).setUint32(8, 0xffff_fff0, true);
    const dump = readWith({ 'pstree.img': bytes });
    const problem = problemIn(dump, 'pstree.img', 'entry[0].size');
    assert.equal(problem.offset, 8);
    assert.match(
      problem.message,
      /entry size 4294967280 runs past the end of the file \(\d+ bytes left\)/,
    );
    assert.equal(dump.processes.length, 0);
  });

  it('a file truncated inside an entry', () => {
    const whole = sampleDump()['mm-4242.img'] as Uint8Array;
    const dump = readWith({ 'mm-4242.img': whole.subarray(0, 40) });
    const problem = problemIn(dump, 'mm-4242.img', 'entry[0].size');
    assert.equal(problem.offset, 8);
    assert.match(problem.message, /runs past the end of the file \(28 bytes left\)/);
  });

  it('a nested length past the end of its message', () => {
    // core_entry.thread_core (5) claims 200 bytes and has 3.
    const payload = message(pb.uint(1, 1), Uint8Array.of((5 << 3) | 2, 200, 1), pb.uint(1, 0));
    const dump = readWith({ 'core-4243.img': v11('CORE', entry(payload)) });
    const problem = problemIn(dump, 'core-4243.img', 'core_entry.thread_core');
    assert.equal(problem.offset, 12 + 2);
    assert.match(problem.message, /length 200 runs past the end of the message \(2 bytes left\)/);
    // The field before the damage is kept.
    const core = dump.images.find((f) => f.name === 'core-4243.img');
    assert.equal(core?.entries[0]?.message.fields[0]?.name, 'mtype');
  });

  it('a varint cut off by the end of its message, inside a nested message', () => {
    const creds = message(pb.uint(1, 500), Uint8Array.of(2 << 3, 0x80));
    const payload = message(
      pb.uint(1, 1),
      pb.message(5, [pb.uint(1, 0), pb.uint(2, 24), pb.bytes(10, creds)]),
    );
    const dump = readWith({ 'core-4243.img': v11('CORE', entry(payload)) });
    const problem = problemIn(dump, 'core-4243.img', 'core_entry.thread_core.creds.gid');
    assert.match(problem.message, /the varint is cut off after 1 byte/);
    // mtype (2), thread_core's tag and length (2), futex fields (4), creds' tag and length (2),
    // then uid (3 bytes): the gid tag is at 12 + 13.
    assert.equal(problem.offset, 12 + 13);
  });

  it('a malformed tag', () => {
    const dump = readWith({ 'core-4243.img': v11('CORE', entry(Uint8Array.of(0x08, 0x01, 0x07))) });
    const problem = problemIn(dump, 'core-4243.img', 'core_entry (tag)');
    assert.equal(problem.offset, 14);
    assert.match(problem.message, /malformed field tag: .*wire type 7/);
  });

  it('a known field written with another wire type is kept as unknown, and said so', () => {
    const dump = readWith({
      'pstree.img': v11(
        'PSTREE',
        entry(message(pb.string(1, 'not a pid'), pb.uint(2, 1), pb.uint(3, 1), pb.uint(4, 1))),
      ),
    });
    const problem = problemIn(dump, 'pstree.img', 'pstree_entry.pid');
    assert.equal(problem.offset, 12);
    assert.match(problem.message, /written as bytes, but pid is uint32: kept as an unknown field/);
    const field = dump.images.find((f) => f.name === 'pstree.img')?.entries[0]?.message.fields[0];
    assert.equal(field?.known, false);
    assert.equal(field?.type, 'unknown bytes');
  });

  it('a missing required field', () => {
    const dump = readWith({ 'pstree.img': v11('PSTREE', entry(message(pb.uint(1, 4242)))) });
    const problem = problemIn(dump, 'pstree.img', 'pstree_entry.ppid');
    assert.equal(problem.offset, 12);
    assert.match(problem.message, /required field ppid \(2\) is missing/);
  });

  it('packed repeated numbers are decoded element by element with their own offsets', () => {
    const dump = readWith({
      'pstree.img': v11(
        'PSTREE',
        entry(
          message(
            pb.uint(1, 4242),
            pb.uint(2, 1),
            pb.uint(3, 1),
            pb.uint(4, 1),
            pb.packed(5, [4242, 4243, 300]),
          ),
        ),
      ),
    });
    const fields =
      dump.images.find((f) => f.name === 'pstree.img')?.entries[0]?.message.fields ?? [];
    const threads = fields.filter((f) => f.name === 'threads');
    assert.deepEqual(
      threads.map((f) => [f.path, f.value, f.offset, f.size]),
      [
        ['pstree_entry.threads[0]', 4242, 12 + 11, 2],
        ['pstree_entry.threads[1]', 4243, 12 + 13, 2],
        ['pstree_entry.threads[2]', 300, 12 + 15, 2],
      ],
    );
    assert.deepEqual(
      dump.processes[0]?.threads.map((t) => t.tid),
      [4242, 4243, 300],
    );
  });

  it('a pagemap whose count would reach past pages-<id>.img allocates nothing and says where', () => {
    const pagemap = v11(
      'PAGEMAP',
      entry(message(pb.uint(1, 1))),
      entry(pagemapEntry(0x600000n, 2, 4, '4.2')),
      entry(message(pb.uint(1, 0x601000n), pb.uint(2, 0), pb.uint(4, 4), pb.uint(5, 1n << 40n))),
      entry(pagemapEntry(0x700000n, 1, 4, '4.2')),
    );
    const dump = readWith({ 'pagemap-4242.img': pagemap });
    const problem = problemIn(dump, 'pagemap-4242.img', 'pagemap_entry.nr_pages');
    assert.match(
      problem.message,
      /1099511627776 pages from offset 8192 of pages-1\.img run past its end \(12288 bytes\)/,
    );
    const entry2 = dump.images.find((f) => f.name === 'pagemap-4242.img')?.entries[2];
    assert.equal(problem.offset, entry2?.message.fields.find((f) => f.name === 'nr_pages')?.offset);
    const runs = dump.processes[0]?.pagemap?.runs ?? [];
    assert.deepEqual(
      runs.map((r) => r.pagesOffset),
      [0, null, null],
    );
  });

  it('compat_nr_pages that disagrees with nr_pages', () => {
    const pagemap = v11(
      'PAGEMAP',
      entry(message(pb.uint(1, 1))),
      entry(message(pb.uint(1, 0x600000n), pb.uint(2, 7), pb.uint(4, 4), pb.uint(5, 3))),
    );
    const dump = readWith({ 'pagemap-4242.img': pagemap });
    const problem = problemIn(dump, 'pagemap-4242.img', 'pagemap_entry.compat_nr_pages');
    // The head entry takes 4 + 2 bytes; entry 1's message starts at 18, vaddr takes 5 bytes.
    assert.equal(problem.offset, 18 + 5);
    assert.match(problem.message, /compat_nr_pages 7 disagrees with nr_pages 3: nr_pages is used/);
  });

  it('a missing pages file, core, mm and fdinfo', () => {
    const dump = readWith({
      'pages-1.img': null,
      'core-4243.img': null,
      'mm-4250.img': null,
      'fdinfo-8.img': null,
    });
    assert.match(
      problemIn(dump, 'pagemap-4242.img', 'pagemap_head.pages_id').message,
      /pages-1\.img is not in the directory/,
    );
    const missing = dump.problems.filter((p) => p.file === 'pstree.img').map((p) => p.message);
    assert.ok(
      missing.some((m) => /core-4243\.img is not in the directory/.test(m)),
      missing.join('\n'),
    );
    assert.ok(missing.some((m) => /mm-4250\.img is not in the directory/.test(m)));
    assert.ok(missing.some((m) => /fdinfo-8\.img is not in the directory/.test(m)));
  });

  it('ids that name no file', () => {
    const dump = readWith({
      'fdinfo-8.img': v11(
        'FDINFO',
        entry(message(pb.uint(1, 77), pb.uint(2, 0), pb.uint(3, 1), pb.uint(4, 5))),
      ),
    });
    const problem = problemIn(dump, 'fdinfo-8.img', 'fdinfo_entry.id');
    assert.equal(problem.offset, 12);
    assert.match(problem.message, /descriptor 5 refers to file id 77/);
  });

  it('raw data after an entry that reaches past the end', () => {
    const dump = readWith({
      'pipes-data.img': v11(
        'PIPES_DATA',
        entry(message(pb.uint(1, 9), pb.uint(2, 1000)), Uint8Array.of(1, 2)),
      ),
    });
    const problem = problemIn(dump, 'pipes-data.img', 'pipe_data_entry.bytes');
    assert.match(
      problem.message,
      /1000 bytes of data should follow the entry, the file has 2 left/,
    );
  });

  it('raw data cut off: the entry is kept without it and is the last one read', () => {
    const dump = readWith({
      'pipes-data.img': v11(
        'PIPES_DATA',
        entry(message(pb.uint(1, 9), pb.uint(2, 1000)), Uint8Array.of(1, 2)),
        entry(message(pb.uint(1, 10), pb.uint(2, 0))),
      ),
    });
    problemIn(dump, 'pipes-data.img', 'pipe_data_entry.bytes');
    const entries = dump.images.find((image) => image.name === 'pipes-data.img')?.entries ?? [];
    assert.equal(
      entries.length,
      1,
      'what follows is taken as the cut-off data, not read as entries',
    );
    const [first] = entries;
    assert.equal(first?.extra, null);
    assert.equal(first.offset + first.size, first.payloadOffset + first.payloadSize);
  });

  it('an img_version that is neither 1 nor 2', () => {
    const dump = readWith({
      'inventory.img': image([magic('INVENTORY')], entry(message(pb.uint(1, 7)))),
    });
    const problem = problemIn(dump, 'inventory.img', 'inventory_entry.img_version');
    assert.equal(problem.offset, 8);
  });

  it('no inventory, no pstree', () => {
    const dump = readWith({ 'inventory.img': null, 'pstree.img': null });
    assert.match(problemIn(dump, 'inventory.img', 'file').message, /no inventory\.img/);
    assert.match(problemIn(dump, 'pstree.img', 'file').message, /no pstree\.img/);
    assert.deepEqual(dump.processes, []);
  });

  it('a duplicate pid and a cycle of parents', () => {
    const dump = readWith({
      'pstree.img': v11(
        'PSTREE',
        entry(pstreeEntry(4242, 4250, [4242])),
        entry(pstreeEntry(4250, 4242, [4250])),
        entry(pstreeEntry(4250, 1, [4250])),
      ),
    });
    assert.match(
      problemIn(dump, 'pstree.img', 'pstree_entry.pid').message,
      /pid 4250 appears twice/,
    );
    assert.match(problemIn(dump, 'pstree.img', 'pstree_entry.ppid').message, /form a cycle/);
    assert.equal(dump.roots.length, 1);
  });

  it('a size word of 2^32-1 on a tiny file, and a length varint of 10 bytes', () => {
    const dump = readWith({
      'core-4243.img': image(header('CORE', 'v1.1'), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1)),
      'core-4250.img': v11('CORE', entry(message(Uint8Array.of((3 << 3) | 2), varint(2n ** 63n)))),
    });
    assert.match(problemIn(dump, 'core-4243.img', 'entry[0].size').message, /4294967295 runs past/);
    assert.match(
      problemIn(dump, 'core-4250.img', 'core_entry.tc').message,
      /the length prefix \(10 bytes\) does not fit 32 bits/,
    );
  });
});
