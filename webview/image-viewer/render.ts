/**
 * Builds the image viewer's DOM from an {@link ImageView}. Every string that came from the image
 * (names, values, messages) is set with textContent: the image is untrusted input.
 */
import type {
  ImageView,
  ImageViewerSettings,
  ProblemView,
  RecordFieldsView,
  RecordView,
} from '../protocol';
import { badge, button, dataGrid, divider, tag } from '../ui/index';
import { flattenFields, formatOffset } from './format';
import { recordPageSize, type ViewerState } from './state';

/** Nested fields are indented by non-breaking spaces (kept by the grid cells, unlike spaces). */
const indent = '\u00a0\u00a0\u00a0';

/** What the renderer reports back to main.ts. */
export interface RenderCallbacks {
  readonly onToggle: (index: number) => void;
  readonly onSelect: (index: number) => void;
  readonly onShowMore: () => void;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tagName: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tagName);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function header(view: ImageView, settings: ImageViewerSettings): HTMLElement {
  const root = element('header', 'image-header');
  root.append(element('h1', 'file-name', view.fileName));
  root.append(badge(String(view.records.length), `${view.records.length} records`));
  const size = `${formatOffset(view.byteLength, settings.offsetRadix)} bytes`;
  root.append(element('span', 'byte-length', size));
  return root;
}

function problemList(problems: readonly ProblemView[], settings: ImageViewerSettings): HTMLElement {
  const section = element('section', 'problems');
  section.setAttribute('aria-label', 'Problems');
  if (problems.length === 0) {
    const ok = element('p', 'no-problems', 'No problems found: the image reads as valid.');
    ok.setAttribute('role', 'status');
    section.append(ok);
    return section;
  }
  const title = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  section.append(element('h2', undefined, title));
  const list = element('ul', 'problem-list');
  list.setAttribute('role', 'alert');
  for (const problem of problems) {
    const item = element('li', 'problem');
    item.dataset['offset'] = String(problem.offset);
    item.append(tag(problem.errno));
    item.append(
      element('span', 'problem-offset', formatOffset(problem.offset, settings.offsetRadix)),
    );
    item.append(element('code', 'problem-field', problem.field));
    item.append(element('span', 'problem-message', problem.message));
    list.append(item);
  }
  section.append(list);
  return section;
}

function fieldGrid(
  record: RecordView,
  fields: RecordFieldsView,
  settings: ImageViewerSettings,
): HTMLElement {
  const rows = flattenFields(fields.fields).map(({ depth, field }) => ({
    cells: [
      `${indent.repeat(depth)}${field.name}`,
      field.type,
      formatOffset(field.offset, settings.offsetRadix),
      String(field.size),
      field.value,
    ],
    data: { field: field.path, record: String(record.index) },
  }));
  return dataGrid(
    `Fields of ${record.name} record ${record.index}`,
    ['Field', 'Type', 'Offset', 'Size', 'Value'],
    rows,
    '2fr 1.6fr 1fr 0.6fr 3fr',
  );
}

function recordFields(
  record: RecordView,
  fields: RecordFieldsView | undefined,
  settings: ImageViewerSettings,
): HTMLElement {
  const group = element('div', 'record-fields');
  group.setAttribute('role', 'group');
  if (!fields) {
    group.append(element('p', 'loading', 'Reading fields…'));
    return group;
  }
  if (fields.error !== null) {
    const damage = element('p', 'record-error', `The record is damaged: ${fields.error}`);
    damage.setAttribute('role', 'alert');
    group.append(damage);
  }
  group.append(fieldGrid(record, fields, settings));
  return group;
}

function recordItem(
  record: RecordView,
  fields: RecordFieldsView | undefined,
  state: ViewerState,
  settings: ImageViewerSettings,
  callbacks: RenderCallbacks,
): HTMLElement {
  const expanded = state.expanded.includes(record.index);
  const offset = formatOffset(record.offset, settings.offsetRadix);
  const item = element('li', 'record');
  item.setAttribute('role', 'treeitem');
  item.setAttribute('aria-expanded', String(expanded));
  item.setAttribute('aria-selected', String(state.selected === record.index));
  item.setAttribute('aria-label', `${record.name} record ${record.index} at ${offset}`);
  item.tabIndex = -1;
  item.dataset['recordIndex'] = String(record.index);
  item.dataset['recordName'] = record.name;

  const head = element('div', 'record-head');
  head.append(element('span', 'twisty', expanded ? '▾' : '▸'));
  head.append(element('span', 'record-name', record.name));
  head.append(element('span', 'record-offset', `@ ${offset}`));
  const size = `${formatOffset(record.size, settings.offsetRadix)} bytes`;
  head.append(element('span', 'record-size', size));
  head.append(element('span', 'record-parent', `parent ${record.parent}`));
  head.addEventListener('click', () => {
    callbacks.onSelect(record.index);
    callbacks.onToggle(record.index);
  });
  item.append(head);
  if (expanded) item.append(recordFields(record, fields, settings));
  return item;
}

/** Replaces the content of `root` with the view of the image. */
export function render(
  root: HTMLElement,
  view: ImageView,
  fields: ReadonlyMap<number, RecordFieldsView>,
  settings: ImageViewerSettings,
  state: ViewerState,
  callbacks: RenderCallbacks,
): void {
  const tree = element('ul', 'records');
  tree.setAttribute('role', 'tree');
  tree.setAttribute('aria-label', 'Records');
  const shown = view.records.slice(0, Math.max(state.shownRecords, recordPageSize));
  for (const record of shown) {
    tree.append(recordItem(record, fields.get(record.index), state, settings, callbacks));
  }
  const focusable =
    tree.querySelector<HTMLElement>('[aria-selected="true"]') ??
    tree.querySelector<HTMLElement>('[role="treeitem"]');
  if (focusable) focusable.tabIndex = 0;

  const parts: HTMLElement[] = [header(view, settings), problemList(view.problems, settings)];
  if (view.notice !== null) parts.push(element('p', 'notice', view.notice));
  parts.push(divider(), tree);
  if (shown.length < view.records.length) {
    const more = element('div', 'show-more');
    more.append(element('span', undefined, `${view.records.length - shown.length} more records `));
    more.append(button('Show more', callbacks.onShowMore, 'secondary'));
    parts.push(more);
  }
  root.replaceChildren(...parts);
  root.setAttribute('aria-busy', 'false');
}
