import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { crlabExtension } from './workspace';

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}

interface Manifest {
  contributes: {
    commands: { command: string; title: string; icon?: string }[];
    menus: Record<string, MenuItem[]>;
  };
}

const onlyInImageEditor = 'activeCustomEditorId == crlab.imageEditor';

/**
 * The image editor's actions, each with whether it has an editor-title button and whether it
 * changes the image (those are hidden in Restricted Mode too: `isWorkspaceTrusted`).
 */
const actions: [string, boolean, boolean][] = [
  ['crlab.imageEditor.restart', true, false],
  ['crlab.imageEditor.verify', true, false],
  ['crlab.imageEditor.showJson', true, false],
  ['crlab.imageEditor.compareWith', true, false],
  ['crlab.imageEditor.signWithMachineKey', true, true],
  ['crlab.imageEditor.editField', true, true],
  ['crlab.imageEditor.goToOffset', false, false],
];

describe('image editor actions in the manifest', () => {
  const manifest = (): Manifest => crlabExtension().packageJSON as Manifest;

  it('are in the palette only while an image editor is active, with codicons in its title', async () => {
    const { commands, menus } = manifest().contributes;
    const registered = await vscode.commands.getCommands(true);
    for (const [id, inTitle, changes] of actions) {
      const when = changes ? `${onlyInImageEditor} && isWorkspaceTrusted` : onlyInImageEditor;
      const command = commands.find((entry) => entry.command === id);
      assert.ok(command, `${id} is contributed`);
      assert.match(command.icon ?? '', /^\$\([a-z-]+\)$/, `${id} has a codicon`);
      assert.ok(registered.includes(id), `${id} is registered`);
      const palette = menus['commandPalette']?.find((item) => item.command === id);
      assert.equal(palette?.when, when, `${id} is hidden elsewhere`);
      const title = menus['editor/title']?.find((item) => item.command === id);
      if (inTitle) assert.equal(title?.when, when, `${id} is in the editor title`);
      else assert.equal(title, undefined);
    }
  });

  it('keep the test hook out of the palette', () => {
    const palette = manifest().contributes.menus['commandPalette'];
    const hook = palette?.find((item) => item.command === 'crlab.imageEditor.describeActive');
    assert.equal(hook?.when, 'false');
  });
});
