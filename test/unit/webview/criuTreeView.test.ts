import assert from 'node:assert/strict';
import type { CriuNodeView } from '../../../webview/criu-protocol';
import { visibleRows, type CriuRow } from '../../../webview/criu-viewer/rows';
import { CriuTreeView } from '../../../webview/criu-viewer/treeView';
import { installDom, type TestDom } from './dom';

const settings = { offsetRadix: 'hex', expandRecordsUpTo: 8 } as const;
const hostile = '<img src=x onerror="globalThis.pwned=1">';

function node(key: string, fields: Partial<CriuNodeView> = {}): CriuNodeView {
  return {
    key,
    label: key,
    value: '',
    type: 'message',
    file: null,
    offset: 0,
    size: 0,
    hasChildren: false,
    known: true,
    problem: null,
    ...fields,
  };
}

const processes = node('sec:processes', { label: 'Processes', type: 'section', hasChildren: true });
const process = node('p:4242', { label: 'pid 4242', type: 'process', hasChildren: true });
const comm = node('f:core-4242.img#0:core_entry.tc.comm', {
  label: 'comm',
  value: hostile,
  type: 'string',
  file: 'core-4242.img',
  offset: 0x1a,
  size: 16,
});
const odd = node('f:core-4242.img#0:core_entry.99', {
  label: '99',
  value: '7',
  type: 'varint',
  file: 'core-4242.img',
  offset: 0x40,
  size: 2,
  known: false,
  problem: 'field 99 is not in core_entry',
});

describe('CRIU dump tree view (in a DOM)', () => {
  let dom: TestDom;
  let viewport: HTMLElement;
  let selected: string[];

  /** The tree with the processes open and pid 4242 open; its children known or on their way. */
  function show(childrenKnown: boolean): CriuRow[] {
    const children = new Map<string, readonly CriuNodeView[]>([[processes.key, [process]]]);
    if (childrenKnown) children.set(process.key, [comm, odd]);
    const rows = visibleRows([processes], children, new Set([processes.key, process.key]));
    viewport = document.createElement('div');
    document.body.append(viewport);
    const view = new CriuTreeView(viewport, {
      select: (row) => {
        selected.push(row.key);
        view.select(row.key, true);
      },
      toggle: () => undefined,
    });
    dom.layout(viewport, 400);
    view.setRows(rows, settings);
    return rows;
  }
  const item = (key: string): HTMLElement | null =>
    viewport.querySelector<HTMLElement>(`[data-key="${key}"]`);

  beforeEach(() => {
    dom = installDom();
    selected = [];
  });
  afterEach(() => dom.close());

  it('shows sections, processes and fields with their file, offset and size', () => {
    show(true);
    assert.equal(viewport.getAttribute('aria-label'), 'Processes, files, entries and fields');
    assert.equal(item(processes.key)?.className, 'tree-row criu-section');
    assert.equal(item(process.key)?.className, 'tree-row criu-process');
    assert.equal(item(process.key)?.getAttribute('aria-expanded'), 'true');
    const row = item(comm.key);
    assert.equal(row?.id, 'criu-row-2');
    assert.equal(row?.getAttribute('aria-level'), '3');
    assert.equal(row?.dataset['file'], 'core-4242.img');
    assert.equal(row?.dataset['offset'], '26');
    assert.equal(row?.querySelector('.criu-where')?.textContent, 'core-4242.img 0x1a');
    assert.equal(row?.querySelector('.tree-size')?.textContent, '16');
    assert.equal(row?.querySelector('.tree-value')?.textContent, hostile);
    assert.equal(viewport.querySelectorAll('img').length, 0, 'values are text, not markup');
    assert.equal(row?.getAttribute('aria-label'), `comm ${hostile}, string at core-4242.img 0x1a`);
  });

  it('marks a field outside the schema and its problem', () => {
    show(true);
    const row = item(odd.key);
    assert.equal(row?.className, 'tree-row criu-node criu-unknown has-problem');
    assert.equal(row?.querySelector('.tree-problem')?.textContent, '!');
    assert.equal(row?.title, 'field 99 is not in core_entry');
    assert.match(
      row?.getAttribute('aria-label') ?? '',
      /, problem: field 99 is not in core_entry$/,
    );
  });

  it('shows children on their way as reading; a click selects the row clicked', () => {
    show(false);
    const loading = item(`${process.key}:loading`);
    assert.equal(loading?.className, 'tree-row tree-note');
    assert.equal(loading?.querySelector('.tree-name')?.textContent, 'Reading…');
    assert.equal(loading?.hasAttribute('aria-expanded'), false);
    item(process.key)?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    assert.deepEqual(selected, [process.key]);
    assert.equal(viewport.getAttribute('aria-activedescendant'), item(process.key)?.id);
  });
});
