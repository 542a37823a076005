/**
 * The Checkpoint/Restart panel's webview. After the ready handshake the host sends the whole lab
 * state on every change; this page shows it — processes, the selected task, the security checks
 * of the calls, who may restart an image, the kernel's settings and console — and posts back
 * what the person asks for. It never changes the lab itself, and sets every text from the lab
 * with textContent.
 */
import * as l10n from '@vscode/l10n';
import {
  isHostToLabPanelMessage,
  type LabPanelToHostMessage,
  type LabSessionAction,
  type LabStateView,
} from '../protocol';
import { button, progressRing, registerComponents, tabs } from '../ui/index';
import { checksView, revealDeciding } from './checks';
import { element } from './dom';
import { kernelView } from './kernelView';
import { matrixView } from './matrix';
import { processTree } from './processTree';
import { loadUiState, saveUiState, vscodeApi, type PanelTab, type PanelUiState } from './state';
import { taskDetails } from './taskDetails';
import { loadStrings } from '../l10n';
import './style.css';

// The extension's strings in the display language (on <body data-l10n>), before anything renders.
loadStrings(document.body);

registerComponents();

const root = document.getElementById('app');
if (!root) throw new Error('the page has no #app element');
const app: HTMLElement = root;

let ui: PanelUiState = loadUiState();
let state: LabStateView | null = null;
let knownPids = new Set<number>();

function post(message: LabPanelToHostMessage): void {
  vscodeApi.postMessage(message);
}

function updateUi(change: Partial<PanelUiState>): void {
  ui = { ...ui, ...change };
  saveUiState(ui);
}

// ---- the fixed frame: toolbar, three columns, tabs --------------------------------------------

const toolbar = element('div', 'toolbar');
toolbar.setAttribute('role', 'toolbar');
toolbar.setAttribute('aria-label', l10n.t('Lab session'));
const sessionButtons: [string, LabSessionAction][] = [
  ['Spawn…', 'spawn'],
  ['Restart…', 'restart'],
  ['Who May Restart…', 'whoMayRestart'],
  ['Load Scenario…', 'loadScenario'],
  ['New Session', 'newSession'],
  ['Save as Scenario…', 'saveAsScenario'],
  ['Session Log', 'showLog'],
];
for (const [text, action] of sessionButtons) {
  const control = button(
    text,
    () => post({ type: 'sessionAction', action }),
    action === 'spawn' || action === 'restart' ? 'primary' : 'secondary',
  );
  control.dataset['action'] = action;
  toolbar.append(control);
}
const status = element('span', 'session-status');
status.setAttribute('role', 'status');
toolbar.append(status);

const processes = element('section', 'processes');
processes.setAttribute('aria-label', l10n.t('Processes'));
const processesTitle = element('h2', 'column-title', l10n.t('Processes'));
const treeSlot = element('div', 'tree-slot');
processes.append(processesTitle, treeSlot);
const details = element('div', 'details-slot');

const checksSlot = element('div', 'tab-content checks-slot');
const matrixSlot = element('div', 'tab-content matrix-slot');
const kernelSlot = element('div', 'tab-content kernel-slot');
const tabbed = tabs(
  'Security checks, who may restart, kernel',
  [
    { id: 'checks', title: 'Security Checks', content: checksSlot },
    { id: 'matrix', title: 'Who May Restart', content: matrixSlot },
    { id: 'kernel', title: 'Kernel', content: kernelSlot },
  ],
  ui.tab,
  (id) => {
    if (id === 'checks' || id === 'matrix' || id === 'kernel') updateUi({ tab: id });
  },
);
const right = element('section', 'right');
right.setAttribute('aria-label', l10n.t('Checks and kernel'));
right.append(tabbed.element);

const columns = element('div', 'columns');
columns.append(processes, details, right);
app.replaceChildren(toolbar, columns);
app.removeAttribute('aria-busy');

// ---- rendering ----------------------------------------------------------------------------------

/** The `data-focus` of the element that has focus, to give it back after a re-render. */
function focusedId(): string | null {
  // Only a page that has the focus gives it back: focusing an element of a page that does not
  // would take the focus from the workbench (and close a quick pick the person is answering).
  if (!document.hasFocus()) return null;
  const active = document.activeElement;
  if (!(active instanceof HTMLElement)) return null;
  return active.closest<HTMLElement>('[data-focus]')?.dataset['focus'] ?? null;
}

function restoreFocus(id: string | null): void {
  if (id === null) return;
  const again = [...app.querySelectorAll<HTMLElement>('[data-focus]')].find(
    (node) => node.dataset['focus'] === id,
  );
  if (again !== undefined && document.activeElement !== again) again.focus();
}

/** Marks every focusable control a render creates with a stable `data-focus`. */
function tagFocusables(container: HTMLElement, prefix: string): void {
  for (const node of container.querySelectorAll<HTMLElement>(
    '[data-action], [data-sysctl] vscode-dropdown, [data-call-id]',
  )) {
    const parts = [
      prefix,
      node.dataset['action'] ?? '',
      node.dataset['image'] ?? node.closest<HTMLElement>('[data-path]')?.dataset['path'] ?? '',
      node.closest<HTMLElement>('[data-sysctl]')?.dataset['sysctl'] ?? '',
      node.dataset['callId'] ?? '',
    ];
    node.dataset['focus'] = parts.join(':');
  }
}

function renderTree(current: LabStateView, focus: string | null): void {
  const focusKey = focus?.startsWith('tree:') === true ? focus.slice(5) : null;
  const tree = processTree(current.tasks, ui.collapsed, ui.selectedPid, focusKey, {
    select: (pid) => {
      if (ui.selectedPid === pid) return;
      updateUi({ selectedPid: pid });
      const now = focusedId();
      renderTree(current, now);
      renderDetails(current);
    },
    toggle: (key) => {
      const collapsed = new Set(ui.collapsed);
      if (collapsed.has(key)) collapsed.delete(key);
      else collapsed.add(key);
      updateUi({ collapsed: [...collapsed] });
      renderTree(current, `tree:${key}`);
    },
  });
  for (const row of tree.querySelectorAll<HTMLElement>('[data-key]')) {
    row.dataset['focus'] = `tree:${row.dataset['key'] ?? ''}`;
  }
  treeSlot.replaceChildren(tree);
  const live = current.tasks.filter((task) => task.state !== 'exited').length;
  processesTitle.textContent = l10n.t('Processes ({0} live)', live);
}

function renderDetails(current: LabStateView): void {
  const task = current.tasks.find((entry) => entry.pid === ui.selectedPid);
  const node = taskDetails(task, task !== undefined && ui.mappings.includes(task.pid), {
    act: (action, pid) => post({ type: 'taskAction', action, pid }),
    toggleMappings: (pid) => {
      const shown = new Set(ui.mappings);
      if (shown.has(pid)) shown.delete(pid);
      else shown.add(pid);
      updateUi({ mappings: [...shown] });
      const focus = focusedId();
      renderDetails(current);
      restoreFocus(focus);
    },
  });
  tagFocusables(node, 'task');
  details.replaceChildren(node);
}

function renderTabs(current: LabStateView): void {
  const checks = checksView(current.history, current.debuggerHistory, current.call, {
    selectCall: (id, fromDebugger) =>
      post(fromDebugger ? { type: 'selectCall', id, debugger: true } : { type: 'selectCall', id }),
    openCheck: (index) => post({ type: 'openCheck', index }),
    exportReport: (format) => post({ type: 'exportReport', format }),
  });
  tagFocusables(checks, 'checks');
  checksSlot.replaceChildren(checks);
  const matrix = matrixView(current.matrix, current.images, {
    openCell: (user, mode) => post({ type: 'selectMatrixCell', user, mode }),
    chooseImage: () => post({ type: 'sessionAction', action: 'whoMayRestart' }),
    whoMayRestart: (path) => post({ type: 'imageAction', action: 'whoMayRestart', path }),
  });
  tagFocusables(matrix, 'matrix');
  matrixSlot.replaceChildren(matrix);
  const kernel = kernelView(current, {
    setSysctl: (name, value) => post({ type: 'setSysctl', name, value }),
    setLsm: (policy, lines) => post({ type: 'setLsm', policy, lines }),
    imageAction: (action, path) => post({ type: 'imageAction', action, path }),
  });
  tagFocusables(kernel, 'kernel');
  kernelSlot.replaceChildren(kernel);
}

function renderStatus(current: LabStateView): void {
  const parts = [
    current.origin === null ? 'Default world' : `From ${current.origin}`,
    `${current.actions} action${current.actions === 1 ? '' : 's'}`,
    `${current.history.length} call${current.history.length === 1 ? '' : 's'}`,
  ];
  if (current.failedExpectations > 0)
    parts.push(`${current.failedExpectations} failed expectation(s) in the loaded scenario`);
  status.replaceChildren(element('span', '', parts.join(' · ')));
  if (current.busy !== null)
    status.append(progressRing(current.busy), element('span', 'busy', current.busy));
}

/**
 * The deciding check is brought into view whenever a call comes to be shown (a new call, one
 * chosen from a list, the first state after the page loads), once the table has a size: a call
 * that arrives while the view is hidden (a debugging session's, with the Debug Console in front)
 * or while another tab is shown is scrolled to when its table appears.
 */
let decidingPending = false;
let shownCallKey: string | null = null;

function callKey(next: LabStateView): string | null {
  const call = next.call;
  if (call === null) return null;
  const probe = call.probe === null ? '' : `${call.probe.user}/${call.probe.mode}`;
  return `${call.debugSource ?? ''}#${call.id}#${probe}#${call.checks.length}`;
}

function flushDeciding(): void {
  if (!decidingPending || checksSlot.offsetHeight === 0) return;
  decidingPending = false;
  revealDeciding(checksSlot);
}

new ResizeObserver(() => flushDeciding()).observe(checksSlot);

function render(next: LabStateView): void {
  const focus = focusedId();
  const key = callKey(next);
  if (key !== null && key !== shownCallKey) decidingPending = true;
  shownCallKey = key;
  // A task that appeared (spawned, restored) becomes the selected one.
  const fresh = next.tasks.filter((task) => !knownPids.has(task.pid) && task.name !== null);
  if (state !== null && fresh.length > 0)
    ui = { ...ui, selectedPid: fresh.at(-1)?.pid ?? ui.selectedPid };
  if (ui.selectedPid !== null && !next.tasks.some((task) => task.pid === ui.selectedPid))
    ui = { ...ui, selectedPid: null };
  saveUiState(ui);
  knownPids = new Set(next.tasks.map((task) => task.pid));
  state = next;
  renderStatus(next);
  renderTree(next, focus);
  renderDetails(next);
  renderTabs(next);
  restoreFocus(focus);
  requestAnimationFrame(flushDeciding);
}

function reveal(section: PanelTab | 'processes'): void {
  if (section === 'processes') {
    treeSlot.querySelector<HTMLElement>('[tabindex="0"]')?.focus();
    return;
  }
  tabbed.select(section);
  updateUi({ tab: section });
  if (section === 'checks') {
    decidingPending = true;
    requestAnimationFrame(flushDeciding);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToLabPanelMessage(message)) return;
  switch (message.type) {
    case 'labState':
      if (state !== null && message.state.version <= state.version) return;
      render(message.state);
      break;
    case 'reveal':
      reveal(message.section);
      break;
  }
});

post({ type: 'ready' });
