/**
 * The questions the lab's commands ask when their answers are not given as arguments: quick
 * picks that describe their items (users with uid and groups, tasks with pid, comm and uid,
 * images with task count and signature state) and input boxes with defaults.
 */
import * as vscode from 'vscode';
import type { LabImage, LabSession, LabTask, RunMode } from '../lab/session';
import { stepOptions } from '../quickInputSteps';
import { kernelFileUri } from '../session/labFiles';

interface Item<T> extends vscode.QuickPickItem {
  readonly value: T;
}

async function pick<T>(
  items: readonly Item<T>[],
  options: vscode.QuickPickOptions,
): Promise<T | undefined> {
  const chosen = await vscode.window.showQuickPick(items, {
    matchOnDescription: true,
    ...stepOptions,
    ...options,
  });
  return chosen?.value;
}

/** `uid 500, groups hallyn` */
export function describeUser(session: LabSession, name: string): string {
  const user = session.users().find((entry) => entry.name === name);
  if (user === undefined) return '';
  return vscode.l10n.t('uid {0}, groups {1}', user.uid, user.groups.join(', '));
}

export function pickUser(session: LabSession, title: string): Promise<string | undefined> {
  return pick(
    session.users().map((user) => ({
      label: user.name,
      description: describeUser(session, user.name),
      value: user.name,
    })),
    { title, placeHolder: vscode.l10n.t('The user whose task makes the call') },
  );
}

/** `pid 7 · passwd · uid 500 euid 0 · sleeping` */
export function describeTask(task: LabTask): string {
  const own = task.nsPids.at(-1) ?? task.pid;
  return [
    own !== task.pid
      ? vscode.l10n.t('pid {0} (pid {1} in its namespace)', task.pid, own)
      : vscode.l10n.t('pid {0}', task.pid),
    task.comm,
    vscode.l10n.t('uid {0} euid {1}', task.cred.uid, task.cred.euid),
    task.state,
    ...(task.container !== null ? [vscode.l10n.t('container {0}', task.container)] : []),
  ].join(' · ');
}

/** Live tasks the log can name, filtered. */
export function nameableTasks(session: LabSession, filter: (task: LabTask) => boolean): LabTask[] {
  return session.tasks().filter((task) => task.name !== null && filter(task));
}

export function pickTask(
  session: LabSession,
  title: string,
  filter: (task: LabTask) => boolean = () => true,
): Promise<number | undefined> {
  const tasks = nameableTasks(session, filter);
  if (tasks.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No task of the lab session fits: spawn one first.'),
    );
    return Promise.resolve(undefined);
  }
  return pick(
    tasks.map((task) => ({
      label: task.name ?? task.comm,
      description: describeTask(task),
      detail: task.exe,
      value: task.pid,
    })),
    { title, placeHolder: vscode.l10n.t('A task of the lab session') },
  );
}

/** `1 task · signed, verifies` */
export function describeImage(image: LabImage): string {
  if (image.tasks === null) return vscode.l10n.t('not a valid image: {0}', image.problem ?? '');
  const signature = {
    none: vscode.l10n.t('not signed'),
    valid: vscode.l10n.t('signed, verifies with the machine key'),
    invalid: vscode.l10n.t('signed, does NOT verify'),
  }[image.signature ?? 'none'];
  return [
    image.tasks === 1 ? vscode.l10n.t('1 task') : vscode.l10n.t('{0} tasks', image.tasks),
    signature,
    vscode.l10n.t('{0} bytes', image.size),
  ].join(' · ');
}

/** An image: a kernel path, or a workspace file URI. */
export type ImageChoice = { kind: 'kernel'; path: string } | { kind: 'file'; uri: vscode.Uri };

export async function pickImage(
  session: LabSession,
  title: string,
): Promise<ImageChoice | undefined> {
  const kernelItems: Item<ImageChoice>[] = session.images().map((image) => ({
    label: `$(server-process) ${image.path}`,
    description: describeImage(image),
    detail: vscode.l10n.t('in the lab kernel'),
    value: { kind: 'kernel', path: image.path },
  }));
  const files = await vscode.workspace.findFiles('**/*.crimg', '**/node_modules/**', 500);
  files.sort((a, b) => a.path.localeCompare(b.path));
  const fileItems: Item<ImageChoice>[] = files.map((uri) => ({
    label: `$(file-binary) ${vscode.workspace.asRelativePath(uri)}`,
    description: vscode.l10n.t('workspace file'),
    detail: vscode.l10n.t('brought into the lab kernel when chosen'),
    value: { kind: 'file', uri },
  }));
  const separator = (label: string): Item<ImageChoice> =>
    ({ label, kind: vscode.QuickPickItemKind.Separator }) as unknown as Item<ImageChoice>;
  const items = [
    ...(kernelItems.length > 0 ? [separator(vscode.l10n.t('Kernel')), ...kernelItems] : []),
    ...(fileItems.length > 0 ? [separator(vscode.l10n.t('Workspace')), ...fileItems] : []),
  ];
  if (items.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No checkpoint image in the lab kernel or the workspace yet.'),
    );
    return undefined;
  }
  return pick(items, { title, placeHolder: vscode.l10n.t('A checkpoint image') });
}

/** Flags by name; resolves to their OR (0 for none), or undefined when dismissed. */
export async function pickFlags(
  names: Readonly<Record<string, number>>,
  prefix: string,
  title: string,
  descriptions: Readonly<Record<string, string>>,
): Promise<number | undefined> {
  const picked = await vscode.window.showQuickPick(
    Object.entries(names).map(([name, bit]) => ({
      label: `${prefix}${name}`,
      description: `0x${bit.toString(16)}`,
      detail: descriptions[name] ?? '',
      bit,
    })),
    {
      title,
      canPickMany: true,
      placeHolder: vscode.l10n.t('None for a plain call'),
      ...stepOptions,
    },
  );
  return picked?.reduce((all, item) => all | item.bit, 0);
}

export async function pickProgram(session: LabSession): Promise<string | undefined> {
  return pick(
    session.programs().map((program) => ({
      label: program.path,
      description:
        (program.mode & 0o4000) !== 0
          ? vscode.l10n.t('runs {0} · setuid {1}', program.program, session.userName(program.owner))
          : vscode.l10n.t('runs {0}', program.program),
      value: program.path,
    })),
    {
      title: vscode.l10n.t('Spawn which program?'),
      placeHolder: vscode.l10n.t('An executable file of the world'),
    },
  );
}

/** Where a spawned task starts: the root namespace, a new container, or an existing one. */
export async function pickWhere(session: LabSession): Promise<string | undefined> {
  const containers = session.tasks().filter((task) => task.container !== null);
  return pick(
    [
      {
        label: vscode.l10n.t('In the root pid namespace'),
        description: vscode.l10n.t('a child of init'),
        value: 'root',
      },
      {
        label: vscode.l10n.t('As the init of a new container'),
        description: vscode.l10n.t('pid 1 of a new pid namespace'),
        value: 'new',
      },
      ...containers.map((task) => ({
        label: vscode.l10n.t('In container {0}', task.container ?? ''),
        description: describeTask(task),
        value: task.container ?? '',
      })),
    ],
    { title: vscode.l10n.t('Start it where?') },
  );
}

/** How far to run a task. */
export async function pickRunMode(session: LabSession, pid: number): Promise<RunMode | undefined> {
  const labels = session.stopsOf(pid).labels;
  const choice = await pick<string>(
    [
      { label: vscode.l10n.t('One step'), description: 'run TASK 1 step', value: 'step' },
      { label: vscode.l10n.t('Some steps…'), description: 'run TASK N steps', value: 'steps' },
      {
        label: vscode.l10n.t('Until a system call…'),
        description: 'run TASK until syscall NAME',
        value: 'syscall',
      },
      ...(labels.length > 0
        ? [
            {
              label: vscode.l10n.t('Until a label…'),
              description: labels.join(', '),
              value: 'label',
            },
          ]
        : []),
      {
        label: vscode.l10n.t('To the end'),
        description: vscode.l10n.t('until it exits or blocks, at most 10000 steps'),
        value: 'end',
      },
    ],
    { title: vscode.l10n.t('Run how far?') },
  );
  switch (choice) {
    case undefined:
      return undefined;
    case 'step':
      return { kind: 'steps', steps: 1 };
    case 'end':
      return { kind: 'end' };
    case 'steps': {
      const text = await vscode.window.showInputBox({
        title: vscode.l10n.t('Run how many steps?'),
        value: '10',
        ...stepOptions,
        validateInput: (value) =>
          /^[1-9][0-9]{0,5}$/.test(value.trim())
            ? null
            : vscode.l10n.t('A number from 1 to 999999'),
      });
      return text === undefined ? undefined : { kind: 'steps', steps: Number(text.trim()) };
    }
    case 'label': {
      const label = await pick(
        labels.map((name) => ({ label: name, value: name })),
        { title: vscode.l10n.t('Until which label?') },
      );
      return label === undefined ? undefined : { kind: 'label', label };
    }
    default: {
      const syscall = await pick(
        ['checkpoint', 'restart', 'open', 'write', 'fork', 'exec', 'exit', 'print', 'sleep'].map(
          (name) => ({ label: name, value: name }),
        ),
        { title: vscode.l10n.t('Until which system call?') },
      );
      return syscall === undefined ? undefined : { kind: 'syscall', syscall };
    }
  }
}

/** The URI a kernel image opens under (read-only). */
export function kernelImageUri(path: string): vscode.Uri {
  return kernelFileUri(path);
}
