/**
 * Splits one line of a `.crlab` file into tokens. The language is line-oriented, so the lexer
 * works a line at a time and never looks across a newline.
 */
import type { Diagnostic } from './diagnostics';

export type TokenKind =
  | 'word' // names, keywords, dotted ids (kernel.ckpt_sign_images, restart.creds.uid), field paths
  | 'number' // 42, 0x1f, 04755 (raw text kept: a leading 0 means octal, as in chmod)
  | 'string' // "text" with C escapes, value is the unescaped text
  | 'path' // /an/absolute/path
  | 'arrow' // ->
  | 'op' // = == != < <= > >= + - * / %
  | 'colon'
  | 'comma';

export interface Token {
  kind: TokenKind;
  /** Source text as written (for strings, with quotes). */
  text: string;
  /** For strings: the unescaped value; otherwise the same as `text`. */
  value: string;
  /** 1-based column. */
  column: number;
}

export interface LexedLine {
  tokens: Token[];
  /** Leading whitespace width, used for nothing semantic: blocks end with `end`. */
  indent: number;
  diagnostics: Diagnostic[];
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_.[\]]/;
const NUMBER_PART = /[A-Za-z0-9_]/;
const PATH_PART = /[^\s#"',]/;
const OPERATORS = ['->', '==', '!=', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%'];

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  '\\': '\\',
  '"': '"',
};

function isOperand(token: Token | undefined): boolean {
  return token !== undefined && ['word', 'number', 'string', 'path'].includes(token.kind);
}

/** Tokenizes `text`, the content of line number `line` (1-based, for diagnostics). */
export function lexLine(text: string, line: number): LexedLine {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const indent = /^\s*/.exec(text)?.[0].length ?? 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '#') break;
    if (ch === '"') {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const c = text[j] ?? '';
        if (c === '"') {
          closed = true;
          j++;
          break;
        }
        if (c === '\\') {
          const next = text[j + 1] ?? '';
          if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(j + 2, j + 4))) {
            value += String.fromCharCode(parseInt(text.slice(j + 2, j + 4), 16));
            j += 4;
            continue;
          }
          const escaped = ESCAPES[next];
          if (escaped === undefined) {
            diagnostics.push({
              code: 'syntax',
              line,
              column: j + 1,
              length: 2,
              message: `unknown escape \`\\${next}\` in string (known: \\n \\t \\r \\0 \\\\ \\" \\xNN)`,
            });
            j += 2;
            continue;
          }
          value += escaped;
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      if (!closed) {
        diagnostics.push({
          code: 'syntax',
          line,
          column,
          length: text.length - i,
          message: 'unterminated string: add the closing `"`',
        });
      }
      tokens.push({ kind: 'string', text: text.slice(i, j), value, column });
      i = j;
      continue;
    }
    // A slash is division when it touches the operand before it (`a/2`) or stands alone
    // (`a / 2`); otherwise it starts an absolute path (`open /etc/shadow`, `dir /`).
    const touchesOperand = i > 0 && !/\s/.test(text[i - 1] ?? ' ') && isOperand(tokens.at(-1));
    const standsAlone = /\s/.test(text[i + 1] ?? ' ');
    // A lone `/` right after the statement keyword is the root directory (`dir / mode 0755`).
    const rootArgument = standsAlone && tokens.length === 1;
    if (
      ch === '/' &&
      !touchesOperand &&
      (!standsAlone || rootArgument || !isOperand(tokens.at(-1)))
    ) {
      let j = i + 1;
      while (j < text.length && PATH_PART.test(text[j] ?? ' ')) j++;
      const path = text.slice(i, j);
      tokens.push({ kind: 'path', text: path, value: path, column });
      i = j;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      let j = i + 1;
      while (j < text.length && NUMBER_PART.test(text[j] ?? ' ')) j++;
      const raw = text.slice(i, j);
      tokens.push({ kind: 'number', text: raw, value: raw, column });
      i = j;
      continue;
    }
    if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && WORD_PART.test(text[j] ?? ' ')) j++;
      const word = text.slice(i, j);
      tokens.push({ kind: 'word', text: word, value: word, column });
      i = j;
      continue;
    }
    if (ch === ':') {
      tokens.push({ kind: 'colon', text: ':', value: ':', column });
      i++;
      continue;
    }
    if (ch === ',') {
      tokens.push({ kind: 'comma', text: ',', value: ',', column });
      i++;
      continue;
    }
    const operator = OPERATORS.find((op) => text.startsWith(op, i));
    if (operator !== undefined) {
      tokens.push({
        kind: operator === '->' ? 'arrow' : 'op',
        text: operator,
        value: operator,
        column,
      });
      i += operator.length;
      continue;
    }
    diagnostics.push({
      code: 'syntax',
      line,
      column,
      length: 1,
      message: `unexpected character \`${ch}\``,
    });
    i++;
  }
  return { tokens, indent, diagnostics };
}

/**
 * The numeric value of a number token: `0x` hex, `0o` or a leading `0` octal (file modes are
 * written as in chmod), otherwise decimal. Undefined when the text is not a number.
 */
export function numberValue(raw: string): number | undefined {
  if (/^0x[0-9a-fA-F]+$/.test(raw)) return parseInt(raw.slice(2), 16);
  if (/^0o[0-7]+$/.test(raw)) return parseInt(raw.slice(2), 8);
  if (/^0[0-7]+$/.test(raw)) return parseInt(raw, 8);
  if (/^[0-9]+$/.test(raw)) return parseInt(raw, 10);
  return undefined;
}
