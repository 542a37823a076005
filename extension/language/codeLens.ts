/**
 * Code lenses above the script: "Run Scenario", and "Open in Lab" once the Checkpoint/Restart
 * panel's `crlab.lab.loadScenario` command exists (it loads the scenario into the window's lab
 * session).
 */
import * as vscode from 'vscode';
import type { ScenarioAnalyses } from './analyses';
import type { ProviderGuard } from './guard';

export const RUN_SCENARIO_COMMAND = 'crlab.scenario.run';
export const OPEN_IN_LAB_COMMAND = 'crlab.lab.loadScenario';

export class ScenarioCodeLenses implements vscode.CodeLensProvider, vscode.Disposable {
  /** Whether the panel's command exists; asked again when extensions change. */
  private labCommand: Promise<boolean> | undefined;
  private readonly extensionsChanged = vscode.extensions.onDidChange(() => {
    this.labCommand = undefined;
  });

  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {}

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    this.labCommand ??= Promise.resolve(
      vscode.commands.getCommands(true).then((commands) => commands.includes(OPEN_IN_LAB_COMMAND)),
    );
    const openInLab = await this.labCommand;
    return this.guard.run('code lens', document, [], () => {
      const analysis = this.analyses.get(document);
      const first = analysis.scenario.script[0];
      if (first === undefined) return [];
      const range = new vscode.Range(first.line - 1, 0, first.line - 1, 0);
      const lenses = [
        new vscode.CodeLens(range, {
          title: vscode.l10n.t('$(play) Run Scenario'),
          tooltip: vscode.l10n.t('Run the scenario and show its transcript'),
          command: RUN_SCENARIO_COMMAND,
          arguments: [document.uri],
        }),
      ];
      if (openInLab) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: vscode.l10n.t('$(beaker) Open in Lab'),
            tooltip: vscode.l10n.t('Load the scenario into the Checkpoint/Restart panel'),
            command: OPEN_IN_LAB_COMMAND,
            arguments: [document.uri],
          }),
        );
      }
      return lenses;
    });
  }

  dispose(): void {
    this.extensionsChanged.dispose();
  }
}
