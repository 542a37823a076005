import * as vscode from 'vscode';
import type { CommandCallback } from './editor/commands';

/** The walkthrough's id as contributed in package.json, prefixed with the extension id. */
const walkthroughId = 'crlab.crlab#crlab.gettingStarted';

/** Example names are file names in `examples/` or its `images/`; anything else is refused. */
const exampleName = /^(images\/)?[A-Za-z0-9_-]+\.(crlab|crimg)$/;

/**
 * `crlab.openExample`: opens `examples/<name>` — from the workspace when it has that folder
 * (so edits go to the user's copy), else the copy shipped with the extension. Resolves to the
 * URI it opened, or undefined when it refused the name or found no such example.
 */
export function openExampleCommand(context: vscode.ExtensionContext): CommandCallback {
  return async (name?: unknown): Promise<vscode.Uri | undefined> => {
    if (typeof name !== 'string' || !exampleName.test(name)) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Not an example name: {0}', String(name)));
      return undefined;
    }
    const candidates = [
      ...(vscode.workspace.workspaceFolders ?? []).flatMap((folder) => [
        vscode.Uri.joinPath(folder.uri, 'examples', ...name.split('/')),
        vscode.Uri.joinPath(folder.uri, ...name.split('/')),
      ]),
      vscode.Uri.joinPath(context.extensionUri, 'examples', ...name.split('/')),
    ];
    for (const uri of candidates) {
      if (await exists(uri)) {
        // vscode.open picks the default editor: the image editor for .crimg, text for .crlab.
        await vscode.commands.executeCommand('vscode.open', uri);
        return uri;
      }
    }
    void vscode.window.showErrorMessage(vscode.l10n.t('The example {0} was not found.', name));
    return undefined;
  };
}

/** `crlab.showWalkthrough`: opens the Getting Started walkthrough. */
export function showWalkthroughCommand(): CommandCallback {
  return async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughId, false);
  };
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
