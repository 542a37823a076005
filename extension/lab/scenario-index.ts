/**
 * Every name a scenario writes, where it is written and what it names: the table behind the
 * editor's hover, go to definition, find references and rename. Built from the syntax tree, so
 * it sees what the parser understood; lines the parser rejected contribute nothing (the hover
 * falls back to the words themselves there).
 */
import type {
  Datum,
  Expr,
  Instruction,
  Name,
  Owner,
  PathArg,
  Program,
  Scenario,
  ScriptStatement,
  Span,
  WorldStatement,
} from './ast';
import { SYSCALLS } from './vocabulary';

export type SymbolKind =
  | 'program'
  | 'task'
  | 'label'
  | 'variable'
  | 'user'
  | 'group'
  | 'path'
  | 'check'
  | 'errno'
  | 'sysctl'
  | 'sysctl-value'
  | 'syscall'
  | 'statement'
  | 'instruction';

/** One occurrence of a name in the source. */
export interface Occurrence extends Span {
  kind: SymbolKind;
  /** The name as the kernel or the scenario knows it (for paths: the path). */
  name: string;
  /** A definition introduces the name (`program P`, `-> T`, `set X`, `L:`, `user U`, `file P`). */
  definition: boolean;
  /** For labels and variables: the program they belong to; absent for script-level uses. */
  program?: string;
}

export interface ScenarioIndex {
  /** Every occurrence, in source order. */
  occurrences: Occurrence[];
  /** Occurrences by line number, for position lookups. */
  byLine: Map<number, Occurrence[]>;
}

/** The occurrence covering a 1-based line and column (the column just past a name counts). */
export function occurrenceAt(
  index: ScenarioIndex,
  line: number,
  column: number,
): Occurrence | undefined {
  const onLine = index.byLine.get(line) ?? [];
  return (
    onLine.find((o) => column >= o.column && column < o.column + o.length) ??
    onLine.find((o) => column === o.column + o.length)
  );
}

class IndexBuilder {
  readonly occurrences: Occurrence[] = [];

  add(kind: SymbolKind, span: Span, name: string, definition = false, program?: string): void {
    const occurrence: Occurrence = {
      kind,
      name,
      definition,
      line: span.line,
      column: span.column,
      length: span.length,
    };
    if (program !== undefined) occurrence.program = program;
    this.occurrences.push(occurrence);
  }

  name(kind: SymbolKind, name: Name | undefined, definition = false, program?: string): void {
    if (name !== undefined) this.add(kind, name, name.text, definition, program);
  }

  path(path: PathArg | undefined, definition = false): void {
    if (path !== undefined) this.add('path', path, path.path, definition);
  }

  owner(owner: Owner | undefined): void {
    if (owner === undefined) return;
    this.name('user', owner.user);
    this.name('group', owner.group);
  }
}

/** Names that are variables of `program`: what `set` or `-> NAME` assigns. */
function assignedNames(program: Program): Set<string> {
  const names = new Set<string>();
  for (const instruction of program.instructions) {
    if (instruction.op === 'set' || instruction.op === 'load') names.add(instruction.target.text);
    else if ('target' in instruction && instruction.target !== undefined)
      names.add(instruction.target.text);
  }
  return names;
}

function indexWorld(builder: IndexBuilder, statement: WorldStatement): void {
  builder.add('statement', statement, headOf(statement.kind));
  switch (statement.kind) {
    case 'user':
      builder.name('user', statement.name, true);
      statement.groups.forEach((group) => builder.name('group', group));
      break;
    case 'group':
      builder.name('group', statement.name, true);
      statement.members.forEach((member) => builder.name('user', member));
      break;
    case 'dir':
    case 'file':
      builder.path(statement.path, true);
      builder.owner(statement.owner);
      if (statement.kind === 'file') builder.name('program', statement.runs);
      break;
    case 'sysctl':
      indexSysctl(builder, statement);
      break;
    default:
      break;
  }
}

function indexSysctl(builder: IndexBuilder, statement: WorldStatement & { kind: 'sysctl' }): void {
  builder.name('sysctl', statement.name);
  if (typeof statement.value !== 'number')
    builder.add('sysctl-value', statement.value, statement.name.text);
}

/** The keyword that starts a statement of `kind` (`lsm-deny` is written `lsm`). */
function headOf(kind: string): string {
  if (kind.startsWith('expect')) return 'expect';
  if (kind.startsWith('lsm')) return 'lsm';
  if (kind === 'machine-key') return 'machine';
  return kind;
}

function indexProgram(builder: IndexBuilder, program: Program): void {
  builder.add('statement', program, 'program');
  builder.name('program', program.name, true);
  const scope = program.name.text;
  const variables = assignedNames(program);
  // Labels in source order, interleaved with instructions by line.
  program.labels.forEach(({ span }, label) => builder.add('label', span, label, true, scope));
  const expression = (expr: Expr, ids?: 'user' | 'group'): void => {
    switch (expr.kind) {
      case 'int':
        return;
      case 'neg':
        expression(expr.operand, ids);
        return;
      case 'binary':
        expression(expr.left, ids);
        expression(expr.right, ids);
        return;
      case 'name':
        if (ids !== undefined && !variables.has(expr.name)) builder.add(ids, expr, expr.name);
        else builder.add('variable', expr, expr.name, false, scope);
    }
  };
  const datum = (value: Datum): void => {
    if (value.kind !== 'string') expression(value);
  };
  const target = (name: Name | undefined): void => builder.name('variable', name, true, scope);
  for (const instruction of program.instructions) {
    const isSyscall = (SYSCALLS as readonly string[]).includes(instruction.op);
    builder.add(isSyscall ? 'syscall' : 'instruction', instruction, instruction.op, false, scope);
    indexInstruction(instruction);
  }

  function indexInstruction(instruction: Instruction): void {
    switch (instruction.op) {
      case 'set':
        target(instruction.target);
        expression(instruction.value);
        return;
      case 'goto':
        builder.name('label', instruction.label, false, scope);
        return;
      case 'if':
        expression(instruction.condition);
        builder.name('label', instruction.label, false, scope);
        return;
      case 'open':
        builder.path(instruction.path);
        break;
      case 'close':
      case 'dup':
        expression(instruction.fd);
        break;
      case 'read':
        expression(instruction.fd);
        expression(instruction.buffer);
        expression(instruction.count);
        break;
      case 'write':
        expression(instruction.fd);
        datum(instruction.data);
        if (instruction.count !== undefined) expression(instruction.count);
        break;
      case 'mmap':
        if (instruction.fd !== undefined) expression(instruction.fd);
        expression(instruction.pages);
        break;
      case 'munmap':
        expression(instruction.address);
        expression(instruction.pages);
        break;
      case 'store':
        expression(instruction.address);
        datum(instruction.data);
        return;
      case 'load':
        expression(instruction.address);
        target(instruction.target);
        return;
      case 'exec':
      case 'unlink':
      case 'chmod':
        builder.path(instruction.path);
        break;
      case 'seteuid':
        expression(instruction.id, 'user');
        break;
      case 'setegid':
        expression(instruction.id, 'group');
        break;
      case 'setresuid':
        instruction.ids.forEach((id) => expression(id, 'user'));
        break;
      case 'setresgid':
        instruction.ids.forEach((id) => expression(id, 'group'));
        break;
      case 'setgroups':
        instruction.groups.forEach((group) => builder.name('group', group));
        break;
      case 'freeze':
      case 'thaw':
      case 'ptrace':
        expression(instruction.pid);
        break;
      case 'prctl':
        if (instruction.option === 'set_securebits') expression(instruction.bits);
        break;
      case 'checkpoint':
        if (instruction.pid !== 'self') expression(instruction.pid);
        builder.path(instruction.path, true);
        break;
      case 'restart':
        builder.path(instruction.path);
        break;
      case 'getpid':
      case 'getuid':
        target(instruction.target);
        return;
      case 'print':
        instruction.items.forEach(datum);
        return;
      case 'sleep':
        expression(instruction.ticks);
        return;
      case 'exit':
        expression(instruction.code);
        return;
      default:
        break;
    }
    if ('target' in instruction) target(instruction.target);
  }
}

function indexScript(builder: IndexBuilder, statement: ScriptStatement): void {
  builder.add('statement', statement, headOf(statement.kind));
  switch (statement.kind) {
    case 'spawn':
      if ('path' in statement.program) builder.path(statement.program);
      else builder.name('program', statement.program);
      builder.name('user', statement.user);
      builder.name('task', statement.inContainer);
      builder.name('task', statement.newContainer, true);
      builder.name('task', statement.target, true);
      return;
    case 'run':
      if (statement.task !== 'all') builder.name('task', statement.task);
      if (statement.mode.kind === 'label') builder.name('label', statement.mode.label);
      if (statement.mode.kind === 'syscall') builder.name('syscall', statement.mode.syscall);
      return;
    case 'freeze':
    case 'thaw':
      builder.name('task', statement.task);
      return;
    case 'checkpoint':
      builder.name('task', statement.task);
      builder.name('user', statement.user);
      builder.path(statement.path, true);
      return;
    case 'restart':
      builder.path(statement.path);
      builder.name('user', statement.user);
      builder.name('task', statement.target, true);
      return;
    case 'tamper':
    case 'export':
      builder.path(statement.path);
      return;
    case 'sysctl':
      indexSysctl(builder, statement);
      return;
    case 'expect-last':
      builder.name('errno', statement.errno);
      builder.name('check', statement.check);
      return;
    case 'expect-check':
      builder.name('check', statement.check);
      builder.name('errno', statement.errno);
      return;
    case 'expect-task': {
      builder.name('task', statement.task);
      const value = statement.value;
      if (typeof value === 'object' && 'text' in value && /id$/.test(statement.field)) {
        builder.name(statement.field.includes('gid') ? 'group' : 'user', value);
      }
      return;
    }
    case 'expect-var':
      builder.name('task', statement.task);
      builder.name('variable', statement.variable);
      return;
    case 'expect-output':
      builder.name('task', statement.task);
      return;
    case 'expect-file':
      builder.path(statement.path);
      builder.owner(statement.owner);
      return;
  }
}

/** Indexes every name of a parsed scenario. */
export function indexScenario(scenario: Scenario): ScenarioIndex {
  const builder = new IndexBuilder();
  scenario.world.forEach((statement) => indexWorld(builder, statement));
  scenario.programs.forEach((program) => indexProgram(builder, program));
  scenario.script.forEach((statement) => indexScript(builder, statement));
  // A task named by its command (`expect task passwd` with no `-> passwd`) is the program.
  const tasks = new Set(
    builder.occurrences.filter((o) => o.kind === 'task' && o.definition).map((o) => o.name),
  );
  const programs = new Set(scenario.programs.map((p) => p.name.text));
  for (const occurrence of builder.occurrences) {
    if (
      occurrence.kind === 'task' &&
      !tasks.has(occurrence.name) &&
      programs.has(occurrence.name)
    ) {
      occurrence.kind = 'program';
    }
  }
  const occurrences = builder.occurrences.sort((a, b) => a.line - b.line || a.column - b.column);
  const byLine = new Map<number, Occurrence[]>();
  for (const occurrence of occurrences) {
    const onLine = byLine.get(occurrence.line) ?? [];
    onLine.push(occurrence);
    byLine.set(occurrence.line, onLine);
  }
  return { occurrences, byLine };
}
