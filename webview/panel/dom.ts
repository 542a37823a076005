/** The panel's DOM helpers: every text goes in with textContent, never as HTML. */

// The element helper every viewer shares (text through textContent only).
export { element } from '../shared/dom';

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
