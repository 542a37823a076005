/**
 * Pure helpers of the image viewer: number formatting and flattening of field trees into table
 * rows. No DOM here, so unit tests can run them under Node.
 */
import type { FieldView, ImageViewerSettings } from '../protocol';

/** An offset or size as the settings ask: `0x1a0` or `416`. */
export function formatOffset(value: number, radix: ImageViewerSettings['offsetRadix']): string {
  return radix === 'hex' ? `0x${value.toString(16)}` : String(value);
}

/** A field tree flattened for a table: each node with its dotted path and depth. */
export interface FlatField {
  readonly path: string;
  readonly depth: number;
  readonly field: FieldView;
}

/**
 * Flattens `fields` depth first. Array elements (`[2]`) are joined to their parent without a dot,
 * so paths read like the format page: `tasks[2].nspid`.
 */
export function flattenFields(fields: readonly FieldView[], prefix = '', depth = 0): FlatField[] {
  const rows: FlatField[] = [];
  for (const field of fields) {
    const path =
      prefix === ''
        ? field.name
        : field.name.startsWith('[')
          ? `${prefix}${field.name}`
          : `${prefix}.${field.name}`;
    rows.push({ path, depth, field });
    rows.push(...flattenFields(field.children, path, depth + 1));
  }
  return rows;
}
