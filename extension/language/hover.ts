/** Hover: what a statement, system call, check id, errno, sysctl or name of the scenario is. */
import * as vscode from 'vscode';
import { hoverAt } from '../lab/language-service';
import type { ScenarioAnalyses } from './analyses';
import { fromPosition, toRange } from './convert';
import type { ProviderGuard } from './guard';

export class ScenarioHover implements vscode.HoverProvider {
  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    return this.guard.run('hover', document, undefined, () => {
      const { line, column } = fromPosition(position);
      const hover = hoverAt(this.analyses.get(document), line, column);
      if (hover === undefined) return undefined;
      // Not trusted and without HTML: the text quotes names and paths from the file.
      const markdown = new vscode.MarkdownString(hover.markdown);
      markdown.isTrusted = false;
      markdown.supportHtml = false;
      return new vscode.Hover(markdown, toRange(hover.span));
    });
  }
}
