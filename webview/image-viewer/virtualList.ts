/**
 * A scrolling list that keeps only the rows in view in the DOM. All rows have one height. A
 * list taller than browsers can lay out (a 1 GiB image has 67 million hex rows) is scrolled on
 * a scaled track: the scrollbar maps onto row numbers, and the wheel and keys move by rows.
 */

/** Browsers cap element heights near 33 million pixels; stay well below. */
const maxTrackHeight = 8_000_000;

/** Builds the element of row `index`; called only for rows in view. */
export type RowRenderer = (index: number) => HTMLElement;

export class VirtualList {
  private count = 0;
  private first = 0;
  private frame = 0;
  /** Set while the list moves the scrollbar itself, so the scroll event does not move it back. */
  private ignoreScroll = false;
  private readonly track: HTMLElement;
  private readonly layer: HTMLElement;

  /** Fires after rows were rendered (e.g. to ask for the data of the rows in view). */
  onRender: (first: number, last: number) => void = () => undefined;

  constructor(
    readonly viewport: HTMLElement,
    private readonly rowHeight: number,
    private readonly renderRow: RowRenderer,
  ) {
    viewport.classList.add('virtual-viewport');
    this.track = document.createElement('div');
    this.track.className = 'virtual-track';
    this.layer = document.createElement('div');
    this.layer.className = 'virtual-layer';
    this.layer.setAttribute('role', 'presentation');
    viewport.replaceChildren(this.track, this.layer);
    viewport.addEventListener('scroll', () => {
      if (this.ignoreScroll) {
        this.ignoreScroll = false;
        return;
      }
      this.first = this.firstFromScroll();
      this.schedule();
    });
    viewport.addEventListener(
      'wheel',
      (event) => {
        if (!this.scaled() || event.ctrlKey) return;
        // On a scaled track one pixel is many rows: move by rows instead.
        event.preventDefault();
        const rows =
          Math.sign(event.deltaY) *
          Math.max(1, Math.round(Math.abs(event.deltaY) / this.rowHeight));
        this.scrollTo(this.first + rows);
      },
      { passive: false },
    );
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }

  /** Number of rows that fit in the viewport. */
  get pageRows(): number {
    return Math.max(1, Math.floor(this.viewport.clientHeight / this.rowHeight));
  }

  /** The first row in view. */
  get firstRow(): number {
    return this.first;
  }

  /** Changes the number of rows and renders again (the first row in view is kept). */
  setCount(count: number): void {
    this.count = count;
    this.track.style.height = `${Math.min(count * this.rowHeight, maxTrackHeight)}px`;
    this.first = Math.min(this.first, this.maxFirst());
    this.syncScrollbar();
    this.render();
  }

  /** Renders the rows in view again (their data changed). */
  refresh(): void {
    this.render();
  }

  /** Makes row `index` the first in view (clamped). */
  scrollTo(index: number): void {
    this.first = Math.max(0, Math.min(Math.round(index), this.maxFirst()));
    this.syncScrollbar();
    this.render();
  }

  /** Scrolls as little as needed for row `index` to be in view. */
  reveal(index: number): void {
    const rows = this.pageRows;
    if (index < this.first) this.scrollTo(index);
    else if (index >= this.first + rows) this.scrollTo(index - rows + 1);
  }

  /** Scrolls so row `index` is in view, a third from the top, unless it already is. */
  revealCentered(index: number): void {
    const rows = this.pageRows;
    if (index >= this.first && index < this.first + rows) return;
    this.scrollTo(index - Math.floor(rows / 3));
  }

  private scaled(): boolean {
    return this.count * this.rowHeight > maxTrackHeight;
  }

  private maxFirst(): number {
    return Math.max(0, this.count - this.pageRows);
  }

  private firstFromScroll(): number {
    const top = this.viewport.scrollTop;
    if (!this.scaled()) return Math.floor(top / this.rowHeight);
    const range = this.track.offsetHeight - this.viewport.clientHeight;
    return range <= 0 ? 0 : Math.round((top / range) * this.maxFirst());
  }

  private syncScrollbar(): void {
    let top: number;
    if (!this.scaled()) top = this.first * this.rowHeight;
    else {
      const range = this.track.offsetHeight - this.viewport.clientHeight;
      const max = this.maxFirst();
      top = max === 0 ? 0 : (this.first / max) * range;
    }
    if (Math.abs(this.viewport.scrollTop - top) >= 1) {
      this.ignoreScroll = true;
      this.viewport.scrollTop = top;
    }
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    // The layer sits where the viewport looks; rows are placed inside it from `first`.
    const top = this.viewport.scrollTop;
    const offsetInRow = this.scaled() ? 0 : top - this.first * this.rowHeight;
    this.layer.style.transform = `translateY(${top - offsetInRow}px)`;
    const last = Math.min(this.count, this.first + this.pageRows + 2);
    const rows: HTMLElement[] = [];
    for (let index = this.first; index < last; index++) rows.push(this.renderRow(index));
    this.layer.replaceChildren(...rows);
    this.onRender(this.first, last);
  }
}
