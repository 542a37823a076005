/**
 * The CRIU dump view in a real VS Code: a synthesised dump directory opened from its folder
 * (the Explorer's command) and from inventory.img, its tree as the view is sent it, its
 * problems in the Problems panel, and "who may restart this dump?".
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CrlabApi } from '../../extension/extension';
import type { RestartMatrix } from '../../extension/criu/index';
import { sampleDump, writeDumpFolder } from '../unit/criu/dump-writer';
import { activeTabInput, crlabExtension, fixturesFolder, waitFor } from './workspace';

async function api(): Promise<CrlabApi> {
  return (await crlabExtension().activate()) as CrlabApi;
}

function dumpFolder(name: string, contents: Record<string, Uint8Array>): vscode.Uri {
  const folder = path.join(fixturesFolder(), 'criu', name);
  writeDumpFolder(folder, contents);
  return vscode.Uri.file(folder);
}

describe('CRIU dump view', () => {
  const folder = dumpFolder('sample-dump', sampleDump('v1.1'));
  const inventory = vscode.Uri.joinPath(folder, 'inventory.img');
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens a dump directory from its folder and shows its tree by process', async () => {
    const opened = await vscode.commands.executeCommand<vscode.Uri>('crlab.criu.openDump', folder);
    assert.equal(opened?.fsPath, inventory.fsPath);
    await waitFor('the CRIU view tab', () => {
      const input = activeTabInput();
      return input instanceof vscode.TabInputCustom && input.viewType === 'crlab.criuDump';
    });
    const { criuDumps } = await api();
    const document = criuDumps.documentOf(inventory);
    assert.ok(document, 'the dump is open');
    // The view was sent the dump after its ready handshake.
    await waitFor('the view to show the dump', () => criuDumps.shownViews(document) > 0);
    const tree = document.tree;
    assert.deepEqual(
      tree.roots().map((node) => [node.label, node.value]),
      [
        ['inventory.img', 'img_version 2, LSM APPARMOR'],
        ['Processes', '2 processes from pstree.img'],
        ['Files', '7 other files of the directory'],
      ],
    );
    const processes = tree.children('sec:processes') ?? [];
    assert.deepEqual(
      processes.map((node) => [node.label, node.value, node.file, node.offset]),
      [
        [
          'pid 4242',
          'passwd · uid 500 euid 0 · caps ALL (41 capabilities) · 2 threads',
          'pstree.img',
          8,
        ],
      ],
    );
    assert.deepEqual(
      (tree.children('p:4242') ?? []).map((node) => [node.label, node.value]),
      [
        ['core-4242.img', 'thread leader 4242: passwd'],
        ['core-4243.img', 'thread 4243: passwd'],
        ['mm-4242.img', '4 mappings, exe /bin/passwd'],
        ['pagemap-4242.img', '3 runs, 3 pages in pages-1.img'],
        ['fdinfo-7.img', '3 descriptors'],
        ['pid 4250', 'sh · uid 500'],
      ],
    );
    // Each field with its type, value, file and offset; memory pages from pagemap + pages.
    // A byte of pages-1.img is located under its pagemap run, as the hex view asks.
    assert.deepEqual(tree.locate('pages-1.img', 4096 + 17), [
      'sec:processes',
      'p:4242',
      'file:pagemap-4242.img',
      'e:pagemap-4242.img#1',
      'pages:pagemap-4242.img#1',
      'page:pagemap-4242.img#1:1',
    ]);
    const pages = tree.children('pages:pagemap-4242.img#1') ?? [];
    assert.deepEqual(
      pages.map((node) => [node.label, node.file, node.offset, node.size]),
      [
        ['page 0x600000', 'pages-1.img', 0, 4096],
        ['page 0x601000', 'pages-1.img', 4096, 4096],
      ],
    );
    const fields = tree.children('file:mm-4242.img') ?? [];
    const vma = fields.find((node) => node.label === 'vmas[0]');
    assert.deepEqual(
      [vma?.value, vma?.type, vma?.file, vma?.offset],
      ['0x400000–0x401000 r-x private /bin/passwd', 'vma_entry', 'mm-4242.img', 74],
    );
    // The restart answer follows the tree, for a dump this small.
    await waitFor('the restart answer', () => document.matrix !== null);
    assert.deepEqual(
      document.view().matrix?.rows.map((row) => [row.user, row.allowed, row.check]),
      [
        ['root', true, null],
        ['daemon', false, 'restart.pidns'],
        ['hallyn', false, 'restart.pidns'],
        ['oren', false, 'restart.pidns'],
      ],
    );
  });

  it('is the default editor of inventory.img', async () => {
    await vscode.commands.executeCommand('vscode.open', inventory);
    await waitFor('the CRIU view tab', () => {
      const input = activeTabInput();
      return input instanceof vscode.TabInputCustom && input.viewType === 'crlab.criuDump';
    });
  });

  it('refuses a folder that is not a dump', async () => {
    const plain = vscode.Uri.file(path.join(fixturesFolder(), 'plain'));
    const opened = await vscode.commands.executeCommand('crlab.criu.openDump', plain);
    assert.equal(opened, undefined);
    assert.ok(!(activeTabInput() instanceof vscode.TabInputCustom));
  });

  it("puts a damaged dump's problems in the Problems panel, on the file they are in", async () => {
    const contents = sampleDump('v1.1');
    contents['mm-4242.img'] = (contents['mm-4242.img'] as Uint8Array).subarray(0, 40);
    const damaged = dumpFolder('damaged-dump', contents);
    await vscode.commands.executeCommand('crlab.criu.openDump', damaged);
    const mm = vscode.Uri.joinPath(damaged, 'mm-4242.img');
    await waitFor('a problem on mm-4242.img', () => vscode.languages.getDiagnostics(mm).length > 0);
    const [problem] = vscode.languages.getDiagnostics(mm);
    assert.equal(
      problem?.message,
      '0x8 (entry[0].size): entry size 177 runs past the end of the file (28 bytes left)',
    );
    assert.equal(problem?.source, 'crlab criu');
  });

  it('answers who may restart it, in a report beside the view', async () => {
    await vscode.commands.executeCommand('crlab.criu.openDump', folder);
    const matrix = await vscode.commands.executeCommand<RestartMatrix>(
      'crlab.criu.whoMayRestart',
      folder,
      'default',
    );
    assert.ok(matrix);
    assert.deepEqual(
      matrix.rows.map((row) => [row.user, row.refusedBy?.id ?? null]),
      [
        ['root', null],
        ['daemon', 'restart.pidns'],
        ['hallyn', 'restart.pidns'],
        ['oren', 'restart.pidns'],
      ],
    );
    const isReport = (doc: vscode.TextDocument): boolean =>
      doc.uri.scheme === 'crlab-report' && doc.uri.path.endsWith('Who may restart sample-dump.txt');
    await waitFor('the report', () => vscode.workspace.textDocuments.some(isReport));
    const report = vscode.workspace.textDocuments.find(isReport);
    assert.match(
      report?.getText() ?? '',
      /^hallyn \(uid 500\): refused by restart\.pidns EPERM \[pstree\.img at 0x8, pstree_entry\]/m,
    );
    assert.match(report?.getText() ?? '', /What the mapping cannot know:/);
  });
});
