/**
 * Scenarios in VS Code's Test Explorer: every `.crlab` of the workspace is a test, each of its
 * `expect` lines a child at its line. A run judges a file exactly as `crlab test` does (same
 * library function) and reports each expectation: passed, failed with what was expected and
 * what happened, or skipped when the run never reached it. Files changed on disk refresh.
 */
import * as vscode from 'vscode';
import { expectationSites, testScenario, type ScenarioTestResult } from '../lab/language-service';
import { toLineRange } from './convert';

export type ReportedOutcome = 'passed' | 'failed' | 'errored' | 'skipped';

const SCENARIO_GLOB = '**/*.crlab';
const EXCLUDE_GLOB = '**/node_modules/**';

function expectationId(uri: vscode.Uri, line: number): string {
  return `${uri.toString()}#L${line}`;
}

async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export class ScenarioTests implements vscode.Disposable {
  readonly controller: vscode.TestController;
  /** The last outcome reported for each test item id, for callers that cannot see TestRuns. */
  readonly outcomes = new Map<string, ReportedOutcome>();
  private readonly onDidRunEmitter = new vscode.EventEmitter<void>();
  /** Fires after each run has reported every item. */
  readonly onDidRun = this.onDidRunEmitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private discovered: Promise<void> | undefined;

  constructor() {
    this.controller = vscode.tests.createTestController(
      'crlab.scenarios',
      vscode.l10n.t('Checkpoint/Restart Scenarios'),
    );
    this.controller.resolveHandler = async (item) => {
      if (item === undefined) await this.discover();
      else if (item.uri !== undefined) await this.refresh(item.uri);
    };
    this.controller.refreshHandler = async () => {
      this.discovered = undefined;
      await this.discover();
    };
    this.controller.createRunProfile(
      vscode.l10n.t('Run Scenario'),
      vscode.TestRunProfileKind.Run,
      (request, token) => this.run(request, token),
      true,
    );
    const watcher = vscode.workspace.createFileSystemWatcher(SCENARIO_GLOB);
    this.subscriptions.push(
      watcher,
      watcher.onDidCreate((uri) => void this.refresh(uri)),
      watcher.onDidChange((uri) => void this.refresh(uri)),
      watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString())),
    );
  }

  /** Finds every scenario of the workspace (once, unless refreshed). */
  discover(): Promise<void> {
    this.discovered ??= (async () => {
      const uris = await vscode.workspace.findFiles(SCENARIO_GLOB, EXCLUDE_GLOB);
      await Promise.all(uris.map((uri) => this.refresh(uri)));
    })();
    return this.discovered;
  }

  /** The file's item, with one child per `expect` line of its text on disk. */
  async refresh(uri: vscode.Uri): Promise<vscode.TestItem | undefined> {
    let source: string;
    try {
      source = await readText(uri);
    } catch {
      this.controller.items.delete(uri.toString());
      return undefined;
    }
    const file =
      this.controller.items.get(uri.toString()) ??
      this.controller.createTestItem(uri.toString(), vscode.workspace.asRelativePath(uri), uri);
    file.canResolveChildren = false;
    const children = expectationSites(source).map((site) => {
      const child = this.controller.createTestItem(expectationId(uri, site.line), site.text, uri);
      child.range = toLineRange(site.range);
      child.sortText = String(site.line).padStart(6, '0');
      return child;
    });
    file.children.replace(children);
    file.range = new vscode.Range(0, 0, 0, 0);
    this.controller.items.add(file);
    return file;
  }

  private async run(
    request: vscode.TestRunRequest,
    token: vscode.CancellationToken,
  ): Promise<void> {
    await this.discover();
    const run = this.controller.createTestRun(request);
    // Which files to run, and for each which of its items to report.
    const plan = new Map<vscode.TestItem, Set<vscode.TestItem> | 'all'>();
    const include = request.include ?? [...this.allFiles()];
    for (const item of include) {
      const file = item.parent ?? item;
      if (item.parent === undefined) plan.set(file, 'all');
      else if (plan.get(file) !== 'all') {
        const chosen = plan.get(file);
        const set = chosen instanceof Set ? chosen : new Set<vscode.TestItem>();
        set.add(item);
        plan.set(file, set);
      }
    }
    const excluded = new Set(request.exclude ?? []);
    try {
      for (const [file, chosen] of plan) {
        if (token.isCancellationRequested) break;
        if (excluded.has(file)) continue;
        const children = [...this.childrenOf(file)].filter(
          (child) => !excluded.has(child) && (chosen === 'all' || chosen.has(child)),
        );
        const reportFile = chosen === 'all';
        if (reportFile) run.started(file);
        children.forEach((child) => run.started(child));
        await this.runFile(run, file, children, reportFile);
      }
    } finally {
      run.end();
      this.onDidRunEmitter.fire();
    }
  }

  private *allFiles(): Iterable<vscode.TestItem> {
    for (const [, item] of this.controller.items) yield item;
  }

  private *childrenOf(file: vscode.TestItem): Iterable<vscode.TestItem> {
    for (const [, child] of file.children) yield child;
  }

  private report(
    run: vscode.TestRun,
    item: vscode.TestItem,
    outcome: ReportedOutcome,
    message?: vscode.TestMessage,
  ): void {
    this.outcomes.set(item.id, outcome);
    if (outcome === 'passed') run.passed(item);
    else if (outcome === 'skipped') run.skipped(item);
    else if (outcome === 'failed') run.failed(item, message ?? new vscode.TestMessage(''));
    else run.errored(item, message ?? new vscode.TestMessage(''));
  }

  private async runFile(
    run: vscode.TestRun,
    file: vscode.TestItem,
    children: readonly vscode.TestItem[],
    reportFile: boolean,
  ): Promise<void> {
    const uri = file.uri;
    if (uri === undefined) return;
    let result: ScenarioTestResult;
    try {
      // Tests run what is on disk, as `crlab test` does.
      result = testScenario(await readText(uri));
    } catch (error) {
      const message = new vscode.TestMessage(
        vscode.l10n.t('Cannot run {0}: {1}', uri.fsPath, String(error)),
      );
      if (reportFile) this.report(run, file, 'errored', message);
      children.forEach((child) => this.report(run, child, 'skipped'));
      return;
    }
    run.appendOutput(`${result.transcript.join('\r\n')}\r\n`, undefined, file);
    if (result.diagnostics.length > 0) {
      const messages = result.diagnostics.map((d) => {
        const message = new vscode.TestMessage(vscode.l10n.t('line {0}: {1}', d.line, d.message));
        message.location = new vscode.Location(
          uri,
          new vscode.Range(d.line - 1, d.column - 1, d.line - 1, d.column - 1 + d.length),
        );
        return message;
      });
      if (reportFile) {
        this.outcomes.set(file.id, 'errored');
        run.errored(file, messages);
      }
      children.forEach((child) => this.report(run, child, 'skipped'));
      return;
    }
    const byLine = new Map(result.expectations.map((e) => [e.line, e]));
    for (const child of children) {
      const line = (child.range?.start.line ?? -1) + 1;
      const outcome = byLine.get(line);
      if (outcome === undefined || outcome.status === 'not-run') {
        this.report(run, child, 'skipped');
        continue;
      }
      if (outcome.status === 'passed') {
        this.report(run, child, 'passed');
        continue;
      }
      const message = vscode.TestMessage.diff(
        vscode.l10n.t('expected {0}, but {1}', outcome.expected, outcome.actual),
        outcome.expected,
        outcome.actual,
      );
      message.location = new vscode.Location(uri, toLineRange(outcome.range));
      this.report(run, child, 'failed', message);
    }
    if (!reportFile) return;
    if (result.passed) {
      this.report(run, file, 'passed');
      return;
    }
    const messages: vscode.TestMessage[] = [];
    if (result.internalError !== null) {
      messages.push(
        new vscode.TestMessage(vscode.l10n.t('internal error: {0}', result.internalError)),
      );
    }
    if (result.error !== null) {
      const message = new vscode.TestMessage(
        vscode.l10n.t('line {0}: {1}', result.error.line, result.error.message),
      );
      message.location = new vscode.Location(
        uri,
        new vscode.Range(result.error.line - 1, 0, result.error.line - 1, 0),
      );
      messages.push(message);
    }
    const failed = result.expectations.filter((e) => e.status === 'failed');
    if (failed.length > 0) {
      messages.push(
        new vscode.TestMessage(
          vscode.l10n.t(
            '{0} of {1} expectations failed',
            failed.length,
            result.expectations.length,
          ),
        ),
      );
    }
    this.outcomes.set(file.id, result.internalError !== null ? 'errored' : 'failed');
    if (result.internalError !== null) run.errored(file, messages);
    else run.failed(file, messages);
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.onDidRunEmitter.dispose();
    this.controller.dispose();
  }
}
