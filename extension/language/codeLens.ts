/**
 * The lenses above the script: "Run Scenario" (the scenario runner) and "Open in Lab" (the
 * panel's `crlab.lab.loadScenario`: the window's lab session starts from this scenario). The
 * language features only name the command; they never import the panel.
 */
import * as vscode from 'vscode';
import type { ScenarioAnalyses } from './analyses';
import type { ProviderGuard } from './guard';

export const RUN_SCENARIO_COMMAND = 'crlab.scenario.run';
export const OPEN_IN_LAB_COMMAND = 'crlab.lab.loadScenario';

export class ScenarioCodeLenses implements vscode.CodeLensProvider {
  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    return this.guard.run('code lens', document, [], () => {
      const first = this.analyses.get(document).scenario.script[0];
      if (first === undefined) return [];
      const range = new vscode.Range(first.line - 1, 0, first.line - 1, 0);
      return [
        new vscode.CodeLens(range, {
          title: vscode.l10n.t('$(play) Run Scenario'),
          tooltip: vscode.l10n.t('Run the scenario and show its transcript'),
          command: RUN_SCENARIO_COMMAND,
          arguments: [document.uri],
        }),
        new vscode.CodeLens(range, {
          title: vscode.l10n.t('$(beaker) Open in Lab'),
          tooltip: vscode.l10n.t(
            'Start the lab session from this scenario and show it in the Checkpoint/Restart panel',
          ),
          command: OPEN_IN_LAB_COMMAND,
          arguments: [document.uri],
        }),
      ];
    });
  }
}
