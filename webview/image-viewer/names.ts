/**
 * Names the viewer adds to values: users and groups of the emulator's default world, so a
 * CRED reads `euid 501 (oren)` without a round trip to the host. Pure, no DOM.
 */
import type { FieldView } from '../protocol';

/** Users of the default world by uid. */
export const defaultUsers: ReadonlyMap<number, string> = new Map([
  [0, 'root'],
  [1, 'daemon'],
  [500, 'hallyn'],
  [501, 'oren'],
]);

/** Groups of the default world by gid. */
export const defaultGroups: ReadonlyMap<number, string> = new Map([
  [0, 'root'],
  [1, 'daemon'],
  [42, 'shadow'],
  [500, 'hallyn'],
  [501, 'oren'],
]);

const uidFields = /^CRED\.(uid|suid|euid|fsuid)$/;
const gidFields = /^(CRED\.(gid|sgid|egid|fsgid)|GROUPINFO\.groups\[\d+\])$/;

/** The numeric value of a field: its raw value, else its shown value read as a number. */
export function numericValue(field: FieldView): number | null {
  if (typeof field.raw === 'number') return field.raw;
  const text = field.value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
  // Enums read `NAME (n)`.
  const enumMatch = /\((-?\d+)\)$/.exec(text);
  return enumMatch ? Number(enumMatch[1]) : null;
}

/** The user or group name a field's value stands for, or null when it names neither. */
export function identityName(field: FieldView): string | null {
  const table = uidFields.test(field.path)
    ? defaultUsers
    : gidFields.test(field.path)
      ? defaultGroups
      : null;
  if (!table) return null;
  const id = numericValue(field);
  if (id === null) return null;
  return table.get(id) ?? null;
}

/** The value as the tree shows it: the host's text plus a user or group name. */
export function displayValue(field: FieldView): string {
  const name = identityName(field);
  return name === null ? field.value : `${field.value} (${name})`;
}
