/**
 * The processes: pid namespaces (the root one and the containers, nested) and their tasks, as an
 * ARIA tree (a flat list of `treeitem` rows with levels). The arrow keys move, Left and Right
 * fold, Home and End jump; selection follows focus. Every text is set with textContent.
 */
import * as l10n from '@vscode/l10n';
import type { LabTaskView } from '../protocol';
import { tag } from '../ui/index';
import { element } from './dom';

/** One visible row of the tree. */
interface Row {
  readonly key: string;
  readonly level: number;
  readonly kind: 'namespace' | 'task';
  readonly pid: number;
  readonly parentKey: string | null;
}

export interface TreeCallbacks {
  select(pid: number): void;
  toggle(key: string): void;
}

function namespaceKey(init: number): string {
  return `ns:${init}`;
}

function taskKey(pid: number): string {
  return `task:${pid}`;
}

/** `task 7 · pid 1 in its namespace` */
function pidText(task: LabTaskView): string {
  const own = task.nsPids.at(-1) ?? task.pid;
  return own === task.pid ? String(task.pid) : `${task.pid} (${own})`;
}

function taskLabel(task: LabTaskView): string {
  const own = task.nsPids.at(-1) ?? task.pid;
  return [
    `task ${task.pid}${own !== task.pid ? `, pid ${own} in its namespace` : ''}`,
    task.comm,
    `user ${task.user}`,
    `uid ${task.cred.uid} euid ${task.cred.euid}`,
    task.state,
    task.name === null ? 'no name in the log' : `named ${task.name} in the log`,
  ].join(', ');
}

/** The rows in display order: each namespace, its tasks, then its child namespaces. */
function layout(
  tasks: readonly LabTaskView[],
  collapsed: ReadonlySet<string>,
): { rows: Row[]; byPid: Map<number, LabTaskView> } {
  const byPid = new Map(tasks.map((task) => [task.pid, task]));
  const members = new Map<number, LabTaskView[]>();
  for (const task of tasks) {
    const list = members.get(task.namespaceInit) ?? [];
    list.push(task);
    members.set(task.namespaceInit, list);
  }
  const parentOf = (init: number): number => {
    const task = byPid.get(init);
    const parent = task === undefined ? undefined : byPid.get(task.ppid);
    return parent?.namespaceInit ?? 1;
  };
  const children = new Map<number, number[]>();
  for (const init of members.keys()) {
    if (init === 1) continue;
    const parent = parentOf(init);
    const list = children.get(parent) ?? [];
    list.push(init);
    children.set(parent, list);
  }
  const rows: Row[] = [];
  const visit = (init: number, level: number, parentKey: string | null): void => {
    const key = namespaceKey(init);
    rows.push({ key, level, kind: 'namespace', pid: init, parentKey });
    if (collapsed.has(key)) return;
    for (const task of (members.get(init) ?? []).sort((a, b) => a.pid - b.pid)) {
      rows.push({
        key: taskKey(task.pid),
        level: level + 1,
        kind: 'task',
        pid: task.pid,
        parentKey: key,
      });
    }
    for (const child of (children.get(init) ?? []).sort((a, b) => a - b))
      visit(child, level + 1, key);
  };
  visit(1, 1, null);
  return { rows, byPid };
}

function namespaceRow(
  row: Row,
  byPid: Map<number, LabTaskView>,
  tasks: readonly LabTaskView[],
  collapsed: boolean,
): HTMLElement {
  const node = element('div', 'tree-row namespace-row');
  const count = tasks.filter((task) => task.namespaceInit === row.pid).length;
  const init = byPid.get(row.pid);
  const title =
    row.pid === 1
      ? 'Root pid namespace'
      : init?.container !== null && init?.container !== undefined
        ? `Container ${init.container}`
        : 'Pid namespace';
  const detail = row.pid === 1 ? `${count} tasks` : `init task ${row.pid} · ${count} tasks`;
  node.append(
    element('span', 'twisty', collapsed ? '▸' : '▾'),
    element('span', 'ns-title', title),
    element('span', 'ns-detail', detail),
  );
  node.setAttribute('aria-expanded', String(!collapsed));
  node.setAttribute('aria-label', `${title}, ${detail}`);
  return node;
}

function taskRow(task: LabTaskView): HTMLElement {
  const node = element('div', `tree-row task-row state-${task.state}`);
  node.dataset['pid'] = String(task.pid);
  node.append(
    element('span', 'task-pid', pidText(task)),
    element('span', 'task-comm', task.comm),
    element('span', 'task-user', task.user),
    element('span', 'task-ids', l10n.t('uid {0} euid {1}', task.cred.uid, task.cred.euid)),
    tag(task.state),
  );
  if (task.container !== null)
    node.append(element('span', 'task-container', l10n.t('container {0}', task.container)));
  node.setAttribute('aria-label', taskLabel(task));
  return node;
}

/**
 * Renders the tree. `focusKey` is the row to give keyboard focus to (the one that had it before
 * a re-render), if any.
 */
export function processTree(
  tasks: readonly LabTaskView[],
  collapsedKeys: readonly string[],
  selectedPid: number | null,
  focusKey: string | null,
  callbacks: TreeCallbacks,
): HTMLElement {
  const collapsed = new Set(collapsedKeys);
  const { rows, byPid } = layout(tasks, collapsed);
  const tree = element('div', 'process-tree');
  tree.setAttribute('role', 'tree');
  tree.setAttribute('aria-label', l10n.t('Pid namespaces and tasks'));
  const nodes: HTMLElement[] = [];
  const selectedKey = selectedPid === null ? null : taskKey(selectedPid);
  const tabStop = rows.some((row) => row.key === selectedKey)
    ? selectedKey
    : (rows[0]?.key ?? null);
  for (const row of rows) {
    const node =
      row.kind === 'namespace'
        ? namespaceRow(row, byPid, tasks, collapsed.has(row.key))
        : taskRow(byPid.get(row.pid) as LabTaskView);
    node.setAttribute('role', 'treeitem');
    node.setAttribute('aria-level', String(row.level));
    node.dataset['key'] = row.key;
    node.style.setProperty('--level', String(row.level - 1));
    node.tabIndex = row.key === tabStop ? 0 : -1;
    if (row.kind === 'task') node.setAttribute('aria-selected', String(row.key === selectedKey));
    node.addEventListener('click', () => {
      if (row.kind === 'namespace') callbacks.toggle(row.key);
      else callbacks.select(row.pid);
    });
    nodes.push(node);
    tree.append(node);
  }
  const move = (index: number): void => {
    const target = nodes[Math.max(0, Math.min(nodes.length - 1, index))];
    const row = rows[nodes.indexOf(target as HTMLElement)];
    if (target === undefined || row === undefined) return;
    for (const node of nodes) node.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
    if (row.kind === 'task') callbacks.select(row.pid);
  };
  tree.addEventListener('keydown', (event) => {
    const current = nodes.indexOf(document.activeElement as HTMLElement);
    const row = rows[current];
    if (row === undefined) return;
    const handled = ((): boolean => {
      switch (event.key) {
        case 'ArrowDown':
          move(current + 1);
          return true;
        case 'ArrowUp':
          move(current - 1);
          return true;
        case 'Home':
          move(0);
          return true;
        case 'End':
          move(nodes.length - 1);
          return true;
        case 'ArrowRight':
          if (row.kind === 'namespace' && collapsed.has(row.key)) callbacks.toggle(row.key);
          else move(current + 1);
          return true;
        case 'ArrowLeft':
          if (row.kind === 'namespace' && !collapsed.has(row.key)) callbacks.toggle(row.key);
          else if (row.parentKey !== null)
            move(rows.findIndex((candidate) => candidate.key === row.parentKey));
          return true;
        case 'Enter':
        case ' ':
          if (row.kind === 'namespace') callbacks.toggle(row.key);
          else callbacks.select(row.pid);
          return true;
        default:
          return false;
      }
    })();
    if (handled) event.preventDefault();
  });
  if (focusKey !== null) {
    const again = nodes.find((node) => node.dataset['key'] === focusKey);
    if (again !== undefined) {
      for (const node of nodes) node.tabIndex = -1;
      again.tabIndex = 0;
      queueMicrotask(() => again.focus());
    }
  }
  return tree;
}
