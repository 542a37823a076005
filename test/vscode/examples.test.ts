import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './workspace';

describe('examples and the .crlab language', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens an example scenario as a crlab document', async () => {
    await vscode.commands.executeCommand('crlab.openExample', '01-passwd-authorized.crlab');
    await waitFor('a text editor', () => vscode.window.activeTextEditor !== undefined);
    const document = vscode.window.activeTextEditor?.document;
    assert.ok(document, 'an editor shows the scenario');
    assert.ok(document.uri.path.endsWith('/examples/01-passwd-authorized.crlab'));
    assert.equal(document.languageId, 'crlab');
  });

  it('opens an example image in the image editor', async () => {
    await vscode.commands.executeCommand('crlab.openExample', 'images/passwd.crimg');
    await waitFor('a custom editor', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return (
        input instanceof vscode.TabInputCustom && input.uri.path.endsWith('/images/passwd.crimg')
      );
    });
  });

  it('refuses names that leave the examples folder', async () => {
    await vscode.commands.executeCommand('crlab.openExample', '../package.json');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab, undefined, 'nothing was opened');
  });
});
