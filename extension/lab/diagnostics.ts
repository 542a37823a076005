/**
 * Diagnostics of a `.crlab` file: what is wrong, where (1-based line and column, as editors and
 * compilers print them), and, when a near miss is likely, what the author probably meant.
 */

/** The families of mistakes, so tests and the editor can tell them apart without parsing text. */
export type DiagnosticCode =
  | 'syntax'
  | 'unknown-statement'
  | 'bad-argument'
  | 'unknown-user'
  | 'unknown-group'
  | 'unknown-path'
  | 'unknown-program'
  | 'unknown-label'
  | 'unknown-task'
  | 'undefined-variable'
  | 'type-mismatch'
  | 'duplicate';

export interface Diagnostic {
  code: DiagnosticCode;
  /** 1-based line of the scenario file. */
  line: number;
  /** 1-based column of the first character of the offending token. */
  column: number;
  /** Columns covered, at least 1, so an editor can underline the token. */
  length: number;
  message: string;
  /** A replacement for the offending token, when one is likely (`hallyn` for `halyn`). */
  suggestion?: string;
}

/** `file:line:column: message (did you mean ...?)`, the compiler habit. */
export function formatDiagnostic(diagnostic: Diagnostic, fileName = '<scenario>'): string {
  const hint =
    diagnostic.suggestion === undefined ? '' : ` (did you mean \`${diagnostic.suggestion}\`?)`;
  return `${fileName}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}${hint}`;
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment), since `EPREM` for `EPERM` is the typo people make.
 */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row[j] = j;
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * The closest candidate to `word`, when it is close enough to be a typo: at most a third of the
 * word's length in edits (at least one), ties going to the first candidate given.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const budget = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= budget ? best : undefined;
}
