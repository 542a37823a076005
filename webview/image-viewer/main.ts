/**
 * The image editor's webview: waits for the host's `showImage` message (after telling it we are
 * ready) and renders the records and their fields.
 */
import {
  isHostToImageViewerMessage,
  type ImageView,
  type ImageViewerSettings,
  type ImageViewerToHostMessage,
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
/** The record to focus after the next render (keyboard users keep their place). */
let focusAfterRender: number | undefined;

function post(message: ImageViewerToHostMessage): void {
  vscodeApi.postMessage(message);
}

function update(next: ViewerState): void {
  state = next;
  saveState(state);
  if (!shown) return;
  render(app, shown.view, shown.settings, state, {
    onToggle: toggle,
    onSelect: select,
    onShowMore: showMore,
  });
  if (focusAfterRender !== undefined) {
    app.querySelector<HTMLElement>(`[data-record-index="${focusAfterRender}"]`)?.focus();
    focusAfterRender = undefined;
  }
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
  post({ type: 'recordSelected', index });
  state = { ...state, selected: index };
}

function showMore(): void {
  update({ ...state, shownRecords: state.shownRecords + recordPageSize });
}

installTreeKeyboard(app, { toggle, select });

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToImageViewerMessage(message)) return;
  const firstShow = shown === undefined;
  shown = { view: message.view, settings: message.settings };
  // Small images open fully expanded, unless the user already chose what to expand.
  if (
    firstShow &&
    state.expanded.length === 0 &&
    message.view.records.length <= message.settings.expandRecordsUpTo
  ) {
    update({ ...state, expanded: message.view.records.map((record) => record.index) });
  } else {
    update(state);
  }
});

post({ type: 'ready' });
