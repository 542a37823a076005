import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ByteOverlay } from '../../../extension/editor/byteOverlay';
import { ImageModel, memorySource } from '../../../extension/editor/imageModel';
import { defaultMachineKey } from '../../../extension/kernel/index';

describe('ByteOverlay (edits laid over the file)', () => {
  const base = Uint8Array.from({ length: 16 }, (_, i) => i);

  it('reads the file through the edits, leaving the file bytes unchanged', () => {
    const overlay = new ByteOverlay();
    const source = memorySource(base);
    assert.deepEqual(overlay.over(source).read(0, 4), source.read(0, 4));
    overlay.write(2, Uint8Array.of(0xaa, 0xbb));
    const over = overlay.over(source);
    assert.deepEqual([...over.read(0, 4)], [0, 1, 0xaa, 0xbb]);
    assert.deepEqual([...over.read(3, 2)], [0xbb, 4]);
    assert.deepEqual([...(over.bytes ?? [])].slice(0, 5), [0, 1, 0xaa, 0xbb, 4]);
    assert.deepEqual([...base.subarray(0, 4)], [0, 1, 2, 3], 'the file bytes stay as they were');
  });

  it('lists its changes as runs and forgets them on clear', () => {
    const overlay = new ByteOverlay();
    overlay.write(5, Uint8Array.of(1, 2));
    overlay.write(7, Uint8Array.of(3));
    overlay.write(12, Uint8Array.of(4));
    assert.deepEqual(
      overlay.runs().map((run) => [run.offset, [...run.bytes]]),
      [
        [5, [1, 2, 3]],
        [12, [4]],
      ],
    );
    overlay.clear();
    assert.equal(overlay.isEmpty, true);
  });

  it('an undo is the write of the bytes an edit replaced', () => {
    const overlay = new ByteOverlay();
    const source = memorySource(base);
    overlay.write(8, Uint8Array.of(0xff));
    assert.equal(overlay.differsFrom(source), true);
    overlay.write(8, base.subarray(8, 9));
    assert.deepEqual(overlay.over(source).bytes, base);
    assert.equal(overlay.differsFrom(source), false, 'an undone edit leaves nothing to save');
  });
});

describe('ImageModel signature state', () => {
  const key = { machine: defaultMachineKey() };
  const model = (file: string): ImageModel =>
    new ImageModel(
      file,
      memorySource(new Uint8Array(readFileSync(`examples/images/${file}`))),
      key,
    );

  it('tells unsigned, valid and invalid signatures apart', () => {
    assert.equal(model('passwd.crimg').signature, 'none');
    assert.equal(model('passwd-signed.crimg').signature, 'valid');
    const tampered = model('passwd-signed-tampered.crimg');
    assert.equal(tampered.signature, 'invalid');
    assert.equal(tampered.view.problems[0]?.errno, 'EBADMSG');
  });

  it('calls a signature it holds no key for unverified', () => {
    const bytes = new Uint8Array(readFileSync('examples/images/passwd-signed.crimg'));
    assert.equal(new ImageModel('x', memorySource(bytes)).signature, 'unverified');
  });

  it('counts the TASK records', () => {
    assert.equal(model('nested-containers.crimg').taskCount, 4);
  });

  it('offers an editor for leaves and the raw value', () => {
    const m = model('passwd.crimg');
    const cred = m.view.records.find((record) => record.name === 'CRED');
    assert.ok(cred);
    const euid = m.fields(cred.index)?.fields.find((field) => field.path === 'CRED.euid');
    assert.equal(euid?.raw, 0);
    assert.deepEqual(euid?.editor, { kind: 'number', min: 0, max: 4294967295 });
  });
});
