/**
 * The lab's palette commands (`crlab.lab.*`), each a small factory over the {@link LabService}.
 * Every command takes its answers as arguments (keybindings, tests, other extensions and the
 * panel call them that way) and asks only for what it was not given. Each returns what it did,
 * so callers can act on it.
 */
import * as vscode from 'vscode';
import { CheckpointFlag, RestartFlag, isSysctlName, sysctlValues } from '../kernel/index';
import { matrixCellCall, type RestartMatrix } from '../lab/restart-matrix';
import { callReport, type ReportFormat } from '../lab/session-report';
import { LabError, type LabActionResult, type LabCall, type RunMode } from '../lab/session';
import { isExternalLabCall } from '../lab/session-external';
import type { LabService } from '../session/labService';
import { kernelPathOf, sessionLogUri } from '../session/labFiles';
import {
  pickFlags,
  pickImage,
  pickProgram,
  pickRunMode,
  pickTask,
  pickUser,
  pickWhere,
  type ImageChoice,
} from './picks';
import { stepOptions } from '../quickInputSteps';

/** A command's callback. */
export type LabCommand = (...args: unknown[]) => Promise<unknown>;

/** What the commands need: the session, and a way to bring the panel into view. */
export interface LabCommandContext {
  readonly lab: LabService;
  /** Shows the Checkpoint/Restart panel (without taking focus when `preserveFocus`). */
  readonly revealPanel: (preserveFocus: boolean) => Promise<void>;
}

const checkpointFlagHelp: Record<string, string> = {
  SUBTREE: 'CHECKPOINT_SUBTREE: the target need not be a container init (no leak check)',
};

const restartFlagHelp: Record<string, string> = {
  TASKSELF: 'RESTART_TASKSELF: the calling task itself becomes the (single) restored task',
  FROZEN: 'RESTART_FROZEN: the restored tasks stay frozen',
  KEEP_LSM: 'RESTART_KEEP_LSM: restore the LSM labels the image saved (checked against policy)',
};

function isRunMode(value: unknown): value is RunMode {
  if (typeof value !== 'object' || value === null) return false;
  const mode = value as Record<string, unknown>;
  switch (mode['kind']) {
    case 'steps':
      return typeof mode['steps'] === 'number';
    case 'label':
      return typeof mode['label'] === 'string';
    case 'syscall':
      return typeof mode['syscall'] === 'string';
    case 'end':
      return true;
    default:
      return false;
  }
}

/** A failed action's message, as the user sees it; a refused call is not an error. */
async function reportProblem(error: unknown): Promise<undefined> {
  if (error instanceof vscode.CancellationError) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  void vscode.window.showErrorMessage(
    error instanceof LabError ? message : vscode.l10n.t('Lab: {0}', message),
  );
  return undefined;
}

/** Runs `work` after the session is back from a reload, turning its errors into messages. */
function command(
  context: LabCommandContext,
  work: (...args: unknown[]) => Promise<unknown>,
): LabCommand {
  return async (...args: unknown[]) => {
    await context.lab.ready;
    try {
      return await work(...args);
    } catch (error) {
      return reportProblem(error);
    }
  };
}

/** A one-line outcome of an action that made calls, shown after palette commands. */
function announce(result: LabActionResult): void {
  const call = result.calls.at(-1);
  if (call === undefined) return;
  const failed = call.checks.find((check) => check.result === 'fail');
  const text =
    call.errno === null
      ? vscode.l10n.t('{0}: every security check passed.', call.statement)
      : vscode.l10n.t(
          '{0}: {1} from {2} — {3}',
          call.statement,
          call.errno,
          failed?.id ?? call.call,
          failed?.reason ?? '',
        );
  vscode.window.setStatusBarMessage(text, 8000);
}

/** The kernel path of an image argument or choice, bringing a workspace image into the lab. */
async function imagePath(lab: LabService, choice: ImageChoice): Promise<string> {
  if (choice.kind === 'kernel') return choice.path;
  const inKernel = kernelPathOf(choice.uri);
  if (inKernel !== null && lab.session.kernel.stat(inKernel)?.kind === 'file') return inKernel;
  const bytes = await readImageBytes(choice.uri);
  return lab.bringImage(choice.uri.path.split('/').at(-1) ?? 'image.crimg', bytes);
}

/** The bytes of an image URI, as its file system has them. */
async function readImageBytes(uri: vscode.Uri): Promise<Uint8Array> {
  return vscode.workspace.fs.readFile(uri);
}

function imageArgument(value: unknown): ImageChoice | undefined {
  if (value instanceof vscode.Uri) return { kind: 'file', uri: value };
  if (typeof value === 'string' && value.startsWith('/')) return { kind: 'kernel', path: value };
  return undefined;
}

/** What the palette commands and tests get back about a shown call. */
export interface ShownChecks {
  readonly id: number;
  readonly call: 'checkpoint' | 'restart';
  readonly statement: string;
  readonly errno: string | null;
  readonly checks: LabCall['checks'];
}

function shownChecks(call: LabCall): ShownChecks {
  return {
    id: call.id,
    call: call.call,
    statement: call.statement,
    errno: call.errno,
    checks: call.checks,
  };
}

/** `crlab.lab.newSession` */
export function newSessionCommand(context: LabCommandContext): LabCommand {
  return command(context, async () => {
    await context.lab.newSession();
    await context.revealPanel(true);
    return { actions: context.lab.session.actionCount };
  });
}

/** `crlab.lab.loadScenario` (arg: a `.crlab` Uri) */
export function loadScenarioCommand(context: LabCommandContext): LabCommand {
  return command(context, async (target?: unknown) => {
    let uri = target instanceof vscode.Uri ? target : undefined;
    if (uri === undefined) {
      const active = vscode.window.activeTextEditor?.document;
      const files = await vscode.workspace.findFiles('**/*.crlab', '**/node_modules/**', 500);
      files.sort((a, b) => a.path.localeCompare(b.path));
      const items = files.map((file) => ({
        label: vscode.workspace.asRelativePath(file),
        description:
          active?.uri.toString() === file.toString() ? vscode.l10n.t('active editor') : '',
        uri: file,
      }));
      if (
        active?.languageId === 'crlab' &&
        !files.some((f) => f.toString() === active.uri.toString())
      )
        items.unshift({
          label: active.fileName,
          description: vscode.l10n.t('active editor'),
          uri: active.uri,
        });
      const chosen = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Load which scenario into the lab?'),
        placeHolder: vscode.l10n.t('The lab starts where the scenario leaves the kernel'),
        matchOnDescription: true,
        ...stepOptions,
      });
      uri = chosen?.uri;
    }
    if (uri === undefined) return false;
    const open = vscode.workspace.textDocuments.find(
      (doc) => doc.uri.toString() === uri?.toString(),
    );
    const source =
      open?.getText() ?? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    // A long load (a scenario that checkpoints a big task) shows a cancellable notification.
    await context.lab.loadScenario(source, uri);
    await context.revealPanel(true);
    return true;
  });
}

/** `crlab.lab.spawn` (args: program, user, where: `root`, `new` or a container name) */
export function spawnCommand(context: LabCommandContext): LabCommand {
  return command(context, async (programArg?: unknown, userArg?: unknown, whereArg?: unknown) => {
    const session = context.lab.session;
    const program = typeof programArg === 'string' ? programArg : await pickProgram(session);
    if (program === undefined) return undefined;
    const user =
      typeof userArg === 'string'
        ? userArg
        : await pickUser(session, vscode.l10n.t('Spawn {0} as which user?', program));
    if (user === undefined) return undefined;
    const where = typeof whereArg === 'string' ? whereArg : await pickWhere(session);
    if (where === undefined) return undefined;
    return context.lab.spawn({
      program,
      user,
      ...(where === 'new' ? { newContainer: true } : {}),
      ...(where !== 'new' && where !== 'root' ? { inContainer: where } : {}),
    });
  });
}

/** `crlab.lab.run` (args: pid, and a run mode `{ kind: 'steps', steps }`, `'step'` or `'end'`) */
export function runCommand(context: LabCommandContext): LabCommand {
  return command(context, async (pidArg?: unknown, modeArg?: unknown) => {
    const session = context.lab.session;
    const pid =
      typeof pidArg === 'number'
        ? pidArg
        : await pickTask(session, vscode.l10n.t('Run which task?'), (t) => t.state !== 'zombie');
    if (pid === undefined) return undefined;
    const mode: RunMode | undefined = isRunMode(modeArg)
      ? modeArg
      : modeArg === 'step'
        ? { kind: 'steps', steps: 1 }
        : modeArg === 'end'
          ? { kind: 'end' }
          : await pickRunMode(session, pid);
    if (mode === undefined) return undefined;
    const result = await context.lab.run(pid, mode);
    announce(result);
    return result;
  });
}

/** `crlab.lab.freeze` / `crlab.lab.thaw` (arg: pid) */
export function freezeCommand(context: LabCommandContext, freeze: boolean): LabCommand {
  return command(context, async (pidArg?: unknown) => {
    const session = context.lab.session;
    const pid =
      typeof pidArg === 'number'
        ? pidArg
        : await pickTask(
            session,
            freeze
              ? vscode.l10n.t('Freeze which task or container?')
              : vscode.l10n.t('Thaw which task or container?'),
            (task) =>
              task.state !== 'zombie' &&
              (freeze ? task.state !== 'frozen' : task.state === 'frozen'),
          );
    if (pid === undefined) return undefined;
    return freeze ? context.lab.freeze(pid) : context.lab.thaw(pid);
  });
}

/** The workspace folder checkpoints go to, if the window has a folder. */
function checkpointsFolder(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder === undefined ? undefined : vscode.Uri.joinPath(folder.uri, 'checkpoints');
}

/**
 * `crlab.lab.checkpoint` (args: pid, user, flags, output: a workspace Uri — the image goes to
 * `/tmp/<its name>` in the kernel and then to that file — or a kernel path such as `/tmp/x.crimg`)
 */
export function checkpointCommand(context: LabCommandContext): LabCommand {
  return command(
    context,
    async (pidArg?: unknown, userArg?: unknown, flagsArg?: unknown, outputArg?: unknown) => {
      const lab = context.lab;
      const session = lab.session;
      const pid =
        typeof pidArg === 'number'
          ? pidArg
          : await pickTask(
              session,
              vscode.l10n.t('Checkpoint which task?'),
              (t) => t.state !== 'zombie',
            );
      if (pid === undefined) return undefined;
      const task = session.tasks().find((entry) => entry.pid === pid);
      const user =
        typeof userArg === 'string'
          ? userArg
          : await pickUser(
              session,
              vscode.l10n.t('Checkpoint {0} as which user?', task?.name ?? String(pid)),
            );
      if (user === undefined) return undefined;
      const flags =
        typeof flagsArg === 'number'
          ? flagsArg
          : await pickFlags(
              CheckpointFlag,
              'CHECKPOINT_',
              vscode.l10n.t('sys_checkpoint flags'),
              checkpointFlagHelp,
            );
      if (flags === undefined) return undefined;
      let output: vscode.Uri | undefined;
      let kernelPath: string;
      if (typeof outputArg === 'string' && outputArg.startsWith('/')) {
        kernelPath = outputArg;
      } else {
        output = outputArg instanceof vscode.Uri ? outputArg : undefined;
        const folder = checkpointsFolder();
        const defaultName = `${(task?.comm ?? 'task').replace(/[^A-Za-z0-9_-]/g, '_')}-${session.history.length + 1}.crimg`;
        if (output === undefined) {
          const name = await vscode.window.showInputBox({
            title: vscode.l10n.t('Checkpoint image file'),
            ...stepOptions,
            prompt:
              folder === undefined
                ? vscode.l10n.t('A file name in the lab kernel’s /tmp')
                : vscode.l10n.t(
                    'A file under checkpoints/ in the workspace (and /tmp in the lab kernel)',
                  ),
            value: defaultName,
            validateInput: (value) =>
              /^[A-Za-z0-9_.-]+\.crimg$/.test(value.trim())
                ? null
                : vscode.l10n.t('A file name ending in .crimg (letters, digits, . _ -)'),
          });
          if (name === undefined) return undefined;
          if (folder !== undefined) output = vscode.Uri.joinPath(folder, name.trim());
          kernelPath = `/tmp/${name.trim()}`;
        } else {
          kernelPath = `/tmp/${(output.path.split('/').at(-1) ?? defaultName).replace(/[^A-Za-z0-9_.-]/g, '_')}`;
        }
      }
      const result = await lab.checkpoint(pid, user, kernelPath, flags, output);
      announce(result);
      await context.revealPanel(true);
      if (result.ok && output !== undefined && typeof outputArg !== 'object') {
        const open = vscode.l10n.t('Open in Image Editor');
        void vscode.window
          .showInformationMessage(
            vscode.l10n.t('Checkpoint written to {0}.', vscode.workspace.asRelativePath(output)),
            open,
          )
          .then((answer) => {
            if (answer === open && output !== undefined)
              void vscode.commands.executeCommand('vscode.openWith', output, 'crlab.imageEditor');
          });
      }
      return result;
    },
  );
}

/** `crlab.lab.restart` (args: image — a kernel path or a Uri — user, flags) */
export function restartCommand(context: LabCommandContext): LabCommand {
  return command(context, async (imageArg?: unknown, userArg?: unknown, flagsArg?: unknown) => {
    const lab = context.lab;
    const choice =
      imageArgument(imageArg) ??
      (await pickImage(lab.session, vscode.l10n.t('Restart which image?')));
    if (choice === undefined) return undefined;
    const path = await imagePath(lab, choice);
    const user =
      typeof userArg === 'string'
        ? userArg
        : await pickUser(lab.session, vscode.l10n.t('Restart {0} as which user?', path));
    if (user === undefined) return undefined;
    const flags =
      typeof flagsArg === 'number'
        ? flagsArg
        : await pickFlags(
            RestartFlag,
            'RESTART_',
            vscode.l10n.t('sys_restart flags'),
            restartFlagHelp,
          );
    if (flags === undefined) return undefined;
    const result = await lab.restart(path, user, flags);
    announce(result);
    await context.revealPanel(true);
    return result;
  });
}

/** `crlab.lab.showChecks` (arg: a call id of the history; default the latest) */
export function showChecksCommand(context: LabCommandContext): LabCommand {
  return command(context, async (idArg?: unknown) => {
    const lab = context.lab;
    const id = typeof idArg === 'number' ? idArg : lab.session.history.at(-1)?.id;
    const call = id === undefined ? undefined : lab.showCall(id);
    await context.revealPanel(false);
    if (call === undefined) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('No checkpoint or restart has been made in the lab yet.'),
      );
      return undefined;
    }
    return shownChecks(call);
  });
}

/** `crlab.lab.whoMayRestart` (args: image — a `.crimg` Uri or a kernel path — and flags) */
export function whoMayRestartCommand(context: LabCommandContext): LabCommand {
  return command(context, async (imageArg?: unknown, flagsArg?: unknown) => {
    const lab = context.lab;
    const choice =
      imageArgument(imageArg) ??
      (await pickImage(lab.session, vscode.l10n.t('Who may restart which image?')));
    if (choice === undefined) return undefined;
    const path = await imagePath(lab, choice);
    const matrix: RestartMatrix = await lab.whoMayRestart(
      path,
      typeof flagsArg === 'number' ? flagsArg : 0,
    );
    await context.revealPanel(true);
    return {
      path: matrix.path,
      users: matrix.users.map((user) => user.name),
      modes: [...matrix.modes],
      cells: matrix.cells.map((row) =>
        row.map((cell) => ({ allowed: cell.allowed, errno: cell.errno, check: cell.check })),
      ),
      replayWarning: matrix.replayWarning,
    };
  });
}

/**
 * `crlab.lab.exportReport` (args: call id — default the call shown — format `markdown` or
 * `json`, and a target Uri; without a target the report opens in an untitled editor)
 */
export function exportReportCommand(context: LabCommandContext): LabCommand {
  return command(context, async (idArg?: unknown, formatArg?: unknown, targetArg?: unknown) => {
    const lab = context.lab;
    let call: LabCall | null | undefined;
    let title: string;
    if (idArg === 'probe') {
      const probe = lab.shownProbe;
      call =
        probe === null
          ? null
          : matrixCellCall(
              probe.matrix,
              probe.user,
              probe.mode,
              lab.session.kernel.readFile(probe.matrix.path),
            );
      title = call === null ? '' : vscode.l10n.t('Probe: {0}', call.statement);
    } else {
      call =
        typeof idArg === 'number'
          ? lab.session.history.find((entry) => entry.id === idArg)
          : (lab.shownCall ?? undefined);
      title =
        call === undefined || call === null
          ? ''
          : isExternalLabCall(call)
            ? vscode.l10n.t('Debugging session call D{0}', call.id)
            : vscode.l10n.t('Call {0}', call.id);
    }
    if (call === undefined || call === null) {
      void vscode.window.showInformationMessage(vscode.l10n.t('There is no call to export.'));
      return undefined;
    }
    let format: ReportFormat | undefined =
      formatArg === 'markdown' || formatArg === 'json' ? formatArg : undefined;
    if (format === undefined) {
      const chosen = await vscode.window.showQuickPick(
        [
          {
            label: 'Markdown',
            description: vscode.l10n.t('a table, to read or paste'),
            format: 'markdown' as const,
          },
          {
            label: 'JSON',
            description: vscode.l10n.t('every field, for scripts'),
            format: 'json' as const,
          },
        ],
        { title: vscode.l10n.t('Export the checks of {0} as…', call.statement), ...stepOptions },
      );
      format = chosen?.format;
    }
    if (format === undefined) return undefined;
    const content = callReport(call, format, title);
    if (targetArg instanceof vscode.Uri) {
      await vscode.workspace.fs.writeFile(targetArg, new TextEncoder().encode(content));
      return targetArg;
    }
    const document = await vscode.workspace.openTextDocument({
      language: format === 'json' ? 'json' : 'markdown',
      content,
    });
    await vscode.window.showTextDocument(document, { preview: false });
    return content;
  });
}

/** `crlab.lab.saveAsScenario` (arg: the target Uri) */
export function saveAsScenarioCommand(context: LabCommandContext): LabCommand {
  return command(context, async (targetArg?: unknown) => {
    let target = targetArg instanceof vscode.Uri ? targetArg : undefined;
    if (target === undefined) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        title: vscode.l10n.t('Save the lab session as a scenario'),
        saveLabel: vscode.l10n.t('Save Scenario'),
        filters: { [vscode.l10n.t('Checkpoint/Restart Lab scenarios')]: ['crlab'] },
        ...(folder !== undefined
          ? { defaultUri: vscode.Uri.joinPath(folder, 'lab-session.crlab') }
          : {}),
      });
    }
    if (target === undefined) return undefined;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(context.lab.session.text));
    if (!(targetArg instanceof vscode.Uri)) {
      const open = vscode.l10n.t('Open');
      void vscode.window
        .showInformationMessage(
          vscode.l10n.t(
            'Saved the session as {0}: `crlab test` replays it.',
            vscode.workspace.asRelativePath(target),
          ),
          open,
        )
        .then((answer) => {
          if (answer === open && target !== undefined) void vscode.window.showTextDocument(target);
        });
    }
    return target;
  });
}

/** `crlab.lab.setSysctl` (args: name, value) */
export function setSysctlCommand(context: LabCommandContext): LabCommand {
  return command(context, async (nameArg?: unknown, valueArg?: unknown) => {
    const lab = context.lab;
    const kernel = lab.session.kernel;
    const sysctls = [
      'kernel.ckpt_unpriv_allowed',
      'kernel.ckpt_ptrace_mode',
      'kernel.ckpt_restore_creds',
      'kernel.ckpt_sign_images',
      'kernel.ckpt_require_signed',
    ] as const;
    const name =
      typeof nameArg === 'string'
        ? nameArg
        : (
            await vscode.window.showQuickPick(
              sysctls.map((entry) => ({ label: entry, description: String(kernel.sysctl(entry)) })),
              { title: vscode.l10n.t('Set which sysctl?'), ...stepOptions },
            )
          )?.label;
    if (name === undefined) return undefined;
    let value: string | number | undefined =
      typeof valueArg === 'string' || typeof valueArg === 'number' ? valueArg : undefined;
    if (value === undefined) {
      if (!isSysctlName(name)) throw new LabError(vscode.l10n.t('unknown sysctl {0}', name));
      const chosen = await vscode.window.showQuickPick(
        (sysctlValues(name) as readonly (string | number)[]).map((entry) => ({
          label: String(entry),
          description: entry === kernel.sysctl(name) ? vscode.l10n.t('current') : '',
          value: entry,
        })),
        { title: vscode.l10n.t('{0} =', name), ...stepOptions },
      );
      value = chosen?.value;
    }
    if (value === undefined) return undefined;
    return lab.setSysctl(name, value);
  });
}

/** `crlab.lab.showLog`: the session's log as a read-only `.crlab` document. */
export function showLogCommand(context: LabCommandContext): LabCommand {
  return command(context, async () => {
    const document = await vscode.workspace.openTextDocument(sessionLogUri());
    await vscode.window.showTextDocument(document, { preview: false });
    return document.uri;
  });
}

/** Every lab command, by id. */
export function labCommands(context: LabCommandContext): Record<string, LabCommand> {
  return {
    'crlab.lab.newSession': newSessionCommand(context),
    'crlab.lab.loadScenario': loadScenarioCommand(context),
    'crlab.lab.spawn': spawnCommand(context),
    'crlab.lab.run': runCommand(context),
    'crlab.lab.checkpoint': checkpointCommand(context),
    'crlab.lab.restart': restartCommand(context),
    'crlab.lab.freeze': freezeCommand(context, true),
    'crlab.lab.thaw': freezeCommand(context, false),
    'crlab.lab.showChecks': showChecksCommand(context),
    'crlab.lab.whoMayRestart': whoMayRestartCommand(context),
    'crlab.lab.exportReport': exportReportCommand(context),
    'crlab.lab.saveAsScenario': saveAsScenarioCommand(context),
    'crlab.lab.setSysctl': setSysctlCommand(context),
    'crlab.lab.showLog': showLogCommand(context),
  };
}
