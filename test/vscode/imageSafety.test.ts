/**
 * The image editor never loses work: a save that fails leaves the file as it was and the document
 * dirty with its edits; a file changed by another program while it has unsaved edits asks before
 * reloading it or overwriting it. The questions are answered by a script (the provider's
 * `safety.prompts`), and failures are injected through its `safety.fileSystem`.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SaveFileSystem } from '../../extension/host/atomicSave';
import { nodeSaveFileSystem } from '../../extension/host/node';
import type { SafetyPrompts } from '../../extension/editor/documentSafety';
import type { ImageDocument } from '../../extension/editor/imageDocument';
import type { CrlabApi } from '../../extension/extension';
import { crlabExtension, fixture, fixturesFolder, waitFor } from './workspace';

function api(): CrlabApi {
  return crlabExtension().exports as CrlabApi;
}

let copies = 0;

/** A fresh copy of an example image in a folder of its own. */
function copyOfExample(name: string): vscode.Uri {
  copies++;
  const target = path.join(fixturesFolder(), `safety-${copies}-${name}`);
  copyFileSync(fixture('examples', 'images', name).fsPath, target);
  return vscode.Uri.file(target);
}

function onDisk(uri: vscode.Uri): Uint8Array {
  return new Uint8Array(readFileSync(uri.fsPath));
}

function leftovers(uri: vscode.Uri): string[] {
  const name = path.basename(uri.fsPath);
  return readdirSync(path.dirname(uri.fsPath)).filter(
    (file) => file.startsWith(`.${name}`) && file.includes('crlab-save'),
  );
}

async function openImage(uri: vscode.Uri): Promise<ImageDocument> {
  await vscode.commands.executeCommand('vscode.openWith', uri, 'crlab.imageEditor');
  let document: ImageDocument | undefined;
  await waitFor(`${uri.fsPath} in the image editor`, () => {
    document = api().imageEditor.documentOf(uri);
    return document !== undefined;
  });
  return document as ImageDocument;
}

function activeTabDirty(): boolean {
  return vscode.window.tabGroups.activeTabGroup.activeTab?.isDirty === true;
}

async function edit(uri: vscode.Uri, fieldPath: string, input: string): Promise<void> {
  const outcome = await vscode.commands.executeCommand<{ ok: boolean; message: string }>(
    'crlab.imageEditor.editField',
    uri,
    fieldPath,
    input,
  );
  assert.ok(outcome.ok, outcome.message);
  await waitFor('VS Code to see the edit', activeTabDirty);
}

/** Questions answered from a queue; every question asked is recorded. */
class ScriptedPrompts implements SafetyPrompts {
  readonly asked: string[] = [];
  constructor(
    private readonly disk: Array<'reload' | 'keep'> = [],
    private readonly overwrite: Array<'overwrite' | 'cancel'> = [],
  ) {}
  changedOnDisk(fileName: string): Thenable<'reload' | 'keep'> {
    this.asked.push(`changed ${fileName}`);
    return Promise.resolve(this.disk.shift() ?? 'keep');
  }
  overwriteChanged(fileName: string): Thenable<'overwrite' | 'cancel'> {
    this.asked.push(`overwrite ${fileName}`);
    return Promise.resolve(this.overwrite.shift() ?? 'cancel');
  }
}

async function revertAndCloseAll(): Promise<void> {
  for (let i = 0; i < 50 && vscode.window.tabGroups.all.some((group) => group.tabs.length > 0); i++)
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

describe('image editor: data safety', () => {
  const files = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('files');
  let autoSave: string | undefined;
  let prompts: SafetyPrompts;
  let fileSystem: SaveFileSystem | null;
  before(async () => {
    autoSave = files().inspect<string>('autoSave')?.globalValue;
    await files().update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    prompts = api().imageEditor.safety.prompts;
    fileSystem = api().imageEditor.safety.fileSystem;
  });
  after(async () => {
    await files().update('autoSave', autoSave, vscode.ConfigurationTarget.Global);
  });
  afterEach(async () => {
    api().imageEditor.safety.prompts = prompts;
    api().imageEditor.safety.fileSystem = fileSystem;
    await revertAndCloseAll();
  });

  it('a save that fails mid-write (injected ENOSPC) keeps the file and the unsaved edits', async () => {
    const uri = copyOfExample('passwd.crimg');
    const original = onDisk(uri);
    const document = await openImage(uri);
    await edit(uri, 'CRED.euid', '500');
    const edited = document.readAll();
    let writes = 0;
    api().imageEditor.safety.fileSystem = {
      ...nodeSaveFileSystem,
      write: (fd, bytes) => {
        if (writes++ > 0)
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        return nodeSaveFileSystem.write(fd, bytes.subarray(0, 100));
      },
    };
    await vscode.commands.executeCommand('workbench.action.files.save');
    assert.deepEqual(onDisk(uri), original, 'the file is as it was');
    assert.deepEqual(leftovers(uri), [], 'no temporary file is left beside it');
    assert.equal(document.hasEdits, true, 'the edits are still there');
    assert.deepEqual(document.readAll(), edited);
    assert.equal(activeTabDirty(), true, 'VS Code still shows the document dirty');

    // Once the disk has room again, the same edits save.
    api().imageEditor.safety.fileSystem = fileSystem;
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('the save', () => !activeTabDirty());
    assert.deepEqual(onDisk(uri), edited);
  });

  it('an edit made while the image saves is saved too: the file is the image as VS Code counts it saved', async () => {
    const uri = copyOfExample('passwd.crimg');
    const document = await openImage(uri);
    await edit(uri, 'CRED.euid', '500');
    const flushed: Uint8Array[] = [];
    let edited: Uint8Array | null = null;
    const flush = nodeSaveFileSystem.fsyncInBackground;
    assert.ok(flush, 'the Node host flushes in the background');
    // The save writes between turns of the loop and flushes in the background: an edit comes
    // in while the first write is flushed.
    api().imageEditor.safety.fileSystem = {
      ...nodeSaveFileSystem,
      fsyncInBackground: async (fd) => {
        flushed.push(document.readAll());
        if (edited === null) {
          await edit(uri, 'CPU.pc', '9');
          edited = document.readAll();
        }
        await flush(fd);
      },
    };
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('the save', () => !activeTabDirty());
    assert.ok(edited !== null, 'an edit was made during the save');
    assert.equal(flushed.length, 2, 'the image was written again after the edit');
    assert.deepEqual(onDisk(uri), edited, 'the file holds both edits');
    assert.equal(document.hasEdits, false, 'nothing is left unsaved');
    assert.deepEqual(document.readAll(), edited);
    assert.deepEqual(leftovers(uri), []);
  });

  it('a save started while another flushes (VS Code cancels the first) saves once, asking nothing', async () => {
    const uri = copyOfExample('passwd.crimg');
    const original = onDisk(uri);
    const document = await openImage(uri);
    const scripted = new ScriptedPrompts();
    api().imageEditor.safety.prompts = scripted;
    await edit(uri, 'CRED.euid', '500');
    const edited = document.readAll();
    const flush = nodeSaveFileSystem.fsyncInBackground;
    assert.ok(flush, 'the Node host flushes in the background');
    let firstFlushing: () => void = () => undefined;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let flushes = 0;
    api().imageEditor.safety.fileSystem = {
      ...nodeSaveFileSystem,
      fsyncInBackground: async (fd) => {
        flushes++;
        if (flushes === 1) {
          firstFlushing();
          await released;
        }
        await flush(fd);
      },
    };
    const first = new vscode.CancellationTokenSource();
    const second = new vscode.CancellationTokenSource();
    const flushing = new Promise<void>((resolve) => (firstFlushing = resolve));
    const firstSave = api().imageEditor.saveCustomDocument(document, first.token);
    await flushing;
    assert.deepEqual(onDisk(uri), original, 'nothing renamed before the flush ends');
    const secondSave = api().imageEditor.saveCustomDocument(document, second.token);
    first.cancel();
    release();
    await assert.rejects(firstSave, (error) => error instanceof vscode.CancellationError);
    await secondSave;
    assert.deepEqual(onDisk(uri), edited, 'the second save wrote the edit');
    assert.deepEqual(leftovers(uri), [], 'the cancelled save left no temporary file');
    assert.equal(document.hasEdits, false);
    assert.deepEqual(scripted.asked, [], 'no question about a change on disk');
  });

  it('Save As into a folder nobody may write (sysfs) fails and keeps the edits', async () => {
    const uri = copyOfExample('counter.crimg');
    const original = onDisk(uri);
    const document = await openImage(uri);
    await edit(uri, 'CPU.pc', '7');
    await assert.rejects(
      api().imageEditor.saveCustomDocumentAs(
        document,
        vscode.Uri.file('/sys/counter.crimg'),
        new vscode.CancellationTokenSource().token,
      ),
      (error: NodeJS.ErrnoException) => error.code === 'EACCES' || error.code === 'EROFS',
    );
    assert.deepEqual(onDisk(uri), original);
    assert.equal(document.hasEdits, true);
    assert.equal(activeTabDirty(), true);
  });

  it('a change on disk under unsaved edits asks; "keep" keeps them, and saving over it asks first', async () => {
    const uri = copyOfExample('passwd.crimg');
    const scripted = new ScriptedPrompts(['keep'], ['cancel', 'overwrite']);
    api().imageEditor.safety.prompts = scripted;
    const document = await openImage(uri);
    await edit(uri, 'CRED.uid', '0');
    const mine = document.readAll();
    const theirs = onDisk(fixture('examples', 'images', 'reader.crimg'));
    writeFileSync(uri.fsPath, theirs);
    const name = path.basename(uri.fsPath);
    await waitFor('the question about the change on disk', () => scripted.asked.length > 0);
    assert.deepEqual(scripted.asked, [`changed ${name}`]);
    assert.equal(document.hasEdits, true, 'kept: the edits are still there');
    assert.deepEqual(document.readAll(), mine);

    await vscode.commands.executeCommand('workbench.action.files.save');
    assert.deepEqual(scripted.asked, [`changed ${name}`, `overwrite ${name}`]);
    assert.deepEqual(onDisk(uri), theirs, 'declined: the file of the other program stays');
    assert.equal(activeTabDirty(), true, 'declined: the document is still dirty');

    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('the overwrite', () => !activeTabDirty());
    assert.deepEqual(scripted.asked.at(-1), `overwrite ${name}`);
    assert.deepEqual(onDisk(uri), mine, 'overwritten with the edits');
  });

  it('a change on disk under unsaved edits asks; "reload" drops them for the new file', async () => {
    const uri = copyOfExample('counter.crimg');
    const scripted = new ScriptedPrompts(['reload']);
    api().imageEditor.safety.prompts = scripted;
    const document = await openImage(uri);
    await edit(uri, 'CPU.pc', '9');
    const theirs = onDisk(fixture('examples', 'images', 'counter-signed.crimg'));
    writeFileSync(uri.fsPath, theirs);
    await waitFor('the reload', () => !document.hasEdits && !activeTabDirty());
    assert.deepEqual(scripted.asked, [`changed ${path.basename(uri.fsPath)}`]);
    assert.deepEqual(document.readAll(), theirs);
  });

  it('a change on disk without unsaved edits reloads without asking', async () => {
    const uri = copyOfExample('passwd.crimg');
    const scripted = new ScriptedPrompts();
    api().imageEditor.safety.prompts = scripted;
    const document = await openImage(uri);
    const theirs = onDisk(fixture('examples', 'images', 'passwd-signed.crimg'));
    // The document's file watcher is registered asynchronously (extension host → the workbench's
    // file watcher): a write in the first moments after opening can come before it watches and
    // is never reported. The other tests edit first, which gives it that time; this one writes
    // the other program's bytes again until the watcher reports one of the writes.
    const reloaded = (): boolean => document.readAll().length === theirs.length;
    for (let attempt = 0; !reloaded(); attempt++) {
      writeFileSync(uri.fsPath, theirs);
      try {
        await waitFor('the reload', reloaded, 2_000);
      } catch (error) {
        if (attempt === 9) throw error;
      }
    }
    assert.deepEqual(document.readAll(), theirs);
    assert.deepEqual(scripted.asked, []);
  });
});
