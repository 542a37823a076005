/**
 * The .crlab language features inside a real VS Code, through VS Code's own commands: the
 * providers are called the way the editor calls them, and the Test Explorer controller runs the
 * examples (plus one scenario made to fail, one with a mistake) as the Testing view does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CrlabApi } from '../../extension/extension';
import { crlabExtension, fixture, waitFor } from './workspace';

/** Fails on purpose: the checkpoint succeeds, the scenario says it must not. */
const FAILING = `world default
spawn counter as hallyn -> c
run c 3 steps
expect last ok
freeze c
checkpoint c as hallyn flags SUBTREE to /tmp/c.crimg
expect last EPERM checkpoint.ptrace
expect task c state frozen
`;

/** A scenario with mistakes: a typo'd user, a duplicate label, an unknown check id. */
const MISTAKES = `world default
program p
again:
again:
  exit 0
end
spawn p as halyn -> t
expect check restart.creds.ui pass
`;

function api(): CrlabApi {
  return crlabExtension().exports as CrlabApi;
}

/** Runs a Testing command (`testing.runAll`...) and waits until our controller's run ended. */
async function runTests(command: string): Promise<void> {
  const tests = api().language.tests;
  const ran = new Promise<void>((resolve) => {
    const listener = tests.onDidRun(() => {
      listener.dispose();
      resolve();
    });
  });
  await vscode.commands.executeCommand(command);
  await ran;
}

function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) throw new Error('no workspace folder');
  return folder.uri;
}

/** The position of the `nth` occurrence of `needle` in the document, plus `offset`. */
function positionOf(
  document: vscode.TextDocument,
  needle: string,
  nth = 0,
  offset = 0,
): vscode.Position {
  const text = document.getText();
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`\`${needle}\` #${nth} is not in ${document.uri.path}`);
  }
  return document.positionAt(index + offset);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .join('\n');
}

async function diagnosticsOf(uri: vscode.Uri, source: string): Promise<vscode.Diagnostic[]> {
  let found: vscode.Diagnostic[] = [];
  await waitFor(`${source} diagnostics on ${path.basename(uri.path)}`, () => {
    found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === source);
    return found.length > 0;
  });
  return found;
}

describe('the .crlab language in VS Code', function () {
  this.timeout(120_000);
  const scenarios = vscode.Uri.joinPath(workspaceFolder(), 'scenarios');
  const scenario = (name: string): vscode.Uri => vscode.Uri.joinPath(scenarios, name);
  const exampleNames: string[] = [];

  before(async () => {
    await crlabExtension().activate();
    // The examples, a scenario that fails and one with mistakes, in the workspace so that the
    // Test Explorer finds them as a user's scenarios.
    for (const [name, type] of await vscode.workspace.fs.readDirectory(fixture('examples'))) {
      if (type !== vscode.FileType.File || !name.endsWith('.crlab')) continue;
      exampleNames.push(name);
      await vscode.workspace.fs.copy(fixture('examples', name), scenario(name), {
        overwrite: true,
      });
    }
    exampleNames.sort();
    await vscode.workspace.fs.writeFile(
      scenario('failing.crlab'),
      new TextEncoder().encode(FAILING),
    );
    await vscode.workspace.fs.writeFile(
      scenario('mistakes.crlab'),
      new TextEncoder().encode(MISTAKES),
    );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(scenarios, { recursive: true, useTrash: false });
  });

  afterEach(() => {
    assert.deepEqual(api().language.providerFailures, [], 'no provider caught an error');
  });

  it('shows diagnostics with codes, exact ranges and related information, cleared on close', async () => {
    const document = await vscode.workspace.openTextDocument(scenario('mistakes.crlab'));
    await vscode.window.showTextDocument(document);
    const diagnostics = await diagnosticsOf(document.uri, 'crlab');
    const summary = diagnostics.map((d) => [
      d.code,
      d.range.start.line,
      d.range.start.character,
      d.range.end.character,
    ]);
    assert.deepEqual(summary, [
      ['duplicate', 3, 0, 5],
      ['unknown-user', 6, 11, 16],
      ['bad-argument', 7, 13, 29],
    ]);
    const [duplicate, user] = diagnostics;
    assert.equal(duplicate?.relatedInformation?.[0]?.location.range.start.line, 2);
    assert.match(duplicate?.relatedInformation?.[0]?.message ?? '', /first definition of `again`/);
    assert.match(user?.message ?? '', /unknown user `halyn` \(did you mean `hallyn`\?\)/);
    assert.equal(user?.severity, vscode.DiagnosticSeverity.Error);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // Closing the editor does not close the document at once; the diagnostics go when it does.
    await waitFor('the diagnostics to be cleared', () => {
      const open = vscode.workspace.textDocuments.some(
        (d) => d.uri.toString() === document.uri.toString(),
      );
      return open || vscode.languages.getDiagnostics(document.uri).length === 0;
    });
  });

  it('updates diagnostics as the text changes', async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'crlab',
      content: 'spawn counter as hallyn -> c\n',
    });
    // A fresh document without mistakes: nothing, then a typo appears, then it is fixed.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(0, 17, 0, 23), 'halyn');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const [typo] = await diagnosticsOf(document.uri, 'crlab');
    assert.equal(typo?.code, 'unknown-user');
    const fix = new vscode.WorkspaceEdit();
    fix.replace(document.uri, typo.range, 'hallyn');
    assert.ok(await vscode.workspace.applyEdit(fix));
    await waitFor(
      'the diagnostic to go',
      () => vscode.languages.getDiagnostics(document.uri).length === 0,
    );
  });

  it('offers the parser suggestion as a preferred quick fix that removes the diagnostic', async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'crlab',
      content: 'spawn counter as halyn -> c\nexpect last EPREM\n',
    });
    const diagnostics = await diagnosticsOf(document.uri, 'crlab');
    assert.equal(diagnostics.length, 2);
    for (const [index, expected] of [
      [0, 'hallyn'],
      [1, 'EPERM'],
    ] as const) {
      const diagnostic = diagnostics[index];
      assert.ok(diagnostic);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        document.uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const fix = actions.find((a) => a.title === `Change to \`${expected}\``);
      assert.ok(fix, `a fix among ${actions.map((a) => a.title).join(', ')}`);
      assert.equal(fix.isPreferred, true);
      assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)));
    }
    await waitFor(
      'the fixed text to have no diagnostics',
      () => vscode.languages.getDiagnostics(document.uri).length === 0,
    );
    assert.equal(document.getText(), 'spawn counter as hallyn -> c\nexpect last EPERM\n');
  });

  it('keeps its quick fix when another extension registers a code action provider meanwhile', async () => {
    // The e2e hover's "No quick fixes available" (issue #8): VS Code cancels a code action
    // request when the list of providers changes while it runs, and decides that by comparing
    // the model's whole list with the kind-filtered one; the snippet "Surround With" actions,
    // registered for every language, are never in a Quick Fix list, so any registration, for
    // any language, cancelled it. A meddler does here what TypeScript's late activation did
    // to the e2e window; the test workbench turns those snippet actions off (quietSettings).
    const document = await vscode.workspace.openTextDocument({
      language: 'crlab',
      content: 'spawn counter as halyn -> c\n',
    });
    const [diagnostic] = await diagnosticsOf(document.uri, 'crlab');
    assert.ok(diagnostic);
    const registrations: vscode.Disposable[] = [];
    const meddler = vscode.languages.registerCodeActionsProvider(
      { language: 'crlab' },
      {
        provideCodeActions: () => {
          registrations.push(
            vscode.languages.registerCodeActionsProvider(
              { language: 'plaintext' },
              { provideCodeActions: () => [] },
            ),
          );
          return [];
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    );
    try {
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        document.uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      assert.ok(registrations.length > 0, 'the meddler registered a provider during the request');
      assert.deepEqual(
        actions.map((action) => action.title),
        ['Change to `hallyn`'],
      );
    } finally {
      meddler.dispose();
      registrations.forEach((registration) => registration.dispose());
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('hovers over check ids, errnos, sysctls, system calls and users', async () => {
    const document = await vscode.workspace.openTextDocument(
      scenario('01-passwd-authorized.crlab'),
    );
    const hover = async (needle: string, nth = 0, offset = 1): Promise<string> =>
      hoverText(
        await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          document.uri,
          positionOf(document, needle, nth, offset),
        ),
      );
    const check = await hover('restart.creds.uid');
    assert.match(check, /security check of `sys_restart`/);
    assert.match(check, /Models `cred_setresuid`/);
    assert.match(check, /\*\*Fails\*\* with `EPERM`/);
    assert.match(await hover('EPERM'), /Operation not permitted/);
    assert.match(await hover('kernel.ckpt_restore_creds'), /default `authorized`/);
    assert.match(await hover('checkpoint self', 0, 2), /Models `sys_checkpoint\(pid, fd, flags\)`/);
    assert.match(await hover('as hallyn', 0, 4), /uid 500/);
    assert.match(await hover('/etc/shadow', 1), /mode `0640`, owner `root:shadow`/);
  });

  it('completes by context: users after `as`, check ids after `expect check`, snippets', async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'crlab',
      content: 'spawn counter as \nexpect check \n\n',
    });
    const complete = async (line: number, character: number): Promise<vscode.CompletionItem[]> =>
      (
        await vscode.commands.executeCommand<vscode.CompletionList>(
          'vscode.executeCompletionItemProvider',
          document.uri,
          new vscode.Position(line, character),
        )
      ).items;
    const label = (item: vscode.CompletionItem): string =>
      typeof item.label === 'string' ? item.label : item.label.label;
    const users = (await complete(0, 17)).map(label);
    for (const user of ['root', 'hallyn', 'oren']) assert.ok(users.includes(user), user);
    const checks = await complete(1, 13);
    assert.ok(
      checks.some(
        (i) => label(i) === 'restart.creds.uid' && i.kind === vscode.CompletionItemKind.Constant,
      ),
    );
    assert.ok(!checks.some((i) => label(i) === 'spawn'), 'no statements after `expect check`');
    const start = await complete(2, 0);
    const snippet = start.find((i) => label(i) === 'program … end');
    assert.ok(snippet?.insertText instanceof vscode.SnippetString);
    assert.ok(
      start.some((i) => label(i) === 'spawn' && i.kind === vscode.CompletionItemKind.Keyword),
    );
  });

  it("explains, completes and fixes the kernel's newer words: ptrace, prctl, allow transition, limit file", async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'crlab',
      content: [
        'lsm allow transition from unconfined_t to user_t',
        'limit file 1 MiB',
        'program debugger',
        '  ptrace attach 1 -> r',
        '  prctl capbset_drop CAP_SYS_PTRACE -> d',
        '  ptrace ',
        '  exit 0',
        'end',
        'lsm allow ',
        'spawn debugger as hallyn -> gdb',
        'expect last EFBIG',
        '',
      ].join('\n'),
    });
    const hover = async (needle: string, offset = 1): Promise<string> =>
      hoverText(
        await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          document.uri,
          positionOf(document, needle, 0, offset),
        ),
      );
    assert.match(await hover('ptrace attach'), /Models `sys_ptrace/);
    assert.match(await hover('attach'), /PTRACE_ATTACH[^]*`checkpoint\.state`, EBUSY/);
    assert.match(await hover('prctl'), /Models `sys_prctl/);
    assert.match(await hover('capbset_drop'), /PR_CAPBSET_DROP/);
    assert.match(await hover('allow'), /KEEP_LSM[^]*restart\.lsm/);
    assert.match(await hover('file 1'), /EFBIG/);
    assert.match(await hover('EFBIG'), /File too large/);
    const labels = async (line: number, character: number): Promise<string[]> =>
      (
        await vscode.commands.executeCommand<vscode.CompletionList>(
          'vscode.executeCompletionItemProvider',
          document.uri,
          new vscode.Position(line, character),
        )
      ).items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
    assert.deepEqual(await labels(5, 9), ['attach', 'detach']);
    assert.deepEqual(await labels(8, 10), ['transition']);
    // The rules of the label policy need `lsm label`: the first rule's diagnostic, and its fix.
    const diagnostics = await diagnosticsOf(document.uri, 'crlab');
    const noLabel = diagnostics.find((d) => d.range.start.line === 0);
    assert.ok(noLabel, diagnostics.map((d) => `${d.range.start.line}: ${d.message}`).join('; '));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      noLabel.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => /lsm label/.test(a.title));
    assert.ok(fix?.edit, `a fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(document.getText(), /^lsm label\nlsm allow transition/);
    await waitFor('the rule to be accepted', () =>
      vscode.languages.getDiagnostics(document.uri).every((d) => d.range.start.line !== 1),
    );
  });

  it('goes to definitions and finds references of tasks, programs and variables', async () => {
    const document = await vscode.workspace.openTextDocument(
      scenario('01-passwd-authorized.crlab'),
    );
    const task = positionOf(document, 'run restored', 0, 5);
    const definitions = await vscode.commands.executeCommand<vscode.Location[]>(
      'vscode.executeDefinitionProvider',
      document.uri,
      task,
    );
    assert.equal(definitions.length, 1);
    assert.ok(definitions[0]?.range.start.isEqual(positionOf(document, '-> restored', 0, 3)));
    const references = await vscode.commands.executeCommand<vscode.Location[]>(
      'vscode.executeReferenceProvider',
      document.uri,
      task,
    );
    assert.equal(references.length, 8, 'the binding and its seven uses');
    const variable = await vscode.commands.executeCommand<vscode.Location[]>(
      'vscode.executeDefinitionProvider',
      document.uri,
      positionOf(document, 'restored crid', 0, 9),
    );
    assert.ok(variable[0]?.range.start.isEqual(positionOf(document, '-> crid', 0, 3)));
  });

  it('lists world, programs and script as document symbols, and folds program blocks', async () => {
    const document = await vscode.workspace.openTextDocument(scenario('10-counter.crlab'));
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider',
      document.uri,
    );
    assert.deepEqual(
      symbols.map((s) => [s.name, s.kind]),
      [
        ['World', vscode.SymbolKind.Namespace],
        ['counter', vscode.SymbolKind.Function],
        ['Script', vscode.SymbolKind.Namespace],
      ],
    );
    assert.deepEqual(
      symbols[1]?.children.map((c) => c.name),
      ['loop'],
    );
    assert.equal(symbols[2]?.children[0]?.name, 'counter');
    const folds = await vscode.commands.executeCommand<vscode.FoldingRange[]>(
      'vscode.executeFoldingRangeProvider',
      document.uri,
    );
    const program = positionOf(document, '\nprogram counter', 0, 1).line;
    const end = positionOf(document, '\nend').line + 1;
    assert.ok(
      folds.some((f) => f.start === program && f.end === end),
      `a fold ${program}-${end} among ${JSON.stringify(folds)}`,
    );
  });

  it('renames a task across the file, and refuses to rename a user', async () => {
    const document = await vscode.workspace.openTextDocument(scenario('10-counter.crlab'));
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>(
      'vscode.executeDocumentRenameProvider',
      document.uri,
      positionOf(document, '-> again', 0, 4),
      'resumed',
    );
    const changes = edit.get(document.uri);
    assert.equal(changes.length, 9);
    assert.ok(
      changes.every((c) => c.newText === 'resumed' && document.getText(c.range) === 'again'),
    );
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand(
          'vscode.executeDocumentRenameProvider',
          document.uri,
          positionOf(document, 'as hallyn', 0, 4),
          'someone',
        ),
      ),
      /only programs, tasks, labels and variables can be renamed/,
    );
  });

  it('puts Run Scenario above the script', async () => {
    const document = await vscode.workspace.openTextDocument(scenario('10-counter.crlab'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      document.uri,
    );
    const run = lenses.find((l) => l.command?.command === 'crlab.scenario.run');
    assert.ok(run, 'a Run Scenario lens');
    assert.equal(run.range.start.line, positionOf(document, 'spawn counter').line);
    assert.equal((run.command?.arguments?.[0] as vscode.Uri).toString(), document.uri.toString());
    const open = lenses.find((l) => l.command?.command === 'crlab.lab.loadScenario');
    assert.ok(open, 'an Open in Lab lens');
    assert.equal(open.range.start.line, run.range.start.line);
    assert.equal(lenses.length, 2, 'two lenses, above the first script statement');
  });

  it('opens a scenario in the lab from its lens: the session starts from that file', async () => {
    const document = await vscode.workspace.openTextDocument(scenario('10-counter.crlab'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      document.uri,
    );
    const open = lenses.find((l) => l.command?.command === 'crlab.lab.loadScenario');
    assert.ok(open?.command, 'an Open in Lab lens');
    const loaded = await vscode.commands.executeCommand<boolean>(
      open.command.command,
      ...(open.command.arguments ?? []),
    );
    assert.equal(loaded, true, 'the lab loaded the scenario');
    const { lab } = (await crlabExtension().activate()) as CrlabApi;
    assert.equal(lab.session.origin, document.uri.toString(), 'the session starts from the file');
  });

  it('runs a scenario and marks each failed expect line with what was expected and what happened', async () => {
    const uri = scenario('failing.crlab');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const summary = await vscode.commands.executeCommand<{
      passed: boolean;
      failedLines: number[];
    }>('crlab.scenario.run', uri);
    assert.equal(summary.passed, false);
    assert.deepEqual(summary.failedLines, [7]);
    const [mark, ...others] = await diagnosticsOf(uri, 'crlab run');
    assert.deepEqual(others, []);
    assert.equal(mark?.range.start.line, 6);
    assert.equal(
      mark?.message,
      'expected last EPERM checkpoint.ptrace, but the last action succeeded',
    );
    const passing = await vscode.commands.executeCommand<{ passed: boolean }>(
      'crlab.scenario.run',
      scenario('01-passwd-authorized.crlab'),
    );
    assert.equal(passing.passed, true);
    // An edit makes the marks stale: they go.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), '# edited\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the run marks to go', () =>
      vscode.languages.getDiagnostics(uri).every((d) => d.source !== 'crlab run'),
    );
    const undo = new vscode.WorkspaceEdit();
    undo.delete(uri, new vscode.Range(0, 0, 1, 0));
    assert.ok(await vscode.workspace.applyEdit(undo));
    assert.ok(await document.save());
    assert.equal(document.getText(), FAILING);
  });

  it('runs every scenario in the Test Explorer and agrees with `crlab test`', async () => {
    const tests = api().language.tests;
    await tests.discover();
    const fileItem = (name: string): vscode.TestItem => {
      const item = tests.controller.items.get(scenario(name).toString());
      assert.ok(item, `a test item for ${name}`);
      return item;
    };
    for (const name of [...exampleNames, 'failing.crlab', 'mistakes.crlab']) fileItem(name);
    assert.equal(fileItem('failing.crlab').children.size, 3);
    tests.outcomes.clear();
    await runTests('testing.runAll');
    // `crlab test` over the same files, from the CLI the extension ships.
    const cli = spawnSync(
      process.execPath,
      [path.join(crlabExtension().extensionPath, 'bin', 'crlab.js'), 'test', scenarios.fsPath],
      { encoding: 'utf8' },
    );
    const verdicts = new Map(
      [...cli.stdout.matchAll(/^(PASS|FAIL) (\S+?):?(?: |$)/gm)].map((m) => [
        path.basename(m[2] ?? ''),
        m[1],
      ]),
    );
    assert.equal(verdicts.size, exampleNames.length + 2, cli.stdout + cli.stderr);
    for (const [name, verdict] of verdicts) {
      const outcome = tests.outcomes.get(fileItem(name).id);
      assert.equal(outcome === 'passed' ? 'PASS' : 'FAIL', verdict, `${name}: ${outcome}`);
    }
    for (const name of exampleNames) {
      const file = fileItem(name);
      assert.ok(file.children.size > 0, `${name} has expect items`);
      file.children.forEach((child) =>
        assert.equal(tests.outcomes.get(child.id), 'passed', child.id),
      );
    }
    const failing = [
      ...(function* () {
        for (const [, child] of fileItem('failing.crlab').children) yield child;
      })(),
    ].sort((a, b) => (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0));
    assert.deepEqual(
      failing.map((child) => [child.range?.start.line, tests.outcomes.get(child.id)]),
      [
        [3, 'passed'],
        [6, 'failed'],
        [7, 'passed'],
      ],
    );
    assert.equal(tests.outcomes.get(fileItem('failing.crlab').id), 'failed');
    assert.equal(tests.outcomes.get(fileItem('mistakes.crlab').id), 'errored');
  });

  it('re-runs only the failed tests', async () => {
    const tests = api().language.tests;
    tests.outcomes.clear();
    await runTests('testing.reRunFailTests');
    const reported = [...tests.outcomes.keys()].map((id) =>
      path.basename(vscode.Uri.parse(id).path),
    );
    assert.ok(reported.length > 0);
    assert.ok(
      reported.every((name) => name === 'failing.crlab' || name === 'mistakes.crlab'),
      reported.join(', '),
    );
  });

  it("refreshes a scenario's items when its file changes on disk", async () => {
    const tests = api().language.tests;
    const uri = scenario('failing.crlab');
    const before = tests.controller.items.get(uri.toString())?.children.size ?? 0;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    await vscode.workspace.fs.writeFile(
      uri,
      new TextEncoder().encode(`${text}expect task c uid hallyn\n`),
    );
    await waitFor(
      'a new expect item',
      () => tests.controller.items.get(uri.toString())?.children.size === before + 1,
    );
    await vscode.workspace.fs.delete(scenario('mistakes.crlab'));
    await waitFor(
      'the deleted file to leave the tests',
      () => tests.controller.items.get(scenario('mistakes.crlab').toString()) === undefined,
    );
  });

  it('never fails inside a provider on truncated scenarios', async () => {
    let calls = 0;
    for (const name of exampleNames) {
      const text = new TextDecoder().decode(
        await vscode.workspace.fs.readFile(fixture('examples', name)),
      );
      const lines = text.split('\n');
      // Cuts at a few lines, mid-token: what a file looks like while it is being typed.
      for (const cut of [Math.floor(lines.length / 2), lines.length - 2]) {
        const line = lines[cut] ?? '';
        const content = [...lines.slice(0, cut), line.slice(0, Math.ceil(line.length / 2))].join(
          '\n',
        );
        const document = await vscode.workspace.openTextDocument({ language: 'crlab', content });
        const end = document.lineAt(document.lineCount - 1).range.end;
        const middle = new vscode.Position(Math.floor(document.lineCount / 2), 3);
        for (const position of [end, middle]) {
          await vscode.commands.executeCommand(
            'vscode.executeHoverProvider',
            document.uri,
            position,
          );
          await vscode.commands.executeCommand(
            'vscode.executeCompletionItemProvider',
            document.uri,
            position,
          );
          await vscode.commands.executeCommand(
            'vscode.executeDefinitionProvider',
            document.uri,
            position,
          );
          await vscode.commands.executeCommand(
            'vscode.executeReferenceProvider',
            document.uri,
            position,
          );
          calls += 4;
        }
        await vscode.commands.executeCommand('vscode.executeDocumentSymbolProvider', document.uri);
        await vscode.commands.executeCommand('vscode.executeFoldingRangeProvider', document.uri);
        await vscode.commands.executeCommand('vscode.executeCodeLensProvider', document.uri);
        await vscode.commands.executeCommand(
          'vscode.executeCodeActionProvider',
          document.uri,
          new vscode.Range(0, 0, document.lineCount, 0),
        );
        calls += 4;
      }
    }
    assert.ok(calls > 250, `${calls} provider calls`);
    assert.deepEqual(api().language.providerFailures, []);
  });
});
