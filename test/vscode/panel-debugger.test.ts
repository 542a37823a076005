/**
 * The debugger and the lab meet only through the LabService: a scenario debugged with the
 * `crlab` debug type makes its checkpoint and restart calls in its own kernel, and each shows
 * with its ordered checks in the Checkpoint/Restart panel's state beside the lab's calls — the
 * same checks the lab gives the same scenario — while the lab's kernel and log stay as they were.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CrlabApi } from '../../extension/extension';
import { LabSession } from '../../extension/lab/session';
import { labStateView } from '../../extension/panel/labState';
import { crlabExtension, waitFor } from './workspace';

/** hallyn's setuid passwd checkpoints itself; hallyn restarts the image (kernel.md scenario 1). */
const scenario = [
  '# hallyn restarts the passwd that checkpointed itself', // 1
  'world default', // 2
  '', // 3
  'program passwd', // 4
  '  open /etc/shadow rw -> shadow', // 5
  '  checkpoint self to /tmp/passwd.crimg -> crid', // 6
  '  exit 0', // 7
  'end', // 8
  'file /bin/passwd mode 04755 owner root runs passwd', // 9
  '', // 10
  'spawn /bin/passwd as hallyn -> pw', // 11
  'run pw', // 12
  'restart /tmp/passwd.crimg as hallyn flags FROZEN', // 13
  'expect last EPERM restart.creds.uid', // 14
  '',
].join('\n');

function rows(checks: readonly { id: string; result: string; errno: string | null }[]): string[] {
  return checks.map(
    (check) => `${check.result} ${check.id}${check.errno ? ` ${check.errno}` : ''}`,
  );
}

/** The lab's tasks, every field (capabilities are bigints). */
function kernelState(api: CrlabApi): string {
  return JSON.stringify(api.lab.session.tasks(), (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString(16) : value,
  );
}

function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests run in a workspace folder');
  return folder.uri;
}

describe('the debugger’s calls in the Checkpoint/Restart panel', function () {
  this.timeout(60_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows each call of a debugging session with its checks, and leaves the lab alone', async () => {
    const api = (await crlabExtension().activate()) as CrlabApi;
    await vscode.commands.executeCommand('crlab.lab.newSession');
    const labLog = api.lab.session.text;
    const labKernel = kernelState(api);
    const before = api.lab.externalCalls.length;

    const file = vscode.Uri.joinPath(workspaceFolder(), 'debug-passwd.crlab');
    writeFileSync(file.fsPath, scenario);
    const ended = new Promise<void>((resolve) => {
      const listener = vscode.debug.onDidTerminateDebugSession((session) => {
        if (session.type !== 'crlab') return;
        listener.dispose();
        resolve();
      });
    });
    const started = await vscode.debug.startDebugging(undefined, {
      type: 'crlab',
      request: 'launch',
      name: 'debug-passwd',
      program: file.fsPath,
      stopOnEntry: false,
    });
    assert.equal(started, true);
    await ended;
    await waitFor(
      'the debugging session’s two calls',
      () => api.lab.externalCalls.length >= before + 2,
    );

    // The same checks the lab gives the same scenario, call by call.
    const expected = LabSession.load(scenario).history;
    const calls = api.lab.externalCalls.slice(before);
    assert.deepEqual(
      calls.map((call) => `${call.call} ${call.by} line ${call.line} ${call.errno ?? 'ok'}`),
      ['checkpoint program line 6 ok', 'restart script line 13 EPERM'],
    );
    assert.deepEqual(
      calls.map((call) => rows(call.checks)),
      expected.map((call) => rows(call.checks)),
    );
    assert.equal(rows(calls[1]?.checks ?? []).at(-1), 'fail restart.creds.uid EPERM');
    assert.ok(calls.every((call) => call.source === file.fsPath));

    // The panel's state: the lab's history unchanged, the debugger's listed apart, the latest
    // shown with its checks, its deciding check leading to the scenario's line.
    const view = labStateView(api.lab, 1);
    assert.equal(view.history.length, 0);
    assert.deepEqual(
      view.debuggerHistory.slice(before).map((call) => `${call.call} ${call.deciding ?? 'ok'}`),
      ['checkpoint ok', 'restart restart.creds.uid'],
    );
    assert.equal(view.call?.debugSource, 'debug-passwd.crlab');
    // The flags the debugging session's kernel received, not a default.
    assert.equal(view.call?.flags, 'FROZEN');
    assert.equal(view.call?.id, calls[1]?.id);
    assert.deepEqual(rows(view.call?.checks ?? []), rows(calls[1]?.checks ?? []));
    const deciding = view.call?.checks.find((check) => check.result === 'fail');
    assert.equal(deciding?.link, 'line');
    assert.equal(deciding?.line, 13);

    // The lab itself did nothing.
    assert.equal(api.lab.session.text, labLog);
    assert.equal(kernelState(api), labKernel);

    // An older call of the debugger is shown again by its id (the panel's history does so).
    const first = calls[0];
    assert.ok(first !== undefined);
    assert.equal(api.lab.showExternalCallById(first.id)?.call, 'checkpoint');
    assert.equal(labStateView(api.lab, 2).call?.id, first.id);

    // Its report says where it came from.
    const target = vscode.Uri.joinPath(workspaceFolder(), 'debugger-call.json');
    await vscode.commands.executeCommand('crlab.lab.exportReport', undefined, 'json', target);
    const report = JSON.parse(readFileSync(target.fsPath, 'utf8')) as {
      title: string;
      debugSource: string | null;
      checks: { id: string }[];
    };
    assert.equal(report.debugSource, file.fsPath);
    assert.equal(report.title, `Debugging session call D${first.id}`);
    assert.deepEqual(
      report.checks.map((check) => check.id),
      first.checks.map((check) => check.id),
    );
  });
});
