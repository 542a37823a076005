/**
 * The CRIU dump viewer's webview (read-only): after the ready handshake it shows the dump the
 * host sends — a summary, "who may restart this dump?", the problems, a tree of processes and
 * files whose children it asks for as they are expanded, the hex of the selected row's file,
 * and the selected row's details. Clicking a byte asks the host which row holds it.
 */
import {
  isHostToCriuViewerMessage,
  maxCriuChildrenRequest,
  type CriuDumpView,
  type CriuMatrixView,
  type CriuNodeView,
  type CriuViewerToHostMessage,
} from '../criu-protocol';
import { decodeBytes, type ImageViewerSettings } from '../protocol';
import { badge, button, dataGrid, registerComponents } from '../ui/index';
import { formatOffset, formatSize } from '../image-viewer/format';
import { HexView } from '../image-viewer/hexView';
import { vscodeApi } from '../image-viewer/state';
import { appElement, element, makeLink } from '../shared/dom';
import { missingChildren, visibleRows, type CriuRow } from './rows';
import { CriuTreeView } from './treeView';
import * as l10n from '@vscode/l10n';
import { loadStrings } from '../l10n';
import '../image-viewer/style.css';
import './style.css';

registerComponents();
loadStrings(document.body);

const app = appElement();

const headerSlot = element('div', 'header-slot');
const matrixSlot = element('section', 'criu-matrix');
matrixSlot.setAttribute('aria-label', l10n.t('Who may restart this dump?'));
const problemsSlot = element('div', 'problems-slot');
const toolbar = element('div', 'toolbar criu-toolbar');
const hexCaption = element('span', 'criu-hex-caption');
hexCaption.setAttribute('role', 'status');
toolbar.append(hexCaption);
const panes = element('div', 'panes');
const treeViewport = element('div', 'tree-viewport');
const hexViewport = element('div', 'hex-viewport');
const details = element('aside', 'inspector criu-details');
details.setAttribute('aria-label', l10n.t('Details'));
panes.append(treeViewport, hexViewport, details);

/** What the viewer keeps across hide/show of its tab (getState/setState). */
interface CriuViewerState {
  readonly expanded: readonly string[];
  readonly selected: string | null;
}

function loadState(): CriuViewerState | null {
  const saved: unknown = vscodeApi.getState();
  if (typeof saved !== 'object' || saved === null) return null;
  const state = saved as Record<string, unknown>;
  const expanded = state['expanded'];
  const selected = state['selected'];
  if (!Array.isArray(expanded) || !expanded.every((key) => typeof key === 'string')) return null;
  if (selected !== null && typeof selected !== 'string') return null;
  return { expanded: expanded as string[], selected: selected as string | null };
}

const saved = loadState();
const expanded = new Set<string>(saved?.expanded ?? []);
let selected: string | null = saved?.selected ?? null;
let shown: { view: CriuDumpView; settings: ImageViewerSettings } | undefined;
const children = new Map<string, readonly CriuNodeView[]>();
const requested = new Set<string>();
let rows: CriuRow[] = [];
/** The file the hex view shows. */
let hexFile: string | null = null;
let firstRenderDone = false;

function post(message: CriuViewerToHostMessage): void {
  vscodeApi.postMessage(message);
}

function persist(): void {
  vscodeApi.setState({ expanded: [...expanded].slice(0, 5000), selected });
}

function nodeOf(key: string | null): CriuNodeView | null {
  const row = rows.find((candidate) => candidate.key === key);
  return row?.kind === 'node' ? row.node : null;
}

function sizeOf(file: string): number {
  return shown?.view.files.find((f) => f.name === file)?.size ?? 0;
}

/** Points the hex view at `file` (a new file drops the bytes of the old one). */
function showFile(file: string): void {
  if (file === hexFile) return;
  hexFile = file;
  const size = sizeOf(file);
  hexView.setImage(size, null);
  hexCaption.textContent = `${file} · ${formatSize(size)}`;
}

function refreshRows(): void {
  if (!shown) return;
  rows = visibleRows(shown.view.roots, children, expanded);
  treeView.setRows(rows, shown.settings);
  treeView.select(selected, false);
  const missing = missingChildren(rows, children, requested);
  for (const key of missing) requested.add(key);
  for (let start = 0; start < missing.length; start += maxCriuChildrenRequest)
    post({
      type: 'criuRequestChildren',
      keys: missing.slice(start, start + maxCriuChildrenRequest),
    });
  renderDetails();
}

function renderDetails(): void {
  const node = nodeOf(selected);
  if (!node || !shown) {
    details.replaceChildren(
      element('p', 'inspector-hint', l10n.t('Select a row to see its bytes.')),
    );
    return;
  }
  const radix = shown.settings.offsetRadix;
  const facts: [string, string][] = [
    [l10n.t('Type'), node.type],
    [l10n.t('Value'), node.value],
  ];
  if (node.file !== null) {
    facts.push([l10n.t('File'), node.file]);
    facts.push([l10n.t('Offset'), formatOffset(node.offset, radix)]);
    facts.push([l10n.t('Size'), l10n.t('{0} bytes', node.size)]);
  }
  if (!node.known)
    facts.push([l10n.t('Schema'), l10n.t('not in our schema: kept as read, with its bytes')]);
  const list = element('dl', 'inspector-facts');
  for (const [name, value] of facts) list.append(element('dt', '', name), element('dd', '', value));
  const parts: HTMLElement[] = [element('h2', 'inspector-title', node.label), list];
  if (node.problem !== null) parts.push(element('p', 'inspector-problem', node.problem));
  details.replaceChildren(...parts);
}

function select(row: CriuRow, reveal: boolean): void {
  if (row.kind !== 'node') return;
  selected = row.key;
  const node = row.node;
  treeView.select(row.key, reveal);
  if (node.file !== null) {
    showFile(node.file);
    hexView.select({ offset: node.offset, size: node.size }, true);
  } else hexView.select(null, false);
  renderDetails();
  persist();
}

function toggle(row: CriuRow, expand?: boolean): void {
  if (row.kind !== 'node' || row.expanded === null) return;
  const open = expand ?? !row.expanded;
  if (open === row.expanded) return;
  if (open) expanded.add(row.key);
  else expanded.delete(row.key);
  refreshRows();
  persist();
}

const treeView = new CriuTreeView(treeViewport, { toggle, select: (row) => select(row, true) });
const hexView = new HexView(hexViewport, {
  request: (offset, length) => {
    if (shown && hexFile !== null)
      post({
        type: 'criuRequestBytes',
        file: hexFile,
        offset,
        length,
        version: shown.view.version,
      });
  },
  pick: (offset) => {
    if (hexFile !== null) post({ type: 'criuLocate', file: hexFile, offset });
  },
});

function summary(view: CriuDumpView): HTMLElement {
  const header = element('header', 'image-header');
  header.append(element('h1', 'file-name', view.title));
  const list = element('dl', 'summary');
  for (const item of view.summary) {
    const entry = element('div', 'summary-item');
    entry.dataset['summary'] = item.name;
    entry.append(
      element('dt', 'summary-name', item.name),
      element('dd', 'summary-value', item.value),
    );
    list.append(entry);
  }
  header.append(list);
  const count = view.problems.length;
  header.append(
    badge(
      count === 0
        ? l10n.t('no problems')
        : count === 1
          ? l10n.t('1 problem')
          : l10n.t('{0} problems', count),
      l10n.t('{0} problems', count),
    ),
  );
  return header;
}

function problems(view: CriuDumpView): HTMLElement {
  const section = element('section', 'problems');
  section.setAttribute('aria-label', l10n.t('Problems'));
  if (view.problems.length === 0) return section;
  const list = element('ul', 'problem-list');
  for (const problem of view.problems.slice(0, 200)) {
    const item = element('li', 'problem');
    item.dataset['file'] = problem.file;
    item.dataset['offset'] = String(problem.offset);
    const where = `${problem.file} ${formatOffset(problem.offset, shown?.settings.offsetRadix ?? 'hex')}`;
    item.append(
      element('span', 'problem-where', where),
      element('code', 'problem-field', problem.field),
      element('span', 'problem-message', problem.message),
    );
    item.setAttribute(
      'aria-label',
      l10n.t('{0} ({1}): {2}. Go to it.', where, problem.field, problem.message),
    );
    makeLink(item, () => post({ type: 'criuLocate', file: problem.file, offset: problem.offset }));
    list.append(item);
  }
  section.append(list);
  return section;
}

function matrix(view: CriuMatrixView | null): HTMLElement[] {
  const heading = element('div', 'criu-matrix-heading');
  heading.append(
    element('h2', 'criu-matrix-title', l10n.t('Who may restart this dump?')),
    element(
      'span',
      'criu-matrix-world',
      view === null
        ? l10n.t('not worked out yet')
        : l10n.t('sys_restart as each user of {0}', view.world),
    ),
    button(
      view === null ? l10n.t('Ask…') : l10n.t('Another world…'),
      () => post({ type: 'criuAskWorld' }),
      'secondary',
    ),
  );
  if (view === null) return [heading];
  if (view.error !== null) return [heading, element('p', 'record-error', view.error)];
  const grid = dataGrid(
    l10n.t('Who may restart this dump?'),
    [
      l10n.t('User'),
      l10n.t('Verdict'),
      l10n.t('Check'),
      l10n.t('Errno'),
      l10n.t('Why'),
      l10n.t('In the dump'),
    ],
    view.rows.map((row) => ({
      cells: [
        `${row.user} (${row.uid})`,
        row.allowed ? l10n.t('may restart') : l10n.t('refused'),
        row.check ?? '',
        row.errno ?? '',
        row.reason,
        row.source
          ? `${row.source.file} ${formatOffset(row.source.offset, shown?.settings.offsetRadix ?? 'hex')}`
          : '',
      ],
      data: {
        user: row.user,
        verdict: row.allowed ? 'allowed' : 'refused',
        check: row.check ?? '',
      },
    })),
    '9em 8em 10em 6.5em minmax(10em, 4fr) 10em',
  );
  // Cells stay on one line; the whole text is in the cell's tooltip.
  for (const cell of grid.querySelectorAll<HTMLElement>('vscode-data-grid-cell'))
    cell.title = cell.textContent ?? '';
  grid.addEventListener('click', (event) => {
    const rowElement =
      event.target instanceof Element ? event.target.closest<HTMLElement>('[data-user]') : null;
    const found = view.rows.find((row) => row.user === rowElement?.dataset['user']);
    if (found?.source)
      post({ type: 'criuLocate', file: found.source.file, offset: found.source.offset });
  });
  const more = element('details', 'criu-matrix-notes');
  more.append(
    element(
      'summary',
      '',
      l10n.t('What the mapping left out ({0}) and cannot know', view.notes.length),
    ),
  );
  const list = element('ul', '');
  for (const text of [...view.notes, ...view.limits]) list.append(element('li', '', text));
  more.append(list);
  return [heading, grid, more];
}

function showDump(view: CriuDumpView, settings: ImageViewerSettings): void {
  const first = shown === undefined;
  const reloaded = shown !== undefined && shown.view.version !== view.version;
  shown = { view, settings };
  if (first || reloaded) {
    children.clear();
    requested.clear();
  }
  if (first) {
    app.replaceChildren(headerSlot, matrixSlot, problemsSlot, toolbar, panes);
    app.setAttribute('aria-busy', 'false');
    if (saved === null) {
      // A first visit: the processes open, with their roots.
      for (const node of view.roots) if (node.key === 'sec:processes') expanded.add(node.key);
    }
  }
  headerSlot.replaceChildren(summary(view));
  matrixSlot.replaceChildren(...matrix(view.matrix));
  problemsSlot.replaceChildren(problems(view));
  if (reloaded && hexFile !== null) {
    const file = hexFile;
    hexFile = null;
    showFile(file);
  }
  refreshRows();
  const current = nodeOf(selected);
  if (current)
    select({ kind: 'node', key: current.key, depth: 0, node: current, expanded: null }, true);
  if (!firstRenderDone) {
    firstRenderDone = true;
    app.dataset['firstRender'] = String(Math.round(performance.now()));
  }
}

/** A reveal waits for the rows on its path; the host sends them first. */
function reveal(path: readonly string[], file: string, offset: number): void {
  for (const key of path.slice(0, -1)) expanded.add(key);
  refreshRows();
  const target = path[path.length - 1];
  const row = rows.find((candidate) => candidate.key === target);
  if (row) select(row, true);
  showFile(file);
  hexView.goTo(offset);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToCriuViewerMessage(message)) return;
  switch (message.type) {
    case 'criuShowDump':
      showDump(message.view, message.settings);
      break;
    case 'criuChildren': {
      children.set(message.key, message.children);
      requested.delete(message.key);
      const wasSelected = selected;
      refreshRows();
      // A row restored from saved state appears once its parents' children arrive.
      const row = rows.find((candidate) => candidate.key === wasSelected);
      if (row && hexFile === null) select(row, true);
      break;
    }
    case 'criuBytes': {
      if (!shown || message.version !== shown.view.version || message.file !== hexFile) return;
      const data = decodeBytes(message.data);
      if (data) hexView.receive(message.offset, data);
      break;
    }
    case 'criuReveal':
      reveal(message.path, message.file, message.offset);
      break;
  }
});

post({ type: 'ready' });
