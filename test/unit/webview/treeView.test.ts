import assert from 'node:assert/strict';
import type { FieldView, RecordFieldsView } from '../../../webview/protocol';
import { buildTree, rowKey, visibleRows, type TreeRow } from '../../../webview/image-viewer/tree';
import { TreeView } from '../../../webview/image-viewer/treeView';
import { installDom, type TestDom } from './dom';
import { records } from './records';

const settings = { offsetRadix: 'hex', expandRecordsUpTo: 8 } as const;
const hostile = '<img src=x onerror="globalThis.pwned=1">';

const image = records([
  ['HEAD', 232, 0],
  ['TREE', 40, 0],
  ['TASK', 32, 1],
  ['STRING', 15, 1],
  ['CRED', 120, 1],
  ['MM', 104, 1],
  ['FNAME', 20, 1],
  ['VMA', 56, 1],
  ['CPU', 168, 1],
  ['TAIL', 16, 0],
]);
const cred = image[4]!;
const mm = image[5]!;

function leaf(name: string, offset: number, value: string): FieldView {
  return { name, path: `CRED.${name}`, type: 'u32', offset, size: 4, value, children: [] };
}

/** CRED's fields: twelve ids and a hostile label. */
const credFields: RecordFieldsView = {
  index: cred.index,
  fields: [
    ...['uid', 'suid', 'euid', 'fsuid', 'gid', 'sgid', 'egid', 'fsgid'].map((name, i) =>
      leaf(name, cred.offset + 8 + i * 4, String(1000 + i)),
    ),
    { ...leaf('label', cred.offset + 40, hostile), type: 'char[64]', size: 64 },
  ],
  error: null,
};

/** The rows with the task and CRED open (MM is open too, its fields still on their way). */
function rowsOf(expanded: readonly string[]): TreeRow[] {
  const tree = buildTree(image, 803, new Map());
  return visibleRows({
    tree,
    fields: new Map([[cred.index, credFields]]),
    expanded: new Set(expanded),
    problems: [],
  });
}

const taskKey = rowKey.task(image[2]!);
const allOpen = [taskKey, rowKey.record(cred.index), rowKey.record(mm.index)];

describe('record tree view (in a DOM)', () => {
  let dom: TestDom;
  let viewport: HTMLElement;
  let view: TreeView;
  let rows: TreeRow[];
  let selected: string[];
  let toggled: [string, boolean | undefined][];

  /** A tree `height` pixels tall (22 px rows) with `rows`; selecting works as main.ts does. */
  function show(height: number, shown: TreeRow[]): void {
    rows = shown;
    viewport = document.createElement('div');
    document.body.append(viewport);
    view = new TreeView(viewport, {
      select: (row) => {
        selected.push(row.key);
        view.select(row.key, true);
      },
      toggle: (row, expand) => toggled.push([row.key, expand]),
    });
    dom.layout(viewport, height);
    view.setRows(rows, settings, new Map([[taskKey, hostile]]));
  }

  const items = (): HTMLElement[] => [
    ...viewport.querySelectorAll<HTMLElement>('[role="treeitem"]'),
  ];
  const item = (key: string): HTMLElement | null =>
    viewport.querySelector<HTMLElement>(`[data-key="${key}"]`);
  const press = (key: string, init: KeyboardEventInit = {}): boolean => {
    const event = new KeyboardEvent('keydown', { key, cancelable: true, ...init });
    viewport.dispatchEvent(event);
    return event.defaultPrevented;
  };

  beforeEach(() => {
    dom = installDom();
    selected = [];
    toggled = [];
  });
  afterEach(() => dom.close());

  it('is a WAI-ARIA tree of the rows in view, with levels, open state and data hooks', () => {
    show(110, rowsOf(allOpen));
    assert.equal(viewport.getAttribute('role'), 'tree');
    assert.equal(viewport.tabIndex, 0);
    // 110 px hold five 22 px rows; two more are drawn below.
    assert.equal(items().length, 7);
    assert.ok(rows.length > 15, `far more rows exist than are drawn: ${rows.length}`);
    const head = item(rowKey.record(0));
    assert.equal(head?.getAttribute('aria-level'), '1');
    assert.equal(head?.getAttribute('aria-expanded'), 'false');
    assert.equal(head?.dataset['recordName'], 'HEAD');
    const task = item(taskKey);
    assert.equal(task?.getAttribute('aria-expanded'), 'true');
    assert.equal(task?.dataset['vpid'], '1');
    const credRow = item(rowKey.record(cred.index));
    assert.equal(credRow?.getAttribute('aria-level'), '2');
    assert.equal(
      credRow?.querySelector('.tree-offset')?.textContent,
      `0x${cred.offset.toString(16)}`,
    );
    const uid = item(rowKey.field(cred.index, 'CRED.uid'));
    assert.equal(uid?.getAttribute('aria-level'), '3');
    assert.equal(uid?.hasAttribute('aria-expanded'), false, 'a leaf is neither open nor closed');
    assert.equal(uid?.dataset['field'], 'CRED.uid');
    assert.equal(uid?.querySelector('.tree-value')?.textContent, '1000');
    for (const row of items()) assert.match(row.getAttribute('aria-label') ?? '', / at 0x/);
  });

  it('shows markup from the image as text, never as elements', () => {
    show(400, rowsOf(allOpen));
    const task = item(taskKey);
    assert.equal(task?.querySelector('.tree-name')?.textContent, `task 1 ${hostile}`);
    const label = item(rowKey.field(cred.index, 'CRED.label'));
    assert.equal(label?.querySelector('.tree-value')?.textContent, hostile);
    assert.equal(viewport.querySelectorAll('img, script').length, 0);
    assert.equal((globalThis as Record<string, unknown>)['pwned'], undefined);
  });

  it('shows a record whose fields are on their way as reading', () => {
    show(600, rowsOf(allOpen));
    const note = item(`${rowKey.record(mm.index)}:loading`);
    assert.equal(note?.querySelector('.tree-name')?.textContent, 'Reading fields…');
    assert.equal(note?.hasAttribute('aria-expanded'), false);
  });

  it('a click selects a row and opens or closes it when it has children', () => {
    show(400, rowsOf(allOpen));
    const credRow = item(rowKey.record(cred.index));
    credRow
      ?.querySelector('.tree-value')
      ?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    assert.deepEqual(selected, [rowKey.record(cred.index)]);
    assert.deepEqual(toggled, [[rowKey.record(cred.index), undefined]]);
    const uidKey = rowKey.field(cred.index, 'CRED.uid');
    item(uidKey)?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    assert.deepEqual(selected, [rowKey.record(cred.index), uidKey]);
    assert.equal(toggled.length, 1, 'a leaf does not toggle');
    assert.equal(item(uidKey)?.getAttribute('aria-selected'), 'true');
    assert.equal(item(rowKey.record(cred.index))?.getAttribute('aria-selected'), 'false');
  });

  it('points aria-activedescendant at the selected row only while that row is in the DOM', () => {
    show(110, rowsOf(allOpen));
    const key = rowKey.record(0);
    view.select(key, true);
    assert.equal(viewport.getAttribute('aria-activedescendant'), item(key)?.id);
    dom.userScroll(viewport, 22 * 15);
    dom.settle();
    assert.equal(item(key), null, 'HEAD scrolled out of the DOM');
    assert.equal(viewport.hasAttribute('aria-activedescendant'), false);
    dom.userScroll(viewport, 0);
    dom.settle();
    assert.equal(viewport.getAttribute('aria-activedescendant'), item(key)?.id);
  });

  it('walks and opens the tree with the keyboard', () => {
    show(110, rowsOf(allOpen));
    const keys = rows.map((row) => row.key);
    assert.equal(press('ArrowDown'), true, 'handled keys do not scroll the page');
    assert.deepEqual(selected, [keys[0]], 'nothing selected: ArrowDown starts at the top');
    press('ArrowDown');
    assert.equal(selected.at(-1), keys[1]);
    press('End');
    assert.equal(selected.at(-1), keys.at(-1));
    assert.ok(item(keys.at(-1)!), 'the last row is drawn');
    press('Home');
    assert.equal(selected.at(-1), keys[0]);
    press('PageDown');
    assert.equal(selected.at(-1), keys[5], 'a page is five rows here');
    press('PageUp');
    assert.equal(selected.at(-1), keys[0]);
    // HEAD is closed: Right opens it, Enter toggles it.
    press('ArrowRight');
    press('Enter');
    assert.deepEqual(toggled, [
      [keys[0], true],
      [keys[0], undefined],
    ]);
    // On an open row, Right goes to its first child and Left closes it.
    view.select(taskKey, true);
    press('ArrowRight');
    assert.equal(selected.at(-1), keys[keys.indexOf(taskKey) + 1]);
    view.select(taskKey, true);
    press('ArrowLeft');
    assert.deepEqual(toggled.at(-1), [taskKey, false]);
    // On a leaf, Left goes to the parent.
    view.select(rowKey.field(cred.index, 'CRED.euid'), true);
    press('ArrowLeft');
    assert.equal(selected.at(-1), rowKey.record(cred.index));
    assert.equal(press('x'), false, 'other keys are left alone');
  });

  it('sees the user scroll after rows changed while End had taken the list to its bottom', () => {
    // 121 px: five rows and a half, so the browser clamps the scroll to the last row.
    show(121, rowsOf(allOpen));
    press('End');
    dom.settle();
    // Fields arriving re-render the rows (main.ts calls setRows for each).
    view.setRows(rows, settings, new Map());
    dom.settle();
    dom.userScroll(viewport, 0);
    dom.settle();
    assert.ok(item(rowKey.record(0)), 'HEAD is drawn again');
    assert.equal(view.firstRow, 0);
  });
});
