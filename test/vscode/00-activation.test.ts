import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { note } from './results';
import { activeTabInput, crlabExtension, fixture, waitFor } from './workspace';

// Runs first (file name order): nothing has activated the extension yet.
describe('activation', () => {
  it('does not activate in a workspace without .crimg or .crlab files', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'the test workspace is one folder');
    const crFiles = await vscode.workspace.findFiles('**/*.{crimg,crlab}');
    assert.deepEqual(crFiles, [], 'the test workspace has no .crimg or .crlab file');
    const notes = await vscode.workspace.openTextDocument(
      vscode.Uri.joinPath(folders[0]!.uri, 'notes.txt'),
    );
    await vscode.window.showTextDocument(notes);
    // No waiting for a wrong activation that may never come: an absence is not proven by a
    // sleep. The events that could activate the extension are pinned by the manifest test
    // (fine-grained only); here, after startup and a plain text editor, it is still inactive.
    assert.equal(crlabExtension().isActive, false, 'the extension activated without a reason');
  });

  it('activates when an image is opened, through the custom editor', async () => {
    const extension = crlabExtension();
    assert.equal(extension.isActive, false);
    const image = fixture('images', 'one-task.crimg');
    const started = performance.now();
    await vscode.commands.executeCommand('vscode.openWith', image, 'crlab.imageEditor');
    await waitFor('the extension to activate', () => extension.isActive);
    const activatedMs = performance.now() - started;
    const input = activeTabInput();
    assert.ok(input instanceof vscode.TabInputCustom, 'the active tab is a custom editor');
    assert.equal(input.viewType, 'crlab.imageEditor');
    assert.equal(input.uri.fsPath, image.fsPath);
    note(
      `activation: opening an image activated the extension and showed its editor in ${activatedMs.toFixed(0)} ms`,
    );
  });
});
