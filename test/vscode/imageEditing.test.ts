import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ImageDescription } from '../../extension/editor/imageActions';
import type { CrlabApi } from '../../extension/extension';
import { oneTaskImage } from '../e2e/fixtureImages';
import {
  indexRecords,
  writeImage,
  memoryReader,
  recordFieldTree,
  type FieldNode,
} from '../../extension/image/index';
import { crlabExtension, fixture, fixturesFolder } from './workspace';

/** Record and task counts of every example image (from `crlab image show`). */
const exampleCounts: readonly [string, number, number][] = [
  ['container.crimg', 45, 2],
  ['counter-signed-tampered.crimg', 25, 1],
  ['counter-signed.crimg', 25, 1],
  ['counter.crimg', 24, 1],
  ['dup-shared-file.crimg', 31, 1],
  ['nested-containers.crimg', 87, 4],
  ['passwd-signed-tampered.crimg', 31, 1],
  ['passwd-signed.crimg', 31, 1],
  ['passwd.crimg', 33, 1],
  ['reader-uid0.crimg', 30, 1],
  ['reader.crimg', 30, 1],
];

let copies = 0;

/** A fresh copy of an example image, so that a test can edit and save it. */
function copyOfExample(name: string): vscode.Uri {
  copies++;
  const target = path.join(fixturesFolder(), `edit-${copies}-${name}`);
  copyFileSync(fixture('examples', 'images', name).fsPath, target);
  return vscode.Uri.file(target);
}

function onDisk(uri: vscode.Uri): Uint8Array {
  return new Uint8Array(readFileSync(uri.fsPath));
}

/** The first field named `fieldPath` of an image's bytes, from the image layer's field tree. */
function fieldOf(bytes: Uint8Array, fieldPath: string): FieldNode {
  const walk = (node: FieldNode): FieldNode | undefined =>
    node.path === fieldPath && !node.children?.length
      ? node
      : (node.children ?? []).map(walk).find((found) => found !== undefined);
  for (const entry of indexRecords(memoryReader(bytes), bytes.length).entries) {
    if (entry.kind !== 'record') continue;
    const found = walk(recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset).root);
    if (found) return found;
  }
  throw new Error(`no field ${fieldPath}`);
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

function withBytes(original: Uint8Array, offset: number, bytes: Uint8Array): Uint8Array {
  const copy = original.slice();
  copy.set(bytes, offset);
  return copy;
}

async function describe_(uri?: vscode.Uri): Promise<ImageDescription | undefined> {
  return vscode.commands.executeCommand<ImageDescription | undefined>(
    'crlab.imageEditor.describeActive',
    uri,
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens `uri` in the image editor and waits until its document is the active one. */
async function openImage(uri: vscode.Uri): Promise<ImageDescription> {
  await vscode.commands.executeCommand('vscode.openWith', uri, 'crlab.imageEditor');
  return until(`${uri.fsPath} in the image editor`, async () => {
    const description = await describe_();
    return description?.uri === uri.toString() ? description : undefined;
  });
}

async function edit(uri: vscode.Uri, fieldPath: string, input: string): Promise<void> {
  const outcome = await vscode.commands.executeCommand<{ ok: boolean; message: string }>(
    'crlab.imageEditor.editField',
    uri,
    fieldPath,
    input,
  );
  assert.ok(outcome.ok, outcome.message);
  // VS Code learns of the edit asynchronously: revert and undo act only once it has.
  await until('VS Code to see the edit', () =>
    Promise.resolve(vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty ? true : undefined),
  );
}

async function save(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.files.save');
}

/** Waits until the image's state satisfies `holds` (undo, redo and revert run asynchronously). */
async function settle(
  uri: vscode.Uri,
  what: string,
  holds: (description: ImageDescription) => boolean,
): Promise<ImageDescription> {
  return until(what, async () => {
    const description = await describe_(uri);
    return description && holds(description) ? description : undefined;
  });
}

/** Runs VS Code's undo or redo and waits until the image changed. */
async function undoOrRedo(uri: vscode.Uri, command: 'undo' | 'redo'): Promise<void> {
  const before = (await describe_(uri))?.version ?? -1;
  await vscode.commands.executeCommand(command);
  await settle(uri, command, (description) => description.version > before);
}

/** Closes every editor, dropping unsaved edits without asking. */
async function revertAndCloseAll(): Promise<void> {
  for (let i = 0; i < 50 && vscode.window.tabGroups.all.some((group) => group.tabs.length > 0); i++)
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

function api(): CrlabApi {
  return crlabExtension().exports as CrlabApi;
}

describe('image editor: editing and actions', () => {
  // VS Code for the Web saves after a delay by default; these tests decide when to save.
  const files = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('files');
  let autoSave: string | undefined;
  before(async () => {
    autoSave = files().inspect<string>('autoSave')?.globalValue;
    await files().update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await files().update('autoSave', autoSave, vscode.ConfigurationTarget.Global);
  });
  afterEach(revertAndCloseAll);

  it('opens every example image with its record and task counts', async () => {
    for (const [name, records, tasks] of exampleCounts) {
      const description = await openImage(fixture('examples', 'images', name));
      assert.equal(description.records, records, `${name} records`);
      assert.equal(description.tasks, tasks, `${name} tasks`);
      assert.equal(description.hasEdits, false);
    }
  });

  it('edit, undo, redo and save change exactly the intended bytes on disk', async () => {
    const uri = copyOfExample('passwd.crimg');
    const original = onDisk(uri);
    const euid = fieldOf(original, 'CRED.euid');
    const edited = withBytes(original, euid.offset, u32(500));
    await openImage(uri);

    await edit(uri, 'CRED.euid', '500');
    assert.equal((await describe_(uri))?.hasEdits, true);
    assert.deepEqual(onDisk(uri), original, 'nothing is written before save');
    await save();
    assert.deepEqual(onDisk(uri), edited, 'save writes the new euid and nothing else');

    await undoOrRedo(uri, 'undo');
    assert.equal((await describe_(uri))?.hasEdits, true, 'the undo differs from the saved file');
    await save();
    assert.deepEqual(onDisk(uri), original, 'undo then save restores every byte');

    await undoOrRedo(uri, 'redo');
    await save();
    assert.deepEqual(onDisk(uri), edited, 'redo then save writes the edit again');
  });

  it('every open view of an image is sent its new version after an edit', async () => {
    const uri = copyOfExample('counter.crimg');
    await openImage(uri);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'crlab.imageEditor', {
      viewColumn: vscode.ViewColumn.Beside,
    });
    const shown = await settle(
      uri,
      'two ready views',
      (d) => d.views.length === 2 && d.views.every((version) => version === d.version),
    );
    await edit(uri, 'CPU.pc', '3');
    const after = await settle(
      uri,
      'both views to show the edit',
      (d) => d.version > shown.version && d.views.every((version) => version === d.version),
    );
    assert.deepEqual(after.views, [after.version, after.version]);
    const revealed = await vscode.commands.executeCommand<boolean>(
      'crlab.imageEditor.goToOffset',
      uri,
      0x10,
    );
    assert.equal(revealed, true, 'Go to Offset reaches a view');
  });

  it('edits and saves an image too large to hold whole (positioned reads and a streamed save)', async () => {
    const image = oneTaskImage();
    const task = image.tasks[0];
    const vma = task?.vmas[0];
    assert.ok(task && vma);
    const pages = 16_640; // 65 MiB of pages: above the 64 MiB the editor reads whole
    vma.vm_end = vma.vm_start + pages * 4096;
    vma.pages = Array.from({ length: pages }, (_, i) => ({
      addr: vma.vm_start + i * 4096,
      data: new Uint8Array(4096).fill((i % 255) + 1),
    }));
    const original = writeImage(image);
    const uri = vscode.Uri.file(path.join(fixturesFolder(), 'large-edit.crimg'));
    writeFileSync(uri.fsPath, original);
    const description = await openImage(uri);
    assert.equal(description.byteLength, original.length);
    assert.ok(description.byteLength > 64 * 1024 * 1024);
    assert.equal(description.tasks, 1);
    const euid = fieldOf(original, 'CRED.euid');
    await edit(uri, 'CRED.euid', '0');
    await save();
    const saved = onDisk(uri);
    assert.equal(saved.length, original.length);
    const differing: number[] = [];
    for (let i = 0; i < saved.length; i++) if (saved[i] !== original[i]) differing.push(i);
    assert.deepEqual(differing, [euid.offset, euid.offset + 1], 'only euid 1000 -> 0 changed');
  });

  it('saves as another file, leaving the original as it was', async () => {
    const uri = copyOfExample('counter.crimg');
    const original = onDisk(uri);
    const pc = fieldOf(original, 'CPU.pc');
    await openImage(uri);
    await edit(uri, 'CPU.pc', '7');
    const target = vscode.Uri.file(path.join(fixturesFolder(), `save-as-${copies}.crimg`));
    const document = api().imageEditor.documentOf(uri);
    assert.ok(document);
    await api().imageEditor.saveCustomDocumentAs(
      document,
      target,
      new vscode.CancellationTokenSource().token,
    );
    const expected = original.slice();
    expected.set([7, 0, 0, 0, 0, 0, 0, 0], pc.offset);
    assert.deepEqual(onDisk(target), expected);
    assert.deepEqual(onDisk(uri), original);
  });

  it('revert drops unsaved edits', async () => {
    const uri = copyOfExample('passwd.crimg');
    const original = onDisk(uri);
    await openImage(uri);
    await edit(uri, 'TASK.flags', 'DUMPABLE | SUPERPRIV');
    assert.equal((await describe_(uri))?.hasEdits, true);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await settle(uri, 'the revert', (description) => !description.hasEdits);
    assert.deepEqual(api().imageEditor.documentOf(uri)?.readAll(), original);
    assert.deepEqual(onDisk(uri), original);
  });

  it('a hot-exit backup restores unsaved edits', async () => {
    const uri = copyOfExample('passwd.crimg');
    const original = onDisk(uri);
    const uid = fieldOf(original, 'CRED.uid');
    await openImage(uri);
    await edit(uri, 'CRED.uid', '0x1f5');
    const provider = api().imageEditor;
    const document = provider.documentOf(uri);
    assert.ok(document);
    const token = new vscode.CancellationTokenSource().token;
    const destination = vscode.Uri.file(path.join(fixturesFolder(), `backup-${copies}.json`));
    const backup = await provider.backupCustomDocument(document, { destination }, token);
    await revertAndCloseAll();
    await until('the document to be disposed', () =>
      Promise.resolve(provider.documentOf(uri) === undefined ? true : undefined),
    );
    assert.deepEqual(onDisk(uri), original, 'closing dropped the edit');

    const restored = await provider.openCustomDocument(
      uri,
      { backupId: backup.id, untitledDocumentData: undefined },
      token,
    );
    try {
      assert.deepEqual(restored.readAll(), withBytes(original, uid.offset, u32(501)));
      assert.equal(restored.hasEdits, true);
      assert.deepEqual(onDisk(uri), original, 'the file itself is untouched');
    } finally {
      restored.dispose();
      await backup.delete();
    }
  });

  it('editing a signed image invalidates its signature; Sign with Machine Key re-signs it', async () => {
    const uri = copyOfExample('passwd-signed.crimg');
    assert.equal((await openImage(uri)).signature, 'valid');
    await edit(uri, 'CRED.euid', '500');
    const tampered = await describe_(uri);
    assert.equal(tampered?.signature, 'invalid');
    assert.ok(tampered?.problems.some((problem) => problem.startsWith('EBADMSG')));
    const diagnostics = vscode.languages.getDiagnostics(uri);
    assert.ok(
      diagnostics.some((d) => d.message.startsWith('EBADMSG at 0x')),
      'the Problems panel names EBADMSG and the offset',
    );
    const verify = await vscode.commands.executeCommand<{ valid: boolean; errno: string | null }>(
      'crlab.imageEditor.verify',
      uri,
    );
    assert.deepEqual([verify.valid, verify.errno], [false, 'EBADMSG']);

    const signed = await vscode.commands.executeCommand<{ ok: boolean }>(
      'crlab.imageEditor.signWithMachineKey',
      uri,
    );
    assert.ok(signed.ok);
    assert.equal((await describe_(uri))?.signature, 'valid');
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
    const reverify = await vscode.commands.executeCommand<{ valid: boolean; signature: string }>(
      'crlab.imageEditor.verify',
      uri,
    );
    assert.deepEqual([reverify.valid, reverify.signature], [true, 'verified']);

    await vscode.commands.executeCommand('undo');
    await settle(uri, 'undo of the signing', (description) => description.signature === 'invalid');
  });

  it('refuses values a field cannot hold, saying why', async () => {
    const uri = copyOfExample('passwd.crimg');
    await openImage(uri);
    const refusals: [string, string, RegExp][] = [
      ['CRED.euid', '-1', /outside u32/],
      ['CRED.euid', 'root', /not a number/],
      ['VMA.vma_type', 'SHARED', /not a VmaType/],
      ['HEAD.flags', 'CKPT | BOGUS', /unknown flag BOGUS/],
      ['FNAME.value', '/usr/bin/x', /must be exactly \d+ bytes/],
      ['HEAD.release', 'x'.repeat(64), /must fit in 63 bytes/],
      ['hdr.len', '1', /not editable/],
    ];
    for (const [fieldPath, input, why] of refusals) {
      const outcome = await vscode.commands.executeCommand<{ ok: boolean; message: string }>(
        'crlab.imageEditor.editField',
        uri,
        fieldPath,
        input,
      );
      assert.equal(outcome.ok, false, `${fieldPath} = ${input}`);
      assert.match(outcome.message, why);
    }
    assert.equal((await describe_(uri))?.hasEdits, false, 'nothing was applied');
  });

  it('lists a damaged image in the Problems panel while it is open', async () => {
    const uri = fixture('images', 'truncated.crimg');
    await openImage(uri);
    const problems = vscode.languages.getDiagnostics(uri);
    assert.equal(problems.length, 1);
    const [problem] = problems;
    assert.match(problem?.message ?? '', /^EPIPE at 0x[0-9a-f]+ \([A-Z_]+\.[a-z_.\[\]0-9]+\): /);
    assert.equal(problem?.code, 'EPIPE');
    assert.equal(problem?.range.start.line, 0);
    await revertAndCloseAll();
    await until('the problems to go with the document', () =>
      Promise.resolve(vscode.languages.getDiagnostics(uri).length === 0 ? true : undefined),
    );
  });

  it('Restart this image… lists the ordered checks of passwd.crimg as hallyn', async () => {
    const uri = fixture('examples', 'images', 'passwd.crimg');
    // The image runs in the window's lab session: start it from the default world.
    await vscode.commands.executeCommand('crlab.lab.newSession');
    await openImage(uri);
    const report = await vscode.commands.executeCommand<{
      errno: string | null;
      checks: { id: string; result: string; errno: string | null }[];
    }>('crlab.imageEditor.restart', uri, 'hallyn', 0);
    assert.equal(report.errno, 'EPERM');
    assert.deepEqual(
      report.checks.map((check) => `${check.result} ${check.id}`),
      [
        'pass restart.flags',
        'pass restart.unpriv',
        'pass restart.fd',
        'pass restart.header',
        'pass restart.format',
        'pass restart.error_record',
        'skip restart.signature',
        'skip restart.taskself',
        'pass restart.pidns',
        'pass restart.nproc',
        'fail restart.creds.uid',
      ],
    );
    // The checks are the lab's shown call, in the Checkpoint/Restart panel.
    const api = (await crlabExtension().activate()) as CrlabApi;
    const shown = api.lab.shownCall;
    assert.ok(shown, 'the lab shows the call');
    assert.equal(shown.user, 'hallyn');
    assert.equal(shown.checks.at(-1)?.offset, 0x13f);
    assert.deepEqual(
      shown.checks.map((check) => `${check.result} ${check.id}`),
      report.checks.map((check) => `${check.result} ${check.id}`),
    );
  });

  it('Show as JSON opens the lossless decode form', async () => {
    const uri = fixture('examples', 'images', 'counter.crimg');
    const description = await openImage(uri);
    await vscode.commands.executeCommand('crlab.imageEditor.showJson', uri);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    assert.equal(editor.document.languageId, 'json');
    assert.equal(editor.document.isUntitled, true);
    const json = JSON.parse(editor.document.getText()) as {
      format: string;
      size: number;
      records: { record: string }[];
    };
    assert.equal(json.format, 'crlab-image-json');
    assert.equal(json.size, description.byteLength);
    assert.equal(json.records.length, description.records);
    assert.equal(json.records[0]?.record, 'HEAD');
  });

  it('Compare with… shows what differs by meaning', async () => {
    const uri = fixture('examples', 'images', 'passwd-signed.crimg');
    await openImage(uri);
    const other = fixture('examples', 'images', 'passwd-signed-tampered.crimg');
    const differences = await vscode.commands.executeCommand<{ path: string }[]>(
      'crlab.imageEditor.compareWith',
      uri,
      other,
    );
    assert.ok(differences.length > 0);
    const shown = vscode.workspace.textDocuments.find(
      (document) => document.uri.scheme === 'crlab-report' && document.uri.path.includes('↔'),
    );
    assert.ok(shown);
    for (const difference of differences) assert.ok(shown.getText().includes(difference.path));
    const same = await vscode.commands.executeCommand<unknown[]>(
      'crlab.imageEditor.compareWith',
      uri,
      uri,
    );
    assert.deepEqual(same, []);
  });

  it('Verify reports a valid image and a tampered one with errno and offset', async () => {
    const valid = await vscode.commands.executeCommand<{ valid: boolean }>(
      'crlab.imageEditor.verify',
      fixture('examples', 'images', 'passwd.crimg'),
    );
    assert.equal(valid.valid, true);
    const tampered = await vscode.commands.executeCommand<{
      valid: boolean;
      errno: string;
      offset: number;
      field: string;
      message: string;
    }>('crlab.imageEditor.verify', fixture('examples', 'images', 'passwd-signed-tampered.crimg'));
    assert.equal(tampered.valid, false);
    assert.equal(tampered.errno, 'EBADMSG');
    assert.equal(tampered.field, 'SIGN.sig');
    assert.match(tampered.message, /EBADMSG at 0x[0-9a-f]+ \(SIGN\.sig\)/);
  });
});
