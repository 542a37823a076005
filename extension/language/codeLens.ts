/**
 * The "Run Scenario" code lens above the script. An "Open in Lab" lens (the panel's
 * `crlab.lab.loadScenario`, through the window's LabService) joins it once the panel's session
 * service is part of the extension; until then there is nothing for it to call.
 */
import * as vscode from 'vscode';
import type { ScenarioAnalyses } from './analyses';
import type { ProviderGuard } from './guard';

export const RUN_SCENARIO_COMMAND = 'crlab.scenario.run';

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
      ];
    });
  }
}
