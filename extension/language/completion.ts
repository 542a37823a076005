/** Completion by context: keywords, names of the scenario's world, check ids, errnos, snippets. */
import * as vscode from 'vscode';
import { completionsAt, type CompletionKind } from '../lab/language-service';
import type { ScenarioAnalyses } from './analyses';
import { fromPosition, toRange } from './convert';
import type { ProviderGuard } from './guard';

const KINDS: Record<CompletionKind, vscode.CompletionItemKind> = {
  keyword: vscode.CompletionItemKind.Keyword,
  snippet: vscode.CompletionItemKind.Snippet,
  user: vscode.CompletionItemKind.User,
  group: vscode.CompletionItemKind.Module,
  path: vscode.CompletionItemKind.File,
  program: vscode.CompletionItemKind.Function,
  task: vscode.CompletionItemKind.Event,
  label: vscode.CompletionItemKind.Reference,
  variable: vscode.CompletionItemKind.Variable,
  check: vscode.CompletionItemKind.Constant,
  errno: vscode.CompletionItemKind.EnumMember,
  sysctl: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.Value,
  flag: vscode.CompletionItemKind.EnumMember,
  field: vscode.CompletionItemKind.Field,
  syscall: vscode.CompletionItemKind.Method,
};

/** Characters after which completion opens by itself: a space between words, a path, an id. */
export const COMPLETION_TRIGGERS = [' ', '/', '.'];

export class ScenarioCompletion implements vscode.CompletionItemProvider {
  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {}

  provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): vscode.CompletionItem[] {
    return this.guard.run('completion', document, [], () => {
      const { line, column } = fromPosition(position);
      const result = completionsAt(this.analyses.get(document), line, column);
      const range = toRange(result.span);
      return result.items.map((entry, index) => {
        const item = new vscode.CompletionItem(entry.label, KINDS[entry.kind]);
        item.range = range;
        // The order the lab gives is the order that fits the context.
        item.sortText = String(index).padStart(4, '0');
        if (entry.detail !== undefined) item.detail = entry.detail;
        if (entry.documentation !== undefined)
          item.documentation = new vscode.MarkdownString(entry.documentation);
        if (entry.insertText !== undefined) {
          item.insertText = entry.snippet
            ? new vscode.SnippetString(entry.insertText)
            : entry.insertText;
        }
        return item;
      });
    });
  }
}
