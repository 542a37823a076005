import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { crlabExtension } from './workspace';

interface ContributedCommand {
  command: string;
  category?: string;
}

function packageJson(): {
  activationEvents: string[];
  contributes: { commands: ContributedCommand[] };
} {
  return crlabExtension().packageJSON as {
    activationEvents: string[];
    contributes: { commands: ContributedCommand[] };
  };
}

describe('manifest', () => {
  it('activates only on fine-grained events', () => {
    const events = packageJson().activationEvents;
    assert.ok(events.length > 0);
    for (const event of events) {
      assert.ok(event !== '*' && event !== 'onStartupFinished', `eager activation event ${event}`);
      // workspaceContains: scenarios of the workspace appear in the Test Explorer.
      assert.match(
        event,
        /^((onCustomEditor|onLanguage|onCommand|onDebugResolve|onDebugDynamicConfigurations):crlab|workspaceContains:\*\*\/\*\.crlab$)/,
      );
    }
  });

  it('registers every contributed command, all in the Checkpoint/Restart category', async () => {
    await crlabExtension().activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command, category } of packageJson().contributes.commands) {
      assert.ok(registered.has(command), `${command} is contributed but not registered`);
      assert.equal(category, 'Checkpoint/Restart', `${command} has category ${category}`);
    }
  });

  it('contributes its settings under crlab. with their defaults', () => {
    const config = vscode.workspace.getConfiguration('crlab.imageEditor');
    assert.equal(config.get('offsetRadix'), 'hex');
    assert.equal(config.get('expandRecordsUpTo'), 8);
  });
});
