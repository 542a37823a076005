/**
 * The image editor's webview: after the ready handshake it shows the image the host sends as a
 * summary, problems, a virtualized tree of tasks, records and fields, a paged hex view and an
 * inspector. It asks the host for record fields and byte windows as they come into view, and
 * sends edits to the host; it never reads or writes the file itself.
 */
import * as l10n from '@vscode/l10n';
import {
  decodeBytes,
  isHostToImageViewerMessage,
  maxFieldRequest,
  type ImageView,
  type ImageViewerSettings,
  type ImageViewerToHostMessage,
  type RecordFieldsView,
} from '../protocol';
import { loadStrings } from '../l10n';
import { button, registerComponents, textField } from '../ui/index';
import { appElement, element } from '../shared/dom';
import { parseOffset } from './format';
import { problemList, summaryHeader } from './header';
import { HexView, type ByteRange } from './hexView';
import { renderInspector, type EditStatus } from './inspector';
import { initialState, loadState, saveState, vscodeApi, type ViewerState } from './state';
import {
  buildTree,
  parentsFromTree,
  pathToOffset,
  rowKey,
  visibleRows,
  type ImageTree,
  type TreeRow,
} from './tree';
import { TreeView } from './treeView';
import './style.css';

loadStrings(document.body);
registerComponents();

const app = appElement();

// The page's fixed parts; the header and problems are rebuilt for each image version.
const headerSlot = element('div', 'header-slot');
const problemsSlot = element('div', 'problems-slot');
const toolbar = element('div', 'toolbar');
const panes = element('div', 'panes');
const treeViewport = element('div', 'tree-viewport');
const hexViewport = element('div', 'hex-viewport');
const inspector = element('aside', 'inspector');
inspector.setAttribute('aria-label', l10n.t('Inspector'));
panes.append(treeViewport, hexViewport, inspector);

const saved = loadState();
let state: ViewerState = saved ?? initialState;
let shown: { view: ImageView; settings: ImageViewerSettings; version: number } | undefined;
/**
 * Fields received from the host, by record index. After a change they are kept on screen (no
 * flicker) until the new version's arrive; `fresh` says which are of the shown version.
 */
const fields = new Map<number, RecordFieldsView>();
const fresh = new Set<number>();
/** Records whose fields were asked for in the shown version. */
const requested = new Set<number>();
/** The bytes highlighted: kept while the selected field's new fields are on their way. */
let selectedRange: ByteRange | null = null;
let tree: ImageTree = { leading: [], tasks: [], trailing: [], damage: null };
let rows: TreeRow[] = [];
const expanded = new Set<string>(state.expanded);
let taskLabels = new Map<string, string>();
/** An offset to go to once the fields of its record arrive. */
let pendingReveal: number | null = null;
let editStatus: EditStatus | null = null;
let nextRequestId = 1;
const editKeys = new Map<number, string>();
/** What the inspector shows now, so unrelated updates do not reset a half-typed value. */
let inspectorShows = '';
let firstRenderDone = false;

function post(message: ImageViewerToHostMessage): void {
  vscodeApi.postMessage(message);
}

function persist(): void {
  state = { ...state, expanded: [...expanded], treeTop: treeView.firstRow };
  saveState(state);
}

/** Asks for the fields of `indexes` not yet here nor asked for. */
function requestFields(indexes: readonly number[]): void {
  if (!shown) return;
  const count = shown.view.records.length;
  const missing = indexes.filter(
    (index) => index >= 0 && index < count && !fresh.has(index) && !requested.has(index),
  );
  for (const index of missing) requested.add(index);
  for (let start = 0; start < missing.length; start += maxFieldRequest) {
    post({ type: 'requestFields', indexes: missing.slice(start, start + maxFieldRequest) });
  }
}

/** The records the viewer always wants: HEAD (summary), TREE (task tree), the tasks' comm. */
function wantedAlways(view: ImageView): number[] {
  const wanted: number[] = [];
  for (const record of view.records) {
    if (record.name === 'HEAD' || record.name === 'TREE') wanted.push(record.index);
    const next = view.records[record.index + 1];
    if (record.name === 'TASK' && next?.name === 'STRING') wanted.push(next.index);
  }
  return wanted;
}

function computeTaskLabels(view: ImageView): Map<string, string> {
  const labels = new Map<string, string>();
  for (const record of view.records) {
    if (record.name !== 'TASK') continue;
    const comm = fields.get(record.index + 1)?.fields.find((field) => field.name === 'value');
    if (comm) labels.set(rowKey.task(record), comm.value);
  }
  return labels;
}

function rangeOf(row: TreeRow): ByteRange | null {
  switch (row.kind) {
    case 'task':
      return { offset: row.task.first.offset, size: row.task.first.size };
    case 'record':
      return { offset: row.record.offset, size: row.record.size };
    case 'field':
      return { offset: row.field.offset, size: row.field.size };
    case 'damage':
      return { offset: row.offset, size: row.size };
    case 'note':
      return null;
  }
}

function selectedRow(): TreeRow | null {
  return rows.find((row) => row.key === state.selected) ?? null;
}

function updateInspector(): void {
  if (!shown) return;
  const row = selectedRow();
  // Not the document version: a change elsewhere must not reset a value being typed here.
  const range = row ? rangeOf(row) : null;
  const problem = row && 'problem' in row ? (row.problem?.message ?? '') : '';
  const value = `${row?.kind ?? 'none'}|${row?.kind === 'field' ? row.field.value : ''}|${range?.offset ?? ''}+${range?.size ?? ''}|${problem}`;
  const shows = `${state.selected ?? ''}|${value}|${editStatus?.key ?? ''}|${editStatus?.state ?? ''}|${editStatus?.message ?? ''}`;
  if (shows === inspectorShows) return;
  inspectorShows = shows;
  const label = row?.kind === 'task' ? taskLabels.get(row.key) : undefined;
  renderInspector(inspector, row, label, shown.settings, editStatus, { edit });
}

/** Rebuilds the rows from what is expanded and known, and shows them. */
function refreshRows(): void {
  if (!shown) return;
  rows = visibleRows({ tree, fields, expanded, problems: shown.view.problems });
  treeView.setRows(rows, shown.settings, taskLabels);
  treeView.select(state.selected, false);
  const expandedRecords = rows.flatMap((row) =>
    row.kind === 'record' && row.expanded ? [row.record.index] : [],
  );
  requestFields(expandedRecords);
  // The tree is still changing while fields it asked for are on their way: screen readers (and
  // tests) can wait for it to settle.
  const waiting = [...requested].some((index) => !fresh.has(index));
  treeViewport.setAttribute('aria-busy', String(waiting));
  updateInspector();
}

function selectRow(row: TreeRow, revealInTree: boolean): void {
  state = { ...state, selected: row.key };
  selectedRange = rangeOf(row);
  treeView.select(row.key, revealInTree);
  hexView.select(selectedRange, true);
  updateInspector();
  persist();
}

function toggle(row: TreeRow, expand?: boolean): void {
  if (row.kind === 'note' || row.kind === 'damage' || row.expanded === null) return;
  const open = expand ?? !row.expanded;
  if (open === row.expanded) return;
  if (open) expanded.add(row.key);
  else expanded.delete(row.key);
  refreshRows();
  persist();
}

/** Selects what holds byte `offset`: expands the way to it, selects it, shows it in both views. */
function revealOffset(offset: number): void {
  if (!shown) return;
  const path = pathToOffset(tree, shown.view.records, fields, offset);
  hexView.goTo(offset);
  if (!path) return;
  for (const key of path.expand) expanded.add(key);
  const recordIndex = path.target.startsWith('r:') ? Number(path.target.slice(2)) : null;
  if (recordIndex !== null && !fields.has(recordIndex)) {
    // The field is not known yet: go to the record now, and to the field once it is.
    pendingReveal = offset;
    expanded.add(path.target);
    requestFields([recordIndex]);
  }
  state = { ...state, selected: path.target, cursor: offset };
  refreshRows();
  treeView.select(path.target, true);
  selectedRange = path.range;
  hexView.select(path.range, true);
  hexView.goTo(offset);
  updateInspector();
  persist();
}

function edit(row: Extract<TreeRow, { kind: 'field' }>, input: string): void {
  if (!shown) return;
  const requestId = nextRequestId++;
  editKeys.set(requestId, row.key);
  editStatus = { key: row.key, state: 'pending', message: '' };
  post({
    type: 'editField',
    requestId,
    recordIndex: row.record.index,
    fieldPath: row.field.path,
    offset: row.field.offset,
    size: row.field.size,
    input,
    version: shown.version,
  });
  updateInspector();
}

const treeView = new TreeView(treeViewport, {
  toggle,
  select: (row) => selectRow(row, true),
});
const hexView = new HexView(hexViewport, {
  request: (offset, length) => {
    if (shown) post({ type: 'requestBytes', offset, length, version: shown.version });
  },
  pick: (offset) => revealOffset(offset),
});

function buildToolbar(): void {
  const goTo = textField(l10n.t('Go to offset (0x hex or decimal)'), '', () => go());
  goTo.element.classList.add('goto-offset');
  goTo.element.setAttribute('placeholder', l10n.t('Go to offset, e.g. 0x1a0'));
  const status = element('span', 'goto-status');
  status.setAttribute('role', 'status');
  const go = (): void => {
    const offset = parseOffset(goTo.read());
    if (offset === null || !shown || offset >= shown.view.byteLength) {
      status.textContent = shown
        ? l10n.t('Not an offset in this file (0 … {0}).', shown.view.byteLength - 1)
        : '';
      return;
    }
    status.textContent = '';
    revealOffset(offset);
  };
  toolbar.append(goTo.element, button(l10n.t('Go'), go, 'secondary'), status);
}
buildToolbar();

function renderHeader(): void {
  if (!shown) return;
  const head = shown.view.records[0]?.name === 'HEAD' ? fields.get(0) : undefined;
  headerSlot.replaceChildren(summaryHeader(shown.view, head, shown.settings));
  const notice = element('p', 'notice');
  if (shown.view.notice !== null) notice.textContent = shown.view.notice;
  problemsSlot.replaceChildren(
    problemList(shown.view.problems, shown.settings, revealOffset),
    ...(shown.view.notice !== null ? [notice] : []),
  );
}

function showImage(view: ImageView, settings: ImageViewerSettings): void {
  const version = view.version ?? 0;
  const firstShow = shown === undefined;
  shown = { view, settings, version };
  // Whatever changed, fields are asked for again; the old ones stay shown until replaced.
  fresh.clear();
  requested.clear();
  for (const index of [...fields.keys()]) if (index >= view.records.length) fields.delete(index);
  if (firstShow) {
    app.replaceChildren(headerSlot, problemsSlot, toolbar, panes);
    app.setAttribute('aria-busy', 'false');
  }
  const treeRecord = view.records.find((record) => record.name === 'TREE');
  const treeFields = treeRecord ? fields.get(treeRecord.index) : undefined;
  tree = buildTree(view.records, view.byteLength, parentsFromTree(treeFields));
  taskLabels = computeTaskLabels(view);
  if (firstShow && saved === null) {
    // A first visit: tasks open; small images open whole.
    if (tree.tasks.length <= 64)
      for (const record of view.records)
        if (record.name === 'TASK') expanded.add(rowKey.task(record));
    if (view.records.length <= settings.expandRecordsUpTo)
      for (const record of view.records) expanded.add(rowKey.record(record.index));
  }
  hexView.setImage(view.byteLength, tree.damage?.offset ?? null);
  requestFields(wantedAlways(view));
  renderHeader();
  refreshRows();
  if (firstShow) {
    if (saved) treeView.scrollTo(saved.treeTop);
    const row = selectedRow();
    if (row) selectRow(row, true);
    else hexView.goTo(Math.min(state.cursor, Math.max(0, view.byteLength - 1)));
  } else {
    const row = selectedRow();
    if (row) selectedRange = rangeOf(row);
    hexView.select(selectedRange, false);
  }
  if (!firstRenderDone) {
    firstRenderDone = true;
    // A stable hook for the benchmark: the first render with the image's rows is done.
    performance.mark('crlab:first-render');
    app.dataset['firstRender'] = String(Math.round(performance.now()));
  }
}

function receiveFields(received: RecordFieldsView): void {
  if (!shown) return;
  fields.set(received.index, received);
  fresh.add(received.index);
  const record = shown.view.records[received.index];
  if (record?.name === 'TREE') {
    tree = buildTree(shown.view.records, shown.view.byteLength, parentsFromTree(received));
  }
  if (record?.name === 'HEAD') renderHeader();
  if (record?.name === 'STRING') taskLabels = computeTaskLabels(shown.view);
  refreshRows();
  if (
    pendingReveal !== null &&
    record &&
    pendingReveal >= record.offset &&
    pendingReveal < record.offset + record.size
  ) {
    const offset = pendingReveal;
    pendingReveal = null;
    revealOffset(offset);
  }
  const selected = selectedRow();
  if (selected) {
    selectedRange = rangeOf(selected);
    hexView.select(selectedRange, false);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToImageViewerMessage(message)) return;
  switch (message.type) {
    case 'showImage':
      showImage(message.view, message.settings);
      break;
    case 'recordFields':
      receiveFields(message.fields);
      break;
    case 'bytes': {
      if (!shown || message.version !== shown.version) return;
      const data = decodeBytes(message.data);
      if (data) hexView.receive(message.offset, data);
      break;
    }
    case 'selectOffset':
      revealOffset(message.offset);
      break;
    case 'editResult': {
      const key = editKeys.get(message.requestId);
      if (key === undefined) return;
      editKeys.delete(message.requestId);
      editStatus = {
        key,
        state: message.ok ? 'applied' : 'refused',
        message: message.message || (message.ok ? 'Applied.' : 'Refused.'),
      };
      inspectorShows = '';
      updateInspector();
      break;
    }
  }
});

post({ type: 'ready' });
