/**
 * The lab's commands inside a real VS Code, each run through `vscode.commands.executeCommand`
 * with its answers as arguments, asserting the kernel's state and each call's ordered checks;
 * the session saved as a scenario passes `crlab test` with the same checks; a reload replays it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CrlabApi } from '../../extension/extension';
import type { LabActionResult } from '../../extension/lab/session';
import { checkLink, openLink } from '../../extension/panel/links';
import { statusText } from '../../extension/panel/statusBar';
import {
  indexRecords,
  memoryReader,
  recordFieldTree,
  type FieldNode,
} from '../../extension/image/index';
import { crlabExtension, fixture, waitFor } from './workspace';

const SUBTREE = 0x1;
const FROZEN = 0x2;

/** hallyn's setuid passwd that checkpoints itself (kernel.md scenario 1), and nothing else. */
const passwdWorld = `# The setuid passwd of kernel.md scenario 1, checkpointing itself
world default
sysctl kernel.ckpt_sign_images = 1

program passwd
  open /etc/shadow rw -> shadow
  checkpoint self to /tmp/passwd.crimg -> crid
idle:
  sleep 1
  goto idle
end
file /bin/passwd mode 04755 owner root runs passwd
`;

/** [result id errno] of each check, in order. */
function rows(checks: readonly { id: string; result: string; errno: string | null }[]): string[] {
  return checks.map(
    (check) => `${check.result} ${check.id}${check.errno ? ` ${check.errno}` : ''}`,
  );
}

const restartPrefixSigned = [
  'pass restart.flags',
  'pass restart.unpriv',
  'pass restart.fd',
  'pass restart.header',
  'pass restart.format',
  'pass restart.error_record',
  'pass restart.signature',
  'skip restart.taskself',
  'pass restart.pidns',
  'pass restart.nproc',
];

async function api(): Promise<CrlabApi> {
  return (await crlabExtension().activate()) as CrlabApi;
}

function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests run in a workspace folder');
  return folder.uri;
}

async function lab<T = LabActionResult>(command: string, ...args: unknown[]): Promise<T> {
  const result = await vscode.commands.executeCommand<T>(`crlab.lab.${command}`, ...args);
  assert.ok(result !== undefined, `crlab.lab.${command} did something`);
  return result;
}

function pidOf(result: LabActionResult): number {
  assert.ok(result.pid !== null, `${result.statement} made a task`);
  return result.pid;
}

/** Loads the passwd world and runs hallyn's passwd until it has checkpointed itself. */
async function passwdCheckpointed(): Promise<{ passwd: number }> {
  const file = vscode.Uri.joinPath(workspaceFolder(), 'lab-passwd.crlab');
  writeFileSync(file.fsPath, passwdWorld);
  assert.equal(await lab<boolean>('loadScenario', file), true);
  const passwd = pidOf(await lab('spawn', '/bin/passwd', 'hallyn', 'root'));
  const ran = await lab('run', passwd, { kind: 'syscall', syscall: 'checkpoint' });
  assert.equal(ran.ok, true);
  assert.equal(ran.calls[0]?.by, 'program');
  assert.equal(ran.calls[0]?.image, '/tmp/passwd.crimg');
  return { passwd };
}

describe('the lab commands', function () {
  this.timeout(60_000);

  beforeEach(async () => {
    await lab<unknown>('newSession');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('are contributed in the Checkpoint/Restart category and hidden where they cannot apply', async () => {
    await api();
    const manifest = crlabExtension().packageJSON as {
      contributes: {
        commands: { command: string; category: string }[];
        menus: { commandPalette: { command: string; when: string }[] };
      };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const ids = [
      'newSession',
      'loadScenario',
      'spawn',
      'run',
      'checkpoint',
      'restart',
      'freeze',
      'thaw',
      'showChecks',
      'whoMayRestart',
      'exportReport',
      'saveAsScenario',
      'setSysctl',
      'showLog',
    ].map((id) => `crlab.lab.${id}`);
    for (const id of ids) {
      assert.ok(registered.has(id), `${id} is registered`);
      const contributed = manifest.contributes.commands.find((entry) => entry.command === id);
      assert.equal(contributed?.category, 'Checkpoint/Restart', `${id} is in the category`);
    }
    const when = (id: string): string | undefined =>
      manifest.contributes.menus.commandPalette.find((entry) => entry.command === `crlab.lab.${id}`)
        ?.when;
    assert.equal(when('checkpoint'), 'crlab.lab.hasTasks');
    assert.equal(when('thaw'), 'crlab.lab.hasFrozenTasks');
    assert.equal(when('showChecks'), 'crlab.lab.hasCalls');
    assert.equal(when('exportReport'), 'crlab.lab.hasCalls');
  });

  it('kernel.md scenario 2: hallyn may checkpoint neither oren’s task nor his setuid passwd', async () => {
    const { lab: service } = await api();
    const orens = pidOf(await lab('spawn', 'counter', 'oren', 'root'));
    const passwd = pidOf(await lab('spawn', '/bin/passwd', 'hallyn', 'root'));
    assert.equal((await lab('freeze', orens)).ok, true);
    assert.equal(service.session.kernel.task(orens)?.state, 'frozen');
    for (const [pid, target] of [
      [orens, '/tmp/oren.crimg'],
      [passwd, '/tmp/passwd.crimg'],
    ] as const) {
      const refused = await lab('checkpoint', pid, 'hallyn', SUBTREE, target);
      assert.equal(refused.errno, 'EPERM');
      assert.deepEqual(rows(refused.calls[0]?.checks ?? []), [
        'pass checkpoint.flags',
        'pass checkpoint.unpriv',
        'pass checkpoint.fd',
        'pass checkpoint.target',
        'pass checkpoint.container_init',
        'fail checkpoint.ptrace EPERM',
      ]);
      assert.equal(service.session.kernel.readFile(target), null, 'nothing was written');
    }
    const shown = await lab<{ id: number; checks: { reason: string }[] }>('showChecks');
    assert.equal(shown.id, 2);
    assert.match(shown.checks.at(-1)?.reason ?? '', /dumpable|euid|suid/);
    const task = service.session.kernel.task(passwd);
    assert.deepEqual([task?.cred.uid, task?.cred.euid, task?.dumpable], [500, 0, false]);
    assert.match(statusText(service).text, /\$\(error\) EPERM checkpoint\.ptrace$/);
    await waitFor(
      'the panel to show',
      () => (crlabExtension().exports as CrlabApi).labPanel.isShowing,
    );
  });

  it('kernel.md scenario 1: the self-checkpointed passwd restarts as root, not as hallyn', async () => {
    const { lab: service } = await api();
    await passwdCheckpointed();
    const refused = await lab('restart', '/tmp/passwd.crimg', 'hallyn', 0);
    assert.equal(refused.errno, 'EPERM');
    assert.deepEqual(rows(refused.calls[0]?.checks ?? []), [
      ...restartPrefixSigned,
      'fail restart.creds.uid EPERM',
    ]);
    assert.equal(refused.calls[0]?.checks.at(-1)?.field, 'CRED.euid');
    const tasksBefore = service.session.kernel.tasks().length;
    const allowed = await lab('restart', '/tmp/passwd.crimg', 'root', 0);
    assert.equal(allowed.ok, true);
    const passed = rows(allowed.calls[0]?.checks ?? []);
    assert.ok(passed.every((row) => !row.startsWith('fail')));
    assert.deepEqual(
      [...new Set(passed.map((row) => row.split(' ')[1]))],
      [
        'restart.flags',
        'restart.unpriv',
        'restart.fd',
        'restart.header',
        'restart.format',
        'restart.error_record',
        'restart.signature',
        'restart.taskself',
        'restart.pidns',
        'restart.nproc',
        'restart.creds.uid',
        'restart.creds.gid',
        'restart.creds.groups',
        'restart.creds.caps',
        'restart.setuid_exe',
        'restart.mmap',
        'restart.file.open',
        'restart.memory',
        'restart.lsm',
      ],
      'every check of kernel.md, in its order',
    );
    assert.equal(service.session.kernel.tasks().length, tasksBefore + 1);
    const restored = service.session.kernel.task(pidOf(allowed));
    assert.deepEqual(
      [restored?.cred.uid, restored?.cred.euid, restored?.fds.map((fd) => fd.path)],
      [500, 0, ['/dev/null', '/dev/null', '/dev/null', '/etc/shadow', '/tmp/passwd.crimg']],
    );
    assert.match(statusText(service).text, /\$\(pass\) restart$/);
  });

  it('who may restart the signed passwd image: hallyn only under signed, root always', async () => {
    const { lab: service } = await api();
    await passwdCheckpointed();
    const before = service.session.text;
    const matrix = await lab<{
      users: string[];
      modes: string[];
      cells: { allowed: boolean; errno: string | null; check: string | null }[][];
      replayWarning: string;
    }>('whoMayRestart', '/tmp/passwd.crimg');
    assert.deepEqual(matrix.users, ['root', 'daemon', 'hallyn', 'oren']);
    assert.deepEqual(matrix.modes, ['caller', 'authorized', 'signed']);
    const row = (user: string): string[] =>
      (matrix.cells[matrix.users.indexOf(user)] ?? []).map((cell) =>
        cell.allowed ? 'allowed' : `${cell.errno} ${cell.check}`,
      );
    assert.deepEqual(row('hallyn'), [
      'EACCES restart.file.open',
      'EPERM restart.creds.uid',
      'allowed',
    ]);
    assert.deepEqual(row('root'), ['allowed', 'allowed', 'allowed']);
    assert.match(matrix.replayWarning, /replayed/);
    assert.equal(service.session.text, before, 'the matrix changed nothing');
    assert.ok(service.showMatrixCell(2, 1));
    const exported = await lab<string>('exportReport', 'probe', 'markdown');
    assert.match(exported, /restart failed with EPERM in restart\.creds\.uid/);
  });

  it('checkpoints into the workspace, exports reports, freezes, thaws, steps and sets sysctls', async () => {
    const { lab: service } = await api();
    const counter = pidOf(await lab('spawn', 'counter', 'hallyn', 'new'));
    const stepped = await lab('run', counter, 'step');
    assert.equal(
      stepped.statement,
      `run ${service.session.tasks().find((t) => t.pid === counter)?.name} 1 step`,
    );
    await lab('run', counter, { kind: 'steps', steps: 9 });
    const frozen = await lab('freeze', counter);
    assert.equal(frozen.ok, true);
    const output = vscode.Uri.joinPath(workspaceFolder(), 'checkpoints', 'counter-test.crimg');
    const made = await lab('checkpoint', counter, 'root', 0, output);
    assert.equal(made.ok, true, made.summary);
    assert.deepEqual(
      new Uint8Array(readFileSync(output.fsPath)),
      service.session.kernel.readFile('/tmp/counter-test.crimg'),
      'the image went to the workspace file',
    );
    assert.equal((await lab('thaw', counter)).ok, true);
    assert.equal(service.session.kernel.task(counter)?.state !== 'frozen', true);
    const sysctl = await lab('setSysctl', 'kernel.ckpt_require_signed', 1);
    assert.equal(sysctl.ok, true);
    assert.equal(service.session.kernel.sysctl('kernel.ckpt_require_signed'), 1);
    const refused = await lab('restart', output, 'root', FROZEN);
    assert.equal(refused.errno, 'EPERM');
    assert.equal(refused.calls[0]?.checks.at(-1)?.id, 'restart.signature');

    const json = vscode.Uri.joinPath(workspaceFolder(), 'report.json');
    await lab('exportReport', made.calls[0]?.id, 'json', json);
    const report = JSON.parse(readFileSync(json.fsPath, 'utf8')) as {
      call: string;
      checks: { id: string }[];
    };
    assert.equal(report.call, 'checkpoint');
    assert.deepEqual(
      report.checks.map((check) => check.id),
      made.calls[0]?.checks.map((check) => check.id),
    );
    const markdown = await lab<string>('exportReport', refused.calls[0]?.id, 'markdown');
    assert.match(markdown, /^# Call \d+: restart failed with EPERM in restart\.signature/);
    assert.match(markdown, /\| 1 \| `restart\.flags` \| ✓ pass \|/);
    const log = await lab<vscode.Uri>('showLog');
    assert.equal(log.toString(), 'crlab-lab:/session.crlab');
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'crlab');
  });

  it('saves a mixed session as a scenario that `crlab test` passes, with the same checks', async () => {
    const { lab: service } = await api();
    await passwdCheckpointed();
    await lab('restart', '/tmp/passwd.crimg', 'hallyn', 0);
    const orens = pidOf(await lab('spawn', 'counter', 'oren', 'root'));
    await lab('run', orens, { kind: 'steps', steps: 5 });
    await lab('freeze', orens);
    await lab('checkpoint', orens, 'hallyn', SUBTREE, '/tmp/oren.crimg');
    await lab('checkpoint', orens, 'root', SUBTREE, '/tmp/oren.crimg');
    await lab('setSysctl', 'kernel.ckpt_restore_creds', 'caller');
    await lab('restart', '/tmp/passwd.crimg', 'hallyn', 0);
    await lab('restart', fixture('examples', 'images', 'counter.crimg'), 'hallyn', 0);
    await lab('thaw', orens);
    await lab('restart', '/tmp/passwd.crimg', 'root', 0);
    const history = service.session.history;
    assert.ok(history.length >= 7);
    const target = vscode.Uri.joinPath(workspaceFolder(), 'saved-session.crlab');
    await lab('saveAsScenario', target);
    const cli = path.join(crlabExtension().extensionPath, 'bin', 'crlab.js');
    const tested = execFileSync(process.execPath, [cli, 'test', target.fsPath], {
      encoding: 'utf8',
    });
    assert.match(tested, /^PASS .*saved-session\.crlab \(\d+ expectations\)$/m);
    assert.match(tested, /1 passed, 0 failed/);
    const ran = JSON.parse(
      execFileSync(process.execPath, [cli, 'run', '--json', target.fsPath], { encoding: 'utf8' }),
    ) as {
      entries: { calls?: { checks: { id: string; result: string; errno: string | null }[] }[] }[];
    };
    const calls = ran.entries.flatMap((entry) => entry.calls ?? []);
    assert.equal(calls.length, history.length);
    history.forEach((call, index) =>
      assert.deepEqual(rows(calls[index]?.checks ?? []), rows(call.checks), call.statement),
    );
  });

  it('a reload replays the session to the same kernel', async () => {
    const { lab: service } = await api();
    await passwdCheckpointed();
    await lab('restart', '/tmp/passwd.crimg', 'hallyn', 0);
    await lab('restart', '/tmp/passwd.crimg', 'root', 0);
    await lab('restart', fixture('examples', 'images', 'counter.crimg'), 'oren', 0);
    const before = {
      text: service.session.text,
      tasks: JSON.stringify(service.session.kernel.tasks(), (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
      history: service.session.history.map((call) => rows(call.checks)),
    };
    const old = service.session;
    await service.restoreFromState();
    assert.notEqual(service.session, old, 'a new session was replayed from the workspace state');
    assert.equal(service.session.text, before.text);
    assert.equal(
      JSON.stringify(service.session.kernel.tasks(), (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
      before.tasks,
    );
    assert.deepEqual(
      service.session.history.map((call) => rows(call.checks)),
      before.history,
    );
  });

  it('the image editor’s Restart This Image… runs in the session and shows its checks', async () => {
    const { lab: service } = await api();
    const uri = fixture('examples', 'images', 'passwd.crimg');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'crlab.imageEditor');
    const report = await vscode.commands.executeCommand<{
      errno: string | null;
      path: string;
      checks: { id: string; result: string; errno: string | null }[];
    }>('crlab.imageEditor.restart', uri, 'hallyn', 0);
    assert.equal(report.errno, 'EPERM');
    assert.equal(report.path, '/tmp/passwd.crimg');
    assert.equal(service.session.history.length, 1);
    assert.equal(service.shownCall?.id, 1);
    assert.deepEqual(rows(service.shownCall?.checks ?? []), rows(report.checks));
    assert.match(service.session.text, /file \/tmp\/passwd\.crimg mode 0644 contains hex "/);
    await waitFor(
      'the panel to show',
      () => (crlabExtension().exports as CrlabApi).labPanel.isShowing,
    );
  });

  it('a check leads to its image field, or to the scenario line that caused it', async () => {
    const { lab: service } = await api();
    const { passwd } = await passwdCheckpointed();
    const refused = await lab('restart', '/tmp/passwd.crimg', 'hallyn', 0);
    const call = refused.calls[0];
    const failed = call?.checks.at(-1);
    assert.ok(call && failed && call.imageBytes && call.image);
    const imageLink = checkLink(service.session, failed, {
      path: call.image,
      bytes: call.imageBytes,
      callId: call.id,
    });
    // The field the check names, found in the image's own field tree.
    const bytes = call.imageBytes;
    const euid = ((): FieldNode | undefined => {
      const walk = (node: FieldNode): FieldNode | undefined =>
        node.path === 'CRED.euid' ? node : (node.children ?? []).map(walk).find(Boolean);
      for (const entry of indexRecords(memoryReader(bytes), bytes.length).entries) {
        if (entry.kind === 'record' && entry.offset === failed.offset)
          return walk(recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset).root);
      }
      return undefined;
    })();
    assert.deepEqual(imageLink, {
      kind: 'image',
      uri: vscode.Uri.parse(`crlab-lab:/calls/${call.id}/tmp/passwd.crimg`),
      offset: euid?.offset,
    });
    assert.ok(imageLink?.kind === 'image');
    await openLink(imageLink);
    await waitFor('the image editor on the call’s image', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return (
        input instanceof vscode.TabInputCustom &&
        input.viewType === 'crlab.imageEditor' &&
        input.uri.toString() === imageLink.uri.toString()
      );
    });

    // The program's own checkpoint: its line in the scenario the session was loaded from.
    const own = service.session.history[0];
    const ownLink = checkLink(service.session, own?.checks[0] ?? failed, null);
    assert.equal(ownLink?.kind, 'line');
    assert.ok(ownLink?.kind === 'line');
    assert.ok(ownLink.uri.path.endsWith('/lab-passwd.crlab'));
    await openLink(ownLink);
    await waitFor('the scenario at its checkpoint line', () =>
      /checkpoint self to \/tmp\/passwd\.crimg/.test(
        vscode.window.activeTextEditor?.document.lineAt(
          vscode.window.activeTextEditor.selection.active.line,
        ).text ?? '',
      ),
    );

    // A script call of the lab: its statement in the session log.
    const flagsCheck = failed.line === undefined ? null : { ...failed, offset: null };
    assert.ok(flagsCheck);
    const logLink = checkLink(service.session, flagsCheck, null);
    assert.ok(logLink?.kind === 'line');
    assert.equal(logLink.uri.toString(), 'crlab-lab:/session.crlab');
    await openLink(logLink);
    await waitFor('the session log at the restart', () => {
      const editor = vscode.window.activeTextEditor;
      return (
        editor?.document.uri.toString() === 'crlab-lab:/session.crlab' &&
        editor.document.lineAt(editor.selection.active.line).text ===
          'restart /tmp/passwd.crimg as hallyn -> passwd_restored'
      );
    });
    assert.ok(service.session.kernel.task(passwd));
  });

  it('an operation cancelled before it starts changes nothing', async () => {
    const { lab: service } = await api();
    const source = new vscode.CancellationTokenSource();
    source.cancel();
    const before = service.session.text;
    await assert.rejects(
      service.spawn({ program: 'counter', user: 'hallyn' }, { token: source.token }),
      vscode.CancellationError,
    );
    assert.equal(service.session.text, before);
  });
});
