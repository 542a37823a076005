/**
 * What an editor adds to a diagnostic: the places it relates to (the first definition of a
 * duplicate, the program a variable or label belongs to, where a variable got its type) and
 * the edits that fix it (the parser's suggestion for a near miss; a missing `dir` or `lsm
 * label` line).
 */
import type { Span } from './ast';
import type { ScenarioAnalysis } from './analysis';
import type { Diagnostic } from './diagnostics';
import type { TextEdit } from './navigation';
import { occurrenceAt } from './scenario-index';

export interface RelatedPlace extends Span {
  message: string;
}

const RELATED_CODES: ReadonlySet<string> = new Set([
  'duplicate',
  'undefined-variable',
  'unknown-label',
  'type-mismatch',
  'unknown-task',
]);

/**
 * The parser's suggestion, when it is one: the resolver can propose an empty name (the basename
 * of `/` is among the task names it knows), which would erase the word.
 */
export function usableSuggestion(diagnostic: Diagnostic): string | undefined {
  const suggestion = diagnostic.suggestion?.trim();
  return suggestion === undefined || suggestion === '' ? undefined : suggestion;
}

/** Places a diagnostic relates to, in source order. */
export function relatedPlaces(analysis: ScenarioAnalysis, diagnostic: Diagnostic): RelatedPlace[] {
  // The name index is built on first use: only these codes need it.
  if (!RELATED_CODES.has(diagnostic.code)) return [];
  const at = occurrenceAt(analysis.index, diagnostic.line, diagnostic.column);
  const occurrences = analysis.index.occurrences;
  const span = (o: Span): Span => ({ line: o.line, column: o.column, length: o.length });
  switch (diagnostic.code) {
    case 'duplicate': {
      const line = analysis.lines[diagnostic.line - 1] ?? '';
      const name = line.slice(diagnostic.column - 1, diagnostic.column - 1 + diagnostic.length);
      const program = analysis.blocks.find(
        (b) => diagnostic.line > b.startLine && diagnostic.line <= b.endLine,
      )?.name;
      const first = occurrences.find(
        (o) =>
          o.definition &&
          o.name === name &&
          (o.kind === 'program' || (o.kind === 'label' && o.program === program)) &&
          (o.line !== diagnostic.line || o.column !== diagnostic.column),
      );
      return first === undefined
        ? []
        : [{ ...span(first), message: `first definition of \`${name}\`` }];
    }
    case 'undefined-variable':
    case 'unknown-label':
    case 'type-mismatch': {
      const program = at?.program;
      if (program === undefined) return [];
      const places: RelatedPlace[] = [];
      if (diagnostic.code === 'type-mismatch' && at?.kind === 'variable') {
        for (const assignment of occurrences.filter(
          (o) =>
            o.kind === 'variable' && o.definition && o.name === at.name && o.program === program,
        )) {
          places.push({ ...span(assignment), message: `\`${at.name}\` is assigned here` });
        }
      }
      const header = occurrences.find(
        (o) => o.kind === 'program' && o.definition && o.name === program,
      );
      if (header !== undefined)
        places.push({ ...span(header), message: `in program \`${program}\`` });
      return places.sort((a, b) => a.line - b.line || a.column - b.column);
    }
    case 'unknown-task': {
      // A task used before the statement that names it: say where it is named.
      const line = analysis.lines[diagnostic.line - 1] ?? '';
      const name = line.slice(diagnostic.column - 1, diagnostic.column - 1 + diagnostic.length);
      return occurrences
        .filter(
          (o) => o.kind === 'task' && o.definition && o.name === name && o.line > diagnostic.line,
        )
        .slice(0, 1)
        .map((o) => ({ ...span(o), message: `\`${name}\` is named here, after its use` }));
    }
    default:
      return [];
  }
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

export interface QuickFix {
  /** What the fix does: hosts word the title (`Change to hallyn`) in their own language. */
  kind: 'replace' | 'add-dir' | 'add-lsm-label';
  /** The replacement word, or the directories to add (outermost first, separated by spaces). */
  text: string;
  edits: TextEdit[];
  /** The one fix an editor may apply on its own (the suggestion for a near miss). */
  preferred: boolean;
}

/** Fixes for one diagnostic. */
export function quickFixes(analysis: ScenarioAnalysis, diagnostic: Diagnostic): QuickFix[] {
  const fixes: QuickFix[] = [];
  const range: Span = {
    line: diagnostic.line,
    column: diagnostic.column,
    length: diagnostic.length,
  };
  const suggestion = usableSuggestion(diagnostic);
  if (suggestion !== undefined) {
    fixes.push({
      kind: 'replace',
      text: suggestion,
      edits: [{ ...range, newText: suggestion }],
      preferred: true,
    });
  }
  const statementStart = (line: number): Span => {
    const text = analysis.lines[line - 1] ?? '';
    const indent = /^\s*/.exec(text)?.[0].length ?? 0;
    return { line, column: indent + 1, length: 0 };
  };
  const statement = analysis.scenario.world.find((s) => s.line === diagnostic.line);
  if (
    diagnostic.code === 'unknown-path' &&
    (statement?.kind === 'dir' || statement?.kind === 'file') &&
    statement.path.column === diagnostic.column
  ) {
    // Every missing ancestor, outermost first: `/srv/data/notes` needs `/srv` and `/srv/data`.
    const missing: string[] = [];
    for (let path = parentOf(statement.path.path); path !== '/'; path = parentOf(path)) {
      if (analysis.symbols.paths.includes(path)) break;
      missing.unshift(path);
    }
    if (missing.length > 0) {
      fixes.push({
        kind: 'add-dir',
        text: missing.join(' '),
        edits: [
          {
            ...statementStart(diagnostic.line),
            newText: missing.map((dir) => `dir ${dir}\n`).join(''),
          },
        ],
        preferred: false,
      });
    }
  }
  const labelLsm = analysis.scenario.world.some((s) => s.kind === 'lsm' && s.policy === 'label');
  if (
    diagnostic.code === 'bad-argument' &&
    (statement?.kind === 'lsm-deny' ||
      statement?.kind === 'lsm-transition' ||
      statement?.kind === 'lsm-allow-transition') &&
    !labelLsm
  ) {
    fixes.push({
      kind: 'add-lsm-label',
      text: 'label',
      edits: [{ ...statementStart(diagnostic.line), newText: 'lsm label\n' }],
      preferred: false,
    });
  }
  return fixes;
}
