/**
 * The checkpoint image editor's webview as e2e tests see it: open an image and get its webview,
 * find rows of its virtual tree, expand them, read offsets and the hex highlight.
 *
 * The tree is virtual: only the rows around the scroll position exist in the DOM, and they are
 * redrawn one animation frame after the scroll position changes. A row found right after a
 * scroll may belong to the rows drawn for the previous position and vanish at the next frame, so
 * every helper here looks for rows only once the tree is settled: no fields on their way from the
 * host (the tree's `aria-busy`), and the rows in the DOM drawn for the current scroll position.
 */
import assert from 'node:assert/strict';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { quickOpen, webviewShowing } from './workbench';

/** Opens `fileName` with Quick Open and returns the image editor's webview showing it. */
export async function openImage(page: Page, fileName: string): Promise<FrameLocator> {
  await quickOpen(page, fileName);
  const viewer = await webviewShowing(page, '.file-name', fileName);
  await treeSettled(viewer);
  return viewer;
}

/**
 * Waits until the record tree is settled: it exists, waits for no fields from the host, and the
 * rows in the DOM are the ones of its current scroll position (the first one spans the top edge
 * of the view), checked at each animation frame of the webview.
 */
export async function treeSettled(viewer: FrameLocator): Promise<void> {
  const tree = viewer.locator('[role="tree"]');
  await viewer.locator('[role="tree"][aria-busy="false"]').waitFor({ timeout: 60_000 });
  await rowsDrawn(tree);
}

/**
 * Waits until the rows of a virtual list (`tree`, the scrolling element) in the DOM are the ones
 * drawn for its current scroll position and size: the first one spans the top edge of the view,
 * and the last one reaches its bottom edge (or is the list's last row). The view can change size
 * after its rows were drawn (the inspector or header beside it grows or shrinks with what they
 * show); the list draws for the new size one frame later, and until then part of the view has
 * no rows in the DOM.
 */
export async function rowsDrawn(tree: Locator): Promise<void> {
  await tree.evaluate(rowsDrawnForScrollPosition, 30_000);
}

/**
 * In the webview: resolves once the first row in the DOM spans the top edge of the tree's view,
 * checking at each animation frame. A string, because the test runner's transpiler wraps named
 * functions in a helper the page does not have.
 */
const rowsDrawnForScrollPosition = `(tree, timeoutMs) => new Promise((resolve, reject) => {
  const deadline = performance.now() + timeoutMs;
  const check = () => {
    const top = tree.getBoundingClientRect().top + tree.clientTop;
    const bottom = top + tree.clientHeight;
    const items = tree.querySelectorAll('[role="treeitem"]');
    const first = items[0]?.getBoundingClientRect();
    const last = items[items.length - 1]?.getBoundingClientRect();
    const end = tree.querySelector('.virtual-track')?.getBoundingClientRect().bottom ?? bottom;
    const topCovered = !first || (first.top <= top + 0.5 && first.bottom > top + 0.5);
    const bottomCovered = !last || last.bottom >= Math.min(bottom, end) - 0.5;
    if (topCovered && bottomCovered) resolve();
    else if (performance.now() > deadline)
      reject(new Error('tree rows at ' + first.top + '..' + last.bottom + ', its view at ' + top + '..' + bottom));
    else requestAnimationFrame(check);
  };
  check();
})`;

/**
 * The tree row `selector` matches, in view: scrolls the tree from its top a page at a time until
 * the row is drawn, then into view. Throws when the whole settled tree has no such row.
 */
export async function findRow(viewer: FrameLocator, selector: string): Promise<Locator> {
  const tree = viewer.locator('[role="tree"]');
  const row = viewer.locator(selector).first();
  await treeSettled(viewer);
  await tree.evaluate((element) => element.scrollTo(0, 0));
  await treeSettled(viewer);
  while ((await row.count()) === 0) {
    // The next page starts at the last row drawn, so every row between was in the DOM once,
    // whatever the view's height did meanwhile.
    const moved = await tree.evaluate((element) => {
      const before = element.scrollTop;
      const items = element.querySelectorAll('[role="treeitem"]');
      const last = items[items.length - 1];
      if (!last) return false;
      const viewTop = element.getBoundingClientRect().top + element.clientTop;
      const lastTop = last.getBoundingClientRect().top - viewTop;
      element.scrollTop = before + Math.max(1, Math.floor(lastTop));
      return element.scrollTop !== before;
    });
    if (!moved) throw new Error(`no row of the record tree matches ${selector}`);
    await treeSettled(viewer);
  }
  // Drawn is not yet visible (two rows are drawn below the view): bring it in.
  await row.evaluate((element) => element.scrollIntoView({ block: 'nearest' }));
  await treeSettled(viewer);
  return row;
}

/** Opens a tree row (task, record or field group) unless it is open already, and its fields. */
export async function expand(viewer: FrameLocator, selector: string): Promise<void> {
  const row = await findRow(viewer, selector);
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
  await viewer.locator(`${selector}[aria-expanded="true"]`).first().waitFor();
  await treeSettled(viewer);
}

/** The offset a tree row shows (hex by default). */
export async function rowOffset(row: Locator): Promise<number> {
  const text = (await row.locator('.tree-offset').textContent())?.trim() ?? '';
  assert.match(text, /^0x[0-9a-f]+$/);
  return Number.parseInt(text.slice(2), 16);
}

/** The byte offsets of the hex cells highlighted now. */
export async function highlightedOffsets(viewer: FrameLocator): Promise<number[]> {
  return viewer
    .locator('.hex-byte.selected')
    .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-offset'))));
}
