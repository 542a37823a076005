import assert from 'node:assert/strict';
import type { FieldView, RecordFieldsView } from '../../../webview/protocol';
import {
  buildTree,
  fieldChainAt,
  parentsFromTree,
  pathToOffset,
  recordAt,
  rowKey,
  visibleRows,
} from '../../../webview/image-viewer/tree';
import { records } from './records';

const image = records([
  ['HEAD', 232, 0],
  ['TREE', 56, 0],
  ['TASK', 32, 1],
  ['STRING', 12, 1],
  ['CRED', 80, 1],
  ['GROUPINFO', 20, 1],
  ['SECURITY', 20, 1],
  ['MM', 104, 1],
  ['FNAME', 20, 1],
  ['VMA', 56, 1],
  ['PGARR', 16 + 4104, 1],
  ['PGARR', 16, 1],
  ['FILES', 16, 1],
  ['FD_ENT', 24, 1],
  ['FD_DATA', 32, 7],
  ['FNAME', 18, 7],
  ['CPU', 168, 1],
  ['TASK', 32, 2],
  ['STRING', 12, 2],
  ['CPU', 168, 2],
  ['TAIL', 16, 0],
]);
const lastRecord = image[image.length - 1];
const byteLength = lastRecord ? lastRecord.offset + lastRecord.size : 0;

function leaf(name: string, path: string, offset: number, size: number, value = '0'): FieldView {
  return { name, path, type: 'u32', offset, size, value, children: [] };
}

function treeFields(entries: readonly [vpid: number, vppid: number][]): RecordFieldsView {
  const tasks = entries.map(([vpid, vppid], index) => ({
    ...leaf(`tasks[${index}]`, `TREE.tasks[${index}]`, 248 + index * 24, 24, ''),
    type: 'TreeEntry',
    children: [
      leaf('vpid', `TREE.tasks[${index}].vpid`, 248 + index * 24, 4, String(vpid)),
      leaf('vppid', `TREE.tasks[${index}].vppid`, 252 + index * 24, 4, String(vppid)),
    ],
  }));
  return {
    index: 1,
    fields: [{ ...leaf('tasks', 'TREE.tasks', 248, 48, ''), children: tasks }],
    error: null,
  };
}

describe('image viewer tree', () => {
  it('nests records the way the stream does, under their task', () => {
    const tree = buildTree(image, byteLength, new Map());
    assert.deepEqual(
      tree.leading.map((node) => node.record.name),
      ['HEAD', 'TREE'],
    );
    assert.deepEqual(
      tree.tasks.map((task) => task.vpid),
      [1, 2],
    );
    const [first] = tree.tasks;
    assert.ok(first);
    const names = (nodes: typeof first.records): string[] =>
      nodes.map((node) =>
        node.children.length === 0
          ? node.record.name
          : `${node.record.name}(${names(node.children).join(' ')})`,
      );
    assert.deepEqual(names(first.records), [
      'TASK(STRING)',
      'CRED(GROUPINFO SECURITY)',
      'MM(FNAME VMA(PGARR PGARR))',
      'FILES(FD_ENT(FD_DATA(FNAME)))',
      'CPU',
    ]);
    assert.deepEqual(
      tree.trailing.map((node) => node.record.name),
      ['TAIL'],
    );
    assert.equal(tree.damage, null);
  });

  it('nests child tasks under their parent once the TREE is known', () => {
    const parents = parentsFromTree(
      treeFields([
        [1, 0],
        [2, 1],
      ]),
    );
    assert.deepEqual(
      [...parents],
      [
        [1, 0],
        [2, 1],
      ],
    );
    const tree = buildTree(image, byteLength, parents);
    assert.equal(tree.tasks.length, 1);
    assert.deepEqual(
      tree.tasks[0]?.children.map((task) => task.vpid),
      [2],
    );
  });

  it('keeps the bytes after the last whole record as a damaged region', () => {
    const cut = image.slice(0, 5);
    const end = 232 + 56 + 32 + 12 + 80;
    const tree = buildTree(cut, end + 30, new Map());
    assert.deepEqual(tree.damage, { offset: end, size: 30 });
    const problem = { offset: end, field: 'hdr', errno: 'EPIPE', message: 'cut' };
    const rows = visibleRows({ tree, fields: new Map(), expanded: new Set(), problems: [problem] });
    const last = rows[rows.length - 1];
    assert.equal(last?.kind, 'damage');
    assert.equal(last?.kind === 'damage' ? last.problem : null, problem);
    // The records before the damage are shown and none is blamed.
    assert.ok(
      rows
        .filter((row) => row.kind === 'record')
        .every((row) => row.kind === 'record' && row.problem === null),
    );
  });

  it('lists only expanded rows, fields after their record and before its child records', () => {
    const tree = buildTree(image, byteLength, new Map());
    const collapsed = visibleRows({ tree, fields: new Map(), expanded: new Set(), problems: [] });
    assert.deepEqual(
      collapsed.map((row) => row.key),
      ['r:0', 'r:1', 't:2', 't:17', 'r:20'],
    );
    const mmFields: RecordFieldsView = {
      index: 7,
      fields: [leaf('objref', 'MM.objref', 628, 4, '1')],
      error: 'EPIPE in MM.end_code',
    };
    const rows = visibleRows({
      tree,
      fields: new Map([[7, mmFields]]),
      expanded: new Set(['t:2', rowKey.record(7), rowKey.record(4)]),
      problems: [{ offset: 452, field: 'MM.objref', errno: 'EINVAL', message: 'bad' }],
    });
    const keys = rows.map((row) => row.key);
    const mm = keys.indexOf('r:7');
    assert.deepEqual(keys.slice(mm, mm + 5), ['r:7', 'r:7:error', 'f:7:MM.objref', 'r:8', 'r:9']);
    assert.ok(keys.includes('r:4:loading'), 'an expanded record without fields says so');
    const objref = rows.find((row) => row.key === 'f:7:MM.objref');
    assert.equal(objref?.kind === 'field' ? objref.problem?.errno : null, 'EINVAL');
  });

  it('finds the record and the deepest field that hold an offset', () => {
    assert.equal(recordAt(image, 0)?.name, 'HEAD');
    assert.equal(recordAt(image, 231)?.name, 'HEAD');
    assert.equal(recordAt(image, 232)?.name, 'TREE');
    assert.equal(recordAt(image, 10_000_000), undefined);
    const tree = treeFields([
      [1, 0],
      [2, 1],
    ]);
    assert.deepEqual(
      fieldChainAt(tree.fields, 277).map((field) => field.path),
      ['TREE.tasks', 'TREE.tasks[1]', 'TREE.tasks[1].vppid'],
    );
  });

  it('says what to expand to reach an offset', () => {
    const tree = buildTree(image, byteLength, new Map());
    const pgarr = image[10];
    assert.ok(pgarr);
    const pageOffset = pgarr.offset + 24;
    const pages: FieldView = {
      ...leaf('pages', 'PGARR.pages', pageOffset, 4096, ''),
      children: [leaf('pages[0]', 'PGARR.pages[0]', pageOffset, 4096, '')],
    };
    const before = pathToOffset(tree, image, new Map(), pageOffset + 100);
    assert.deepEqual(before, {
      expand: ['t:2', 'r:7', 'r:9'],
      target: 'r:10',
      range: { offset: pgarr.offset, size: pgarr.size },
    });
    const fields = new Map([[10, { index: 10, fields: [pages], error: null }]]);
    const after = pathToOffset(tree, image, fields, pageOffset + 100);
    assert.deepEqual(after, {
      expand: ['t:2', 'r:7', 'r:9', 'r:10', 'f:10:PGARR.pages'],
      target: 'f:10:PGARR.pages[0]',
      range: { offset: pageOffset, size: 4096 },
    });
  });
});
