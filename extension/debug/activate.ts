/**
 * Everything the `crlab` debug type contributes at run time: the inline adapter (the session
 * class of session.ts, as vscode-mock-debug registers its own), the configuration provider
 * (fills a launch for the open scenario, offers one per scenario of the workspace), and the
 * commands "Debug Scenario", "Checkpoint Task from the Debugger" and "Toggle Hexadecimal Display".
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { CallOutcome } from '../kernel/index';
import type { CrlabLaunchArguments } from './launch';
import { requireTrust } from '../trust';
import { stepOptions } from '../quickInputSteps';
import { DEBUG_COMMANDS, DEBUG_TYPE } from './launch';
import {
  CHECKPOINT_REQUEST,
  CrlabDebugSession,
  TOGGLE_HEX_REQUEST,
  type CheckpointTaskArguments,
  type CheckpointTaskResult,
  type DebugHost,
  type PublishedCallOrigin,
} from './session';

/**
 * The file a launch's path names. A path is a local file's, or a URI's (`program` of a file on
 * a file system other than `file:`, as in the web worker extension host, where the workspace is
 * `vscode-remote:`); a bare path under a workspace folder of another scheme (`${file}` there) is
 * that folder's file.
 */
export function debugFileUri(path: string): vscode.Uri {
  // Two letters or more before the colon: `c:\x` is a Windows path, not a URI.
  if (/^[a-z][a-z0-9+.-]+:/i.test(path)) return vscode.Uri.parse(path);
  const local = vscode.Uri.file(path);
  const folder = vscode.workspace.workspaceFolders?.find(
    (candidate) =>
      candidate.uri.scheme !== 'file' &&
      (local.path === candidate.uri.path || local.path.startsWith(`${candidate.uri.path}/`)),
  );
  return folder ? folder.uri.with({ path: local.path }) : local;
}

/** A launch's path for `uri`: a local file's path, else the URI itself. */
export function debugPathOf(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : uri.toString();
}

/** Files through the workspace file system, so remote and virtual workspaces work too. */
export function workspaceDebugHost(
  publishCall?: (call: CallOutcome, origin: PublishedCallOrigin) => void,
): DebugHost {
  return {
    async readFile(path) {
      return vscode.workspace.fs.readFile(debugFileUri(path));
    },
    async writeFile(path, bytes) {
      await vscode.workspace.fs.writeFile(debugFileUri(path), bytes);
    },
    async exists(path) {
      try {
        await vscode.workspace.fs.stat(debugFileUri(path));
        return true;
      } catch {
        return false;
      }
    },
    ...(publishCall !== undefined ? { publishCall } : {}),
  };
}

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly host: DebugHost) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    return new vscode.DebugAdapterInlineImplementation(new CrlabDebugSession(this.host));
  }
}

/** A launch of one scenario, stopping on entry. */
export function scenarioConfiguration(
  uri: vscode.Uri,
): CrlabLaunchArguments & vscode.DebugConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: vscode.l10n.t('Debug {0}', uri.path.split('/').pop() ?? uri.fsPath),
    program: debugPathOf(uri),
    stopOnEntry: true,
  };
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** One configuration per scenario of the workspace (the "Run and Debug" dropdown). */
  async provideDebugConfigurations(
    _folder: vscode.WorkspaceFolder | undefined,
    token?: vscode.CancellationToken,
  ): Promise<vscode.DebugConfiguration[]> {
    const scenarios = await vscode.workspace.findFiles(
      '**/*.crlab',
      '**/node_modules/**',
      100,
      token,
    );
    return scenarios
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((uri) => scenarioConfiguration(uri));
  }

  /** F5 without a launch.json: debug the scenario in the active editor. */
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId === 'crlab')
        return scenarioConfiguration(editor.document.uri);
    }
    if (!config['program'] && !config['image']) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'Open a .crlab scenario to debug, or give "program" or "image" in launch.json.',
        ),
      );
      return undefined;
    }
    return config;
  }
}

/** The call stack's context menu passes `{ sessionId, threadId: 'thread:<session>:<id>' }`. */
interface CallStackContext {
  sessionId?: string;
  threadId?: string | number;
  /** Tests and other commands may name the user instead of being asked. */
  user?: string;
}

function isCallStackContext(value: unknown): value is CallStackContext {
  return typeof value === 'object' && value !== null && !(value instanceof vscode.Uri);
}

function threadIdFrom(context: CallStackContext | undefined): number | undefined {
  const raw = context?.threadId;
  if (typeof raw === 'number') return raw;
  const match = typeof raw === 'string' ? /(\d+)$/.exec(raw) : null;
  if (match !== null) return Number(match[1]);
  const active = vscode.debug.activeStackItem;
  return active !== undefined && active.session.type === DEBUG_TYPE ? active.threadId : undefined;
}

function crlabSession(context: CallStackContext | undefined): vscode.DebugSession | undefined {
  const fromStack = vscode.debug.activeStackItem?.session;
  const candidates = [vscode.debug.activeDebugSession, fromStack].filter(
    (session): session is vscode.DebugSession => session?.type === DEBUG_TYPE,
  );
  return (
    candidates.find(
      (session) => context?.sessionId === undefined || session.id === context.sessionId,
    ) ?? candidates[0]
  );
}

async function pickUser(title: string, suggested: string[]): Promise<string | undefined> {
  const other = vscode.l10n.t('Another user…');
  const picked = await vscode.window.showQuickPick([...suggested, other], {
    title,
    ...stepOptions,
  });
  if (picked !== other) return picked;
  return vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('A user name or uid of the world'),
    ...stepOptions,
  });
}

/**
 * Checkpoints the selected task of a crlab session into the workspace (beside the scenario),
 * shows the outcome and offers to open the image or to debug its restart.
 */
async function checkpointTask(argument?: unknown): Promise<CheckpointTaskResult | undefined> {
  if (!requireTrust(vscode.l10n.t('Checkpointing a task'))) return undefined;
  const context = isCallStackContext(argument) ? argument : undefined;
  const session = crlabSession(context);
  if (session === undefined) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No Checkpoint/Restart Lab debug session is running.'),
    );
    return undefined;
  }
  const args: CheckpointTaskArguments = {};
  const threadId = threadIdFrom(context);
  if (threadId !== undefined) args.threadId = threadId;
  let user = context?.user;
  if (user === undefined) {
    const asItself = vscode.l10n.t('As the user the task runs as');
    user = await pickUser(vscode.l10n.t('Checkpoint the task as…'), [asItself, 'root']);
    if (user === undefined) return undefined;
    if (user === asItself) user = undefined;
  }
  if (user !== undefined) args.user = user;
  let result: CheckpointTaskResult;
  try {
    result = (await session.customRequest(CHECKPOINT_REQUEST, args)) as CheckpointTaskResult;
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    return undefined;
  }
  void announceCheckpoint(session, result);
  return result;
}

async function announceCheckpoint(
  session: vscode.DebugSession,
  result: CheckpointTaskResult,
): Promise<void> {
  if (!result.ok || result.path === null) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        'The checkpoint of pid {0} as {1} was refused: {2}',
        result.pid,
        String(result.user),
        result.refusal ?? '',
      ),
    );
    return;
  }
  const open = vscode.l10n.t('Open Image');
  const restart = vscode.l10n.t('Debug Restart…');
  const image = debugFileUri(result.path);
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Checkpointed pid {0} as {1} to {2}',
      result.pid,
      String(result.user),
      vscode.workspace.asRelativePath(image),
    ),
    open,
    restart,
  );
  if (choice === open) {
    await vscode.commands.executeCommand('vscode.openWith', image, 'crlab.imageEditor');
  } else if (choice === restart) {
    const as = await pickUser(vscode.l10n.t('Restart the image as…'), [
      'root',
      String(result.user),
    ]);
    if (as === undefined) return;
    const program = (session.configuration as CrlabLaunchArguments).program;
    const configuration: CrlabLaunchArguments & vscode.DebugConfiguration = {
      type: DEBUG_TYPE,
      request: 'launch',
      name: vscode.l10n.t('Restart {0} as {1}', image.path.split('/').pop() ?? '', as),
      image: debugPathOf(image),
      as,
      ...(program !== undefined ? { program } : {}),
    };
    await vscode.debug.startDebugging(session.workspaceFolder, configuration);
  }
}

/** "Debug Scenario": the given `.crlab`, or the one in the active editor. */
async function debugScenario(uri?: unknown): Promise<boolean> {
  // VS Code asks before any debug session in Restricted Mode; the command asks first, by name.
  if (!requireTrust(vscode.l10n.t('Debugging a scenario'))) return false;
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (target === undefined || !target.path.endsWith('.crlab')) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a .crlab scenario to debug it.'));
    return false;
  }
  const document = vscode.workspace.textDocuments.find(
    (doc) => doc.uri.toString() === target.toString(),
  );
  if (document?.isDirty === true) await document.save();
  return vscode.debug.startDebugging(
    vscode.workspace.getWorkspaceFolder(target),
    scenarioConfiguration(target),
  );
}

async function toggleHex(): Promise<void> {
  const session = crlabSession(undefined);
  await session?.customRequest(TOGGLE_HEX_REQUEST);
}

/** The debug commands, for extension.ts's command table. */
export const debugCommands: Record<string, () => (...args: unknown[]) => unknown> = {
  [DEBUG_COMMANDS.debugScenario]: () => debugScenario,
  [DEBUG_COMMANDS.checkpointTask]: () => checkpointTask,
  [DEBUG_COMMANDS.toggleHex]: () => toggleHex,
};

/**
 * Registers the adapter factory and the configuration provider. Every call a session makes
 * reaches `publishCall` with its checks: the window's lab session (extension.ts passes
 * LabService.showExternalCall) shows them beside its own, in the Checkpoint/Restart panel.
 */
export function registerDebugging(
  context: vscode.ExtensionContext,
  publishCall?: (call: CallOutcome, origin: PublishedCallOrigin) => void,
): void {
  // The session's strings go through @vscode/l10n: give it the window's bundle.
  if (vscode.l10n.bundle !== undefined) l10n.config({ contents: vscode.l10n.bundle });
  const host = workspaceDebugHost(publishCall);
  const provider = new ConfigurationProvider();
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineAdapterFactory(host)),
    // Initial configurations (a new launch.json) come from package.json; this one only fills in.
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      resolveDebugConfiguration: (folder, config) =>
        provider.resolveDebugConfiguration(folder, config),
    }),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      {
        provideDebugConfigurations: (folder, token) =>
          provider.provideDebugConfigurations(folder, token),
      },
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
  );
}
