/**
 * One analysis per open scenario and version, so that diagnostics, hover, completion and the
 * rest share the work a keystroke causes instead of each parsing the text again.
 */
import * as vscode from 'vscode';
import { analyzeScenario, type ScenarioAnalysis } from '../lab/language-service';

export const CRLAB_LANGUAGE = 'crlab';

export const crlabSelector: vscode.DocumentSelector = { language: CRLAB_LANGUAGE };

export class ScenarioAnalyses implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; analysis: ScenarioAnalysis }>();
  private readonly closing: vscode.Disposable;
  private readonly analysed = new vscode.EventEmitter<vscode.TextDocument>();
  /**
   * Fires when a version of a document has been analysed, by whichever feature asked first
   * (after a keystroke VS Code asks for code actions at once): diagnostics publish then.
   */
  readonly onDidAnalyse = this.analysed.event;

  constructor() {
    this.closing = vscode.workspace.onDidCloseTextDocument((document) =>
      this.cache.delete(document.uri.toString()),
    );
  }

  /** The analysis of the document's current text. */
  get(document: vscode.TextDocument): ScenarioAnalysis {
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.version === document.version) return cached.analysis;
    const analysis = analyzeScenario(document.getText());
    this.cache.set(key, { version: document.version, analysis });
    this.analysed.fire(document);
    return analysis;
  }

  dispose(): void {
    this.closing.dispose();
    this.analysed.dispose();
    this.cache.clear();
  }
}
