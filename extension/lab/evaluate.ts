/**
 * Evaluates the expressions a debugger is given (watch, hover, the debug console, breakpoint
 * conditions) with the language's own expression syntax: numbers, names, `-x`, `+ - * / %` and
 * comparisons. Names are dotted paths (`creds.euid`, `passwd.n`, `regs[0]`); what they mean is
 * the caller's business, through a resolver.
 */
import type { Expr } from './ast';
import { Cursor, StatementError } from './cursor';
import { lexLine } from './lexer';

/** Why an expression could not be evaluated, in words for the debug console. */
export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';
}

/** Parses an expression; throws {@link EvaluationError} with the parser's message. */
export function parseExpression(text: string): Expr {
  // Lexed as the right-hand side of `set x = ...`, so a `/` reads as division as it does there
  // (at the start of a line, `n / 2` would read as a word followed by a path).
  const lexed = lexLine(`= ${text}`, 1);
  const problem = lexed.diagnostics[0];
  if (problem !== undefined) throw new EvaluationError(problem.message);
  const tokens = lexed.tokens.slice(1);
  if (tokens.length === 0) throw new EvaluationError('an empty expression');
  const cursor = new Cursor(tokens, 1, text.length + 3);
  try {
    const expr = cursor.expression();
    cursor.done();
    return expr;
  } catch (error) {
    if (error instanceof StatementError) throw new EvaluationError(error.diagnostic.message);
    throw error;
  }
}

/**
 * Evaluates a parsed expression; `resolve` gives a name's value or undefined when unknown. Where
 * only arithmetic makes sense (a `tamper` value), `noComparisons` is the error a comparison gets.
 */
export function evaluateExpr(
  expr: Expr,
  resolve: (name: string) => number | undefined,
  noComparisons?: string,
): number {
  switch (expr.kind) {
    case 'int':
      return expr.value;
    case 'name': {
      const value = resolve(expr.name);
      if (value === undefined) throw new EvaluationError(`\`${expr.name}\` is not defined here`);
      return value;
    }
    case 'neg':
      return -evaluateExpr(expr.operand, resolve, noComparisons);
    case 'binary': {
      const a = evaluateExpr(expr.left, resolve, noComparisons);
      const b = evaluateExpr(expr.right, resolve, noComparisons);
      switch (expr.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
        case '%':
          if (b === 0) throw new EvaluationError('division by zero');
          return expr.op === '/' ? Math.trunc(a / b) : a % b;
      }
      if (noComparisons !== undefined) throw new EvaluationError(noComparisons);
      switch (expr.op) {
        case '==':
          return Number(a === b);
        case '!=':
          return Number(a !== b);
        case '<':
          return Number(a < b);
        case '<=':
          return Number(a <= b);
        case '>':
          return Number(a > b);
        case '>=':
          return Number(a >= b);
      }
    }
  }
}

/** Parses and evaluates `text`. */
export function evaluateText(text: string, resolve: (name: string) => number | undefined): number {
  return evaluateExpr(parseExpression(text), resolve);
}

/**
 * A breakpoint's hit condition as VS Code users write it: `5` or `== 5` (the fifth hit),
 * `> 5`, `>= 5`, `< 5`, `<= 5`, or `% 5` (every fifth hit). Returns null for anything else.
 */
export function hitConditionHolds(condition: string, hits: number): boolean | null {
  const match = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(condition);
  if (match === null) return null;
  const count = Number(match[2]);
  switch (match[1]) {
    case '>':
      return hits > count;
    case '>=':
      return hits >= count;
    case '<':
      return hits < count;
    case '<=':
      return hits <= count;
    case '%':
      return count > 0 && hits % count === 0;
    default:
      return hits === count;
  }
}

/**
 * A logpoint's message with every `{expression}` replaced by its value (or by `<error: ...>`):
 * the convention VS Code's logpoints use.
 */
export function interpolate(message: string, evaluate: (expression: string) => string): string {
  return message.replace(/\{([^{}]+)\}/g, (_, expression: string) => {
    try {
      return evaluate(expression.trim());
    } catch (error) {
      return `<error: ${error instanceof Error ? error.message : String(error)}>`;
    }
  });
}
