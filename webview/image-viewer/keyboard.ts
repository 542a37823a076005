/**
 * Keyboard use of the record tree, following the WAI-ARIA tree pattern: arrows move between
 * records, Right/Left expand/collapse, Enter/Space toggle, Home/End jump. One item is in the
 * tab order at a time (roving tabindex).
 */

/** Handlers for the keys that change more than focus. */
export interface TreeKeyActions {
  readonly toggle: (index: number, expand?: boolean) => void;
  readonly select: (index: number) => void;
}

function items(tree: HTMLElement): HTMLElement[] {
  return [...tree.querySelectorAll<HTMLElement>('[role="treeitem"]')];
}

function focusItem(tree: HTMLElement, target: HTMLElement | undefined): void {
  if (!target) return;
  for (const item of items(tree)) item.tabIndex = item === target ? 0 : -1;
  target.focus();
}

/** Installs the keyboard handler on the page root; the tree may be re-rendered underneath. */
export function installTreeKeyboard(root: HTMLElement, actions: TreeKeyActions): void {
  root.addEventListener('keydown', (event) => {
    const current = event.target;
    if (!(current instanceof HTMLElement) || current.getAttribute('role') !== 'treeitem') return;
    const tree = current.closest<HTMLElement>('[role="tree"]');
    if (!tree) return;
    const all = items(tree);
    const position = all.indexOf(current);
    const index = Number(current.dataset['recordIndex']);
    const expanded = current.getAttribute('aria-expanded') === 'true';
    switch (event.key) {
      case 'ArrowDown':
        focusItem(tree, all[position + 1]);
        break;
      case 'ArrowUp':
        focusItem(tree, all[position - 1]);
        break;
      case 'Home':
        focusItem(tree, all[0]);
        break;
      case 'End':
        focusItem(tree, all[all.length - 1]);
        break;
      case 'ArrowRight':
        if (!expanded) actions.toggle(index, true);
        break;
      case 'ArrowLeft':
        if (expanded) actions.toggle(index, false);
        break;
      case 'Enter':
      case ' ':
        actions.select(index);
        actions.toggle(index);
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}
