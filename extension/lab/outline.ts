/**
 * The shape of a scenario for an editor's outline, breadcrumbs and folding: the world, each
 * program block with its labels, and the script, with the lines each covers.
 */
import type { Scenario, ScriptStatement, Span, WorldStatement } from './ast';
import { lexLine } from './lexer';

/** A range over lines, 1-based, with the end column exclusive. */
export interface LineRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export type OutlineKind =
  | 'world'
  | 'script'
  | 'program'
  | 'label'
  | 'user'
  | 'group'
  | 'path'
  | 'setting'
  | 'task'
  | 'action'
  | 'expectation';

export interface OutlineSymbol {
  name: string;
  detail: string;
  kind: OutlineKind;
  range: LineRange;
  /** The part to highlight when the symbol is picked: its name. */
  selection: Span;
  children: OutlineSymbol[];
}

/** A `program NAME ... end` block as the lines show it (an unterminated one runs to the end). */
export interface ProgramBlock {
  name: string;
  startLine: number;
  /** The line of `end`, or the last line of the file. */
  endLine: number;
  terminated: boolean;
}

/**
 * Program blocks, found the way the parser finds them: a line `program NAME` opens one, a line
 * starting with `end` closes it. Works on any text, however broken.
 */
export function programBlocks(lines: readonly string[]): ProgramBlock[] {
  const blocks: ProgramBlock[] = [];
  let open: ProgramBlock | undefined;
  lines.forEach((text, index) => {
    const { tokens, diagnostics } = lexLine(text, index + 1);
    if (diagnostics.length > 0) return;
    const [first, second] = tokens;
    if (open === undefined) {
      if (first?.text === 'program' && second?.kind === 'word' && tokens.length === 2) {
        open = {
          name: second.text,
          startLine: index + 1,
          endLine: lines.length,
          terminated: false,
        };
      }
      return;
    }
    if (first?.kind === 'word' && first.text === 'end' && tokens.length === 1) {
      open.endLine = index + 1;
      open.terminated = true;
      blocks.push(open);
      open = undefined;
    }
  });
  if (open !== undefined) blocks.push(open);
  return blocks;
}

/** The block a line is in (its `program` and `end` lines included), if any. */
export function blockAt(blocks: readonly ProgramBlock[], line: number): ProgramBlock | undefined {
  return blocks.find((block) => line >= block.startLine && line <= block.endLine);
}

/** Where the statement on a line starts and ends, without its comment. */
export function statementExtent(lines: readonly string[], line: number): LineRange {
  const text = lines[line - 1] ?? '';
  const { tokens } = lexLine(text, line);
  const first = tokens[0];
  const last = tokens.at(-1);
  if (first === undefined || last === undefined) {
    return { startLine: line, startColumn: 1, endLine: line, endColumn: text.length + 1 };
  }
  return {
    startLine: line,
    startColumn: first.column,
    endLine: line,
    endColumn: last.column + last.text.length,
  };
}

/** The statement on a line as written, without its comment. */
export function statementText(lines: readonly string[], line: number): string {
  const extent = statementExtent(lines, line);
  return (lines[line - 1] ?? '').slice(extent.startColumn - 1, extent.endColumn - 1);
}

function spanRange(span: Span): LineRange {
  return {
    startLine: span.line,
    startColumn: span.column,
    endLine: span.line,
    endColumn: span.column + span.length,
  };
}

function enclosing(children: readonly OutlineSymbol[]): LineRange {
  const first = children[0]?.range;
  const last = children.at(-1)?.range;
  if (first === undefined || last === undefined) {
    return { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
  }
  return {
    startLine: first.startLine,
    startColumn: first.startColumn,
    endLine: last.endLine,
    endColumn: last.endColumn,
  };
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}

function worldSymbol(lines: readonly string[], statement: WorldStatement): OutlineSymbol {
  const range = statementExtent(lines, statement.line);
  const text = statementText(lines, statement.line);
  const symbol = (
    name: string,
    kind: OutlineKind,
    selection: Span,
    detail: string,
  ): OutlineSymbol => ({ name, detail, kind, range, selection, children: [] });
  switch (statement.kind) {
    case 'user':
      return symbol(statement.name.text, 'user', statement.name, `user ${statement.uid}`);
    case 'group':
      return symbol(statement.name.text, 'group', statement.name, `group ${statement.gid}`);
    case 'dir':
    case 'file': {
      const details: string[] = [statement.kind];
      if (statement.mode !== undefined) details.push(octal(statement.mode));
      if (statement.owner !== undefined) details.push(statement.owner.user.text);
      if (statement.kind === 'file' && statement.runs !== undefined)
        details.push(`runs ${statement.runs.text}`);
      return symbol(statement.path.path, 'path', statement.path, details.join(' '));
    }
    case 'sysctl':
      return symbol(
        statement.name.text,
        'setting',
        statement.name,
        `= ${typeof statement.value === 'number' ? statement.value : statement.value.text}`,
      );
    default:
      return symbol(text, 'setting', statement, '');
  }
}

function scriptSymbol(lines: readonly string[], statement: ScriptStatement): OutlineSymbol {
  const range = statementExtent(lines, statement.line);
  const text = statementText(lines, statement.line);
  if (statement.kind === 'spawn' || (statement.kind === 'restart' && statement.target)) {
    const target = statement.target ?? statement;
    return {
      name: statement.target?.text ?? text,
      detail: text,
      kind: 'task',
      range,
      selection: target,
      children: [],
    };
  }
  return {
    name: text,
    detail: '',
    kind: statement.kind.startsWith('expect') ? 'expectation' : 'action',
    range,
    selection: statement,
    children: [],
  };
}

/** The outline: World, each program (with its labels), Script; empty groups are left out. */
export function outlineOf(
  scenario: Scenario,
  lines: readonly string[],
  blocks: readonly ProgramBlock[] = programBlocks(lines),
): OutlineSymbol[] {
  const symbols: OutlineSymbol[] = [];
  const group = (name: string, kind: 'world' | 'script', children: OutlineSymbol[]): void => {
    if (children.length === 0) return;
    symbols.push({
      name,
      detail: `${children.length} statements`,
      kind,
      range: enclosing(children),
      selection: children[0]?.selection ?? { line: 1, column: 1, length: 1 },
      children,
    });
  };
  group(
    'World',
    'world',
    scenario.world.map((statement) => worldSymbol(lines, statement)),
  );
  for (const program of scenario.programs) {
    const block = blocks.find((b) => b.startLine === program.line);
    const endLine = block?.endLine ?? program.line;
    const labels: OutlineSymbol[] = [...program.labels].map(([label, { span }]) => ({
      name: label,
      detail: 'label',
      kind: 'label',
      range: spanRange(span),
      selection: span,
      children: [],
    }));
    labels.sort((a, b) => a.range.startLine - b.range.startLine);
    symbols.push({
      name: program.name.text,
      detail: `program, ${program.instructions.length} instructions`,
      kind: 'program',
      range: {
        startLine: program.line,
        startColumn: program.column,
        endLine,
        endColumn: (lines[endLine - 1] ?? '').length + 1,
      },
      selection: program.name,
      children: labels,
    });
  }
  group(
    'Script',
    'script',
    scenario.script.map((statement) => scriptSymbol(lines, statement)),
  );
  return symbols.sort((a, b) => a.range.startLine - b.range.startLine);
}

export interface FoldingRegion {
  startLine: number;
  endLine: number;
  kind: 'block' | 'comment';
}

/** Program blocks (found in `lines` unless given), and runs of two or more comment lines. */
export function foldingRegions(
  lines: readonly string[],
  blocks: readonly ProgramBlock[] = programBlocks(lines),
): FoldingRegion[] {
  const regions: FoldingRegion[] = blocks
    .filter((block) => block.endLine > block.startLine)
    .map((block) => ({ startLine: block.startLine, endLine: block.endLine, kind: 'block' }));
  let commentStart: number | undefined;
  const closeComments = (endLine: number): void => {
    if (commentStart !== undefined && endLine > commentStart)
      regions.push({ startLine: commentStart, endLine, kind: 'comment' });
    commentStart = undefined;
  };
  lines.forEach((text, index) => {
    const line = index + 1;
    if (/^\s*#/.test(text)) commentStart ??= line;
    else closeComments(line - 1);
  });
  closeComments(lines.length);
  return regions.sort((a, b) => a.startLine - b.startLine);
}
