import assert from 'node:assert/strict';
import {
  decodeBytes,
  encodeBytes,
  isHostToImageViewerMessage,
  maxBytesRequest,
  isImageViewerToHostMessage,
  maxFieldRequest,
  type HostToImageViewerMessage,
} from '../../../webview/protocol';

const field = {
  name: 'euid',
  path: 'CRED.euid',
  type: 'u32',
  offset: 335,
  size: 4,
  value: '1000',
  children: [],
};
const showImage: HostToImageViewerMessage = {
  type: 'showImage',
  view: {
    fileName: 'a.crimg',
    byteLength: 400,
    records: [{ index: 0, name: 'CRED', offset: 319, size: 80, parent: 1 }],
    problems: [{ offset: 3, field: 'hdr.len', errno: 'EINVAL', message: 'bad' }],
    notice: null,
  },
  settings: { offsetRadix: 'hex', expandRecordsUpTo: 8 },
};

describe('webview protocol guards', () => {
  it('accept well-formed messages', () => {
    assert.ok(isHostToImageViewerMessage(showImage));
    assert.ok(
      isHostToImageViewerMessage({
        type: 'recordFields',
        fields: { index: 0, fields: [field], error: null },
      }),
    );
    assert.ok(isImageViewerToHostMessage({ type: 'ready' }));
    assert.ok(isImageViewerToHostMessage({ type: 'requestFields', indexes: [0, 5] }));
  });

  it('reject malformed messages', () => {
    assert.ok(!isHostToImageViewerMessage(null));
    assert.ok(!isHostToImageViewerMessage({ type: 'nope' }));
    assert.ok(
      !isHostToImageViewerMessage({
        ...showImage,
        settings: { offsetRadix: 'octal', expandRecordsUpTo: 8 },
      }),
    );
    assert.ok(
      !isHostToImageViewerMessage({
        ...showImage,
        view: { ...showImage.view, records: [{ index: -1 }] },
      }),
    );
    const badField = { ...field, offset: 1.5 };
    assert.ok(
      !isHostToImageViewerMessage({
        type: 'recordFields',
        fields: { index: 0, fields: [badField], error: null },
      }),
    );
    assert.ok(!isImageViewerToHostMessage({ type: 'requestFields', indexes: ['1'] }));
    assert.ok(
      !isImageViewerToHostMessage({
        type: 'requestFields',
        indexes: new Array(maxFieldRequest + 1).fill(0),
      }),
    );
    assert.ok(!isImageViewerToHostMessage('ready'));
  });

  it('reject field trees nested without end', () => {
    let deep: Record<string, unknown> = { ...field };
    for (let depth = 0; depth < 100; depth++) deep = { ...field, children: [deep] };
    assert.ok(
      !isHostToImageViewerMessage({
        type: 'recordFields',
        fields: { index: 0, fields: [deep], error: null },
      }),
    );
  });

  it('check the paging, reveal and edit messages', () => {
    assert.ok(isHostToImageViewerMessage({ type: 'bytes', offset: 16, data: 'AAE=', version: 2 }));
    assert.ok(!isHostToImageViewerMessage({ type: 'bytes', offset: 16, data: [0, 1], version: 2 }));
    assert.ok(isHostToImageViewerMessage({ type: 'selectOffset', offset: 335 }));
    assert.ok(!isHostToImageViewerMessage({ type: 'selectOffset', offset: -1 }));
    assert.ok(
      isHostToImageViewerMessage({ type: 'editResult', requestId: 1, ok: false, message: 'no' }),
    );
    assert.ok(
      isImageViewerToHostMessage({ type: 'requestBytes', offset: 0, length: 4096, version: 0 }),
    );
    assert.ok(
      !isImageViewerToHostMessage({
        type: 'requestBytes',
        offset: 0,
        length: maxBytesRequest + 1,
        version: 0,
      }),
    );
    const edit = {
      type: 'editField',
      requestId: 3,
      recordIndex: 4,
      fieldPath: 'CRED.euid',
      offset: 335,
      size: 4,
      input: '501',
      version: 1,
    };
    assert.ok(isImageViewerToHostMessage(edit));
    assert.ok(!isImageViewerToHostMessage({ ...edit, input: 501 }));
    assert.ok(!isImageViewerToHostMessage({ ...edit, input: 'x'.repeat(9000) }));
  });

  it('check the optional view version, signature and field editors', () => {
    const view = { ...showImage.view, version: 3, signature: 'invalid', dirty: true };
    assert.ok(isHostToImageViewerMessage({ ...showImage, view }));
    assert.ok(!isHostToImageViewerMessage({ ...showImage, view: { ...view, signature: 'maybe' } }));
    const withEditor = (editor: unknown) => ({
      type: 'recordFields',
      fields: { index: 0, fields: [{ ...field, raw: 1000, editor }], error: null },
    });
    assert.ok(isHostToImageViewerMessage(withEditor({ kind: 'number', min: 0, max: 10 })));
    assert.ok(
      isHostToImageViewerMessage(withEditor({ kind: 'flags', bits: [{ mask: 4, name: 'X' }] })),
    );
    assert.ok(
      isHostToImageViewerMessage(withEditor({ kind: 'enum', options: [{ value: 1, name: 'A' }] })),
    );
    assert.ok(!isHostToImageViewerMessage(withEditor({ kind: 'enum', options: [{ value: 'A' }] })));
    assert.ok(!isHostToImageViewerMessage(withEditor({ kind: 'slider' })));
  });

  it('round-trips bytes through base64', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 255, 4096]) {
      const bytes = Uint8Array.from({ length }, (_, index) => (index * 37 + 11) & 255);
      const text = encodeBytes(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(decodeBytes(text), bytes);
    }
    assert.equal(decodeBytes('abc'), null);
    assert.equal(decodeBytes('ab!d'), null);
    assert.equal(decodeBytes('a=bc'), null);
  });
});
