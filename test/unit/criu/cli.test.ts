/** `crlab criu show` and `crlab criu who-may-restart` on dumps written to a scratch folder. */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli, crlab, oneLine, scratchDir } from '../cli/run-crlab';
import { sampleDump, singleTaskDump, writeDumpFolder } from './dump-writer';

describe('crlab criu', function () {
  this.timeout(120_000);
  let dump = '';
  let old = '';
  let single = '';
  let broken = '';
  before(() => {
    buildCli();
    const scratch = scratchDir();
    dump = join(scratch, 'dump');
    old = join(scratch, 'old');
    single = join(scratch, 'single');
    broken = join(scratch, 'broken');
    writeDumpFolder(dump, sampleDump('v1.1'));
    writeDumpFolder(old, sampleDump('v1'));
    writeDumpFolder(single, singleTaskDump());
    const files = sampleDump('v1.1');
    files['mm-4242.img'] = (files['mm-4242.img'] as Uint8Array).subarray(0, 40);
    writeDumpFolder(broken, files);
  });

  it('show: the process tree, then files, entries and fields with offsets and types', () => {
    const result = crlab(['criu', 'show', dump]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /: CRIU dump, img_version 2, 17 files, 2 processes, 0 problems$/m);
    assert.match(
      result.stdout,
      /^ {2}pid 4242: passwd · uid 500 euid 0 · caps ALL \(41 capabilities\) · 2 threads$/m,
    );
    assert.match(result.stdout, /^ {4}pid 4250: sh · uid 500$/m);
    assert.match(
      result.stdout,
      /^\s+0x0 {6}core-4242\.img {2}\[CORE image, 221 B\] {2}thread leader 4242: passwd$/m,
    );
    assert.match(result.stdout, /^\s+0x17 {8}threads\[0\] {2}\[repeated uint32, 3 B\] {2}4242$/m);
    assert.match(result.stdout, /#99 {2}\[unknown varint, 3 B\] {2}7 \(unknown to our schema\)$/m);
    assert.match(result.stdout, /nr_pages {2}\[uint64, 2 B\] {2}2$/m);
    // Pages are listed only with --pages.
    assert.doesNotMatch(result.stdout, /page 0x600000/);
    const pages = crlab(['criu', 'show', dump, '--pages']);
    assert.match(
      pages.stdout,
      /page 0x601000 {2}\[4 KiB page, 4096 B\] {2}pages-1\.img at 0x1000$/m,
    );
    assert.match(pages.stdout, /000000601000 {2}00 10 60 00 00 00 00 00 a2 a2 a2 a2 a2 a2 a2 a2/);
  });

  it('show --json: processes and every field with offset, size, type and value', () => {
    const result = crlab(['criu', 'show', dump, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {
      inventory: { imgVersion: number };
      processes: { pid: number; creds: { euid: number; cap_eff: string }; exe: string }[];
      files: {
        name: string;
        entries: { fields: { field: string; offset: number; value: unknown; known: boolean }[] }[];
      }[];
      problems: unknown[];
    };
    assert.equal(json.inventory.imgVersion, 2);
    assert.deepEqual(
      json.processes.map((p) => [p.pid, p.creds.euid, p.creds.cap_eff, p.exe]),
      [
        [4242, 0, '0x1ffffffffff', '/bin/passwd'],
        [4250, 500, '0x0', '/bin/sh'],
      ],
    );
    const inventory = json.files.find((f) => f.name === 'inventory.img');
    const unknown = inventory?.entries[0]?.fields.find((f) => f.field === 'inventory_entry.#13');
    assert.deepEqual(
      [unknown?.offset, unknown?.value, unknown?.known],
      [24, Buffer.from('criu-run-0042').toString('hex'), false],
    );
    assert.deepEqual(json.problems, []);
  });

  it('show reads an img_version 1 dump', () => {
    const result = crlab(['criu', 'show', old]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /img_version 1,/);
    assert.match(result.stdout, /creds-4242\.img {2}\[CREDS image/);
  });

  it('show: a damaged dump shows what parses, then its problems (exit 1)', () => {
    const result = crlab(['criu', 'show', broken]);
    assert.equal(result.status, 1);
    assert.match(
      result.stdout,
      /^problems:\n {2}mm-4242\.img at 0x8 \(entry\[0\]\.size\): entry size 177 runs past the end of the file \(28 bytes left\)$/m,
    );
    assert.match(
      oneLine(result.stderr),
      /^crlab: .*broken: 1 problem, the first: mm-4242\.img at 0x8 \(entry\[0\]\.size\)/,
    );
  });

  it('show: not a directory is a usage error', () => {
    const result = crlab(['criu', 'show', join(dump, 'pstree.img')]);
    assert.equal(result.status, 2);
    assert.match(oneLine(result.stderr), /not a directory/);
  });

  it('who-may-restart: a line per user, the refusing check and where in the dump', () => {
    const result = crlab(['criu', 'who-may-restart', single]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^root \(uid 0\): may restart it$/m);
    assert.match(
      result.stdout,
      /^hallyn \(uid 500\): refused by restart\.creds\.uid EPERM \[core-4242\.img at 0x[0-9a-f]+, core_entry\.thread_core\.creds\]: euid 0 is not one of/m,
    );
    assert.match(result.stdout, /^What the mapping cannot know:$/m);
    const caller = crlab([
      'criu',
      'who-may-restart',
      single,
      '--sysctl',
      'kernel.ckpt_restore_creds=caller',
      '--json',
    ]);
    const json = JSON.parse(caller.stdout) as {
      rows: { user: string; refusedBy: string; errno: string }[];
    };
    assert.deepEqual(
      json.rows.map((r) => [r.user, r.refusedBy, r.errno]),
      [
        ['root', null, null],
        ['daemon', 'restart.file.open', 'EACCES'],
        ['hallyn', 'restart.file.open', 'EACCES'],
        ['oren', 'restart.file.open', 'EACCES'],
      ],
    );
  });

  it("who-may-restart in a scenario's world", () => {
    const world = join(scratchDir(), 'world.crlab');
    writeFileSync(world, 'user alice 500\n');
    const result = crlab(['criu', 'who-may-restart', single, '--world', world]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /in a fresh kernel of the world of world\.crlab/);
    assert.match(result.stdout, /^alice \(uid 500\): refused by restart\.creds\.uid/m);
  });
});
