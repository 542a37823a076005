import assert from 'node:assert/strict';
import { flattenFields, formatOffset } from '../../../webview/image-viewer/format';

describe('image viewer formatting', () => {
  it('formats offsets in hex or decimal', () => {
    assert.equal(formatOffset(416, 'hex'), '0x1a0');
    assert.equal(formatOffset(416, 'decimal'), '416');
  });

  it('flattens field trees depth first with their depth', () => {
    const leaf = (name: string) => ({
      name,
      path: name,
      type: 'u32',
      offset: 0,
      size: 4,
      value: '',
      children: [],
    });
    const tree = [{ ...leaf('hdr'), children: [leaf('type'), leaf('len')] }, leaf('uid')];
    assert.deepEqual(
      flattenFields(tree).map(({ depth, field }) => `${depth}:${field.name}`),
      ['0:hdr', '1:type', '1:len', '0:uid'],
    );
  });
});
