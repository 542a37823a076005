/**
 * Go to definition, find references and rename over a scenario's name index. Names live in
 * namespaces: programs, tasks (with containers), users, groups and paths are file-wide; labels
 * and variables belong to their program, and a script statement naming one (`run t until loop`,
 * `expect var t n`) refers to every program that defines it.
 */
import type { Span } from './ast';
import type { ScenarioAnalysis } from './analysis';
import { occurrenceAt, type Occurrence, type SymbolKind } from './scenario-index';
import { INSTRUCTIONS, SCRIPT_KEYWORDS, WORLD_KEYWORDS } from './vocabulary';
import { defaultWorld } from '../kernel/index';

/** Kinds whose names a scenario defines, and so can be navigated and renamed. */
const NAVIGABLE: ReadonlySet<SymbolKind> = new Set([
  'program',
  'task',
  'label',
  'variable',
  'user',
  'group',
  'path',
]);

/** Kinds a rename may change: names the scenario alone owns. */
const RENAMABLE: ReadonlySet<SymbolKind> = new Set(['program', 'task', 'label', 'variable']);

/** Whether two occurrences name the same thing. */
function sameSymbol(a: Occurrence, b: Occurrence): boolean {
  if (a.kind !== b.kind || a.name !== b.name) return false;
  if (a.kind !== 'label' && a.kind !== 'variable') return true;
  // Within a program, only that program's; a script use matches every program's.
  return a.program === undefined || b.program === undefined || a.program === b.program;
}

/** The navigable name at a position. */
export function symbolAt(
  analysis: ScenarioAnalysis,
  line: number,
  column: number,
): Occurrence | undefined {
  const occurrence = occurrenceAt(analysis.index, line, column);
  return occurrence !== undefined && NAVIGABLE.has(occurrence.kind) ? occurrence : undefined;
}

/**
 * Where the name at a position is defined: `program P`, `-> T`, `L:`, the first assignment of
 * a variable in its program, `user U`, `file P` or the checkpoint that writes an image.
 */
export function definitionsAt(analysis: ScenarioAnalysis, line: number, column: number): Span[] {
  const symbol = symbolAt(analysis, line, column);
  if (symbol === undefined) return [];
  const definitions = analysis.index.occurrences.filter(
    (o) => o.definition && sameSymbol(symbol, o),
  );
  if (symbol.kind === 'variable') {
    // A variable is assigned many times; its definition is the first assignment per program.
    const firstPerProgram = new Map<string | undefined, Occurrence>();
    for (const definition of definitions) {
      if (!firstPerProgram.has(definition.program))
        firstPerProgram.set(definition.program, definition);
    }
    return [...firstPerProgram.values()].map(toSpan);
  }
  return definitions.map(toSpan);
}

/** Every occurrence of the name at a position, its definitions included when asked. */
export function referencesAt(
  analysis: ScenarioAnalysis,
  line: number,
  column: number,
  includeDefinitions = true,
): Span[] {
  const symbol = symbolAt(analysis, line, column);
  if (symbol === undefined) return [];
  return analysis.index.occurrences
    .filter((o) => sameSymbol(symbol, o) && (includeDefinitions || !o.definition))
    .map(toSpan);
}

function toSpan(occurrence: Occurrence): Span {
  return { line: occurrence.line, column: occurrence.column, length: occurrence.length };
}

export type RenameCheck =
  { ok: true; span: Span; placeholder: string } | { ok: false; reason: string };

const KEYWORDS = new Set<string>([
  ...WORLD_KEYWORDS,
  ...SCRIPT_KEYWORDS,
  ...INSTRUCTIONS,
  'all',
  'self',
  'as',
  'to',
  'in',
  'container',
]);

const DEFAULT_PROGRAMS = new Set(defaultWorld().programs.map((program) => program.name));

/** Whether the name at a position can be renamed, and what the editor should select. */
export function prepareRename(
  analysis: ScenarioAnalysis,
  line: number,
  column: number,
): RenameCheck {
  const symbol = occurrenceAt(analysis.index, line, column);
  if (symbol === undefined || !RENAMABLE.has(symbol.kind)) {
    return {
      ok: false,
      reason:
        symbol === undefined
          ? 'Only a program, a task, a label or a variable can be renamed.'
          : `A ${symbol.kind} is not a name of this scenario: only programs, tasks, labels and variables can be renamed.`,
    };
  }
  if (!analysis.index.occurrences.some((o) => o.definition && sameSymbol(symbol, o))) {
    return {
      ok: false,
      reason: `\`${symbol.name}\` is not defined in this scenario, so it cannot be renamed here.`,
    };
  }
  if (symbol.kind === 'program' && DEFAULT_PROGRAMS.has(symbol.name)) {
    return {
      ok: false,
      reason: `\`${symbol.name}\` replaces the default world's program of that name (the files that run it would run the default one after a rename).`,
    };
  }
  return { ok: true, span: toSpan(symbol), placeholder: symbol.name };
}

export interface TextEdit extends Span {
  newText: string;
}

export type RenameResult = { ok: true; edits: TextEdit[] } | { ok: false; reason: string };

/** The edits that rename the name at a position, or why it cannot be renamed. */
export function renameAt(
  analysis: ScenarioAnalysis,
  line: number,
  column: number,
  newName: string,
): RenameResult {
  const check = prepareRename(analysis, line, column);
  if (!check.ok) return check;
  const symbol = occurrenceAt(analysis.index, line, column);
  if (symbol === undefined) return { ok: false, reason: 'Nothing to rename here.' };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) {
    return {
      ok: false,
      reason: `\`${newName}\` is not a name: letters, digits and _, starting with a letter or _.`,
    };
  }
  if (KEYWORDS.has(newName)) return { ok: false, reason: `\`${newName}\` is a keyword.` };
  if (newName === symbol.name) return { ok: true, edits: [] };
  const clash = analysis.index.occurrences.find(
    (o) => o.definition && sameSymbol({ ...symbol, name: newName }, o),
  );
  if (clash !== undefined) {
    return {
      ok: false,
      reason: `\`${newName}\` already names a ${clash.kind} (line ${clash.line}).`,
    };
  }
  if (symbol.kind === 'program' && DEFAULT_PROGRAMS.has(newName)) {
    return {
      ok: false,
      reason: `\`${newName}\` would replace the default world's program of that name.`,
    };
  }
  let targets = analysis.index.occurrences.filter((o) => sameSymbol(symbol, o));
  if (symbol.program !== undefined) {
    // A script use of a label or variable that another program also defines may mean that
    // other program's: renaming it would change what the script refers to.
    const elsewhere = analysis.index.occurrences.some(
      (o) =>
        o.definition &&
        o.kind === symbol.kind &&
        o.name === symbol.name &&
        o.program !== symbol.program,
    );
    if (elsewhere) targets = targets.filter((o) => o.program !== undefined);
  }
  return { ok: true, edits: targets.map((o) => ({ ...toSpan(o), newText: newName })) };
}
