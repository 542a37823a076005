import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openFileSource } from '../../../extension/editor/fileSource';
import { host } from '../../../extension/host/index';

/** Opens `file` the way the image editor does in the Node.js extension host. */
function open(file: string): ReturnType<typeof openFileSource> {
  assert.ok(host.localFiles, 'the Node.js platform has local files');
  return openFileSource(host.localFiles.open(file));
}

describe('openFileSource (positioned reads of a local image)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'crlab-file-source-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('reads ranges of a file, short at its end', () => {
    const file = path.join(folder, 'a.crimg');
    writeFileSync(
      file,
      Uint8Array.from({ length: 100 }, (_, i) => i),
    );
    const opened = open(file);
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
    assert.throws(() => open(path.join(folder, 'missing.crimg')), /ENOENT/);
  });
});
