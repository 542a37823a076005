/**
 * A CRIU dump is as hostile as a checkpoint image: its comm and strings are whatever the dumped
 * process (or whoever wrote the directory) chose. In a real VS Code, a dump whose comm is markup,
 * bidi overrides, zero-width characters and 4 KiB of text opens, and everything its view is sent
 * shows those characters as ⟨U+XXXX⟩ (the webview sets all of it as textContent: see the e2e).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CrlabApi } from '../../extension/extension';
import { sampleDump, writeDumpFolder } from '../unit/criu/dump-writer';
import { crlabExtension, fixturesFolder, waitFor } from './workspace';

/** Invisible and reordering characters: none may reach the view raw. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const comm =
  '<img src=x onerror="globalThis.crlabPwned=1">\u202Egpj.exe\u200B\u2066' + 'A'.repeat(4096);

describe('hostile text in a CRIU dump', () => {
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('reaches its view with invisible and reordering characters written out', async () => {
    const folder = path.join(fixturesFolder(), 'criu', 'hostile-dump');
    writeDumpFolder(folder, sampleDump('v1.1', comm));
    const inventory = vscode.Uri.file(path.join(folder, 'inventory.img'));
    await vscode.commands.executeCommand('vscode.openWith', inventory, 'crlab.criuDump');
    const { criuDumps } = (await crlabExtension().activate()) as CrlabApi;
    const document = criuDumps.documentOf(inventory);
    assert.ok(document, 'the dump is open');
    await waitFor('the view to show the dump', () => criuDumps.shownViews(document) > 0);
    await waitFor('the restart answer', () => document.matrix !== null);

    // Everything the view is sent: the first view and the rows under every row, down to fields.
    const texts: string[] = [];
    const view = document.view();
    texts.push(view.title, ...view.summary.map((item) => item.value));
    texts.push(...view.problems.flatMap((problem) => [problem.field, problem.message]));
    for (const row of view.matrix?.rows ?? []) texts.push(row.user, row.reason);
    texts.push(...(view.matrix?.notes ?? []), ...(view.matrix?.limits ?? []));
    const pending = view.roots.map((node) => node.key);
    let rows = 0;
    while (pending.length > 0 && rows < 5000) {
      const key = pending.pop() as string;
      for (const node of document.childViews(key)) {
        rows++;
        texts.push(node.label, node.value, node.type, node.problem ?? '');
        if (node.hasChildren) pending.push(node.key);
      }
    }
    const shown = texts.join('\n');
    // The comm is there, whole, in its visible form, and nothing hidden is.
    assert.ok(shown.includes('⟨U+202E⟩gpj.exe⟨U+200B⟩⟨U+2066⟩'), 'the comm, written out');
    assert.ok(shown.includes('<img src=x onerror='), 'the markup, as text');
    const hidden = texts.filter((text) => HIDDEN.test(text.replaceAll('\n', '')));
    assert.deepEqual(hidden, [], 'text with a raw invisible or reordering character');
    assert.ok(rows > 20, `walked the tree (${rows} rows)`);
  });
});
