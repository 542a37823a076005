import assert from 'node:assert/strict';
import { VirtualList } from '../../../webview/shared/virtualList';
import { installDom, type TestDom } from './dom';

const rowHeight = 20;

/** A list of `count` rows in a viewport `height` pixels tall; rows carry their index. */
function makeList(
  dom: TestDom,
  count: number,
  height: number,
): { list: VirtualList; viewport: HTMLElement; rendered: [number, number][] } {
  const viewport = document.createElement('div');
  document.body.append(viewport);
  const list = new VirtualList(viewport, rowHeight, (index) => {
    const row = document.createElement('div');
    row.dataset['index'] = String(index);
    return row;
  });
  const rendered: [number, number][] = [];
  list.onRender = (first, last) => rendered.push([first, last]);
  dom.layout(viewport, height);
  list.setCount(count);
  return { list, viewport, rendered };
}

/** The indexes of the rows in the DOM. */
function domRows(viewport: HTMLElement): number[] {
  return [...viewport.querySelectorAll<HTMLElement>('.virtual-layer > [data-index]')].map((row) =>
    Number(row.dataset['index']),
  );
}

/** Where the layer of rows is, in the scrolled content's coordinates. */
function layerTop(viewport: HTMLElement): number {
  const layer = viewport.querySelector<HTMLElement>('.virtual-layer');
  const match = /translateY\((-?[\d.]+)px\)/.exec(layer?.style.transform ?? '');
  assert.ok(match, `the layer is placed: ${layer?.style.transform}`);
  return Number(match[1]);
}

/**
 * Asserts that what the viewport shows (scrollTop to scrollTop + clientHeight) is covered by
 * the rows in the DOM, each at its own place: row i's top at i * rowHeight (not scaled).
 */
function assertCoversView(viewport: HTMLElement, count: number): void {
  const rows = domRows(viewport);
  const first = rows[0];
  assert.ok(first !== undefined, 'rows are drawn');
  assert.deepEqual(
    rows,
    rows.map((_, i) => first + i),
    'consecutive rows',
  );
  assert.equal(layerTop(viewport), first * rowHeight, 'the rows are at their place');
  const top = viewport.scrollTop;
  const bottom = Math.min(top + viewport.clientHeight, count * rowHeight);
  assert.ok(first * rowHeight <= top, `row ${first} starts at or above the view's top ${top}`);
  assert.ok(
    (first + rows.length) * rowHeight >= bottom,
    `rows ${first}..${first + rows.length - 1} reach the view's bottom ${bottom}`,
  );
}

describe('virtual list (in a DOM)', () => {
  let dom: TestDom;
  beforeEach(() => {
    dom = installDom();
  });
  afterEach(() => dom.close());

  it('keeps only the rows in view, and two more, in the DOM, each at its place', () => {
    const { viewport, list } = makeList(dom, 1000, 200);
    assert.deepEqual(domRows(viewport), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(list.pageRows, 10);
    assert.equal(viewport.querySelector<HTMLElement>('.virtual-track')?.style.height, '20000px');
    assertCoversView(viewport, 1000);
  });

  it('draws the rows of the position a user scrolled to at the next frame', () => {
    const { viewport, list, rendered } = makeList(dom, 1000, 200);
    dom.userScroll(viewport, 410);
    assert.equal(list.firstRow, 0, 'nothing moves before the scroll event');
    dom.frame();
    assert.equal(list.firstRow, 20);
    assert.deepEqual(rendered.at(-1), [20, 32]);
    assertCoversView(viewport, 1000);
  });

  it('scrollTo draws at once, and the scroll event it causes changes nothing', () => {
    const { viewport, list, rendered } = makeList(dom, 1000, 200);
    list.scrollTo(300);
    assert.equal(list.firstRow, 300);
    assert.equal(viewport.scrollTop, 6000);
    assert.equal(domRows(viewport)[0], 300);
    dom.settle();
    assert.equal(list.firstRow, 300);
    assert.deepEqual(rendered.at(-1), [300, 312]);
    assertCoversView(viewport, 1000);
  });

  it('does not swallow the next user scroll when the browser clamped scrollTop to where it was', () => {
    // 210 px is ten rows and a half: the last row's top is past the largest scrollTop (1790).
    const { viewport, list } = makeList(dom, 100, 210);
    dom.userScroll(viewport, 10_000);
    dom.settle();
    assert.equal(viewport.scrollTop, 1790, 'the user is at the bottom');
    // The End key: the list scrolls to its last row, and the browser keeps scrollTop at 1790.
    list.scrollTo(99);
    dom.settle();
    assertCoversView(viewport, 100);
    // Then the user scrolls back to the top: that must be seen.
    dom.userScroll(viewport, 0);
    dom.settle();
    assert.equal(list.firstRow, 0, 'the scroll to the top was seen');
    assert.equal(domRows(viewport)[0], 0);
    assertCoversView(viewport, 100);
  });

  it('does not swallow a user scroll after the row count changed at the bottom', () => {
    const { viewport, list } = makeList(dom, 100, 210);
    list.scrollTo(99);
    dom.settle();
    list.setCount(100);
    dom.settle();
    dom.userScroll(viewport, 400);
    dom.settle();
    assert.equal(list.firstRow, 20);
    assertCoversView(viewport, 100);
  });

  it('covers the whole view after scrolling to the last row, when rows do not fill it evenly', () => {
    const { viewport, list } = makeList(dom, 100, 210);
    list.scrollTo(99);
    assertCoversView(viewport, 100);
    assert.ok(domRows(viewport).includes(99), 'the last row is drawn');
    assert.equal(viewport.scrollTop, 1790, 'at the very bottom');
    dom.settle();
    assertCoversView(viewport, 100);
  });

  it('reveal scrolls as little as needed; revealCentered puts the row a third down', () => {
    const { viewport, list } = makeList(dom, 1000, 200);
    list.reveal(5);
    assert.equal(list.firstRow, 0, 'a row in view does not scroll');
    list.reveal(25);
    assert.equal(list.firstRow, 16, 'row 25 becomes the last in view');
    list.reveal(3);
    assert.equal(list.firstRow, 3, 'row 3 becomes the first in view');
    list.revealCentered(500);
    assert.equal(list.firstRow, 500 - 3);
    list.revealCentered(501);
    assert.equal(list.firstRow, 497, 'a row in view stays where it is');
    dom.settle();
    assert.equal(list.firstRow, 497);
    assertCoversView(viewport, 1000);
  });

  it('keeps the first row in view when the count changes, and clamps it when the list shrinks', () => {
    const { viewport, list } = makeList(dom, 1000, 200);
    list.scrollTo(400);
    list.setCount(2000);
    assert.equal(list.firstRow, 400);
    list.setCount(50);
    dom.settle();
    assert.equal(list.firstRow, 40, 'the last page of 50 rows');
    assertCoversView(viewport, 50);
    list.setCount(5);
    dom.settle();
    assert.equal(list.firstRow, 0);
    assert.deepEqual(domRows(viewport), [0, 1, 2, 3, 4]);
    list.setCount(0);
    dom.settle();
    assert.deepEqual(domRows(viewport), []);
  });

  describe('on a track too tall for browsers (scaled)', () => {
    const count = 10_000_000; // 200 million pixels of rows; the track stops at 8 million

    it('maps the scrollbar onto rows and keeps the first row exact across its own scroll event', () => {
      const { viewport, list } = makeList(dom, count, 400);
      assert.equal(
        viewport.querySelector<HTMLElement>('.virtual-track')?.style.height,
        '8000000px',
      );
      list.scrollTo(5_000_000);
      dom.settle();
      assert.equal(list.firstRow, 5_000_000, 'no rounding through the scrollbar position');
      assert.equal(domRows(viewport)[0], 5_000_000);
      assert.equal(layerTop(viewport), viewport.scrollTop, 'the layer stays in view');
      dom.userScroll(viewport, 8_000_000);
      dom.settle();
      assert.equal(list.firstRow, count - 20, 'the bottom of the track is the last page');
      assert.equal(domRows(viewport).at(-1), count - 1);
      dom.userScroll(viewport, 0);
      dom.settle();
      assert.equal(list.firstRow, 0);
    });

    it('moves by rows on the wheel', () => {
      const { viewport, list } = makeList(dom, count, 400);
      list.scrollTo(1000);
      const wheel = new WheelEvent('wheel', { deltaY: 60, cancelable: true });
      viewport.dispatchEvent(wheel);
      assert.equal(wheel.defaultPrevented, true, 'the browser does not scroll by pixels');
      dom.settle();
      assert.equal(list.firstRow, 1003);
    });
  });
});
