/**
 * A restart reads its image through a descriptor; whether that descriptor is of a file of the
 * emulated VFS or of a host file over the same bytes (the file also in the VFS at the same path,
 * as the image editor's Restart This Image… sets it up) changes nothing the caller sees: the same
 * verdict, reason, checks (reasons included) and restored tasks, for every example image, user
 * and flag combination.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createKernel, defaultWorld, RestartFlag } from '../../../extension/kernel/index';
import { CLOCK } from './helpers';

const imagesDir = path.join(__dirname, '..', '..', '..', 'examples', 'images');
const users = ['root', 'daemon', 'hallyn', 'oren'];
const flagSets = [
  0,
  RestartFlag.TASKSELF,
  RestartFlag.FROZEN,
  RestartFlag.KEEP_LSM,
  RestartFlag.TASKSELF + RestartFlag.FROZEN,
  RestartFlag.FROZEN + RestartFlag.KEEP_LSM,
];

describe('restart from a host descriptor over the VFS file’s bytes', () => {
  const names = readdirSync(imagesDir).filter((name) => name.endsWith('.crimg'));

  it('finds the example images', () => {
    assert.ok(names.length >= 5, `only ${names.length} images`);
  });

  for (const name of names) {
    it(`${name}: the same outcome as from the VFS path`, () => {
      const bytes = new Uint8Array(readFileSync(path.join(imagesDir, name)));
      const file = `/tmp/${name}`;
      for (const user of users) {
        for (const flags of flagSets) {
          const fromPath = createKernel({ world: defaultWorld(), clock: CLOCK });
          fromPath.writeFile(file, bytes, { mode: 0o644, uid: 0, gid: 0 });
          const expected = fromPath.restartAs(user, file, flags);
          const fromHost = createKernel({ world: defaultWorld(), clock: CLOCK });
          const copy = bytes.slice();
          fromHost.writeFile(file, copy, { mode: 0o644, uid: 0, gid: 0, adopt: true });
          const actual = fromHost.restartAs(user, { path: file, bytes: copy }, flags);
          const what = `${name} as ${user}, flags ${flags}`;
          assert.equal(actual.ret, expected.ret, what);
          assert.equal(actual.errno, expected.errno, what);
          assert.equal(actual.reason, expected.reason, what);
          assert.deepEqual(actual.checks, expected.checks, what);
          assert.deepEqual(fromHost.tasks(), fromPath.tasks(), what);
        }
      }
    });
  }
});
