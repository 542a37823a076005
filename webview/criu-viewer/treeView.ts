/**
 * The CRIU dump's tree as a virtual list, following the WAI-ARIA tree pattern (the list holds
 * the focus and points at the active row). Columns: name, value, type, file and offset, size.
 * Every string from the dump is set with textContent.
 */
import type { ImageViewerSettings } from '../protocol';
import { formatOffset } from '../image-viewer/format';
import { VirtualList } from '../image-viewer/virtualList';
import type { CriuRow } from './rows';

const rowHeight = 22;

export interface CriuTreeCallbacks {
  readonly toggle: (row: CriuRow, expand?: boolean) => void;
  readonly select: (row: CriuRow) => void;
}

function span(className: string, text: string): HTMLElement {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}

export class CriuTreeView {
  private rows: readonly CriuRow[] = [];
  private selectedKey: string | null = null;
  private settings: ImageViewerSettings = { offsetRadix: 'hex', expandRecordsUpTo: 8 };
  private readonly list: VirtualList;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly callbacks: CriuTreeCallbacks,
  ) {
    viewport.setAttribute('role', 'tree');
    viewport.setAttribute('aria-label', 'Processes, files, entries and fields');
    viewport.tabIndex = 0;
    this.list = new VirtualList(viewport, rowHeight, (index) => this.renderRow(index));
    this.list.onRender = () => {
      if (!viewport.querySelector('[aria-selected="true"]'))
        viewport.removeAttribute('aria-activedescendant');
    };
    viewport.addEventListener('click', (event) => {
      const element =
        event.target instanceof Element ? event.target.closest<HTMLElement>('[data-key]') : null;
      const row = element ? this.rows.find((r) => r.key === element.dataset['key']) : undefined;
      if (!row || row.kind !== 'node') return;
      this.callbacks.select(row);
      if (row.expanded !== null) this.callbacks.toggle(row);
    });
    viewport.addEventListener('keydown', (event) => this.onKey(event));
  }

  setRows(rows: readonly CriuRow[], settings: ImageViewerSettings): void {
    this.rows = rows;
    this.settings = settings;
    this.list.setCount(rows.length);
  }

  select(key: string | null, reveal: boolean): void {
    this.selectedKey = key;
    const index = key === null ? -1 : this.rows.findIndex((row) => row.key === key);
    if (index >= 0 && reveal) this.list.revealCentered(index);
    this.list.refresh();
  }

  private renderRow(index: number): HTMLElement {
    const row = this.rows[index];
    const element = document.createElement('div');
    if (!row) return element;
    element.id = `criu-row-${index}`;
    element.setAttribute('role', 'treeitem');
    element.setAttribute('aria-level', String(row.depth + 1));
    element.dataset['key'] = row.key;
    element.style.paddingLeft = `${row.depth * 14 + 4}px`;
    if (row.kind === 'loading') {
      element.className = 'tree-row tree-note';
      element.append(span('twisty', ''), span('tree-name', 'Reading…'));
      return element;
    }
    const { node } = row;
    element.className = `tree-row criu-${node.type === 'process' ? 'process' : node.type === 'section' ? 'section' : 'node'}${node.known ? '' : ' criu-unknown'}`;
    const selected = row.key === this.selectedKey;
    element.setAttribute('aria-selected', String(selected));
    if (selected) this.viewport.setAttribute('aria-activedescendant', element.id);
    if (row.expanded !== null) element.setAttribute('aria-expanded', String(row.expanded));
    if (node.file !== null) {
      element.dataset['file'] = node.file;
      element.dataset['offset'] = String(node.offset);
    }
    const where =
      node.file === null
        ? ''
        : `${node.file} ${formatOffset(node.offset, this.settings.offsetRadix)}`;
    element.append(
      span('twisty', row.expanded === null ? '' : row.expanded ? '▾' : '▸'),
      span('tree-name', node.label),
      span('tree-value', node.value),
      span('tree-type', node.known ? node.type : `${node.type}`),
      span('tree-offset criu-where', where),
      span('tree-size', node.size > 0 ? String(node.size) : ''),
    );
    let label = `${node.label} ${node.value}, ${node.type}${where ? ` at ${where}` : ''}`;
    if (node.problem !== null) {
      element.classList.add('has-problem');
      element.append(span('tree-problem', '!'));
      element.title = node.problem;
      label += `, problem: ${node.problem}`;
    }
    element.setAttribute('aria-label', label);
    return element;
  }

  private moveTo(index: number): void {
    const row = this.rows[Math.max(0, Math.min(this.rows.length - 1, index))];
    if (row) this.callbacks.select(row);
  }

  private onKey(event: KeyboardEvent): void {
    const index =
      this.selectedKey === null ? -1 : this.rows.findIndex((r) => r.key === this.selectedKey);
    const row = this.rows[index];
    const expandable = row?.kind === 'node' ? row.expanded : null;
    switch (event.key) {
      case 'ArrowDown':
        this.moveTo(index + 1);
        break;
      case 'ArrowUp':
        this.moveTo(index < 0 ? 0 : index - 1);
        break;
      case 'PageDown':
        this.moveTo(index + this.list.pageRows);
        break;
      case 'PageUp':
        this.moveTo(index - this.list.pageRows);
        break;
      case 'Home':
        this.moveTo(0);
        break;
      case 'End':
        this.moveTo(this.rows.length - 1);
        break;
      case 'ArrowRight':
        if (row && expandable === false) this.callbacks.toggle(row, true);
        else this.moveTo(index + 1);
        break;
      case 'ArrowLeft':
        if (row && expandable === true) this.callbacks.toggle(row, false);
        else if (row) {
          for (let above = index - 1; above >= 0; above--) {
            if ((this.rows[above]?.depth ?? 0) < row.depth) {
              this.moveTo(above);
              break;
            }
          }
        }
        break;
      case 'Enter':
      case ' ':
        if (row && expandable !== null) this.callbacks.toggle(row);
        break;
      default:
        return;
    }
    event.preventDefault();
  }
}
