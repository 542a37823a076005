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

/** A byte as two lowercase hex digits. */
export function hexByte(value: number): string {
  return value.toString(16).padStart(2, '0');
}

/** A byte as the ASCII column shows it: printable ASCII as itself, anything else as a dot. */
export function printable(value: number): string {
  return value >= 0x20 && value < 0x7f ? String.fromCharCode(value) : '.';
}

/** A hex row's address: at least 8 hex digits, so columns line up up to 4 GiB. */
export function formatHexOffset(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Parses an offset typed by a person: `0x1a0`, `1a0h`, or decimal `416`; null if neither. */
export function parseOffset(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  let value: number;
  if (/^0x[0-9a-f]+$/.test(trimmed)) value = Number.parseInt(trimmed.slice(2), 16);
  else if (/^[0-9a-f]+h$/.test(trimmed)) value = Number.parseInt(trimmed.slice(0, -1), 16);
  else if (/^\d+$/.test(trimmed)) value = Number(trimmed);
  else return null;
  return Number.isSafeInteger(value) ? value : null;
}

/** A byte count as a person reads it: `512 B`, `4.0 KiB`, `1.0 GiB`. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
