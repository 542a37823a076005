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
