/**
 * A tree as a virtual list (only the rows in view exist in the DOM), following the WAI-ARIA tree
 * pattern: the list element holds the focus and points at the active row with
 * aria-activedescendant, so re-rendering rows never loses the keyboard focus. A click or a key
 * only reports what the user asked for (select this row, open or close that one); the viewer
 * decides, and tells the tree what to show. Each viewer's tree says what its rows show.
 */
import { VirtualList } from './virtualList';
import { span } from './dom';

const rowHeight = 22;

/** What every tree row has, whatever else it shows. */
export interface TreeRowBase {
  /** Stable across re-renders: what selection and expansion are kept by. */
  readonly key: string;
  readonly depth: number;
}

/** What a tree reports to its viewer. */
export interface TreeCallbacks<Row> {
  readonly toggle: (row: Row, expand?: boolean) => void;
  readonly select: (row: Row) => void;
}

export abstract class VirtualTree<Row extends TreeRowBase> {
  private rows: readonly Row[] = [];
  private selectedKey: string | null = null;
  private readonly list: VirtualList;

  /** `label` names the tree for assistive technology; `idPrefix` makes its rows' ids. */
  constructor(
    private readonly viewport: HTMLElement,
    private readonly callbacks: TreeCallbacks<Row>,
    label: string,
    private readonly idPrefix: string,
  ) {
    viewport.setAttribute('role', 'tree');
    viewport.setAttribute('aria-label', label);
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
      if (this.expandedOf(row) !== null) this.callbacks.toggle(row);
    });
    viewport.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Whether `row` is open (true), closed (false) or has no children (null). */
  protected abstract expandedOf(row: Row): boolean | null;

  /**
   * Fills in what `row` shows after its twisty: its classes beside `tree-row`, its columns
   * (set as text, never as markup), its data hooks and its aria-label.
   */
  protected abstract renderColumns(row: Row, element: HTMLElement): void;

  /** Shows `rows`; the selected row keeps its place if it is still there. */
  protected showRows(rows: readonly Row[]): void {
    this.rows = rows;
    this.list.setCount(rows.length);
  }

  /** Marks `key` selected and, with `reveal`, scrolls its row into view. */
  select(key: string | null, reveal: boolean): void {
    this.selectedKey = key;
    const index = key === null ? -1 : this.rows.findIndex((row) => row.key === key);
    if (index >= 0 && reveal) this.list.revealCentered(index);
    this.list.refresh();
  }

  /** The first row in view, to keep the place across re-renders. */
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
    element.className = 'tree-row';
    element.id = `${this.idPrefix}-${index}`;
    element.setAttribute('role', 'treeitem');
    element.setAttribute('aria-level', String(row.depth + 1));
    element.dataset['key'] = row.key;
    element.style.paddingLeft = `${row.depth * 14 + 4}px`;
    const selected = row.key === this.selectedKey;
    element.setAttribute('aria-selected', String(selected));
    if (selected) this.viewport.setAttribute('aria-activedescendant', element.id);
    const expanded = this.expandedOf(row);
    if (expanded !== null) element.setAttribute('aria-expanded', String(expanded));
    element.append(span('twisty', expanded === null ? '' : expanded ? '▾' : '▸'));
    this.renderColumns(row, element);
    return element;
  }

  private moveTo(index: number): void {
    const row = this.rows[Math.max(0, Math.min(this.rows.length - 1, index))];
    if (row) this.callbacks.select(row);
  }

  private onKey(event: KeyboardEvent): void {
    const index =
      this.selectedKey === null ? -1 : this.rows.findIndex((row) => row.key === this.selectedKey);
    const row = this.rows[index];
    const expanded = row ? this.expandedOf(row) : null;
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
        if (!row) break;
        if (expanded === false) this.callbacks.toggle(row, true);
        else this.moveTo(index + 1);
        break;
      case 'ArrowLeft': {
        if (!row) break;
        if (expanded === true) {
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
        if (row && expanded !== null) this.callbacks.toggle(row);
        break;
      default:
        return;
    }
    event.preventDefault();
  }
}
