/** Go to definition, find references and rename for programs, tasks, labels and variables. */
import * as vscode from 'vscode';
import { definitionsAt, prepareRename, referencesAt, renameAt } from '../lab/language-service';
import type { ScenarioAnalyses } from './analyses';
import { fromPosition, toRange } from './convert';
import { ProviderRefusal, type ProviderGuard } from './guard';

export class ScenarioNavigation
  implements vscode.DefinitionProvider, vscode.ReferenceProvider, vscode.RenameProvider
{
  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {}

  provideDefinition(document: vscode.TextDocument, position: vscode.Position): vscode.Location[] {
    return this.guard.run('definition', document, [], () => {
      const { line, column } = fromPosition(position);
      return definitionsAt(this.analyses.get(document), line, column).map(
        (span) => new vscode.Location(document.uri, toRange(span)),
      );
    });
  }

  provideReferences(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.ReferenceContext,
  ): vscode.Location[] {
    return this.guard.run('references', document, [], () => {
      const { line, column } = fromPosition(position);
      return referencesAt(
        this.analyses.get(document),
        line,
        column,
        context.includeDeclaration,
      ).map((span) => new vscode.Location(document.uri, toRange(span)));
    });
  }

  prepareRename(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): { range: vscode.Range; placeholder: string } | undefined {
    return this.guard.run('prepare rename', document, undefined, () => {
      const { line, column } = fromPosition(position);
      const check = prepareRename(this.analyses.get(document), line, column);
      if (!check.ok) throw new ProviderRefusal(check.reason);
      return { range: toRange(check.span), placeholder: check.placeholder };
    });
  }

  provideRenameEdits(
    document: vscode.TextDocument,
    position: vscode.Position,
    newName: string,
  ): vscode.WorkspaceEdit | undefined {
    return this.guard.run('rename', document, undefined, () => {
      const { line, column } = fromPosition(position);
      const result = renameAt(this.analyses.get(document), line, column, newName);
      if (!result.ok) throw new ProviderRefusal(result.reason);
      const edit = new vscode.WorkspaceEdit();
      for (const change of result.edits)
        edit.replace(document.uri, toRange(change), change.newText);
      return edit;
    });
  }
}
