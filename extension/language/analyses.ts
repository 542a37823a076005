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
    return analysis;
  }

  dispose(): void {
    this.closing.dispose();
    this.cache.clear();
  }
}
