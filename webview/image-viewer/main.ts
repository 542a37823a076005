/**
 * The image editor's webview: tells the host it is ready, shows the record list the host
 * sends, and asks for a record's fields when the record is expanded.
 */
import {
  isHostToImageViewerMessage,
  maxFieldRequest,
  type ImageView,
  type ImageViewerSettings,
  type ImageViewerToHostMessage,
  type RecordFieldsView,
} from '../protocol';
import { registerComponents } from '../ui/index';
import { installTreeKeyboard } from './keyboard';
import { render } from './render';
import { loadState, recordPageSize, saveState, vscodeApi, type ViewerState } from './state';
import './style.css';

registerComponents();

const root = document.getElementById('app');
if (!root) throw new Error('the page has no #app element');
const app: HTMLElement = root;

let state: ViewerState = loadState();
let shown: { view: ImageView; settings: ImageViewerSettings } | undefined;
/** Fields received from the host, by record index; cleared when the image changes. */
const fields = new Map<number, RecordFieldsView>();
/** The record to focus after the next render (keyboard users keep their place). */
let focusAfterRender: number | undefined;

function post(message: ImageViewerToHostMessage): void {
  vscodeApi.postMessage(message);
}

/** Asks the host for the fields of the expanded records it has not sent yet. */
function requestMissingFields(): void {
  if (!shown) return;
  const count = shown.view.records.length;
  const missing = state.expanded.filter((index) => index < count && !fields.has(index));
  for (let start = 0; start < missing.length; start += maxFieldRequest) {
    post({ type: 'requestFields', indexes: missing.slice(start, start + maxFieldRequest) });
  }
}

/** The record whose tree item has the keyboard focus, if any. */
function focusedRecord(): number | undefined {
  const active = document.activeElement;
  const item =
    active instanceof HTMLElement ? active.closest<HTMLElement>('[data-record-index]') : null;
  return item ? Number(item.dataset['recordIndex']) : undefined;
}

function redraw(): void {
  if (!shown) return;
  // Rendering replaces the tree's elements: keep the keyboard focus on the same record.
  focusAfterRender ??= focusedRecord();
  render(app, shown.view, fields, shown.settings, state, {
    onToggle: toggle,
    onSelect: select,
    onShowMore: showMore,
  });
  if (focusAfterRender !== undefined) {
    app.querySelector<HTMLElement>(`[data-record-index="${focusAfterRender}"]`)?.focus();
    focusAfterRender = undefined;
  }
}

function update(next: ViewerState): void {
  state = next;
  saveState(state);
  requestMissingFields();
  redraw();
}

function toggle(index: number, expand?: boolean): void {
  const isExpanded = state.expanded.includes(index);
  const wantExpanded = expand ?? !isExpanded;
  if (wantExpanded === isExpanded) return;
  focusAfterRender = index;
  const expanded = wantExpanded
    ? [...state.expanded, index]
    : state.expanded.filter((other) => other !== index);
  update({ ...state, expanded });
}

function select(index: number): void {
  state = { ...state, selected: index };
  saveState(state);
}

function showMore(): void {
  update({ ...state, shownRecords: state.shownRecords + recordPageSize });
}

installTreeKeyboard(app, { toggle, select });

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToImageViewerMessage(message)) return;
  if (message.type === 'recordFields') {
    fields.set(message.fields.index, message.fields);
    redraw();
    return;
  }
  if (message.type !== 'showImage') return;
  const firstShow = shown === undefined;
  shown = { view: message.view, settings: message.settings };
  fields.clear();
  // Small images open fully expanded, unless the user already chose what to expand.
  const small = message.view.records.length <= message.settings.expandRecordsUpTo;
  if (firstShow && state.expanded.length === 0 && small) {
    update({ ...state, expanded: message.view.records.map((record) => record.index) });
  } else {
    update(state);
  }
});

post({ type: 'ready' });
