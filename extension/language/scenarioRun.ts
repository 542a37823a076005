/**
 * `crlab.scenario.run`: runs a scenario as `crlab run` does, shows the transcript in an output
 * channel, and marks each failed `expect` line (and a runtime error) with a diagnostic saying
 * what was expected and what happened. The marks go when the file changes.
 */
import * as vscode from 'vscode';
import { testScenario, type ScenarioTestResult } from '../lab/language-service';
import { CRLAB_LANGUAGE } from './analyses';
import { toLineRange } from './convert';

/** The `source` of the diagnostics a run leaves on failed expectations. */
export const RUN_DIAGNOSTIC_SOURCE = 'crlab run';

/** What the command returns (for callers and tests): the verdict and its counts. */
export interface ScenarioRunSummary {
  uri: string;
  passed: boolean;
  problems: number;
  expectations: number;
  failed: number;
  /** 1-based lines of the failed expectations. */
  failedLines: number[];
}

/** The text of a scenario: the open document's (unsaved edits count), else the file's. */
export async function scenarioText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open !== undefined) return open.getText();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export class ScenarioRunner implements vscode.Disposable {
  private readonly output = vscode.window.createOutputChannel(
    vscode.l10n.t('Checkpoint/Restart Scenario'),
  );
  private readonly marks = vscode.languages.createDiagnosticCollection(RUN_DIAGNOSTIC_SOURCE);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) this.marks.delete(event.document.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.marks.delete(document.uri)),
    );
  }

  /** The command's callback: a Uri argument, or the active scenario editor. */
  async run(target?: unknown): Promise<ScenarioRunSummary | undefined> {
    const uri =
      target instanceof vscode.Uri
        ? target
        : vscode.window.activeTextEditor?.document.languageId === CRLAB_LANGUAGE
          ? vscode.window.activeTextEditor.document.uri
          : undefined;
    if (uri === undefined) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Open a .crlab scenario to run it.'));
      return undefined;
    }
    let source: string;
    try {
      source = await scenarioText(uri);
    } catch (error) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Cannot read {0}: {1}', uri.fsPath, String(error)),
      );
      return undefined;
    }
    const result = testScenario(source);
    this.show(uri, result);
    return {
      uri: uri.toString(),
      passed: result.passed,
      problems: result.diagnostics.length,
      expectations: result.expectations.length,
      failed: result.expectations.filter((e) => e.status === 'failed').length,
      failedLines: result.expectations.filter((e) => e.status === 'failed').map((e) => e.line),
    };
  }

  private show(uri: vscode.Uri, result: ScenarioTestResult): void {
    const name = vscode.workspace.asRelativePath(uri);
    this.output.clear();
    this.output.appendLine(vscode.l10n.t('Scenario {0}', name));
    const marks: vscode.Diagnostic[] = [];
    if (result.diagnostics.length > 0) {
      this.marks.delete(uri);
      this.output.appendLine(
        vscode.l10n.t(
          'Not run: the scenario has {0} problem(s); see the Problems panel.',
          result.diagnostics.length,
        ),
      );
      for (const d of result.diagnostics)
        this.output.appendLine(`  ${name}:${d.line}:${d.column}: ${d.message}`);
      this.output.show(true);
      void vscode.window.showErrorMessage(
        vscode.l10n.t('{0} has {1} problem(s) and was not run.', name, result.diagnostics.length),
      );
      return;
    }
    result.transcript.forEach((line) => this.output.appendLine(line));
    for (const expectation of result.expectations) {
      if (expectation.status !== 'failed') continue;
      const mark = new vscode.Diagnostic(
        toLineRange(expectation.range),
        vscode.l10n.t('expected {0}, but {1}', expectation.expected, expectation.actual),
        vscode.DiagnosticSeverity.Error,
      );
      mark.source = RUN_DIAGNOSTIC_SOURCE;
      mark.code = 'expectation-failed';
      marks.push(mark);
    }
    if (result.error !== null) {
      const line = Math.max(0, result.error.line - 1);
      const mark = new vscode.Diagnostic(
        new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
        vscode.l10n.t('the run stopped here: {0}', result.error.message),
        vscode.DiagnosticSeverity.Error,
      );
      mark.source = RUN_DIAGNOSTIC_SOURCE;
      mark.code = 'runtime-error';
      marks.push(mark);
    }
    this.marks.set(uri, marks);
    this.output.show(true);
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.marks.dispose();
    this.output.dispose();
  }
}

/** `crlab.scenario.run` (arg: a `.crlab` Uri; without one, the active scenario editor). */
export function runScenarioCommand(
  runner: ScenarioRunner,
): (target?: unknown) => Promise<ScenarioRunSummary | undefined> {
  return (target) => runner.run(target);
}
