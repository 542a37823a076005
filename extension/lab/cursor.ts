/**
 * Reads the tokens of one statement. Each `expect...` either returns what was asked for or
 * throws a `StatementError` carrying the diagnostic, so a statement stops at its first mistake
 * and the parser moves on to the next line.
 */
import type { Expr, Name, PathArg, Span, StringArg, BinaryOp, Datum } from './ast';
import { closestMatch, type Diagnostic, type DiagnosticCode } from './diagnostics';
import { numberValue, type Token } from './lexer';

export class StatementError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

const BINARY_PRECEDENCE: Record<string, number> = {
  '==': 1,
  '!=': 1,
  '<': 2,
  '<=': 2,
  '>': 2,
  '>=': 2,
  '+': 3,
  '-': 3,
  '*': 4,
  '/': 4,
  '%': 4,
};

export class Cursor {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    readonly line: number,
    /** Column just past the last token, where "missing ..." errors point. */
    private readonly endColumn: number,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  next(): Token | undefined {
    const token = this.tokens[this.index];
    if (token !== undefined) this.index++;
    return token;
  }

  spanOf(token: Token): Span {
    return { line: this.line, column: token.column, length: Math.max(1, token.text.length) };
  }

  fail(
    code: DiagnosticCode,
    message: string,
    token: Token | undefined = this.peek(),
    suggestion?: string,
  ): never {
    const column = token?.column ?? this.endColumn;
    const length = token === undefined ? 1 : Math.max(1, token.text.length);
    const diagnostic: Diagnostic = { code, line: this.line, column, length, message };
    if (suggestion !== undefined) diagnostic.suggestion = suggestion;
    throw new StatementError(diagnostic);
  }

  /** Fails with "expected X, found Y" at the current token. */
  expected(what: string, candidates: readonly string[] = []): never {
    const token = this.peek();
    const found = token === undefined ? 'end of line' : `\`${token.text}\``;
    const suggestion = token?.kind === 'word' ? closestMatch(token.text, candidates) : undefined;
    return this.fail('bad-argument', `expected ${what}, found ${found}`, token, suggestion);
  }

  isWord(...words: string[]): boolean {
    const token = this.peek();
    return token?.kind === 'word' && words.includes(token.text);
  }

  /** Consumes the keyword if it is next. */
  accept(word: string): Token | undefined {
    if (this.isWord(word)) return this.next();
    return undefined;
  }

  keyword(word: string): Token {
    const token = this.accept(word);
    if (token === undefined) return this.expected(`\`${word}\``, [word]);
    return token;
  }

  /** One of a fixed set of words, with a suggestion for a near miss. */
  oneOf<T extends string>(what: string, words: readonly T[]): { word: T; token: Token } {
    const token = this.peek();
    if (token?.kind === 'word' && (words as readonly string[]).includes(token.text)) {
      this.next();
      return { word: token.text as T, token };
    }
    return this.expected(`${what} (${words.join(', ')})`, words);
  }

  name(what: string): Name {
    const token = this.peek();
    if (token?.kind !== 'word') return this.expected(what);
    this.next();
    return { ...this.spanOf(token), text: token.text };
  }

  path(what = 'an absolute path'): PathArg {
    const token = this.peek();
    if (token?.kind !== 'path') return this.expected(what);
    this.next();
    return { ...this.spanOf(token), path: token.value };
  }

  string(what = 'a quoted string'): StringArg {
    const token = this.peek();
    if (token?.kind !== 'string') return this.expected(what);
    this.next();
    return { ...this.spanOf(token), value: token.value };
  }

  /**
   * The value of a number token. Every number of the machine fits in 64 bits (registers and
   * memory hold s64, flags are u64): a longer literal is a mistake, not a value to round.
   */
  private literal(token: Token): number {
    const value = numberValue(token.text);
    if (value === undefined)
      return this.fail('bad-argument', `\`${token.text}\` is not a number`, token);
    const text = /^0[0-7]+$/.test(token.text) ? `0o${token.text.slice(1)}` : token.text;
    if (BigInt(text) >= 1n << 64n)
      return this.fail('bad-argument', `\`${token.text}\` does not fit in 64 bits`, token);
    return value;
  }

  /** An integer literal, optionally negative. */
  integer(what = 'a number'): number {
    let sign = 1;
    if (
      this.peek()?.kind === 'op' &&
      this.peek()?.text === '-' &&
      this.peek(1)?.kind === 'number'
    ) {
      this.next();
      sign = -1;
    }
    const token = this.peek();
    if (token?.kind !== 'number') return this.expected(what);
    const value = this.literal(token);
    this.next();
    return sign * value;
  }

  /** `-> NAME`, if present. */
  optionalTarget(): Name | undefined {
    if (this.peek()?.kind !== 'arrow') return undefined;
    this.next();
    return this.name('a variable name after `->`');
  }

  target(): Name {
    if (this.peek()?.kind !== 'arrow') return this.expected('`-> NAME`');
    this.next();
    return this.name('a variable name after `->`');
  }

  /** Fails when tokens remain: a statement never silently ignores what follows it. */
  done(): void {
    const token = this.peek();
    if (token !== undefined) {
      this.fail('bad-argument', `unexpected \`${token.text}\` at the end of the statement`, token);
    }
  }

  expression(): Expr {
    return this.binary(1);
  }

  private binary(minimum: number): Expr {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      const precedence = token?.kind === 'op' ? BINARY_PRECEDENCE[token.text] : undefined;
      if (token === undefined || precedence === undefined || precedence < minimum) return left;
      this.next();
      const right = this.binary(precedence + 1);
      left = {
        kind: 'binary',
        op: token.text as BinaryOp,
        left,
        right,
        line: this.line,
        column: left.column,
        length: right.column + right.length - left.column,
      };
    }
  }

  private unary(): Expr {
    const token = this.peek();
    if (token === undefined) return this.expected('a number or a variable');
    if (token.kind === 'op' && token.text === '-') {
      this.next();
      const operand = this.unary();
      if (operand.kind === 'int')
        return { ...operand, value: -operand.value, column: token.column };
      return { kind: 'neg', operand, ...this.spanOf(token) };
    }
    if (token.kind === 'number') {
      const value = this.literal(token);
      this.next();
      return { kind: 'int', value, ...this.spanOf(token) };
    }
    if (token.kind === 'word') {
      this.next();
      return { kind: 'name', name: token.text, ...this.spanOf(token) };
    }
    if (token.kind === 'string') {
      return this.fail(
        'type-mismatch',
        `expected a number or a variable, found the string ${token.text}`,
        token,
      );
    }
    return this.expected('a number or a variable');
  }

  /** A string literal or an integer expression. */
  datum(): Datum {
    const token = this.peek();
    if (token?.kind === 'string') {
      this.next();
      return { kind: 'string', value: token.value, ...this.spanOf(token) };
    }
    return this.expression();
  }
}
