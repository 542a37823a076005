import assert from 'node:assert/strict';
import {
  isHostToImageViewerMessage,
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
});
