/**
 * The security checks: the history of the session's calls (a list, each reopening its table)
 * and the ordered table of one call's checks — id, the kernel function it models, subject,
 * object, result, errno, reason, and where it leads (an image record or a scenario line). The
 * deciding check is marked and scrolled into view.
 */
import * as l10n from '@vscode/l10n';
import type { LabCallSummaryView, LabCallView, LabCheckView } from '../protocol';
import { button, dataGrid, tag } from '../ui/index';
import { element, hex, onActivate } from './dom';

export interface ChecksCallbacks {
  /** `debugger`: a call of a debugging session (numbered apart from the lab's). */
  selectCall(id: number, fromDebugger: boolean): void;
  openCheck(index: number): void;
  exportReport(format: 'markdown' | 'json'): void;
}

const marks = { pass: '✓ pass', fail: '✗ fail', skip: '– skip' } as const;

function summaryText(call: LabCallSummaryView): string {
  const outcome =
    call.errno === null
      ? 'ok'
      : `${call.errno}${call.deciding !== null ? ` ${call.deciding}` : ''}`;
  return `${call.statement} → ${outcome}`;
}

/** The lab's calls, or (`debugger`) the calls of this window's debugging sessions. */
function historyList(
  history: readonly LabCallSummaryView[],
  shown: LabCallView | null,
  callbacks: ChecksCallbacks,
  fromDebugger = false,
): HTMLElement {
  const section = element('nav', fromDebugger ? 'history debugger-history' : 'history');
  const what = fromDebugger ? 'Calls of debugging sessions' : 'Calls of the session';
  section.setAttribute('aria-label', what);
  section.append(
    element('h3', '', `${fromDebugger ? 'Debugging sessions' : 'Calls'} (${history.length})`),
  );
  if (history.length === 0) {
    section.append(element('p', 'hint', l10n.t('No checkpoint or restart yet.')));
    return section;
  }
  const list = element('ul', 'history-list');
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', `${what}, newest last`);
  const items: HTMLElement[] = [];
  const shownHere =
    shown !== null && shown.probe === null && (shown.debugSource !== null) === fromDebugger;
  for (const call of history) {
    const item = element('li', `history-item ${call.errno === null ? 'ok' : 'refused'}`);
    item.setAttribute('role', 'option');
    const selected = shownHere && shown.id === call.id;
    item.setAttribute('aria-selected', String(selected));
    item.tabIndex = selected ? 0 : -1;
    item.dataset['callId'] = String(call.id);
    if (fromDebugger) item.dataset['debugger'] = 'true';
    item.append(
      element('span', 'history-id', `${fromDebugger ? 'D' : '#'}${call.id}`),
      element('span', 'history-mark', call.errno === null ? '✓' : '✗'),
      element('span', 'history-text', summaryText(call)),
    );
    onActivate(item, () => callbacks.selectCall(call.id, fromDebugger));
    items.push(item);
    list.append(item);
  }
  if (!items.some((item) => item.tabIndex === 0) && items[0] !== undefined)
    items.at(-1)!.tabIndex = 0;
  list.addEventListener('keydown', (event) => {
    const index = items.indexOf(document.activeElement as HTMLElement);
    const next = event.key === 'ArrowDown' ? index + 1 : event.key === 'ArrowUp' ? index - 1 : null;
    if (next === null) return;
    event.preventDefault();
    const target = items[Math.max(0, Math.min(items.length - 1, next))];
    if (target === undefined) return;
    for (const item of items) item.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  });
  section.append(list);
  return section;
}

function linkText(check: LabCheckView): string {
  if (check.link === 'image' && check.offset !== null)
    return `@${hex(check.offset)}${check.field !== null ? ` ${check.field}` : ''}`;
  if (check.link === 'line' && check.line !== null) return `line ${check.line}`;
  return '';
}

function callHeader(call: LabCallView, callbacks: ChecksCallbacks): HTMLElement {
  const header = element('header', 'call-header');
  const failed = call.checks.find((check) => check.result === 'fail');
  const verdict =
    call.errno === null
      ? `${call.call} succeeded: every check passed or did not apply`
      : `${call.call} refused: ${call.errno} from ${failed?.id ?? 'the call'}`;
  const title = element(
    'h3',
    `call-title ${call.errno === null ? 'ok' : 'refused'}`,
    call.probe !== null
      ? `Judged without restarting: ${verdict}`
      : call.debugSource !== null
        ? `Debugging session, call D${call.id}: ${verdict}`
        : `Call #${call.id}: ${verdict}`,
  );
  title.setAttribute('role', 'status');
  header.append(title);
  const meta = element('p', 'call-meta');
  meta.append(
    element('code', 'call-statement', call.statement),
    element(
      'span',
      '',
      call.debugSource !== null
        ? ` · caller ${call.user} (task ${call.callerPid} of the debugging session’s own kernel, not the lab’s)`
        : ` · caller ${call.user} (task ${call.callerPid}${call.by === 'program' ? ', its own program' : ''}) · flags ${call.flags} · ckpt_restore_creds ${call.restoreCreds ?? 'not known'}`,
    ),
  );
  if (call.image !== null) meta.append(element('span', '', ` · image ${call.image}`));

  if (call.restored.length > 0)
    meta.append(
      element('span', '', ` · restored ${call.restored.map((pid) => `task ${pid}`).join(', ')}`),
    );
  header.append(meta);
  const subject = call.checks[0]?.subject;
  if (subject !== undefined) {
    const line = element('p', 'call-subject');
    line.append(
      element('span', 'label', l10n.t('Subject (the caller, the same for every check): ')),
      element('code', '', subject),
    );
    header.append(line);
  }
  if (call.replayWarning !== null) {
    const note = element('p', 'replay-warning', call.replayWarning);
    note.setAttribute('role', 'note');
    header.append(note);
  }
  const exports = element('div', 'call-exports');
  const markdown = button(
    l10n.t('Export Markdown'),
    () => callbacks.exportReport('markdown'),
    'secondary',
  );
  markdown.dataset['action'] = 'export-markdown';
  const json = button(l10n.t('Export JSON'), () => callbacks.exportReport('json'), 'secondary');
  json.dataset['action'] = 'export-json';
  exports.append(markdown, json);
  header.append(exports);
  return header;
}

/** The check table of `call`. Rows with a link open it on click or Enter. */
function checkTable(call: LabCallView, callbacks: ChecksCallbacks): HTMLElement {
  const decidingIndex = call.checks.findIndex((check) => check.result === 'fail');
  const grid = dataGrid(
    `Security checks of ${call.statement}, in the order the kernel made them`,
    ['#', 'Check', 'Result', 'Errno', 'Object', 'Reason', 'Models', 'Go to'],
    call.checks.map((check, index) => ({
      cells: [
        String(index + 1),
        check.id,
        marks[check.result],
        check.errno ?? '',
        check.object,
        check.reason,
        check.models,
        linkText(check),
      ],
      data: {
        index: String(index),
        result: check.result,
        check: check.id,
        ...(index === decidingIndex ? { deciding: 'true' } : {}),
        ...(check.link !== null ? { link: check.link } : {}),
      },
    })),
    '2.2em 10.5em 4.5em 4.5em minmax(7em, 1fr) minmax(14em, 2.6fr) minmax(9em, 1.2fr) 8em',
  );
  grid.classList.add('check-table');
  const rowOf = (target: EventTarget | null): HTMLElement | null =>
    target instanceof Element ? target.closest('vscode-data-grid-row') : null;
  const activate = (row: HTMLElement | null): void => {
    const index = row?.dataset['index'];
    if (index === undefined || row?.dataset['link'] === undefined) return;
    callbacks.openCheck(Number(index));
  };
  grid.addEventListener('click', (event) => activate(rowOf(event.target)));
  grid.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') activate(rowOf(event.target));
  });
  for (const row of grid.querySelectorAll<HTMLElement>('vscode-data-grid-row[data-deciding]')) {
    row.setAttribute(
      'aria-label',
      l10n.t('The deciding check: {0} failed', row.dataset['check'] ?? ''),
    );
  }
  return grid;
}

/** The whole checks tab. */
export function checksView(
  history: readonly LabCallSummaryView[],
  debuggerHistory: readonly LabCallSummaryView[],
  call: LabCallView | null,
  callbacks: ChecksCallbacks,
): HTMLElement {
  const root = element('div', 'checks-view');
  const lists = element('div', 'histories');
  lists.append(historyList(history, call, callbacks));
  if (debuggerHistory.length > 0) lists.append(historyList(debuggerHistory, call, callbacks, true));
  root.append(lists);
  const main = element('section', 'call');
  main.setAttribute('aria-label', l10n.t('Security checks'));
  if (call === null) {
    main.append(
      element(
        'p',
        'hint',
        'Checkpoint a task or restart an image: every security check of the call shows here, passed or failed, with errno and reason.',
      ),
    );
  } else {
    main.append(callHeader(call, callbacks));
    if (call.checks.length === 0) {
      main.append(element('p', 'hint', l10n.t('The call never reached the kernel’s checks.')));
    } else {
      const scroll = element('div', 'table-scroll');
      scroll.append(checkTable(call, callbacks));
      main.append(scroll);
    }
  }
  root.append(main);
  return root;
}

/** Scrolls the deciding check of a freshly shown table into view. */
export function revealDeciding(root: HTMLElement): void {
  const row = root.querySelector<HTMLElement>('vscode-data-grid-row[data-deciding]');
  row?.scrollIntoView({ block: 'nearest' });
}

export { tag };
