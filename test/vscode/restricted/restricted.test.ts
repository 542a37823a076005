/**
 * Restricted Mode (an untrusted workspace; `capabilities.untrustedWorkspaces: limited`): the
 * extension still shows images, but they open read-only: no field can be edited or signed, so
 * nothing can be saved; what only reads (verify, JSON, restart in a fresh emulated kernel) works;
 * debugging a scenario asks for trust and starts nothing.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ImageDocument } from '../../../extension/editor/imageDocument';
import type { CrlabApi } from '../../../extension/extension';
import { crlabExtension, fixturesFolder, waitFor } from '../workspace';

function api(): CrlabApi {
  return crlabExtension().exports as CrlabApi;
}

function exampleImage(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(fixturesFolder(), 'examples', 'images', name));
}

async function openImage(uri: vscode.Uri): Promise<ImageDocument> {
  await vscode.commands.executeCommand('vscode.openWith', uri, 'crlab.imageEditor');
  let document: ImageDocument | undefined;
  await waitFor(`${uri.fsPath} in the image editor`, () => {
    document = crlabExtension().isActive ? api().imageEditor.documentOf(uri) : undefined;
    return document !== undefined;
  });
  return document as ImageDocument;
}

const restricted = /^Restricted Mode: images open read-only/;

describe('Restricted Mode (untrusted workspace)', () => {
  it('runs in a window whose workspace is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(
      vscode.workspace.getConfiguration('security.workspace.trust').get('enabled'),
      true,
    );
  });

  it('opens an image, read-only: every field says why it cannot be edited', async () => {
    const document = await openImage(exampleImage('passwd.crimg'));
    const model = document.model;
    assert.ok(model.view.records.length > 10);
    assert.match(model.readOnly ?? '', restricted);
    let leaves = 0;
    const visit = (
      fields: readonly { children: readonly unknown[]; editor?: { kind: string } }[],
    ) => {
      for (const field of fields) {
        if (field.children.length > 0) visit(field.children as typeof fields);
        else if (field.editor !== undefined) {
          leaves++;
          assert.equal(field.editor.kind, 'readonly');
        }
      }
    };
    for (const record of model.view.records) visit(model.fields(record.index)?.fields ?? []);
    assert.ok(leaves > 100, `only ${leaves} fields with an edit control`);
  });

  it('refuses edits and signing, so the image never becomes dirty', async () => {
    const uri = exampleImage('passwd-signed.crimg');
    const document = await openImage(uri);
    const edit = await vscode.commands.executeCommand<{ ok: boolean; message: string }>(
      'crlab.imageEditor.editField',
      uri,
      'CRED.euid',
      '0',
    );
    assert.equal(edit.ok, false);
    assert.match(edit.message, restricted);
    const sign = api().imageEditor.signWithMachineKey(document);
    assert.equal(sign.ok, false);
    assert.match(sign.message, restricted);
    assert.equal(document.hasEdits, false);
    assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty, false);
  });

  it('still verifies, shows JSON and restarts in a fresh emulated kernel (they only read)', async () => {
    const uri = exampleImage('passwd.crimg');
    await openImage(uri);
    const verify = await vscode.commands.executeCommand<{ valid: boolean }>(
      'crlab.imageEditor.verify',
      uri,
    );
    assert.equal(verify.valid, true);
    const json = await vscode.commands.executeCommand<vscode.Uri | undefined>(
      'crlab.imageEditor.showJson',
      uri,
    );
    assert.ok(json);
    const restart = await vscode.commands.executeCommand<{ errno: string | null }>(
      'crlab.imageEditor.restart',
      uri,
      'hallyn',
      0,
    );
    assert.equal(restart.errno, 'EPERM');
  });

  it('asks for trust before debugging a scenario, and starts no session', async () => {
    const scenario = vscode.Uri.file(
      path.join(fixturesFolder(), 'examples', '01-passwd-authorized.crlab'),
    );
    const started = await vscode.commands.executeCommand<boolean>(
      'crlab.debug.debugScenario',
      scenario,
    );
    assert.equal(started, false);
    assert.equal(vscode.debug.activeDebugSession, undefined);
  });
});
