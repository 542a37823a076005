import assert from 'node:assert/strict';
import { chunkSize } from '../../../webview/image-viewer/byteCache';
import { bytesPerRow, HexView } from '../../../webview/image-viewer/hexView';
import { installDom, type TestDom } from './dom';

const rowHeight = 20;

describe('hex view (in a DOM)', () => {
  let dom: TestDom;
  let viewport: HTMLElement;
  let view: HexView;
  let requests: [number, number][];
  let picks: number[];

  /** A hex view `height` pixels tall (20 px rows) of a file of `byteLength` bytes. */
  function show(height: number, byteLength: number, damageFrom: number | null = null): void {
    viewport = document.createElement('div');
    document.body.append(viewport);
    view = new HexView(viewport, {
      request: (offset, length) => requests.push([offset, length]),
      // As main.ts does: a picked byte becomes the cursor, in view.
      pick: (offset) => {
        picks.push(offset);
        view.goTo(offset);
      },
    });
    dom.layout(viewport, height);
    view.setImage(byteLength, damageFrom);
  }

  /** The file's bytes: byte i is i mod 256. */
  function bytes(offset: number, length: number): Uint8Array {
    return Uint8Array.from({ length }, (_, i) => (offset + i) % 256);
  }

  const cells = (selector = ''): HTMLElement[] => [
    ...viewport.querySelectorAll<HTMLElement>(`.hex-byte${selector}`),
  ];
  const offsets = (selector = ''): number[] =>
    cells(selector).map((cell) => Number(cell.dataset['offset']));
  const rowOffsets = (): number[] =>
    [...viewport.querySelectorAll<HTMLElement>('.hex-row')].map((row) =>
      Number(row.dataset['rowOffset']),
    );
  const press = (key: string, init: KeyboardEventInit = {}): void => {
    viewport.dispatchEvent(
      new KeyboardEvent('keydown', {
        key,
        cancelable: true,
        ...init,
      }),
    );
  };

  beforeEach(() => {
    dom = installDom();
    requests = [];
    picks = [];
  });
  afterEach(() => dom.close());

  it('draws only the rows in view and asks for their bytes, with a page around them, once', () => {
    show(200, 100_000);
    assert.equal(viewport.getAttribute('role'), 'grid');
    assert.deepEqual(
      rowOffsets(),
      [...Array(12).keys()].map((row) => row * bytesPerRow),
    );
    assert.deepEqual(requests, [[0, chunkSize]], 'rows 0-11 and a page below lie in chunk 0');
    view.select({ offset: 3, size: 1 }, false);
    assert.equal(requests.length, 1, 'a chunk on its way is not asked for again');
    // Far down: the chunks around the rows in view, and only those.
    dom.userScroll(viewport, (50_000 / bytesPerRow) * rowHeight);
    dom.settle();
    assert.deepEqual(requests.slice(1), [[49_152, chunkSize]]);
    assert.ok(rowOffsets().includes(50_000));
  });

  it('shows bytes in hex and as characters once they arrive, placeholders before', () => {
    show(200, 100);
    assert.equal(cells()[0]?.textContent, '··');
    view.receive(0, Uint8Array.from([0x41, 0x3c, 0x00, ...bytes(3, 97)]));
    assert.deepEqual(
      cells()
        .slice(0, 3)
        .map((cell) => cell.textContent),
      ['41', '3c', '00'],
    );
    const chars = [...viewport.querySelectorAll<HTMLElement>('.hex-char')].slice(0, 3);
    assert.deepEqual(
      chars.map((char) => char.textContent),
      ['A', '<', '.'],
    );
    // The last row of a 100-byte file has 4 bytes.
    const last = viewport.querySelector<HTMLElement>('.hex-row[data-row-offset="96"]');
    assert.equal(last?.querySelectorAll('.hex-byte').length, 4);
    assert.equal(last?.querySelector('.hex-address')?.textContent?.endsWith('60'), true);
  });

  it('highlights exactly the selected bytes, marks the cursor and the damaged tail', () => {
    show(200, 4096, 4000);
    view.receive(0, bytes(0, 4096));
    view.select({ offset: 20, size: 4 }, true);
    assert.deepEqual(offsets('.selected'), [20, 21, 22, 23]);
    assert.equal(viewport.querySelectorAll('.hex-char.selected').length, 4);
    assert.ok(cells('.selected').every((cell) => cell.getAttribute('aria-selected') === 'true'));
    assert.deepEqual(offsets('.cursor'), [20]);
    assert.equal(viewport.getAttribute('aria-activedescendant'), 'hex-cursor');
    assert.equal(viewport.querySelector('#hex-cursor')?.getAttribute('data-offset'), '20');
    view.select({ offset: 4090, size: 6 }, true);
    assert.ok(rowOffsets().includes(4080), 'the selection was scrolled into view');
    assert.deepEqual(offsets('.selected'), [4090, 4091, 4092, 4093, 4094, 4095]);
    assert.equal(rowOffsets()[0], 3936);
    assert.deepEqual(
      offsets('.damaged'),
      [...Array(96).keys()].map((i) => 4000 + i),
      'every byte from 4000 on, and none before',
    );
    view.select(null, false);
    assert.deepEqual(offsets('.selected'), []);
  });

  it('keeps the cursor where Go to Offset put it when the selection is only redrawn', () => {
    show(200, 4096);
    view.select({ offset: 20, size: 4 }, true);
    view.goTo(22);
    // Fields arriving redraw the same selection (main.ts): the cursor stays on byte 22.
    view.select({ offset: 20, size: 4 }, false);
    assert.deepEqual(offsets('.cursor'), [22]);
    assert.deepEqual(offsets('.selected'), [20, 21, 22, 23]);
  });

  it('picks the byte clicked, in the hex or the character column', () => {
    show(200, 256);
    viewport
      .querySelector('.hex-byte[data-offset="17"]')
      ?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    viewport
      .querySelector('.hex-char[data-offset="40"]')
      ?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    assert.deepEqual(picks, [17, 40]);
    assert.deepEqual(offsets('.cursor'), [40]);
  });

  it('moves the cursor with the keys, keeps it in view, and picks it with Enter', () => {
    show(100, 10_000);
    press('ArrowRight');
    press('ArrowDown');
    assert.deepEqual(offsets('.cursor'), [17]);
    press('End');
    assert.deepEqual(offsets('.cursor'), [31], 'End of the row');
    press('Home');
    assert.deepEqual(offsets('.cursor'), [16]);
    press('PageDown');
    assert.deepEqual(offsets('.cursor'), [16 + 5 * bytesPerRow], 'a page is five rows');
    press('End', { ctrlKey: true });
    assert.deepEqual(offsets('.cursor'), [9999], 'Ctrl+End: the last byte');
    assert.ok(rowOffsets().includes(9984));
    press('Enter');
    assert.equal(picks.at(-1), 9999);
    press('Home', { ctrlKey: true });
    press('ArrowLeft');
    press('ArrowUp');
    assert.deepEqual(offsets('.cursor'), [0], 'the cursor stops at the first byte');
    dom.settle();
    assert.deepEqual(rowOffsets().slice(0, 1), [0]);
  });

  it('reaches the last byte of a 1 GiB file on its scaled track, and back', () => {
    const size = 2 ** 30;
    show(100, size);
    press('End', { ctrlKey: true });
    dom.settle();
    assert.deepEqual(offsets('.cursor'), [size - 1]);
    assert.equal(rowOffsets().at(-1), size - bytesPerRow);
    assert.ok(
      requests.some(([offset]) => offset === size - chunkSize),
      'the last chunk is asked for',
    );
    assert.ok(rowOffsets().length <= 7, `rows in the DOM: ${rowOffsets().length}`);
    dom.userScroll(viewport, 0);
    dom.settle();
    assert.equal(rowOffsets()[0], 0);
  });
});
