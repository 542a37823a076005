import assert from 'node:assert/strict';
import { ByteCache, chunkSize } from '../../../webview/image-viewer/byteCache';
import {
  checkedBits,
  editorFor,
  flagsValue,
  initialInput,
} from '../../../webview/image-viewer/editors';
import { formatSize, hexByte, parseOffset, printable } from '../../../webview/image-viewer/format';
import { imageCounts } from '../../../webview/image-viewer/tree';
import { displayValue, identityName, numericValue } from '../../../webview/image-viewer/names';
import type { FieldView } from '../../../webview/protocol';

const field = (path: string, value: string, type = 'u32'): FieldView => ({
  name: path.split('.').pop() ?? path,
  path,
  type,
  offset: 0,
  size: 4,
  value,
  children: [],
});

describe('image viewer helpers', () => {
  it('names users and groups of the default world', () => {
    assert.equal(identityName(field('CRED.euid', '501')), 'oren');
    assert.equal(identityName(field('CRED.fsgid', '42')), 'shadow');
    assert.equal(identityName(field('GROUPINFO.groups[1]', '500')), 'hallyn');
    assert.equal(identityName(field('CRED.uid', '1000')), null);
    assert.equal(identityName(field('TASK.state', '0')), null);
    assert.equal(displayValue(field('CRED.uid', '0')), '0 (root)');
  });

  it('reads numbers from raw values, decimals, hex and enum texts', () => {
    assert.equal(numericValue({ ...field('a', 'x'), raw: 7 }), 7);
    assert.equal(numericValue(field('a', '0x600000')), 0x600000);
    assert.equal(numericValue(field('a', 'ANON (1)')), 1);
    assert.equal(numericValue(field('a', 'CKPT | SELF')), null);
  });

  it('chooses editors: the host one, else by type', () => {
    const host = { kind: 'readonly', reason: 'no' } as const;
    assert.equal(editorFor({ ...field('CRED.uid', '0'), editor: host }), host);
    assert.deepEqual(editorFor(field('CRED.uid', '0')), {
      kind: 'number',
      min: 0,
      max: 2 ** 32 - 1,
    });
    assert.deepEqual(editorFor(field('TREE.tasks[0].vpid', '1', 's32')), {
      kind: 'number',
      min: -(2 ** 31),
      max: 2 ** 31 - 1,
    });
    assert.deepEqual(editorFor(field('STRING.value', 'sh', 'char[3]')), {
      kind: 'text',
      maxBytes: 4,
      exact: false,
    });
    assert.equal(editorFor(field('hdr.len', '8', 's16')).kind, 'readonly');
    assert.equal(editorFor(field('PGARR.pages[0]', '', 'u8[4096]')).kind, 'readonly');
    assert.equal(
      initialInput(field('VMA.vm_start', '0x400000', 'u64'), { kind: 'number', min: 0, max: 1 }),
      '0x400000',
    );
  });

  it('turns flag checkboxes into a value, bits above 2^31 included', () => {
    const bits = [{ mask: 1 }, { mask: 4 }, { mask: 2 ** 40 }];
    assert.deepEqual(checkedBits(2 ** 40 + 1, bits), [true, false, true]);
    assert.equal(flagsValue(bits, [true, true, true]), 2 ** 40 + 5);
  });

  it('formats and parses offsets and bytes', () => {
    assert.equal(hexByte(10), '0a');
    assert.equal(printable(0x41), 'A');
    assert.equal(printable(0x3c), '<');
    assert.equal(printable(0), '.');
    assert.equal(parseOffset('0x1A0'), 416);
    assert.equal(parseOffset('1a0h'), 416);
    assert.equal(parseOffset(' 416 '), 416);
    assert.equal(parseOffset('-1'), null);
    assert.equal(parseOffset('0x'), null);
    assert.equal(formatSize(100), '100 B');
    assert.equal(formatSize(1024 ** 3), '1.0 GiB');
  });

  it('counts tasks and pages from the record list alone', () => {
    const records = [
      { index: 0, name: 'TASK', offset: 0, size: 32, parent: 1 },
      { index: 1, name: 'PGARR', offset: 32, size: 16 + 3 * 4104, parent: 1 },
      { index: 2, name: 'PGARR', offset: 0, size: 16, parent: 1 },
    ];
    const view = { fileName: 'a', byteLength: 0, records, problems: [], notice: null };
    assert.deepEqual(imageCounts(view), { tasks: 1, pages: 3 });
  });

  it('keeps byte chunks, asks for each missing chunk once, and serves bytes', () => {
    const cache = new ByteCache(chunkSize * 2 + 10);
    assert.deepEqual(cache.missing(100, chunkSize + 1), [0, chunkSize]);
    assert.deepEqual(
      cache.missing(0, chunkSize * 3),
      [chunkSize * 2],
      'asked-for chunks are not asked again',
    );
    assert.equal(cache.lengthOf(chunkSize * 2), 10);
    assert.equal(cache.byteAt(5), undefined);
    cache.store(
      0,
      Uint8Array.from({ length: chunkSize }, (_, index) => index & 255),
    );
    assert.equal(cache.byteAt(5), 5);
    assert.equal(cache.byteAt(chunkSize + 5), undefined);
    cache.store(chunkSize * 2, new Uint8Array(10).fill(7));
    assert.equal(cache.byteAt(chunkSize * 2 + 9), 7);
    assert.deepEqual(cache.missing(0, chunkSize), [], 'a stored chunk is not asked for');
  });
});
