/**
 * The editor's view of the scenario language, in one import: analysis, hover, completion,
 * navigation, outline, folding, diagnostics' related places and quick fixes, and scenarios as
 * test cases. Pure functions over text with 1-based lines and columns; VS Code's providers
 * (extension/language/) only translate positions and types.
 */
export { analyzeScenario, type ScenarioAnalysis } from './analysis';
export {
  completionsAt,
  type CompletionEntry,
  type CompletionKind,
  type CompletionResult,
} from './completion';
export {
  quickFixes,
  relatedPlaces,
  usableSuggestion,
  type QuickFix,
  type RelatedPlace,
} from './fixes';
export { checkHover, errnoHover, hoverAt, sysctlHover, type HoverInfo } from './hover';
export {
  checkDoc,
  checksFailingWith,
  errnoDoc,
  syscallFunction,
  sysctlDoc,
} from './kernel-reference';
export {
  definitionsAt,
  prepareRename,
  referencesAt,
  renameAt,
  symbolAt,
  type RenameCheck,
  type RenameResult,
  type TextEdit,
} from './navigation';
export {
  foldingRegions,
  outlineOf,
  programBlocks,
  statementExtent,
  statementText,
  type FoldingRegion,
  type LineRange,
  type OutlineKind,
  type OutlineSymbol,
  type ProgramBlock,
} from './outline';
export {
  indexScenario,
  occurrenceAt,
  type Occurrence,
  type ScenarioIndex,
  type SymbolKind,
} from './scenario-index';
export {
  expectationSites,
  testScenario,
  type ExpectationOutcome,
  type ExpectationSite,
  type ExpectationStatus,
  type ScenarioTestResult,
} from './scenario-tests';
