/**
 * The record tree as a virtual list (only the rows in view exist in the DOM), following the
 * WAI-ARIA tree pattern: the list element holds the focus and points at the active row with
 * aria-activedescendant, so re-rendering rows never loses the keyboard focus. Every string
 * from the image is set with textContent.
 */
import * as l10n from '@vscode/l10n';
import type { ImageViewerSettings } from '../protocol';
import { formatOffset, formatSize } from './format';
import { displayValue } from './names';
import type { TreeRow } from './tree';
import { VirtualList } from './virtualList';

const rowHeight = 22;

/** What the tree reports to main.ts. */
export interface TreeCallbacks {
  readonly toggle: (row: TreeRow, expand?: boolean) => void;
  readonly select: (row: TreeRow) => void;
}

function span(className: string, text: string): HTMLElement {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

/** The texts of a row's columns: name, value, type, offset, size. */
function columns(
  row: TreeRow,
  settings: ImageViewerSettings,
): [string, string, string, string, string] {
  const at = (offset: number): string => formatOffset(offset, settings.offsetRadix);
  switch (row.kind) {
    case 'task':
      return [`task ${row.task.vpid}`, '', 'task', at(row.task.first.offset), ''];
    case 'record':
      return [
        row.record.name,
        recordSummary(row),
        'record',
        at(row.record.offset),
        formatSize(row.record.size),
      ];
    case 'field':
      return [
        row.field.name,
        displayValue(row.field),
        row.field.type,
        at(row.field.offset),
        String(row.field.size),
      ];
    case 'note':
      return [row.text, '', '', '', ''];
    case 'damage':
      return [
        l10n.t('damaged bytes'),
        l10n.t('not part of any whole record'),
        '',
        at(row.offset),
        formatSize(row.size),
      ];
  }
}

function recordSummary(row: Extract<TreeRow, { kind: 'record' }>): string {
  const { record } = row;
  if (record.name === 'PGARR' && record.size > 16) {
    const pages = Math.round((record.size - 16) / 4104);
    return `${pages} page${pages === 1 ? '' : 's'}`;
  }
  return record.parent === 0 ? '' : `parent ${record.parent}`;
}

export class TreeView {
  private rows: readonly TreeRow[] = [];
  private selectedKey: string | null = null;
  private settings: ImageViewerSettings = { offsetRadix: 'hex', expandRecordsUpTo: 8 };
  /** Task labels (comm) by task key, once the TASK's STRING has been read. */
  private taskLabels: ReadonlyMap<string, string> = new Map();
  private readonly list: VirtualList;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly callbacks: TreeCallbacks,
  ) {
    viewport.setAttribute('role', 'tree');
    viewport.setAttribute('aria-label', l10n.t('Records and fields'));
    viewport.tabIndex = 0;
    this.list = new VirtualList(viewport, rowHeight, (index) => this.renderRow(index));
    this.list.onRender = () => {
      // The active row may have scrolled out of the DOM: then nothing is active.
      if (!viewport.querySelector('[aria-selected="true"]'))
        viewport.removeAttribute('aria-activedescendant');
    };
    viewport.addEventListener('click', (event) => {
      const element =
        event.target instanceof Element ? event.target.closest<HTMLElement>('[data-key]') : null;
      const row = element
        ? this.rows.find((candidate) => candidate.key === element.dataset['key'])
        : undefined;
      if (!row) return;
      this.callbacks.select(row);
      // Like VS Code's explorer, a click on a row that has children opens or closes it.
      const expandable = row.kind !== 'note' && row.kind !== 'damage' && row.expanded !== null;
      if (expandable) this.callbacks.toggle(row);
    });
    viewport.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Shows `rows`; the selected row keeps its place if it is still there. */
  setRows(
    rows: readonly TreeRow[],
    settings: ImageViewerSettings,
    taskLabels: ReadonlyMap<string, string>,
  ): void {
    this.rows = rows;
    this.settings = settings;
    this.taskLabels = taskLabels;
    this.list.setCount(rows.length);
  }

  /** Marks `key` selected and scrolls its row into view. */
  select(key: string | null, reveal: boolean): void {
    this.selectedKey = key;
    const index = key === null ? -1 : this.rows.findIndex((row) => row.key === key);
    if (index >= 0 && reveal) this.list.revealCentered(index);
    this.list.refresh();
  }

  /** The first row in view and how many fit, to keep the place across re-renders. */
  get firstRow(): number {
    return this.list.firstRow;
  }

  scrollTo(index: number): void {
    this.list.scrollTo(index);
  }

  private renderRow(index: number): HTMLElement {
    const row = this.rows[index];
    const element = document.createElement('div');
    if (!row) return element;
    const [name, value, type, offset, size] = columns(row, this.settings);
    element.className = `tree-row tree-${row.kind}`;
    element.id = `tree-row-${index}`;
    element.setAttribute('role', 'treeitem');
    element.setAttribute('aria-level', String(row.depth + 1));
    element.dataset['key'] = row.key;
    element.style.paddingLeft = `${row.depth * 14 + 4}px`;
    const selected = row.key === this.selectedKey;
    element.setAttribute('aria-selected', String(selected));
    if (selected) this.viewport.setAttribute('aria-activedescendant', element.id);
    const expanded = row.kind === 'note' || row.kind === 'damage' ? null : row.expanded;
    if (expanded !== null) element.setAttribute('aria-expanded', String(expanded));
    element.append(span('twisty', expanded === null ? '' : expanded ? '▾' : '▸'));
    const label =
      row.kind === 'task' ? `${name} ${this.taskLabels.get(row.key) ?? ''}`.trim() : name;
    element.append(span('tree-name', label), span('tree-value', value), span('tree-type', type));
    element.append(span('tree-offset', offset), span('tree-size', size));
    let ariaLabel = `${label} ${value} ${type} at ${offset}`;
    if (row.kind === 'record') {
      element.dataset['recordIndex'] = String(row.record.index);
      element.dataset['recordName'] = row.record.name;
    }
    if (row.kind === 'field') {
      element.dataset['field'] = row.field.path;
      element.dataset['record'] = String(row.record.index);
    }
    if (row.kind === 'task') element.dataset['vpid'] = String(row.task.vpid);
    if (row.kind === 'note' && row.tone === 'error') element.classList.add('has-problem');
    const problem =
      row.kind === 'record' || row.kind === 'field' || row.kind === 'damage' ? row.problem : null;
    if (problem) {
      element.classList.add('has-problem');
      element.append(span('tree-problem', problem.errno));
      element.title = `${problem.errno} at ${formatOffset(problem.offset, this.settings.offsetRadix)} (${problem.field}): ${problem.message}`;
      ariaLabel += `, problem ${problem.errno}: ${problem.message}`;
    }
    element.setAttribute('aria-label', ariaLabel);
    return element;
  }

  private selectedIndex(): number {
    return this.selectedKey === null
      ? -1
      : this.rows.findIndex((row) => row.key === this.selectedKey);
  }

  private moveTo(index: number): void {
    const row = this.rows[Math.max(0, Math.min(this.rows.length - 1, index))];
    if (!row) return;
    this.callbacks.select(row);
  }

  private onKey(event: KeyboardEvent): void {
    const index = this.selectedIndex();
    const row = this.rows[index];
    const page = this.list.pageRows;
    switch (event.key) {
      case 'ArrowDown':
        this.moveTo(index + 1);
        break;
      case 'ArrowUp':
        this.moveTo(index < 0 ? 0 : index - 1);
        break;
      case 'PageDown':
        this.moveTo(index + page);
        break;
      case 'PageUp':
        this.moveTo(index - page);
        break;
      case 'Home':
        this.moveTo(0);
        break;
      case 'End':
        this.moveTo(this.rows.length - 1);
        break;
      case 'ArrowRight':
        if (!row) break;
        if ('expanded' in row && row.expanded === false) this.callbacks.toggle(row, true);
        else this.moveTo(index + 1);
        break;
      case 'ArrowLeft': {
        if (!row) break;
        if ('expanded' in row && row.expanded === true) {
          this.callbacks.toggle(row, false);
          break;
        }
        // Up to the parent: the nearest row above with a smaller depth.
        for (let above = index - 1; above >= 0; above--) {
          const candidate = this.rows[above];
          if (candidate && candidate.depth < row.depth) {
            this.moveTo(above);
            break;
          }
        }
        break;
      }
      case 'Enter':
      case ' ':
        if (row && 'expanded' in row && row.expanded !== null) this.callbacks.toggle(row);
        break;
      default:
        return;
    }
    event.preventDefault();
  }
}
