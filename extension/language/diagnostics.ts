/**
 * Diagnostics as you type: on open at once, on change after a short pause, cleared on close.
 * Each carries the lab's code (`unknown-user`...), its exact range, and related places (the
 * first definition of a duplicate, the program a variable belongs to).
 */
import * as vscode from 'vscode';
import { relatedPlaces, usableSuggestion, type ScenarioAnalysis } from '../lab/language-service';
import { CRLAB_LANGUAGE, type ScenarioAnalyses } from './analyses';
import { toRange } from './convert';
import type { ProviderGuard } from './guard';

/**
 * Checks of one document are at least this far apart while the user types: the first keystroke
 * after a pause is checked at once, the ones that follow within this time once it has passed
 * (or sooner, when another feature analyses the new text first: the analysis is shared).
 */
export const DIAGNOSTICS_INTERVAL_MS = 100;

/** The `source` of every diagnostic the language features publish. */
export const DIAGNOSTIC_SOURCE = 'crlab';

export function toVsDiagnostics(analysis: ScenarioAnalysis, uri: vscode.Uri): vscode.Diagnostic[] {
  return analysis.diagnostics.map((diagnostic) => {
    const suggestion = usableSuggestion(diagnostic);
    const message =
      suggestion === undefined
        ? diagnostic.message
        : vscode.l10n.t('{0} (did you mean `{1}`?)', diagnostic.message, suggestion);
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
  /** When each document was last checked (Date.now()). */
  private readonly checked = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((document) => this.update(document)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        // Events without content changes (the dirty flag, a save) leave the diagnostics as they are.
        if (event.contentChanges.length > 0) this.schedule(event.document);
      }),
      analyses.onDidAnalyse((document) => {
        if (this.pending.has(document.uri.toString())) this.update(document);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
    );
    vscode.workspace.textDocuments.forEach((document) => this.update(document));
  }

  private schedule(document: vscode.TextDocument): void {
    if (document.languageId !== CRLAB_LANGUAGE) return;
    const key = document.uri.toString();
    if (this.pending.has(key)) return;
    const since = Date.now() - (this.checked.get(key) ?? 0);
    // A timer even for "at once": the change handler returns, and changes of one tick coalesce.
    const delay = Math.max(0, DIAGNOSTICS_INTERVAL_MS - since);
    this.pending.set(
      key,
      setTimeout(() => this.update(document), delay),
    );
  }

  private update(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    if (document.languageId !== CRLAB_LANGUAGE || document.isClosed) return;
    this.checked.set(key, Date.now());
    const diagnostics = this.guard.run('diagnostics', document, [], () =>
      toVsDiagnostics(this.analyses.get(document), document.uri),
    );
    this.collection.set(document.uri, diagnostics);
  }

  private clear(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.checked.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    this.pending.forEach((timer) => clearTimeout(timer));
    this.pending.clear();
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.collection.dispose();
  }
}
