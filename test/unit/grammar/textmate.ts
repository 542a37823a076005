/**
 * The real TextMate engine VS Code uses (vscode-textmate on the Oniguruma regex library) over
 * syntaxes/crlab.tmLanguage.json, and a reader for annotated scenarios in the format of
 * vscode-tmgrammar-test:
 *
 *     spawn /bin/passwd as hallyn -> passwd
 *     # <----- keyword.control.action.crlab
 *     #     ^^^^^^^^^^^ string.unquoted.path.crlab
 *     #                 ^^ - variable.other.user.crlab
 *
 * An assertion line starts with `#` followed by `^` marks under the columns it checks, or `<-`
 * and dashes for columns from the first; then the scopes every marked column must have, and
 * after ` - ` scopes it must not have. It checks the closest source line above it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from 'vscode-textmate';

const ROOT = join(__dirname, '..', '..', '..');
const GRAMMAR_PATH = join(ROOT, 'syntaxes', 'crlab.tmLanguage.json');

let loaded: Promise<IGrammar> | undefined;

/** The crlab grammar, loaded once per process. */
export function crlabGrammar(): Promise<IGrammar> {
  loaded ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(
      wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer,
    );
    const registry = new Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (text: string) => new oniguruma.OnigString(text),
      }),
      loadGrammar: async (scopeName: string) =>
        scopeName === 'source.crlab'
          ? parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH)
          : null,
    });
    const grammar = await registry.loadGrammar('source.crlab');
    if (grammar === null) throw new Error('source.crlab did not load');
    return grammar;
  })();
  return loaded;
}

/** The scopes of every character of every line, tokenized as an editor does (state carried). */
export function scopesOf(grammar: IGrammar, lines: readonly string[]): string[][][] {
  let state = INITIAL;
  return lines.map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    const perColumn: string[][] = [];
    for (const token of result.tokens) {
      for (let column = token.startIndex; column < Math.min(token.endIndex, line.length); column++)
        perColumn[column] = token.scopes;
    }
    return perColumn;
  });
}

export interface Assertion {
  /** 1-based line of the annotated file (for messages). */
  fileLine: number;
  /** 0-based index into the source lines (assertion lines removed). */
  sourceLine: number;
  columns: number[];
  scopes: string[];
  excluded: string[];
}

export interface AnnotatedFile {
  /** The scenario without its assertion lines: what the engine tokenizes. */
  source: string[];
  assertions: Assertion[];
}

const ASSERTION = /^(\s*#)(\s*)(\^+|<-+)(.*)$/;

export function readAnnotated(text: string): AnnotatedFile {
  const source: string[] = [];
  const assertions: Assertion[] = [];
  text.split('\n').forEach((line, index) => {
    const match = ASSERTION.exec(line);
    if (match === null || source.length === 0) {
      source.push(line);
      return;
    }
    const [, lead = '', gap = '', marks = '', rest = ''] = match;
    const start = lead.length + gap.length;
    const columns = marks.startsWith('<')
      ? Array.from({ length: marks.length - 1 }, (_, i) => i)
      : Array.from({ length: marks.length }, (_, i) => start + i);
    const [wanted = '', unwanted = ''] = rest.split(/\s-\s/);
    assertions.push({
      fileLine: index + 1,
      sourceLine: source.length - 1,
      columns,
      scopes: wanted.trim().split(/\s+/).filter(Boolean),
      excluded: unwanted.trim().split(/\s+/).filter(Boolean),
    });
  });
  return { source, assertions };
}

/** Every failed assertion of an annotated file, as readable lines; empty when all hold. */
export async function checkAnnotated(text: string, name: string): Promise<string[]> {
  const grammar = await crlabGrammar();
  const { source, assertions } = readAnnotated(text);
  const scopes = scopesOf(grammar, source);
  const failures: string[] = [];
  for (const assertion of assertions) {
    const line = source[assertion.sourceLine] ?? '';
    for (const column of assertion.columns) {
      const have = scopes[assertion.sourceLine]?.[column] ?? [];
      const where = `${name}:${assertion.fileLine}: column ${column + 1} of ${JSON.stringify(line)} (${JSON.stringify(line[column] ?? '')})`;
      for (const scope of assertion.scopes)
        if (!have.includes(scope)) failures.push(`${where} lacks ${scope}; has ${have.join(' ')}`);
      for (const scope of assertion.excluded)
        if (have.includes(scope)) failures.push(`${where} has ${scope}, which it must not`);
    }
  }
  return failures;
}
