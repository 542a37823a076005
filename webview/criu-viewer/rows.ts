/**
 * The CRIU viewer's tree as rows: what is expanded, flattened in display order, with a
 * placeholder while a row's children are on their way from the host. Pure, no DOM.
 */
import type { CriuNodeView } from '../criu-protocol';

export type CriuRow =
  | {
      readonly kind: 'node';
      readonly key: string;
      readonly depth: number;
      readonly node: CriuNodeView;
      /** Null for a row without children. */
      readonly expanded: boolean | null;
    }
  | { readonly kind: 'loading'; readonly key: string; readonly depth: number };

/** At most this many rows are listed (a tree of every page of a large dump stays usable). */
export const maxRows = 200_000;

/** The rows of everything expanded under `roots`. */
export function visibleRows(
  roots: readonly CriuNodeView[],
  children: ReadonlyMap<string, readonly CriuNodeView[]>,
  expanded: ReadonlySet<string>,
): CriuRow[] {
  const rows: CriuRow[] = [];
  const add = (nodes: readonly CriuNodeView[], depth: number): void => {
    for (const node of nodes) {
      if (rows.length >= maxRows) return;
      const open = node.hasChildren ? expanded.has(node.key) : null;
      rows.push({ kind: 'node', key: node.key, depth, node, expanded: open });
      if (!open) continue;
      const known = children.get(node.key);
      if (known === undefined)
        rows.push({ kind: 'loading', key: `${node.key}:loading`, depth: depth + 1 });
      else add(known, depth + 1);
    }
  };
  add(roots, 0);
  return rows;
}

/** Keys of expanded rows whose children are neither here nor asked for. */
export function missingChildren(
  rows: readonly CriuRow[],
  children: ReadonlyMap<string, readonly CriuNodeView[]>,
  requested: ReadonlySet<string>,
): string[] {
  return rows.flatMap((row) =>
    row.kind === 'node' &&
    row.expanded === true &&
    !children.has(row.key) &&
    !requested.has(row.key)
      ? [row.key]
      : [],
  );
}
