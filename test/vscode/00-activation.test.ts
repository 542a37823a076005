import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CrlabApi } from '../../extension/extension';
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
    // The editor's page loads, says ready and is sent the image. Waiting for it matters beyond
    // this test: the window's first webview installs the service worker every webview loads
    // through, and a webview whose page is still loading when that worker takes control of the
    // open webviews (clients.claim) is left out, and VS Code's page then waits for a
    // `controllerchange` that never comes: that webview never loads (the next test's CRIU view
    // did so in two fresh-clone runs; docs/testing.md). Once it is installed, every later
    // webview loads under it from the start.
    const { imageEditor } = (await extension.activate()) as CrlabApi;
    const document = imageEditor.documentOf(image);
    assert.ok(document, 'the image is open in the image editor');
    await waitFor('the image editor to show the image', () =>
      imageEditor.shownVersions(document).some((version) => version >= 0),
    );
  });
});
