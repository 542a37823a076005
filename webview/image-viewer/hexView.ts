/**
 * The hex view: offset, 16 bytes in hex and as ASCII per row, only the rows in view in the DOM,
 * bytes asked from the host chunk by chunk as rows come into view. The selected field's bytes
 * are highlighted; clicking a byte, or Enter on the cursor, selects the field that holds it.
 */
import * as l10n from '@vscode/l10n';
import { ByteCache } from './byteCache';
import { formatHexOffset, hexByte, printable } from './format';
import { VirtualList } from '../shared/virtualList';

/** Bytes per hex row. */
export const bytesPerRow = 16;
const rowHeight = 20;

/** What the hex view asks of the rest of the viewer. */
export interface HexCallbacks {
  /** Send `requestBytes` for this window. */
  readonly request: (offset: number, length: number) => void;
  /** The user picked this byte (click or Enter). */
  readonly pick: (offset: number) => void;
}

/** A byte range, e.g. the selected field's. */
export interface ByteRange {
  readonly offset: number;
  readonly size: number;
}

export class HexView {
  private cache = new ByteCache(0);
  private readonly list: VirtualList;
  private selection: ByteRange | null = null;
  private cursor = 0;
  /** Bytes from here on are outside any whole record (a damaged tail). */
  private damageFrom = Number.POSITIVE_INFINITY;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly callbacks: HexCallbacks,
  ) {
    viewport.setAttribute('role', 'grid');
    viewport.setAttribute('aria-label', l10n.t('Bytes of the image'));
    viewport.tabIndex = 0;
    this.list = new VirtualList(viewport, rowHeight, (index) => this.renderRow(index));
    this.list.onRender = (first, last) => {
      this.requestRows(first, last);
      // Point assistive technology at the cursor only while its cell exists.
      if (!viewport.querySelector('#hex-cursor')) viewport.removeAttribute('aria-activedescendant');
    };
    viewport.addEventListener('click', (event) => {
      const target =
        event.target instanceof Element ? event.target.closest<HTMLElement>('[data-offset]') : null;
      if (!target) return;
      const offset = Number(target.dataset['offset']);
      this.cursor = offset;
      this.callbacks.pick(offset);
    });
    viewport.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** Shows a (new version of a) file of `byteLength` bytes; cached bytes are dropped. */
  setImage(byteLength: number, damageFrom: number | null): void {
    this.cache = new ByteCache(byteLength);
    this.damageFrom = damageFrom ?? Number.POSITIVE_INFINITY;
    this.cursor = Math.min(this.cursor, Math.max(0, byteLength - 1));
    this.list.setCount(Math.ceil(byteLength / bytesPerRow));
  }

  /** Bytes the host sent. */
  receive(offset: number, data: Uint8Array): void {
    this.cache.store(offset, data);
    this.list.refresh();
  }

  /**
   * Highlights `range` (or nothing). With `reveal` (a new selection) the cursor moves to its
   * start and it is scrolled into view; without (the same selection redrawn, e.g. when fields
   * arrive), the cursor stays where the user or Go to Offset put it.
   */
  select(range: ByteRange | null, reveal: boolean): void {
    this.selection = range;
    if (range && reveal) {
      this.cursor = range.offset;
      this.list.revealCentered(Math.floor(range.offset / bytesPerRow));
    }
    this.list.refresh();
  }

  /** Moves the cursor to `offset` and shows its row. */
  goTo(offset: number): void {
    this.cursor = offset;
    this.list.revealCentered(Math.floor(offset / bytesPerRow));
    this.list.refresh();
  }

  /** The first and last row in view (for tests and the status line). */
  get firstRow(): number {
    return this.list.firstRow;
  }

  private requestRows(first: number, last: number): void {
    // One page of rows beyond the view on each side, so short scrolls find their bytes here.
    const margin = this.list.pageRows * bytesPerRow;
    const from = Math.max(0, first * bytesPerRow - margin);
    const to = last * bytesPerRow + margin;
    for (const start of this.cache.missing(from, to)) {
      this.callbacks.request(start, this.cache.lengthOf(start));
    }
  }

  private renderRow(index: number): HTMLElement {
    const start = index * bytesPerRow;
    const end = Math.min(start + bytesPerRow, this.cache.byteLength);
    const row = document.createElement('div');
    row.className = 'hex-row';
    row.setAttribute('role', 'row');
    row.dataset['rowOffset'] = String(start);
    const address = document.createElement('span');
    address.className = 'hex-address';
    address.setAttribute('role', 'rowheader');
    address.textContent = formatHexOffset(start);
    const hex = document.createElement('span');
    hex.className = 'hex-bytes';
    const ascii = document.createElement('span');
    ascii.className = 'hex-ascii';
    ascii.setAttribute('aria-hidden', 'true');
    const selection = this.selection;
    for (let offset = start; offset < end; offset++) {
      const value = this.cache.byteAt(offset);
      const selected =
        selection !== null &&
        offset >= selection.offset &&
        offset < selection.offset + selection.size;
      const classes = [
        selected ? 'selected' : '',
        offset === this.cursor ? 'cursor' : '',
        offset >= this.damageFrom ? 'damaged' : '',
      ]
        .filter((name) => name !== '')
        .join(' ');
      const cell = document.createElement('span');
      cell.className = `hex-byte ${classes}`.trim();
      cell.setAttribute('role', 'gridcell');
      cell.dataset['offset'] = String(offset);
      if (offset === this.cursor) cell.id = 'hex-cursor';
      if (selected) cell.setAttribute('aria-selected', 'true');
      cell.textContent = value === undefined ? '··' : hexByte(value);
      hex.append(cell);
      const char = document.createElement('span');
      char.className = `hex-char ${classes}`.trim();
      char.dataset['offset'] = String(offset);
      char.textContent = value === undefined ? ' ' : printable(value);
      ascii.append(char);
    }
    row.append(address, hex, ascii);
    if (this.cursor >= start && this.cursor < end)
      this.viewport.setAttribute('aria-activedescendant', 'hex-cursor');
    return row;
  }

  private onKey(event: KeyboardEvent): void {
    const length = this.cache.byteLength;
    if (length === 0) return;
    const page = this.list.pageRows * bytesPerRow;
    let next = this.cursor;
    switch (event.key) {
      case 'ArrowRight':
        next += 1;
        break;
      case 'ArrowLeft':
        next -= 1;
        break;
      case 'ArrowDown':
        next += bytesPerRow;
        break;
      case 'ArrowUp':
        next -= bytesPerRow;
        break;
      case 'PageDown':
        next += page;
        break;
      case 'PageUp':
        next -= page;
        break;
      case 'Home':
        next = event.ctrlKey ? 0 : next - (next % bytesPerRow);
        break;
      case 'End':
        next = event.ctrlKey ? length - 1 : next - (next % bytesPerRow) + bytesPerRow - 1;
        break;
      case 'Enter':
      case ' ':
        this.callbacks.pick(this.cursor);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    this.cursor = Math.max(0, Math.min(length - 1, next));
    this.list.reveal(Math.floor(this.cursor / bytesPerRow));
    this.list.refresh();
  }
}
