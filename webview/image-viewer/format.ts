/**
 * Pure helpers of the image viewer: number formatting and flattening of field trees into table
 * rows. No DOM here, so unit tests can run them under Node.
 */
import type { FieldView, ImageViewerSettings } from '../protocol';

/** An offset or size as the settings ask: `0x1a0` or `416`. */
export function formatOffset(value: number, radix: ImageViewerSettings['offsetRadix']): string {
  return radix === 'hex' ? `0x${value.toString(16)}` : String(value);
}

/** A field of a tree with its nesting depth, in the order a table lists it. */
export interface FlatField {
  readonly depth: number;
  readonly field: FieldView;
}

/** Flattens `fields` depth first, parents before their children. */
export function flattenFields(fields: readonly FieldView[], depth = 0): FlatField[] {
  const rows: FlatField[] = [];
  for (const field of fields) {
    rows.push({ depth, field });
    rows.push(...flattenFields(field.children, depth + 1));
  }
  return rows;
}
