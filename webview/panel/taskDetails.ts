/**
 * The selected task: its actions (step, run, freeze or thaw, checkpoint), credentials,
 * capabilities by name, descriptors, mappings on demand and variables.
 */
import * as l10n from '@vscode/l10n';
import type { LabTaskAction, LabTaskView } from '../protocol';
import { button } from '../ui/index';
import { element, hex } from './dom';

export interface TaskDetailsCallbacks {
  act(action: LabTaskAction, pid: number): void;
  toggleMappings(pid: number): void;
}

function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): HTMLElement {
  const node = element('table', 'facts-table');
  node.append(element('caption', '', caption));
  const head = element('tr', '');
  for (const header of headers) {
    const cell = element('th', '', header);
    cell.scope = 'col';
    head.append(cell);
  }
  node.append(element('thead', ''));
  node.tHead?.append(head);
  const body = element('tbody', '');
  for (const row of rows) {
    const line = element('tr', '');
    for (const text of row) line.append(element('td', '', text));
    body.append(line);
  }
  node.append(body);
  return node;
}

function facts(entries: readonly (readonly [string, string])[]): HTMLElement {
  const list = element('dl', 'facts');
  for (const [term, value] of entries) {
    const item = element('div', 'fact');
    item.append(element('dt', '', term), element('dd', '', value));
    list.append(item);
  }
  return list;
}

function caps(names: readonly string[]): string {
  if (names.length === 1 && names[0] === 'all') return 'all (CAP_CHOWN … CAP_MAC_ADMIN)';
  return names.length === 0 ? 'none' : names.join(', ');
}

/** The details of `task`, or a hint when nothing is selected. */
export function taskDetails(
  task: LabTaskView | undefined,
  showMappings: boolean,
  callbacks: TaskDetailsCallbacks,
): HTMLElement {
  const root = element('section', 'task-details');
  root.setAttribute('aria-label', l10n.t('Selected task'));
  if (task === undefined) {
    root.append(
      element(
        'p',
        'hint',
        'Select a task to see its credentials, descriptors and mappings, and to step, run, freeze or checkpoint it.',
      ),
    );
    return root;
  }
  const own = task.nsPids.at(-1) ?? task.pid;
  root.append(
    element(
      'h3',
      'task-title',
      `${task.comm} — task ${task.pid}${own !== task.pid ? ` (pid ${own} in its namespace)` : ''}`,
    ),
  );
  const live = task.state !== 'exited' && task.name !== null;
  const actions = element('div', 'task-actions');
  actions.setAttribute('role', 'toolbar');
  actions.setAttribute('aria-label', l10n.t('Actions on task {0}', task.pid));
  const add = (text: string, action: LabTaskAction, enabled: boolean): void => {
    const control = button(text, () => callbacks.act(action, task.pid), 'secondary');
    control.dataset['action'] = action;
    if (!enabled) {
      control.setAttribute('disabled', '');
      control.setAttribute('aria-disabled', 'true');
    }
    actions.append(control);
  };
  add('Step', 'step', live);
  add('Run…', 'run', live);
  if (task.state === 'frozen') add('Thaw', 'thaw', live);
  else add('Freeze', 'freeze', live);
  add('Checkpoint…', 'checkpoint', live);
  root.append(actions);
  if (task.name === null && task.state !== 'exited') {
    root.append(
      element(
        'p',
        'hint',
        'The scenario language has no name for this task (a forked child, or an older task whose comm a newer one took), so the lab cannot act on it.',
      ),
    );
  }
  root.append(
    facts([
      ['Name in the log', task.name ?? '—'],
      ['Executable', task.exe || '—'],
      ['Program', `${task.program || '—'} (pc ${task.pc})`],
      ['State', task.exitCode !== null ? `${task.state} (status ${task.exitCode})` : task.state],
      ['User', task.user],
      ['Parent', task.ppid === 0 ? '—' : `task ${task.ppid}`],
      ['Pids', task.nsPids.join(' → ')],
      ['Dumpable', task.dumpable ? 'yes' : 'no'],
      ['LSM label', task.label ?? '—'],
    ]),
  );
  const cred = task.cred;
  root.append(
    table(
      'Credentials',
      ['', 'real', 'effective', 'saved', 'filesystem'],
      [
        ['uid', String(cred.uid), String(cred.euid), String(cred.suid), String(cred.fsuid)],
        ['gid', String(cred.gid), String(cred.egid), String(cred.sgid), String(cred.fsgid)],
      ],
    ),
  );
  root.append(
    facts([
      ['Groups', cred.groups.join(', ') || 'none'],
      ['Effective capabilities', caps(cred.effective)],
      ['Permitted', caps(cred.permitted)],
      ['Inheritable', caps(cred.inheritable)],
      ['Bounding set', caps(cred.bounding)],
      ['Securebits', hex(cred.securebits)],
    ]),
  );
  root.append(
    table(
      'Open descriptors',
      ['fd', 'path', 'mode', 'offset', 'flags'],
      task.fds.map((fd) => [
        String(fd.fd),
        fd.path,
        fd.mode,
        String(fd.offset),
        `${fd.flags}${fd.closeOnExec ? ' (close-on-exec)' : ''}`,
      ]),
    ),
  );
  const toggle = button(
    showMappings ? `Hide ${task.vmaCount} mappings` : `Show ${task.vmaCount} mappings`,
    () => callbacks.toggleMappings(task.pid),
    'secondary',
  );
  toggle.setAttribute('aria-expanded', String(showMappings));
  toggle.dataset['action'] = 'mappings';
  root.append(toggle);
  if (showMappings) {
    root.append(
      table(
        task.vmaCount > task.vmas.length
          ? `Mappings (the first ${task.vmas.length} of ${task.vmaCount})`
          : 'Mappings',
        ['start', 'end', 'perms', 'file', 'resident pages'],
        task.vmas.map((vma) => [
          vma.start,
          vma.end,
          vma.perms,
          vma.file ?? '[anon]',
          String(vma.residentPages),
        ]),
      ),
    );
  }
  if (task.vars.length > 0) {
    root.append(
      table(
        'Program variables (read from task memory)',
        ['name', 'value'],
        task.vars.map((entry) => [entry.name, String(entry.value)]),
      ),
    );
  }
  return root;
}
