/**
 * The one module that touches `@vscode/webview-ui-toolkit`. The toolkit is no longer maintained
 * upstream; every surface builds its components through these functions, so replacing it is a
 * change to this file only. Every text argument is set with textContent, never parsed as HTML.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTag,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Defines the custom elements this module hands out. Safe to call more than once. */
export function registerComponents(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(
    vsCodeBadge(),
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDataGrid(),
    vsCodeDataGridCell(),
    vsCodeDataGridRow(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeTag(),
    vsCodeTextField(),
  );
  registered = true;
}

/** A small count or status, e.g. the number of records. */
export function badge(text: string, label: string): HTMLElement {
  const element = document.createElement('vscode-badge');
  element.textContent = text;
  element.setAttribute('aria-label', label);
  return element;
}

/** A short uppercase label, e.g. an errno. */
export function tag(text: string): HTMLElement {
  const element = document.createElement('vscode-tag');
  element.textContent = text;
  return element;
}

/** A thin horizontal rule between sections. */
export function divider(): HTMLElement {
  const element = document.createElement('vscode-divider');
  element.setAttribute('role', 'separator');
  return element;
}

/** A button; `secondary` for actions that are not the main one of their area. */
export function button(
  text: string,
  onClick: () => void,
  appearance: 'primary' | 'secondary' = 'primary',
): HTMLElement {
  const element = document.createElement('vscode-button');
  element.textContent = text;
  element.setAttribute('appearance', appearance);
  element.addEventListener('click', onClick);
  return element;
}

/** One row of a {@link dataGrid}: its cell texts, plus data attributes for tests and styling. */
export interface GridRow {
  readonly cells: readonly string[];
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * A read-only table with a header row. `columnWidths` is a CSS grid-template-columns value.
 * Cells are keyboard navigable (the toolkit's grid handles arrow keys).
 */
export function dataGrid(
  label: string,
  headers: readonly string[],
  rows: readonly GridRow[],
  columnWidths: string,
): HTMLElement {
  const grid = document.createElement('vscode-data-grid');
  grid.setAttribute('aria-label', label);
  grid.setAttribute('grid-template-columns', columnWidths);
  grid.append(gridRow(headers, 'header', columnWidths));
  for (const row of rows) {
    const element = gridRow(row.cells, 'default', columnWidths);
    for (const [key, value] of Object.entries(row.data ?? {})) element.dataset[key] = value;
    grid.append(element);
  }
  return grid;
}

function gridRow(
  cells: readonly string[],
  rowType: 'header' | 'default',
  columnWidths: string,
): HTMLElement {
  const row = document.createElement('vscode-data-grid-row');
  // Rows added by hand do not inherit the grid's columns: each row is told them.
  row.setAttribute('grid-template-columns', columnWidths);
  if (rowType === 'header') row.setAttribute('row-type', 'header');
  cells.forEach((text, column) => {
    const cell = document.createElement('vscode-data-grid-cell');
    if (rowType === 'header') cell.setAttribute('cell-type', 'columnheader');
    cell.setAttribute('grid-column', String(column + 1));
    cell.textContent = text;
    row.append(cell);
  });
  return row;
}

/** A form control and a way to read what the user chose, without exposing toolkit types. */
export interface Control<T> {
  readonly element: HTMLElement;
  readonly read: () => T;
}

function stringProperty(element: HTMLElement, name: string): string {
  const value: unknown = Reflect.get(element, name);
  return typeof value === 'string' ? value : '';
}

/** A one-line text input; Enter calls `onEnter`. */
export function textField(label: string, value: string, onEnter: () => void): Control<string> {
  const element = document.createElement('vscode-text-field');
  element.setAttribute('aria-label', label);
  element.setAttribute('value', value);
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') onEnter();
  });
  return { element, read: () => stringProperty(element, 'value') };
}

/** A dropdown of `options`; the one whose value is `selected` starts chosen. */
export function dropdown(
  label: string,
  options: readonly { readonly value: string; readonly text: string }[],
  selected: string,
): Control<string> {
  const element = document.createElement('vscode-dropdown');
  element.setAttribute('aria-label', label);
  for (const option of options) {
    const item = document.createElement('vscode-option');
    item.setAttribute('value', option.value);
    item.textContent = option.text;
    if (option.value === selected) item.setAttribute('selected', '');
    element.append(item);
  }
  return { element, read: () => stringProperty(element, 'value') || selected };
}

/** A checkbox with a text label; `onChange` runs when it is toggled. */
export function checkbox(text: string, checked: boolean, onChange: () => void): Control<boolean> {
  const element = document.createElement('vscode-checkbox');
  element.textContent = text;
  if (checked) element.setAttribute('checked', '');
  element.addEventListener('change', onChange);
  return { element, read: () => Reflect.get(element, 'checked') === true };
}
