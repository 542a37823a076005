/**
 * The extension's entry point. Everything the extension contributes at run time is registered
 * here, in one place; the work is done by the small factories this file names.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import {
  openImageCommand,
  openInImageEditorCommand,
  type CommandCallback,
} from './editor/commands';
import {
  compareWithCommand,
  describeActiveCommand,
  editFieldCommand,
  goToOffsetCommand,
  restartCommand,
  showJsonCommand,
  signCommand,
  verifyCommand,
  type ImageActionContext,
} from './editor/imageActions';
import { ImageEditorProvider } from './editor/imageEditorProvider';
import { openDumpCommand, whoMayRestartCommand } from './editor/criuCommands';
import { CriuDumpEditorProvider } from './editor/criuDumpEditor';
import { ReportDocuments } from './editor/reportDocuments';
import { registerLanguageFeatures, type LanguageFeatures } from './language/index';
import { runScenarioCommand } from './language/scenarioRun';
import { labCommands } from './panel/commands';
import { LabPanelProvider } from './panel/labPanelProvider';
import { registerLabStatus } from './panel/statusBar';
import { LabFileSystem } from './session/labFiles';
import { LabService } from './session/labService';
import { openExampleCommand, showWalkthroughCommand } from './walkthrough';
import { debugCommands, registerDebugging } from './debug/activate';

/** What command factories are built from. */
interface CommandDependencies extends ImageActionContext {
  readonly context: vscode.ExtensionContext;
  readonly language: LanguageFeatures;
  readonly criuDumps: CriuDumpEditorProvider;
}

/** Every command of package.json's `contributes.commands`, with the factory of its callback. */
const commandFactories: Record<string, (dependencies: CommandDependencies) => CommandCallback> = {
  'crlab.openImage': openImageCommand,
  'crlab.openInImageEditor': openInImageEditorCommand,
  'crlab.openExample': ({ context }) => openExampleCommand(context),
  'crlab.showWalkthrough': showWalkthroughCommand,
  'crlab.imageEditor.restart': restartCommand,
  'crlab.imageEditor.verify': verifyCommand,
  'crlab.imageEditor.showJson': showJsonCommand,
  'crlab.imageEditor.compareWith': compareWithCommand,
  'crlab.imageEditor.signWithMachineKey': signCommand,
  'crlab.imageEditor.editField': editFieldCommand,
  'crlab.imageEditor.goToOffset': goToOffsetCommand,
  'crlab.imageEditor.describeActive': describeActiveCommand,
  'crlab.scenario.run': ({ language }) => runScenarioCommand(language.runner),
  ...debugCommands,
  'crlab.criu.openDump': openDumpCommand,
  'crlab.criu.whoMayRestart': whoMayRestartCommand,
};

/** What `activate` returns (`vscode.extensions.getExtension('crlab.crlab').exports`). */
export interface CrlabApi {
  /** The image editor's provider: its documents, edits and hot-exit backups (tests use it). */
  readonly imageEditor: ImageEditorProvider;
  /** The .crlab language features: the scenario runner, the test controller, provider health. */
  readonly language: LanguageFeatures;
  /** The window's lab session, shared by the panel, the palette and the image editor. */
  readonly lab: LabService;
  /** The Checkpoint/Restart panel (tests ask whether it shows). */
  readonly labPanel: LabPanelProvider;
  /** The CRIU dump view's provider: its open dumps (tests use it). */
  readonly criuDumps: CriuDumpEditorProvider;
}

/** Called by VS Code on the first activation event (see package.json `activationEvents`). */
export function activate(context: vscode.ExtensionContext): CrlabApi {
  // Modules without a vscode import (the editor's model, the debug session) translate through
  // @vscode/l10n: give it the window's bundle before anything renders.
  if (vscode.l10n.bundle !== undefined) l10n.config({ contents: vscode.l10n.bundle });
  // The extension's log (Output: Checkpoint/Restart Lab): dropped webview messages and the like.
  const log = vscode.window.createOutputChannel('Checkpoint/Restart Lab', { log: true });
  context.subscriptions.push(log);
  const { provider: images, registration } = ImageEditorProvider.register(context, (line) =>
    log.warn(line),
  );
  const reports = new ReportDocuments();
  const { provider: criuDumps, registration: criuRegistration } = CriuDumpEditorProvider.register(
    context,
    (line) => log.warn(line),
  );
  context.subscriptions.push(registration, reports.register(), criuRegistration);

  // The lab session and its views: the panel, the status bar, the session's files.
  const labLog = vscode.window.createOutputChannel('Checkpoint/Restart Lab', { log: true });
  const lab = new LabService(context.workspaceState, labLog);
  // The debugger's calls (made in its sessions' own kernels) show in the panel beside the lab's.
  registerDebugging(context, (call, origin) => lab.showExternalCall(call, origin));
  const labPanel = new LabPanelProvider(context.extensionUri, lab);
  context.subscriptions.push(
    labLog,
    lab,
    new LabFileSystem(lab).register(),
    labPanel.register(),
    registerLabStatus(lab),
  );
  const revealPanel = (preserveFocus: boolean): Promise<void> => labPanel.reveal(preserveFocus);
  for (const [id, callback] of Object.entries(labCommands({ lab, revealPanel }))) {
    context.subscriptions.push(vscode.commands.registerCommand(id, callback));
  }

  const language = registerLanguageFeatures(context);
  const dependencies: CommandDependencies = { context, images, reports, criuDumps, language, lab };
  for (const [id, factory] of Object.entries(commandFactories)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, factory(dependencies)));
  }
  return { imageEditor: images, criuDumps, language, lab, labPanel };
}

/** Nothing to do: every registration is disposed through `context.subscriptions`. */
export function deactivate(): void {}
