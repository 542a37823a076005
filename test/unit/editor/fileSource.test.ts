import assert from 'node:assert/strict';
import {
  closeSync,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ByteOverlay } from '../../../extension/editor/byteOverlay';
import { openFileSource } from '../../../extension/editor/fileSource';
import { fullValidationLimit } from '../../../extension/editor/imageModel';
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

  it('reads into a buffer of the caller, edits laid over in place, short at its end', () => {
    // Above the limit of files held whole, so the reads are positioned ones (a sparse file).
    const file = path.join(folder, 'large.crimg');
    const size = fullValidationLimit + 100;
    writeFileSync(file, new Uint8Array(0));
    truncateSync(file, size);
    const fd = openSync(file, 'r+');
    writeSync(
      fd,
      Uint8Array.from({ length: 100 }, (_, i) => i + 1),
      0,
      100,
      size - 100,
    );
    closeSync(fd);
    const opened = open(file);
    try {
      assert.equal(opened.source.bytes, null, 'not held whole');
      const readInto = opened.source.readInto;
      assert.ok(readInto, 'a file source reads into a given buffer');
      const buffer = new Uint8Array(64).fill(0xee);
      assert.equal(readInto(size - 40, buffer), 40, 'short at the end');
      assert.deepEqual([...buffer.subarray(0, 40)], [...opened.source.read(size - 40, 40)]);
      assert.equal(buffer[40], 0xee, 'nothing written past what was read');

      const overlay = new ByteOverlay();
      overlay.write(size - 70, Uint8Array.of(0xaa, 0xbb, 0xcc));
      overlay.write(5, Uint8Array.of(0x55));
      const edited = overlay.over(opened.source);
      const viaInto = edited.readInto;
      assert.ok(viaInto, 'the overlay keeps reading into the buffer');
      // Two chunks of one buffer, the edit across their boundary: as `read` gives them.
      for (const [offset, length] of [
        [size - 132, 64],
        [size - 68, 64],
        [0, 64],
      ] as const) {
        const got = viaInto(offset, buffer.subarray(0, length));
        assert.deepEqual([...buffer.subarray(0, got)], [...edited.read(offset, length)]);
      }
      assert.deepEqual([...edited.read(size - 70, 3)], [0xaa, 0xbb, 0xcc]);
      assert.deepEqual([...opened.source.read(size - 70, 3)], [31, 32, 33], 'the file as it was');
    } finally {
      opened.close();
    }
  });

  it('throws for a missing file', () => {
    assert.throws(() => open(path.join(folder, 'missing.crimg')), /ENOENT/);
  });
});
