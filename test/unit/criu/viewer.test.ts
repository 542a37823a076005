/**
 * The CRIU viewer's pure parts: the rows of what is expanded, the children still to ask for,
 * and the guards of its protocol (a message is just data until they accept it).
 */
import assert from 'node:assert/strict';
import { readDump } from '../../../extension/criu/dump';
import { DumpTree } from '../../../extension/criu/view';
import {
  isCriuViewerToHostMessage,
  isHostToCriuViewerMessage,
  maxCriuChildrenRequest,
  type CriuNodeView,
} from '../../../webview/criu-protocol';
import { missingChildren, visibleRows } from '../../../webview/criu-viewer/rows';
import { MemoryDump, sampleDump } from './dump-writer';

describe('criu viewer: rows and protocol', () => {
  const tree = new DumpTree(readDump(new MemoryDump(sampleDump())));
  const roots: CriuNodeView[] = tree.roots().map((node) => ({ ...node }));

  it('lists what is expanded, with a placeholder while children are on their way', () => {
    const children = new Map<string, readonly CriuNodeView[]>();
    const expanded = new Set(['sec:processes']);
    let rows = visibleRows(roots, children, expanded);
    assert.deepEqual(
      rows.map((row) => [row.kind, row.key, row.depth]),
      [
        ['node', 'file:inventory.img', 0],
        ['node', 'sec:processes', 0],
        ['loading', 'sec:processes:loading', 1],
        ['node', 'sec:files', 0],
      ],
    );
    assert.deepEqual(missingChildren(rows, children, new Set()), ['sec:processes']);
    assert.deepEqual(missingChildren(rows, children, new Set(['sec:processes'])), []);
    children.set('sec:processes', tree.children('sec:processes') ?? []);
    expanded.add('p:4242');
    children.set('p:4242', tree.children('p:4242') ?? []);
    rows = visibleRows(roots, children, expanded);
    assert.deepEqual(
      rows
        .slice(1, 5)
        .map((row) => [row.key, row.depth, row.kind === 'node' ? row.expanded : null]),
      [
        ['sec:processes', 0, true],
        ['p:4242', 1, true],
        ['file:core-4242.img', 2, false],
        ['file:core-4243.img', 2, false],
      ],
    );
  });

  it("accepts the host's messages and nothing malformed", () => {
    const view = {
      title: 'dump',
      summary: [{ name: 'Processes', value: '2' }],
      files: [{ name: 'pstree.img', size: 48 }],
      problems: [],
      roots,
      matrix: { world: 'the default world', rows: [], notes: [], limits: [], error: null },
      version: 0,
    };
    const settings = { offsetRadix: 'hex', expandRecordsUpTo: 8 };
    assert.ok(isHostToCriuViewerMessage({ type: 'criuShowDump', view, settings }));
    assert.ok(
      !isHostToCriuViewerMessage({
        type: 'criuShowDump',
        view: { ...view, version: -1 },
        settings,
      }),
    );
    assert.ok(
      !isHostToCriuViewerMessage({
        type: 'criuShowDump',
        view: { ...view, roots: [{ key: 1 }] },
        settings,
      }),
    );
    assert.ok(
      isHostToCriuViewerMessage({ type: 'criuReveal', path: ['a', 'b'], file: 'x.img', offset: 3 }),
    );
    assert.ok(
      !isHostToCriuViewerMessage({
        type: 'criuBytes',
        file: 'x.img',
        offset: 1.5,
        data: '',
        version: 0,
      }),
    );
    assert.ok(!isHostToCriuViewerMessage({ type: 'showImage' }));
  });

  it("accepts the view's requests only within their limits", () => {
    assert.ok(isCriuViewerToHostMessage({ type: 'ready' }));
    assert.ok(isCriuViewerToHostMessage({ type: 'criuRequestChildren', keys: ['p:1'] }));
    assert.ok(
      !isCriuViewerToHostMessage({
        type: 'criuRequestChildren',
        keys: Array(maxCriuChildrenRequest + 1).fill('k'),
      }),
    );
    assert.ok(!isCriuViewerToHostMessage({ type: 'criuRequestChildren', keys: [''] }));
    assert.ok(
      isCriuViewerToHostMessage({
        type: 'criuRequestBytes',
        file: 'pages-1.img',
        offset: 0,
        length: 4096,
        version: 0,
      }),
    );
    assert.ok(
      !isCriuViewerToHostMessage({
        type: 'criuRequestBytes',
        file: 'pages-1.img',
        offset: 0,
        length: 1 << 20,
        version: 0,
      }),
    );
    assert.ok(
      !isCriuViewerToHostMessage({ type: 'criuLocate', file: 'x'.repeat(5000), offset: 0 }),
    );
    assert.ok(isCriuViewerToHostMessage({ type: 'criuAskWorld' }));
    assert.ok(!isCriuViewerToHostMessage({ type: 'editField' }));
  });
});
