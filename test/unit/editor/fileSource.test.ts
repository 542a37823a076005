import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openFileSource } from '../../../extension/editor/fileSource';

describe('openFileSource (positioned reads of a local image)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'crlab-file-source-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('reads ranges of a file, short at its end', () => {
    const file = path.join(folder, 'a.crimg');
    writeFileSync(
      file,
      Uint8Array.from({ length: 100 }, (_, i) => i),
    );
    const opened = openFileSource(file);
    try {
      assert.equal(opened.source.size, 100);
      assert.deepEqual([...opened.source.read(10, 3)], [10, 11, 12]);
      assert.deepEqual([...opened.source.read(98, 10)], [98, 99]);
      assert.equal(opened.source.read(100, 8).byteLength, 0);
      assert.equal(opened.source.bytes?.byteLength, 100, 'a small file is also held whole');
    } finally {
      opened.close();
    }
    opened.close();
  });

  it('throws for a missing file', () => {
    assert.throws(() => openFileSource(path.join(folder, 'missing.crimg')), /ENOENT/);
  });
});
