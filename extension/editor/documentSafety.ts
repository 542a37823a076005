/**
 * What the image editor asks before it could lose someone's work, and the file system its saves
 * go through. Both are held by the provider and can be replaced (the tests script the answers and
 * fail a save on purpose through `CrlabApi.imageEditor.safety`).
 */
import * as vscode from 'vscode';
import { host } from '../host/index';
import type { SaveFileSystem } from '../host/atomicSave';

/** The questions, each answered by one of its choices. */
export interface SafetyPrompts {
  /** The file changed on disk while its document has unsaved edits: reload it, or keep the edits? */
  changedOnDisk(fileName: string): Thenable<'reload' | 'keep'>;
  /** Saving would overwrite a file that changed on disk since it was read: overwrite, or not? */
  overwriteChanged(fileName: string): Thenable<'overwrite' | 'cancel'>;
}

/** The questions as VS Code asks them: a notification, and a modal dialog before a save. */
export const vscodePrompts: SafetyPrompts = {
  async changedOnDisk(fileName) {
    const reload = vscode.l10n.t('Reload from Disk');
    const keep = vscode.l10n.t('Keep My Edits');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        '{0} changed on disk, and you have unsaved edits. Reload it (your edits are lost) or keep your edits (saving will ask before it overwrites)?',
        fileName,
      ),
      reload,
      keep,
    );
    return answer === reload ? 'reload' : 'keep';
  },
  async overwriteChanged(fileName) {
    const overwrite = vscode.l10n.t('Overwrite');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        '{0} changed on disk since it was opened. Overwrite it with your edits?',
        fileName,
      ),
      { modal: true, detail: vscode.l10n.t('The changes made by the other program will be lost.') },
      overwrite,
    );
    return answer === overwrite ? 'overwrite' : 'cancel';
  },
};

/** The editor's safety services: the questions and the save file system. */
export interface DocumentSafety {
  prompts: SafetyPrompts;
  /** The host's file system for saves, or null where there is none (the web worker host). */
  fileSystem: SaveFileSystem | null;
}

export function defaultSafety(): DocumentSafety {
  return { prompts: vscodePrompts, fileSystem: host.localFiles?.save ?? null };
}
