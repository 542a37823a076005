/** The outline and breadcrumbs (World, programs with their labels, Script) and folding. */
import * as vscode from 'vscode';
import {
  foldingRegions,
  outlineOf,
  type OutlineKind,
  type OutlineSymbol,
} from '../lab/language-service';
import type { ScenarioAnalyses } from './analyses';
import { toLineRange, toRange } from './convert';
import type { ProviderGuard } from './guard';

const KINDS: Record<OutlineKind, vscode.SymbolKind> = {
  world: vscode.SymbolKind.Namespace,
  script: vscode.SymbolKind.Namespace,
  program: vscode.SymbolKind.Function,
  label: vscode.SymbolKind.Key,
  user: vscode.SymbolKind.Variable,
  group: vscode.SymbolKind.Variable,
  path: vscode.SymbolKind.File,
  setting: vscode.SymbolKind.Property,
  task: vscode.SymbolKind.Object,
  action: vscode.SymbolKind.Event,
  expectation: vscode.SymbolKind.Boolean,
};

function toDocumentSymbol(symbol: OutlineSymbol): vscode.DocumentSymbol {
  const range = toLineRange(symbol.range);
  const selection = toRange(symbol.selection);
  const name =
    symbol.kind === 'world'
      ? vscode.l10n.t('World')
      : symbol.kind === 'script'
        ? vscode.l10n.t('Script')
        : symbol.name;
  const result = new vscode.DocumentSymbol(
    name || '?',
    symbol.detail,
    KINDS[symbol.kind],
    range,
    // VS Code refuses a selection outside the range; the lab keeps it inside, this makes sure.
    range.contains(selection) ? selection : new vscode.Range(range.start, range.start),
  );
  result.children = symbol.children.map(toDocumentSymbol);
  return result;
}

export class ScenarioSymbols implements vscode.DocumentSymbolProvider, vscode.FoldingRangeProvider {
  constructor(
    private readonly analyses: ScenarioAnalyses,
    private readonly guard: ProviderGuard,
  ) {}

  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] {
    return this.guard.run('document symbols', document, [], () => {
      const analysis = this.analyses.get(document);
      return outlineOf(analysis.scenario, analysis.lines, analysis.blocks).map(toDocumentSymbol);
    });
  }

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    return this.guard.run('folding', document, [], () => {
      const analysis = this.analyses.get(document);
      return foldingRegions(analysis.lines, analysis.blocks).map(
        (region) =>
          new vscode.FoldingRange(
            region.startLine - 1,
            region.endLine - 1,
            region.kind === 'comment' ? vscode.FoldingRangeKind.Comment : undefined,
          ),
      );
    });
  }
}
