import * as vscode from 'vscode';
import { imageEditorViewType } from './imageEditorProvider';

/** A command's callback, built from the extension context by a small factory. */
export type CommandCallback = (...args: unknown[]) => unknown;

/** Opens `uri` in the checkpoint image editor, whatever editor is the default for it. */
export async function openInImageEditor(uri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', uri, imageEditorViewType);
}

/** `crlab.openImage`: asks for a `.crimg` file and opens it in the image editor. */
export function openImageCommand(): CommandCallback {
  return async () => {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: vscode.l10n.t('Open Image'),
      filters: {
        [vscode.l10n.t('Checkpoint images')]: ['crimg'],
        [vscode.l10n.t('All files')]: ['*'],
      },
    });
    const uri = picked?.[0];
    if (uri) await openInImageEditor(uri);
  };
}

/**
 * `crlab.openInImageEditor`: opens the file the command was invoked on (explorer context menu)
 * or, from the palette, the active editor's file.
 */
export function openInImageEditorCommand(): CommandCallback {
  return async (target?: unknown) => {
    const uri = target instanceof vscode.Uri ? target : activeResource();
    if (!uri) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Open or select a .crimg file first.'),
      );
      return;
    }
    await openInImageEditor(uri);
  };
}

/** The resource of the active tab, whether a text editor or a custom editor shows it. */
function activeResource(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom)
    return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}
