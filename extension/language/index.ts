/**
 * The `.crlab` language features, registered together: thin providers over the lab's
 * language service (extension/lab/language-service.ts), one analysis per document version.
 */
import * as vscode from 'vscode';
import { ScenarioAnalyses, crlabSelector } from './analyses';
import { ScenarioCodeActions } from './codeActions';
import { ScenarioCodeLenses } from './codeLens';
import { COMPLETION_TRIGGERS, ScenarioCompletion } from './completion';
import { ScenarioDiagnostics } from './diagnostics';
import { ProviderGuard, type ProviderFailure } from './guard';
import { ScenarioHover } from './hover';
import { ScenarioNavigation } from './navigation';
import { ScenarioRunner } from './scenarioRun';
import { ScenarioSymbols } from './symbols';
import { ScenarioTests } from './scenarioTests';

/** What the language features expose to the rest of the extension and to its tests. */
export interface LanguageFeatures {
  readonly runner: ScenarioRunner;
  readonly tests: ScenarioTests;
  /** Errors a provider caught instead of throwing (none, unless there is a bug). */
  readonly providerFailures: readonly ProviderFailure[];
}

export function registerLanguageFeatures(context: vscode.ExtensionContext): LanguageFeatures {
  const log = vscode.window.createOutputChannel(vscode.l10n.t('Checkpoint/Restart Language'), {
    log: true,
  });
  const guard = new ProviderGuard(log);
  const analyses = new ScenarioAnalyses();
  const navigation = new ScenarioNavigation(analyses, guard);
  const symbols = new ScenarioSymbols(analyses, guard);
  const runner = new ScenarioRunner();
  const tests = new ScenarioTests();
  const lenses = new ScenarioCodeLenses(analyses, guard);
  context.subscriptions.push(
    log,
    analyses,
    new ScenarioDiagnostics(analyses, guard),
    runner,
    tests,
    vscode.languages.registerHoverProvider(crlabSelector, new ScenarioHover(analyses, guard)),
    vscode.languages.registerCompletionItemProvider(
      crlabSelector,
      new ScenarioCompletion(analyses, guard),
      ...COMPLETION_TRIGGERS,
    ),
    vscode.languages.registerDefinitionProvider(crlabSelector, navigation),
    vscode.languages.registerReferenceProvider(crlabSelector, navigation),
    vscode.languages.registerRenameProvider(crlabSelector, navigation),
    vscode.languages.registerDocumentSymbolProvider(crlabSelector, symbols, {
      label: vscode.l10n.t('Scenario'),
    }),
    vscode.languages.registerFoldingRangeProvider(crlabSelector, symbols),
    vscode.languages.registerCodeActionsProvider(
      crlabSelector,
      new ScenarioCodeActions(analyses, guard),
      ScenarioCodeActions.metadata,
    ),
    vscode.languages.registerCodeLensProvider(crlabSelector, lenses),
  );
  return { runner, tests, providerFailures: guard.failures };
}
