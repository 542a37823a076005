/**
 * Text is exactly its bytes (issue 8 §4): U+FEFF (EF BB BF) is a character like any other, never a
 * byte-order mark to strip. A HEAD.machine, a path, an LSM name or a key id that starts with it is
 * what its bytes say, and a comm that starts with it is valid and round-trips.
 */
import assert from 'node:assert/strict';
import {
  decodeImageJson,
  encodeImageJson,
  readImage,
  recordFieldTree,
  writeImage,
} from '../../../extension/image/index';
import { Crimg, streamOver } from '../../../extension/image/kaitai';
import { charArrayText, textValue } from '../../../extension/image/text-rules';
import { expectReject, find, payload } from './craft';
import { MACHINE_KEY, head, sampleImage, signedImage } from './fixtures';

const BOM = '\uFEFF';

describe('text is exactly its bytes: U+FEFF is not stripped', () => {
  it('the text rules decode EF BB BF as U+FEFF', () => {
    assert.equal(textValue(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41, 0)), `${BOM}A`);
    assert.equal(charArrayText(Uint8Array.of(0xef, 0xbb, 0xbf, 0x6c, 0, 0)), `${BOM}l`);
  });

  it('the generated parser reads HEAD.machine with its U+FEFF', () => {
    const image = sampleImage();
    image.head = { ...head(), machine: `${BOM}lab64` };
    const bytes = writeImage(image);
    const record = new Crimg.Record(streamOver(bytes.subarray(0, 8 + 224)));
    const body = record.body as Crimg.Head;
    assert.equal(body.machine, `${BOM}lab64`);
  });

  it('HEAD.machine EF BB BF "lab64" is not lab64: EINVAL at 0 (HEAD.machine)', () => {
    const image = sampleImage();
    image.head = { ...head(), machine: `${BOM}lab64` };
    const error = expectReject(writeImage(image), 'EINVAL', 0, 'HEAD.machine');
    assert.match(error.message, /not 'lab64'/);
  });

  it('a path EF BB BF "/bin/sh" is not absolute: EINVAL (FNAME.value)', () => {
    const image = sampleImage();
    const task = image.tasks[0];
    assert.ok(task);
    task.mm.exe = `${BOM}/bin/sh`;
    const bytes = writeImage(image);
    const fname = find(bytes, 'FNAME');
    expectReject(bytes, 'EINVAL', fname.offset, 'FNAME.value');
  });

  it('an LSM name EF BB BF "dummy" is not a known LSM: EINVAL (LSM_INFO.lsm_name)', () => {
    const bytes = writeImage(sampleImage());
    const at = payload(bytes, 'LSM_INFO');
    assert.equal(new TextDecoder().decode(bytes.subarray(at, at + 5)), 'dummy');
    bytes.set([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('dummy'), 0], at);
    expectReject(bytes, 'EINVAL', find(bytes, 'LSM_INFO').offset, 'LSM_INFO.lsm_name');
  });

  it('a key id EF BB BF "machine" is not the machine key: the signature is not verified', () => {
    const bytes = writeImage(signedImage(), {
      signingKey: { keyId: `${BOM}machine`, key: MACHINE_KEY },
    });
    const result = readImage(bytes, { keys: { machine: MACHINE_KEY } });
    assert.ok(result.ok);
    assert.equal(result.signature, 'unverified');
    assert.equal(result.image.sign?.key_id, `${BOM}machine`);
  });

  it('a comm that starts with U+FEFF is valid and survives decode → encode byte for byte', () => {
    const image = sampleImage();
    const task = image.tasks[0];
    assert.ok(task);
    task.task.comm = `${BOM}counter`;
    const bytes = writeImage(image);
    const read = readImage(bytes);
    assert.ok(read.ok, read.ok ? '' : JSON.stringify(read.error));
    assert.equal(read.image.tasks[0]?.task.comm, `${BOM}counter`);
    const json = decodeImageJson(bytes);
    assert.deepEqual(encodeImageJson(JSON.parse(JSON.stringify(json))), bytes);
  });

  it('the field tree shows the bytes as they are', () => {
    const image = sampleImage();
    image.head = { ...head(), machine: `${BOM}lab64` };
    const bytes = writeImage(image);
    const tree = recordFieldTree(bytes.subarray(0, 8 + 224));
    const machine = tree.root.children?.find((node) => node.path === 'HEAD.machine');
    assert.equal(machine?.value, `${BOM}lab64`);
  });
});
