/**
 * Diagnostics as you type: on open at once, on change after a short pause, cleared on close.
 * Each carries the lab's code (`unknown-user`...), its exact range, and related places (the
 * first definition of a duplicate, the program a variable belongs to).
 */
import * as vscode from 'vscode';
import { relatedPlaces, type ScenarioAnalysis } from '../lab/language-service';
import { CRLAB_LANGUAGE, type ScenarioAnalyses } from './analyses';
import { toRange } from './convert';
import type { ProviderGuard } from './guard';

/** The pause after a keystroke before the text is checked again. */
export const DIAGNOSTICS_DELAY_MS = 150;

/** The `source` of every diagnostic the language features publish. */
export const DIAGNOSTIC_SOURCE = 'crlab';

export function toVsDiagnostics(analysis: ScenarioAnalysis, uri: vscode.Uri): vscode.Diagnostic[] {
  return analysis.diagnostics.map((diagnostic) => {
    const message =
      diagnostic.suggestion === undefined
        ? diagnostic.message
        : vscode.l10n.t('{0} (did you mean `{1}`?)', diagnostic.message, diagnostic.suggestion);
    const result = new vscode.Diagnostic(
      toRange(diagnostic),
      message,
      vscode.DiagnosticSeverity.Error,
    );
    result.source = DIAGNOSTIC_SOURCE;
    result.code = diagnostic.code;
    const related = relatedPlaces(analysis, diagnostic);
    if (related.length > 0) {
      result.relatedInformation = related.map(
        (place) =>
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(uri, toRange(place)),
            place.message,
          ),
      );
    }
    return result;
  });
}

export class ScenarioDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((document) => this.update(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
    );
    vscode.workspace.textDocuments.forEach((document) => this.update(document));
  }

  private schedule(document: vscode.TextDocument): void {
    if (document.languageId !== CRLAB_LANGUAGE) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        this.update(document);
      }, DIAGNOSTICS_DELAY_MS),
    );
  }

  private update(document: vscode.TextDocument): void {
    if (document.languageId !== CRLAB_LANGUAGE || document.isClosed) return;
    const diagnostics = this.guard.run('diagnostics', document, [], () =>
      toVsDiagnostics(this.analyses.get(document), document.uri),
    );
    this.collection.set(document.uri, diagnostics);
  }

  private clear(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    this.pending.forEach((timer) => clearTimeout(timer));
    this.pending.clear();
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.collection.dispose();
  }
}
