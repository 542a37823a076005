/**
 * Where restored memory lives: a restart from a host file keeps the image's page bytes as the
 * task's memory (no copy), but never lets two tasks share them. A host that hands the same
 * bytes to a second restart gets a task whose memory is its own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readImage } from '../../../extension/image/index';
import { createKernel, defaultWorld, RestartFlag } from '../../../extension/kernel/index';
import { CLOCK } from './helpers';

const imagePath = path.join(__dirname, '..', '..', '..', 'examples', 'images', 'counter.crimg');

describe('restored memory', () => {
  it('is the host file’s page bytes for the first restart, a copy of them for a second one', () => {
    const bytes = new Uint8Array(readFileSync(imagePath));
    const read = readImage(bytes);
    assert.ok(read.ok);
    const saved = read.image.tasks[0]?.vmas.flatMap((vma) => vma.pages)[0];
    assert.ok(saved !== undefined, 'the image holds a page');
    const at = saved.data.byteOffset - bytes.byteOffset;
    const original = saved.data.slice();

    const restart = () => {
      const kernel = createKernel({ world: defaultWorld(), clock: CLOCK });
      const outcome = kernel.restartAs(
        'hallyn',
        { path: '/tmp/counter.crimg', bytes },
        RestartFlag.FROZEN,
      );
      const pid = outcome.restored?.[0];
      assert.ok(outcome.ret === 0 && pid !== undefined, outcome.reason);
      return { kernel, pid };
    };
    const first = restart();
    const second = restart();
    assert.deepEqual(first.kernel.readMemory(first.pid, saved.addr, 4096), original);
    assert.deepEqual(second.kernel.readMemory(second.pid, saved.addr, 4096), original);

    assert.equal(first.kernel.writeMemory(first.pid, saved.addr, Uint8Array.of(1, 2, 3)), 3);
    assert.deepEqual([...bytes.subarray(at, at + 3)], [1, 2, 3], 'the first task kept the bytes');
    assert.deepEqual(
      second.kernel.readMemory(second.pid, saved.addr, 4096),
      original,
      'the second task’s memory is its own',
    );
    assert.equal(second.kernel.writeMemory(second.pid, saved.addr + 8, Uint8Array.of(9)), 1);
    assert.equal(first.kernel.readMemory(first.pid, saved.addr + 8, 1)?.[0], original[8]);
  });
});
