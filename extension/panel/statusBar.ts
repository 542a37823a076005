/**
 * The lab in the status bar: how many tasks run and how the last call went
 * (`$(pass) restart`, `$(error) EPERM restart.creds.uid`); a click shows its checks. Also keeps
 * the context keys that hide commands where they cannot apply.
 */
import * as vscode from 'vscode';
import type { LabService } from '../session/labService';

/** The status bar text of the session, e.g. `$(server-process) 3 tasks  $(error) EPERM restart.creds.uid`. */
export function statusText(lab: LabService): { text: string; tooltip: string } {
  const session = lab.session;
  const live = session.tasks().filter((task) => task.state !== 'zombie' && task.pid !== 1).length;
  const tasks = live === 1 ? vscode.l10n.t('1 task') : vscode.l10n.t('{0} tasks', live);
  const last = session.history.at(-1);
  if (last === undefined) {
    return {
      text: `$(server-process) ${tasks}`,
      tooltip: vscode.l10n.t('Checkpoint/Restart Lab: {0}, no call yet', tasks),
    };
  }
  const failed = last.checks.find((check) => check.result === 'fail');
  const result =
    last.errno === null
      ? `$(pass) ${last.call}`
      : `$(error) ${last.errno}${failed !== undefined ? ` ${failed.id}` : ` ${last.call}`}`;
  return {
    text: `$(server-process) ${tasks}  ${result}`,
    tooltip: vscode.l10n.t(
      'Checkpoint/Restart Lab: {0}. Last call: {1} — click to see its security checks',
      tasks,
      last.statement,
    ),
  };
}

/** The status bar item and the `crlab.lab.*` context keys, kept in step with the session. */
export function registerLabStatus(lab: LabService): vscode.Disposable {
  const item = vscode.window.createStatusBarItem(
    'crlab.lab.status',
    vscode.StatusBarAlignment.Left,
    10,
  );
  item.name = vscode.l10n.t('Checkpoint/Restart Lab');
  item.command = 'crlab.lab.showChecks';
  const update = (): void => {
    const { text, tooltip } = statusText(lab);
    item.text = text;
    item.tooltip = tooltip;
    item.accessibilityInformation = {
      label: tooltip.replace(/\$\([a-z-]+\)/g, ''),
      role: 'button',
    };
    item.show();
    const tasks = lab.session
      .tasks()
      .filter((task) => task.name !== null && task.state !== 'zombie');
    void vscode.commands.executeCommand('setContext', 'crlab.lab.hasTasks', tasks.length > 0);
    void vscode.commands.executeCommand(
      'setContext',
      'crlab.lab.hasFrozenTasks',
      tasks.some((task) => task.state === 'frozen'),
    );
    void vscode.commands.executeCommand(
      'setContext',
      'crlab.lab.hasCalls',
      lab.session.history.length > 0,
    );
  };
  update();
  return vscode.Disposable.from(
    item,
    lab.onDidChange((change) => {
      if (change.kind !== 'focus') update();
    }),
  );
}
