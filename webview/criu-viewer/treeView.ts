/**
 * The CRIU dump's tree on the shared virtual tree (webview/shared). Columns: name, value, type,
 * file and offset, size. Every string from the dump is set with textContent.
 */
import type { ImageViewerSettings } from '../protocol';
import { formatOffset } from '../image-viewer/format';
import * as l10n from '@vscode/l10n';
import { span } from '../shared/dom';
import { VirtualTree, type TreeCallbacks } from '../shared/treeView';
import type { CriuRow } from './rows';

export class CriuTreeView extends VirtualTree<CriuRow> {
  private settings: ImageViewerSettings = { offsetRadix: 'hex', expandRecordsUpTo: 8 };

  constructor(viewport: HTMLElement, callbacks: TreeCallbacks<CriuRow>) {
    super(viewport, callbacks, l10n.t('Processes, files, entries and fields'), 'criu-row');
  }

  setRows(rows: readonly CriuRow[], settings: ImageViewerSettings): void {
    this.settings = settings;
    this.showRows(rows);
  }

  protected expandedOf(row: CriuRow): boolean | null {
    return row.kind === 'node' ? row.expanded : null;
  }

  protected renderColumns(row: CriuRow, element: HTMLElement): void {
    if (row.kind === 'loading') {
      element.classList.add('tree-note');
      element.append(span('tree-name', l10n.t('Reading…')));
      return;
    }
    const { node } = row;
    element.classList.add(
      `criu-${node.type === 'process' ? 'process' : node.type === 'section' ? 'section' : 'node'}`,
    );
    if (!node.known) element.classList.add('criu-unknown');
    if (node.file !== null) {
      element.dataset['file'] = node.file;
      element.dataset['offset'] = String(node.offset);
    }
    const where =
      node.file === null
        ? ''
        : `${node.file} ${formatOffset(node.offset, this.settings.offsetRadix)}`;
    element.append(
      span('tree-name', node.label),
      span('tree-value', node.value),
      span('tree-type', node.type),
      span('tree-offset criu-where', where),
      span('tree-size', node.size > 0 ? String(node.size) : ''),
    );
    let label = where
      ? l10n.t('{0} {1}, {2} at {3}', node.label, node.value, node.type, where)
      : l10n.t('{0} {1}, {2}', node.label, node.value, node.type);
    if (node.problem !== null) {
      element.classList.add('has-problem');
      element.append(span('tree-problem', '!'));
      element.title = node.problem;
      label += l10n.t(', problem: {0}', node.problem);
    }
    element.setAttribute('aria-label', label);
  }
}
