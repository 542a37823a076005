/**
 * A scrolling list that keeps only the rows in view in the DOM. All rows have one height. A
 * list taller than browsers can lay out (a 1 GiB image has 67 million hex rows) is scrolled on
 * a scaled track: the scrollbar maps onto row numbers, and the wheel and keys move by rows.
 *
 * Which rows are drawn follows the real scroll position, never a guess of it: on a normal track
 * the first row is always `floor(scrollTop / rowHeight)`, read back after the browser clamped
 * what the list asked for (a row near the end cannot be at the top); on a scaled track the first
 * row is kept by the list and the scrollbar shows it, and a scroll event moves it only when the
 * scrollbar is somewhere else. There is no "ignore the next scroll event" flag: the browser
 * sends no event for a position it did not change, and such a flag would swallow the user's.
 */

/** Browsers cap element heights near 33 million pixels; stay well below. */
const maxTrackHeight = 8_000_000;

/** Builds the element of row `index`; called only for rows in view. */
export type RowRenderer = (index: number) => HTMLElement;

export class VirtualList {
  private count = 0;
  private first = 0;
  private frame = 0;
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
    if (this.scaled()) {
      this.first = Math.min(this.first, this.maxFirst());
      this.moveScrollbar(this.scaledTop(this.first));
    }
    // On a normal track the browser clamps scrollTop to the new height itself.
    this.render();
  }

  /** Renders the rows in view again (their data changed). */
  refresh(): void {
    this.render();
  }

  /** Makes row `index` the first in view, or as near the top as the end of the list allows. */
  scrollTo(index: number): void {
    const wanted = Math.max(0, Math.min(Math.round(index), this.maxFirst()));
    if (this.scaled()) {
      this.first = wanted;
      this.moveScrollbar(this.scaledTop(wanted));
    } else {
      this.moveScrollbar(wanted * this.rowHeight);
    }
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

  /** Where the scrollbar of a scaled track stands when row `first` is at the top. */
  private scaledTop(first: number): number {
    const range = this.track.offsetHeight - this.viewport.clientHeight;
    const max = this.maxFirst();
    return max === 0 || range <= 0 ? 0 : (first / max) * range;
  }

  /** The first row the scroll position shows. */
  private firstFromScroll(): number {
    const top = this.viewport.scrollTop;
    if (!this.scaled()) return Math.max(0, Math.min(Math.floor(top / this.rowHeight), this.count));
    // Where the list itself put the scrollbar (or a pixel that cannot tell more): keep the row.
    if (Math.abs(top - this.scaledTop(this.first)) < 1) return this.first;
    const range = this.track.offsetHeight - this.viewport.clientHeight;
    return range <= 0 ? 0 : Math.round((top / range) * this.maxFirst());
  }

  private moveScrollbar(top: number): void {
    if (Math.abs(this.viewport.scrollTop - top) >= 1) this.viewport.scrollTop = top;
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const top = this.viewport.scrollTop;
    // A normal track draws the rows where the browser really is (it may have clamped what the
    // list asked for); they sit at their own place in the track. A scaled track's layer follows
    // the view.
    if (!this.scaled()) this.first = this.firstFromScroll();
    this.layer.style.transform = `translateY(${this.scaled() ? top : this.first * this.rowHeight}px)`;
    const last = Math.min(this.count, this.first + this.pageRows + 2);
    const rows: HTMLElement[] = [];
    for (let index = this.first; index < last; index++) rows.push(this.renderRow(index));
    this.layer.replaceChildren(...rows);
    this.onRender(this.first, last);
  }
}
