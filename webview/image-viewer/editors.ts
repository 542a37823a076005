/**
 * Which control edits a field: the host's {@link FieldEditor} when it sent one, else a guess
 * from the field's type (numbers and text are editable, groups and byte arrays are not). Pure.
 */
import * as l10n from '@vscode/l10n';
import type { FieldEditor, FieldView } from '../protocol';
import { numericValue } from './names';

const integerType = /^([us])(8|16|32|64)$/;

/** The editor for `field`. */
export function editorFor(field: FieldView): FieldEditor {
  if (field.editor) return field.editor;
  if (field.children.length > 0)
    return { kind: 'readonly', reason: l10n.t('A group: edit its fields.') };
  if (field.path.startsWith('hdr.'))
    return { kind: 'readonly', reason: l10n.t('Record headers are not edited here.') };
  const integer = integerType.exec(field.type);
  if (integer) {
    const bits = Number(integer[2]);
    const signed = integer[1] === 's';
    const span = Math.min(2 ** bits, 2 ** 53);
    return signed
      ? { kind: 'number', min: -span / 2, max: span / 2 - 1 }
      : { kind: 'number', min: 0, max: span - 1 };
  }
  if (field.type.startsWith('enum ')) return { kind: 'number', min: 0, max: 2 ** 32 - 1 };
  if (field.type.startsWith('char[') || /\.(value|label)$/.test(field.path))
    return { kind: 'text', maxBytes: field.size, exact: false };
  return { kind: 'readonly', reason: l10n.t('A {0} is not edited here.', field.type) };
}

/** The text a number or text editor starts with. */
export function initialInput(field: FieldView, editor: FieldEditor): string {
  // The value as shown, invisible and reordering characters written out (the host reads them
  // back): raw text with a bidi override would be reordered inside the text field.
  if (editor.kind === 'text') return field.value;
  const number = numericValue(field);
  if (number === null) return field.value;
  // Addresses and masks read better in hex, as the tree shows them.
  return /^0x/i.test(field.value.trim()) ? `0x${number.toString(16)}` : String(number);
}

/** The bits of a flags value that `bits` names, as checked states. */
export function checkedBits(value: number, bits: readonly { readonly mask: number }[]): boolean[] {
  return bits.map((bit) => Math.floor(value / bit.mask) % 2 === 1);
}

/** The value of a set of flag checkboxes (masks above 2^31 included: no bitwise operators). */
export function flagsValue(
  bits: readonly { readonly mask: number }[],
  checked: readonly boolean[],
): number {
  return bits.reduce((sum, bit, index) => (checked[index] ? sum + bit.mask : sum), 0);
}
