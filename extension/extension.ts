/**
 * The extension's entry point. Everything the extension contributes at run time is registered
 * here, in one place; the work is done by the small factories this file names.
 */
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
import { openExampleCommand, showWalkthroughCommand } from './walkthrough';
import { debugCommands, registerDebugging } from './debug/activate';
import { host, type HostKind } from './host/index';
import { activationLine } from './host/runtime';

/** What command factories are built from. */
interface CommandDependencies extends ImageActionContext {
  readonly context: vscode.ExtensionContext;
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
  ...debugCommands,
  'crlab.criu.openDump': openDumpCommand,
  'crlab.criu.whoMayRestart': whoMayRestartCommand,
};

/** What `activate` returns (`vscode.extensions.getExtension('crlab.crlab').exports`). */
export interface CrlabApi {
  /** The image editor's provider: its documents, edits and hot-exit backups (tests use it). */
  readonly imageEditor: ImageEditorProvider;
  /** The CRIU dump view's provider: its open dumps (tests use it). */
  readonly criuDumps: CriuDumpEditorProvider;
  /** Which bundle runs: `node` (package.json `main`) or `web` (`browser`, no Node.js). */
  readonly host: HostKind;
}

/** Called by VS Code on the first activation event (see package.json `activationEvents`). */
export function activate(context: vscode.ExtensionContext): CrlabApi {
  console.info(activationLine(host.kind));
  const { provider: images, registration } = ImageEditorProvider.register(context);
  const reports = new ReportDocuments();
  const { provider: criuDumps, registration: criuRegistration } =
    CriuDumpEditorProvider.register(context);
  context.subscriptions.push(registration, reports.register(), criuRegistration);
  registerDebugging(context);
  const dependencies: CommandDependencies = { context, images, reports, criuDumps };
  for (const [id, factory] of Object.entries(commandFactories)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, factory(dependencies)));
  }
  return { imageEditor: images, criuDumps, host: host.kind };
}

/** Nothing to do: every registration is disposed through `context.subscriptions`. */
export function deactivate(): void {}
