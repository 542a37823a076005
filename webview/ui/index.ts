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
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTag,
  vsCodeTextArea,
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
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
    vsCodeTag(),
    vsCodeTextArea(),
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
  /** Data attributes of single cells, by column (for cells that are links or carry a state). */
  readonly cellData?: readonly (Readonly<Record<string, string>> | undefined)[];
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
    row.cellData?.forEach((data, column) => {
      const cell = element.children.item(column);
      if (!(cell instanceof HTMLElement)) return;
      for (const [key, value] of Object.entries(data ?? {})) cell.dataset[key] = value;
    });
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
  onChange?: (value: string) => void,
): Control<string> {
  const element = document.createElement('vscode-dropdown');
  element.setAttribute('aria-label', label);
  if (onChange !== undefined) {
    element.addEventListener('change', () =>
      onChange(stringProperty(element, 'value') || selected),
    );
  }
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

/** A multi-line text input. */
export function textArea(label: string, value: string, rows: number): Control<string> {
  const element = document.createElement('vscode-text-area');
  element.setAttribute('aria-label', label);
  element.setAttribute('rows', String(rows));
  element.setAttribute('resize', 'vertical');
  Reflect.set(element, 'value', value);
  return { element, read: () => stringProperty(element, 'value') };
}

/** A spinning progress indicator for work in progress. */
export function progressRing(label: string): HTMLElement {
  const element = document.createElement('vscode-progress-ring');
  element.setAttribute('aria-label', label);
  return element;
}

/** Tabs with their panels: `select` switches tabs; `onChange` hears the person switching. */
export interface Tabs {
  readonly element: HTMLElement;
  select(id: string): void;
}

/**
 * Tabbed panels (`role="tablist"`, arrow keys between tabs). Each tab's content element is kept
 * and moved into its panel, so its state (scroll, focus) survives switching.
 */
export function tabs(
  label: string,
  entries: readonly {
    readonly id: string;
    readonly title: string;
    readonly content: HTMLElement;
  }[],
  active: string,
  onChange: (id: string) => void,
): Tabs {
  const element = document.createElement('vscode-panels');
  element.setAttribute('aria-label', label);
  for (const entry of entries) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${entry.id}`;
    tab.setAttribute('slot', 'tab');
    tab.textContent = entry.title;
    element.append(tab);
  }
  for (const entry of entries) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${entry.id}`;
    view.setAttribute('slot', 'tabpanel');
    view.append(entry.content);
    element.append(view);
  }
  element.setAttribute('activeid', `tab-${active}`);
  element.addEventListener('change', () => {
    const id = stringProperty(element, 'activeid').replace(/^tab-/, '');
    if (id !== '') onChange(id);
  });
  return {
    element,
    select: (id: string) => {
      Reflect.set(element, 'activeid', `tab-${id}`);
      element.setAttribute('activeid', `tab-${id}`);
    },
  };
}
