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
import { ImageEditorProvider } from './editor/imageEditorProvider';
import { openExampleCommand, showWalkthroughCommand } from './walkthrough';

/** Every command of package.json's `contributes.commands`, with the factory of its callback. */
const commandFactories: Record<string, (context: vscode.ExtensionContext) => CommandCallback> = {
  'crlab.openImage': openImageCommand,
  'crlab.openInImageEditor': openInImageEditorCommand,
  'crlab.openExample': openExampleCommand,
  'crlab.showWalkthrough': showWalkthroughCommand,
};

/** Called by VS Code on the first activation event (see package.json `activationEvents`). */
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(ImageEditorProvider.register(context));
  for (const [id, factory] of Object.entries(commandFactories)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, factory(context)));
  }
}

/** Nothing to do: every registration is disposed through `context.subscriptions`. */
export function deactivate(): void {}
