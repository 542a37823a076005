/** Quick fixes for the lab's diagnostics: the parser's suggestion, a missing `dir` or `lsm label`. */
import * as vscode from 'vscode';
import { quickFixes, type QuickFix } from '../lab/language-service';
import type { ScenarioAnalyses } from './analyses';
import { toRange } from './convert';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import type { ProviderGuard } from './guard';

function fixTitle(fix: QuickFix): string {
  switch (fix.kind) {
    case 'replace':
      return vscode.l10n.t('Change to `{0}`', fix.text);
    case 'add-dir':
      return vscode.l10n.t(
        'Add {0} before this line',
        fix.text
          .split(' ')
          .map((dir) => `\`dir ${dir}\``)
          .join(', '),
      );
    case 'add-lsm-label':
      return vscode.l10n.t('Add `lsm label` before this line');
  }
}

export class ScenarioCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    return this.guard.run('code actions', document, [], () => {
      const analysis = this.analyses.get(document);
      const actions: vscode.CodeAction[] = [];
      for (const shown of context.diagnostics) {
        if (shown.source !== DIAGNOSTIC_SOURCE) continue;
        const diagnostic = analysis.diagnostics.find(
          (d) => d.code === shown.code && toRange(d).isEqual(shown.range),
        );
        if (diagnostic === undefined) continue;
        for (const fix of quickFixes(analysis, diagnostic)) {
          const action = new vscode.CodeAction(fixTitle(fix), vscode.CodeActionKind.QuickFix);
          action.diagnostics = [shown];
          action.isPreferred = fix.preferred;
          action.edit = new vscode.WorkspaceEdit();
          for (const edit of fix.edits)
            action.edit.replace(document.uri, toRange(edit), edit.newText);
          actions.push(action);
        }
      }
      return actions;
    });
  }
}
