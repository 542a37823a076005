import assert from 'node:assert/strict';
import { writeImage } from '../../../extension/image/index';
import { ImageModel, memorySource } from '../../../extension/editor/imageModel';
import { oneTaskImage } from '../../e2e/fixtureImages';

describe('ImageModel (the image editor host model)', () => {
  const bytes = writeImage(oneTaskImage());

  it('lists every record of a valid image, in order, with no problem', () => {
    const model = new ImageModel('one-task.crimg', memorySource(bytes));
    const names = model.view.records.map((record) => record.name);
    assert.equal(names[0], 'HEAD');
    assert.equal(names.at(-1), 'TAIL');
    assert.ok(names.includes('CRED'));
    assert.deepEqual(model.view.problems, []);
    assert.equal(model.view.byteLength, bytes.byteLength);
    const last = model.view.records.at(-1);
    assert.equal(
      (last?.offset ?? 0) + (last?.size ?? 0),
      bytes.byteLength,
      'records cover the file',
    );
  });

  it('gives a record its fields with absolute offsets and decoded values', () => {
    const model = new ImageModel('one-task.crimg', memorySource(bytes));
    const cred = model.view.records.find((record) => record.name === 'CRED');
    assert.ok(cred);
    const fields = model.fields(cred.index);
    assert.ok(fields);
    assert.equal(fields.error, null);
    const euid = fields.fields.find((field) => field.path === 'CRED.euid');
    assert.ok(euid, 'CRED.euid is listed');
    assert.equal(euid.value, '1000');
    assert.equal(euid.size, 4);
    assert.ok(euid.offset > cred.offset && euid.offset < cred.offset + cred.size);
    assert.equal(model.fields(cred.index), fields, 'a record is parsed once');
    assert.equal(model.fields(model.view.records.length), undefined);
  });

  it('reports a truncated image as a problem with its offset, once, and keeps what parsed', () => {
    const cut = bytes.subarray(0, Math.floor(bytes.byteLength / 3));
    const model = new ImageModel('cut.crimg', memorySource(cut));
    assert.equal(model.view.problems.length, 1);
    const [problem] = model.view.problems;
    assert.equal(problem?.errno, 'EPIPE');
    assert.ok((problem?.offset ?? -1) < cut.byteLength);
    assert.ok(model.view.records.length > 3, 'the records before the cut are listed');
  });

  it('never throws on garbage', () => {
    for (const garbage of [
      new Uint8Array(0),
      new Uint8Array(7),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff),
    ]) {
      const model = new ImageModel('garbage.crimg', memorySource(garbage));
      assert.ok(model.view.problems.length > 0 || garbage.length === 0);
    }
  });

  it('indexes a large image with positioned reads of its headers only', () => {
    let bytesRead = 0;
    const source = {
      size: bytes.byteLength,
      read: (offset: number, length: number) => {
        const chunk = bytes.subarray(offset, Math.min(bytes.byteLength, offset + length));
        bytesRead += chunk.byteLength;
        return chunk;
      },
      bytes: null,
    };
    const model = new ImageModel('large.crimg', source);
    assert.equal(model.view.records.at(-1)?.name, 'TAIL');
    assert.ok(bytesRead < 200, `read ${bytesRead} bytes to index ${bytes.byteLength}`);
    assert.match(model.view.notice ?? '', /record framing was checked/);
    const cred = model.view.records.find((record) => record.name === 'CRED');
    assert.equal(
      model.fields(cred?.index ?? -1)?.fields.find((f) => f.path === 'CRED.uid')?.value,
      '1000',
    );
  });
});
