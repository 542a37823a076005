/**
 * The DOM helpers both viewers build their elements with. Text goes in through textContent
 * only, so whatever an image or a dump holds is shown as text, never parsed as markup.
 */

/** A `<tagName class="className">` holding `text` (when given) as text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tagName: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tagName);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A `<span class="className">` holding `text` as text. */
export function span(className: string, text: string): HTMLSpanElement {
  return element('span', className, text);
}

/** The page's `#app` element, which a viewer fills. */
export function appElement(): HTMLElement {
  const root = document.getElementById('app');
  if (!root) throw new Error('the page has no #app element');
  return root;
}

/**
 * Makes `item` a link for the keyboard and for assistive technology as well as for the mouse:
 * focusable, role link, and `open` on a click, Enter or Space.
 */
export function makeLink(item: HTMLElement, open: () => void): void {
  item.tabIndex = 0;
  item.setAttribute('role', 'link');
  item.addEventListener('click', () => open());
  item.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open();
    }
  });
}
