/** Small DOM helpers: every text goes in with textContent, never as HTML. */

export function element<K extends keyof HTMLElementTagNameMap>(
  tagName: K,
  className = '',
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tagName);
  if (className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Activates `node` on click and on Enter or Space, as a button does. */
export function onActivate(node: HTMLElement, action: () => void): void {
  node.addEventListener('click', action);
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      action();
    }
  });
}

/** `0x13f` */
export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
