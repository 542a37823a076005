import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeTabInput, fixture, waitFor } from './workspace';

async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('image editor', () => {
  afterEach(closeAllEditors);

  it('is the default editor for .crimg files', async () => {
    const image = fixture('images', 'one-task.crimg');
    await vscode.commands.executeCommand('vscode.open', image);
    await waitFor('a custom editor tab', () => activeTabInput() instanceof vscode.TabInputCustom);
    const input = activeTabInput();
    assert.ok(input instanceof vscode.TabInputCustom);
    assert.equal(input.viewType, 'crlab.imageEditor');
  });

  it('opens an invalid (truncated) image without failing', async () => {
    const image = fixture('images', 'truncated.crimg');
    await vscode.commands.executeCommand('crlab.openInImageEditor', image);
    await waitFor('a custom editor tab', () => activeTabInput() instanceof vscode.TabInputCustom);
    const input = activeTabInput();
    assert.ok(input instanceof vscode.TabInputCustom);
    assert.equal(input.uri.fsPath, image.fsPath);
  });
});
