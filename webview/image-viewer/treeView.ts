/**
 * The record tree: tasks, records and fields on the shared virtual tree (webview/shared), with
 * the columns name, value, type, offset and size. Every string from the image is set with
 * textContent.
 */
import * as l10n from '@vscode/l10n';
import type { ImageViewerSettings } from '../protocol';
import { span } from '../shared/dom';
import { VirtualTree, type TreeCallbacks } from '../shared/treeView';
import { formatOffset, formatSize } from './format';
import { displayValue } from './names';
import type { TreeRow } from './tree';

/** The texts of a row's columns: name, value, type, offset, size. */
function columns(
  row: TreeRow,
  settings: ImageViewerSettings,
): [string, string, string, string, string] {
  const at = (offset: number): string => formatOffset(offset, settings.offsetRadix);
  switch (row.kind) {
    case 'task':
      return [`task ${row.task.vpid}`, '', 'task', at(row.task.first.offset), ''];
    case 'record':
      return [
        row.record.name,
        recordSummary(row),
        'record',
        at(row.record.offset),
        formatSize(row.record.size),
      ];
    case 'field':
      return [
        row.field.name,
        displayValue(row.field),
        row.field.type,
        at(row.field.offset),
        String(row.field.size),
      ];
    case 'note':
      return [row.text, '', '', '', ''];
    case 'damage':
      return [
        l10n.t('damaged bytes'),
        l10n.t('not part of any whole record'),
        '',
        at(row.offset),
        formatSize(row.size),
      ];
  }
}

function recordSummary(row: Extract<TreeRow, { kind: 'record' }>): string {
  const { record } = row;
  if (record.name === 'PGARR' && record.size > 16) {
    const pages = Math.round((record.size - 16) / 4104);
    return `${pages} page${pages === 1 ? '' : 's'}`;
  }
  return record.parent === 0 ? '' : `parent ${record.parent}`;
}

export class TreeView extends VirtualTree<TreeRow> {
  private settings: ImageViewerSettings = { offsetRadix: 'hex', expandRecordsUpTo: 8 };
  /** Task labels (comm) by task key, once the TASK's STRING has been read. */
  private taskLabels: ReadonlyMap<string, string> = new Map();

  constructor(viewport: HTMLElement, callbacks: TreeCallbacks<TreeRow>) {
    super(viewport, callbacks, l10n.t('Records and fields'), 'tree-row');
  }

  /** Shows `rows`; the selected row keeps its place if it is still there. */
  setRows(
    rows: readonly TreeRow[],
    settings: ImageViewerSettings,
    taskLabels: ReadonlyMap<string, string>,
  ): void {
    this.settings = settings;
    this.taskLabels = taskLabels;
    this.showRows(rows);
  }

  protected expandedOf(row: TreeRow): boolean | null {
    return row.kind === 'note' || row.kind === 'damage' ? null : row.expanded;
  }

  protected renderColumns(row: TreeRow, element: HTMLElement): void {
    const [name, value, type, offset, size] = columns(row, this.settings);
    element.classList.add(`tree-${row.kind}`);
    const label =
      row.kind === 'task' ? `${name} ${this.taskLabels.get(row.key) ?? ''}`.trim() : name;
    element.append(span('tree-name', label), span('tree-value', value), span('tree-type', type));
    element.append(span('tree-offset', offset), span('tree-size', size));
    let ariaLabel = `${label} ${value} ${type} at ${offset}`;
    if (row.kind === 'record') {
      element.dataset['recordIndex'] = String(row.record.index);
      element.dataset['recordName'] = row.record.name;
    }
    if (row.kind === 'field') {
      element.dataset['field'] = row.field.path;
      element.dataset['record'] = String(row.record.index);
    }
    if (row.kind === 'task') element.dataset['vpid'] = String(row.task.vpid);
    if (row.kind === 'note' && row.tone === 'error') element.classList.add('has-problem');
    const problem =
      row.kind === 'record' || row.kind === 'field' || row.kind === 'damage' ? row.problem : null;
    if (problem) {
      element.classList.add('has-problem');
      element.append(span('tree-problem', problem.errno));
      element.title = `${problem.errno} at ${formatOffset(problem.offset, this.settings.offsetRadix)} (${problem.field}): ${problem.message}`;
      ariaLabel += `, problem ${problem.errno}: ${problem.message}`;
    }
    element.setAttribute('aria-label', ariaLabel);
  }
}
