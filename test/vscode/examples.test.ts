import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './workspace';

describe('examples and the .crlab language', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens an example scenario as a crlab document', async () => {
    const opened = await vscode.commands.executeCommand<vscode.Uri | undefined>(
      'crlab.openExample',
      '01-passwd-authorized.crlab',
    );
    assert.ok(
      opened?.path.endsWith('/examples/01-passwd-authorized.crlab'),
      'it says what it opened',
    );
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
    // The command resolves once it is done: with what it opened, here nothing.
    const opened = await vscode.commands.executeCommand<vscode.Uri | undefined>(
      'crlab.openExample',
      '../package.json',
    );
    assert.equal(opened, undefined, 'the command refused the name');
    assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab, undefined, 'nothing was opened');
  });
});
