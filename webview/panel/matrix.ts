/**
 * "Who may restart this image?": every user of the world against every
 * kernel.ckpt_restore_creds mode, each cell allowed or the first failing check with its errno,
 * judged by the kernel without restarting anything. A cell opens its full check list.
 */
import * as l10n from '@vscode/l10n';
import type { LabImageView, LabMatrixView } from '../protocol';
import { button, dataGrid } from '../ui/index';
import { element } from './dom';

export interface MatrixCallbacks {
  openCell(user: number, mode: number): void;
  chooseImage(): void;
  whoMayRestart(path: string): void;
}

const signatureText = {
  none: 'not signed',
  valid: 'signed, verifies with the machine key',
  invalid: 'signed, does NOT verify',
} as const;

export function matrixView(
  matrix: LabMatrixView | null,
  images: readonly LabImageView[],
  callbacks: MatrixCallbacks,
): HTMLElement {
  const root = element('section', 'matrix-view');
  root.setAttribute('aria-label', l10n.t('Who may restart this image?'));
  const bar = element('div', 'matrix-bar');
  const choose = button(l10n.t('Choose an image…'), () => callbacks.chooseImage(), 'secondary');
  choose.dataset['action'] = 'choose-image';
  bar.append(choose);
  for (const image of images.slice(0, 8)) {
    const quick = button(image.path, () => callbacks.whoMayRestart(image.path), 'secondary');
    quick.dataset['image'] = image.path;
    quick.setAttribute('aria-label', l10n.t('Who may restart {0}?', image.path));
    bar.append(quick);
  }
  root.append(bar);
  if (matrix === null) {
    root.append(
      element(
        'p',
        'hint',
        'Choose an image: the lab asks the kernel, for every user and every kernel.ckpt_restore_creds mode, whether a restart would pass its checks — without restarting anything.',
      ),
    );
    return root;
  }
  const title = element(
    'h3',
    'matrix-title',
    `Who may restart ${matrix.image}?${matrix.signature !== null ? ` (${signatureText[matrix.signature]})` : ''}`,
  );
  root.append(title);
  root.append(
    element(
      'p',
      'hint',
      `Each cell is a restart judged by the kernel and not made (flags ${matrix.flags}). The kernel runs ${matrix.currentMode} now. Choose a cell for its checks.`,
    ),
  );
  const grid = dataGrid(
    `Who may restart ${matrix.image}: users by kernel.ckpt_restore_creds mode`,
    [
      'User',
      ...matrix.modes.map((mode) => (mode === matrix.currentMode ? `${mode} (running)` : mode)),
    ],
    matrix.users.map((user, userIndex) => {
      const row = matrix.cells[userIndex] ?? [];
      return {
        cells: [
          user,
          ...row.map((cell) =>
            cell.allowed ? '✓ allowed' : `✗ ${cell.errno ?? ''} ${cell.check ?? ''}`,
          ),
        ],
        data: { user: String(userIndex), userName: user },
        cellData: [
          undefined,
          ...row.map((cell, modeIndex) => ({
            mode: String(modeIndex),
            modeName: matrix.modes[modeIndex] ?? '',
            verdict: cell.allowed ? 'allowed' : 'refused',
          })),
        ],
      };
    }),
    '8em repeat(3, minmax(12em, 1fr))',
  );
  grid.classList.add('matrix-grid');
  const activate = (target: EventTarget | null): void => {
    if (!(target instanceof Element)) return;
    const cell = target.closest<HTMLElement>('vscode-data-grid-cell[data-mode]');
    const row = target.closest<HTMLElement>('vscode-data-grid-row[data-user]');
    if (cell === null || row === null) return;
    callbacks.openCell(Number(row.dataset['user']), Number(cell.dataset['mode']));
  };
  grid.addEventListener('click', (event) => activate(event.target));
  grid.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') activate(event.target);
  });
  for (const cell of grid.querySelectorAll<HTMLElement>('vscode-data-grid-cell[data-mode]')) {
    const row = cell.closest<HTMLElement>('vscode-data-grid-row');
    cell.setAttribute(
      'aria-label',
      `${row?.dataset['userName'] ?? ''} under ${cell.dataset['modeName'] ?? ''}: ${cell.textContent ?? ''}. Enter shows its checks.`,
    );
  }
  root.append(grid);
  const warning = element('p', 'replay-warning', matrix.replayWarning);
  warning.setAttribute('role', 'note');
  root.append(warning);
  return root;
}
