import assert from 'node:assert/strict';
import { span } from '../../../../webview/shared/dom';
import { VirtualTree, type TreeCallbacks } from '../../../../webview/shared/treeView';
import { installDom, type TestDom } from '../dom';

/** The least a viewer's tree can be: a name per row, open, closed or a leaf. */
interface PlainRow {
  readonly key: string;
  readonly depth: number;
  readonly name: string;
  readonly open: boolean | null;
}

class PlainTree extends VirtualTree<PlainRow> {
  constructor(viewport: HTMLElement, callbacks: TreeCallbacks<PlainRow>) {
    super(viewport, callbacks, 'Plain rows', 'plain-row');
  }
  setRows(rows: readonly PlainRow[]): void {
    this.showRows(rows);
  }
  protected expandedOf(row: PlainRow): boolean | null {
    return row.open;
  }
  protected renderColumns(row: PlainRow, element: HTMLElement): void {
    element.classList.add('plain');
    element.append(span('tree-name', row.name));
    element.setAttribute('aria-label', row.name);
  }
}

const hostile = '<img src=x onerror="globalThis.pwned=1">';
//  a (open)         depth 0
//    a1 (closed)    depth 1
//    a2 (leaf)      depth 1
//  b (leaf)         depth 0
const plainRows: PlainRow[] = [
  { key: 'a', depth: 0, name: 'a', open: true },
  { key: 'a1', depth: 1, name: hostile, open: false },
  { key: 'a2', depth: 1, name: 'a2', open: null },
  { key: 'b', depth: 0, name: 'b', open: null },
];

describe('shared virtual tree (in a DOM)', () => {
  let dom: TestDom;
  let viewport: HTMLElement;
  let tree: PlainTree;
  let selected: string[];
  let toggled: [string, boolean | undefined][];

  const item = (key: string): HTMLElement | null =>
    viewport.querySelector<HTMLElement>(`[data-key="${key}"]`);
  const press = (key: string): boolean => {
    const event = new KeyboardEvent('keydown', { key, cancelable: true });
    viewport.dispatchEvent(event);
    return event.defaultPrevented;
  };

  beforeEach(() => {
    dom = installDom();
    selected = [];
    toggled = [];
    viewport = document.createElement('div');
    document.body.append(viewport);
    tree = new PlainTree(viewport, {
      // As the viewers do: the tree shows what the viewer selected.
      select: (row) => {
        selected.push(row.key);
        tree.select(row.key, true);
      },
      toggle: (row, expand) => toggled.push([row.key, expand]),
    });
    dom.layout(viewport, 400);
    tree.setRows(plainRows);
  });
  afterEach(() => dom.close());

  it('draws each row as a treeitem with its level, open state, twisty and columns', () => {
    assert.equal(viewport.getAttribute('role'), 'tree');
    assert.equal(viewport.getAttribute('aria-label'), 'Plain rows');
    assert.equal(viewport.tabIndex, 0);
    const a = item('a');
    assert.equal(a?.getAttribute('role'), 'treeitem');
    assert.equal(a?.id, 'plain-row-0');
    assert.equal(a?.className, 'tree-row plain');
    assert.equal(a?.getAttribute('aria-level'), '1');
    assert.equal(a?.getAttribute('aria-expanded'), 'true');
    assert.equal(a?.getAttribute('aria-selected'), 'false');
    assert.equal(a?.querySelector('.twisty')?.textContent, '▾');
    assert.equal(item('a1')?.getAttribute('aria-expanded'), 'false');
    assert.equal(item('a1')?.querySelector('.twisty')?.textContent, '▸');
    assert.equal(item('a1')?.style.paddingLeft, '18px');
    assert.equal(item('a2')?.hasAttribute('aria-expanded'), false, 'a leaf is neither');
    assert.equal(item('a2')?.querySelector('.twisty')?.textContent, '');
    assert.equal(item('a1')?.querySelector('.tree-name')?.textContent, hostile);
    assert.equal(viewport.querySelectorAll('img').length, 0, 'names are text, not markup');
  });

  it('a click selects the row and toggles it only when it has children', () => {
    item('a1')
      ?.querySelector('.tree-name')
      ?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    item('b')?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    assert.deepEqual(selected, ['a1', 'b']);
    assert.deepEqual(toggled, [['a1', undefined]]);
    assert.equal(viewport.getAttribute('aria-activedescendant'), item('b')?.id);
    assert.equal(item('b')?.getAttribute('aria-selected'), 'true');
  });

  it('walks, opens and closes with the keyboard, as the WAI-ARIA tree pattern says', () => {
    assert.equal(press('ArrowRight'), true);
    assert.deepEqual(selected, [], 'Right with nothing selected does nothing');
    press('ArrowDown');
    assert.deepEqual(selected, ['a'], 'Down with nothing selected starts at the top');
    press('ArrowRight');
    assert.equal(selected.at(-1), 'a1', 'Right on an open row goes to its first child');
    press('ArrowRight');
    assert.deepEqual(toggled.at(-1), ['a1', true], 'Right on a closed row opens it');
    press('ArrowDown');
    press('ArrowLeft');
    assert.equal(selected.at(-1), 'a', 'Left on a leaf goes to its parent');
    press('ArrowLeft');
    assert.deepEqual(toggled.at(-1), ['a', false], 'Left on an open row closes it');
    press('End');
    assert.equal(selected.at(-1), 'b');
    press('Enter');
    assert.equal(toggled.length, 2, 'Enter on a leaf toggles nothing');
    press('Home');
    press(' ');
    assert.deepEqual(toggled.at(-1), ['a', undefined], 'Space toggles');
    assert.equal(press('x'), false, 'other keys are left alone');
  });
});
