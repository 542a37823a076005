/**
 * Name resolution and type checks over a parsed scenario: every user, group, path, program,
 * label, task and variable a statement names must exist, and values must have the type their
 * slot needs. Each problem is a diagnostic at the offending token, with a suggestion when a
 * near miss is likely.
 */
import type {
  Datum,
  Expr,
  Instruction,
  Name,
  Program,
  Scenario,
  ScriptStatement,
  Span,
} from './ast';
import { closestMatch, type Diagnostic, type DiagnosticCode } from './diagnostics';
import { CHECK_IDS, SYSCTLS, TASK_STATES } from './vocabulary';

/** What exists before the scenario adds anything: the base world's names. */
export interface BaseWorldFacts {
  users: ReadonlyMap<string, number>;
  groups: ReadonlyMap<string, number>;
  paths: ReadonlySet<string>;
  /** Which of `paths` are directories (when known: a file may not take a directory's place). */
  dirs?: ReadonlySet<string>;
  /** Programs of the base world, with their labels and variables. */
  programs: ReadonlyMap<string, { labels: string[]; variables: string[] }>;
}

const EMPTY_FACTS: BaseWorldFacts = {
  users: new Map([['root', 0]]),
  groups: new Map([['root', 0]]),
  paths: new Set(['/', '/tmp']),
  dirs: new Set(['/', '/tmp']),
  programs: new Map(),
};

/** A variable's type, inferred from what assigns it; `int` when several producers disagree. */
type VariableType = 'int' | 'fd' | 'address';

class Resolver {
  readonly diagnostics: Diagnostic[] = [];
  readonly users = new Map<string, number>();
  readonly groups = new Map<string, number>();
  readonly paths = new Set<string>();
  readonly programs = new Map<string, Program>();
  readonly labels = new Set<string>();
  readonly allVariables = new Set<string>();
  readonly containers = new Set<string>();
  readonly tasks = new Set<string>();
  readonly baseProgramNames = new Set<string>();

  report(code: DiagnosticCode, at: Span, message: string, suggestion?: string): void {
    const diagnostic: Diagnostic = {
      code,
      line: at.line,
      column: at.column,
      length: at.length,
      message,
    };
    if (suggestion !== undefined) diagnostic.suggestion = suggestion;
    this.diagnostics.push(diagnostic);
  }

  user(name: Name): void {
    if (this.users.has(name.text) || /^[0-9]+$/.test(name.text)) return;
    this.report(
      'unknown-user',
      name,
      `unknown user \`${name.text}\``,
      closestMatch(name.text, this.users.keys()),
    );
  }

  group(name: Name): void {
    if (this.groups.has(name.text) || /^[0-9]+$/.test(name.text)) return;
    this.report(
      'unknown-group',
      name,
      `unknown group \`${name.text}\``,
      closestMatch(name.text, this.groups.keys()),
    );
  }

  path(at: Span & { path: string }, what = 'path'): void {
    if (this.paths.has(at.path)) return;
    this.report(
      'unknown-path',
      at,
      `unknown ${what} \`${at.path}\``,
      closestMatch(at.path, this.paths),
    );
  }

  program(name: Name): void {
    if (this.programs.has(name.text)) return;
    this.report(
      'unknown-program',
      name,
      `unknown program \`${name.text}\``,
      closestMatch(name.text, this.programs.keys()),
    );
  }

  task(name: Name): void {
    if (this.tasks.has(name.text) || this.containers.has(name.text)) return;
    this.report(
      'unknown-task',
      name,
      `unknown task or container \`${name.text}\``,
      closestMatch(name.text, [...this.tasks, ...this.containers]),
    );
  }
}

/** Where `spawn NAME` looks for an executable when NAME is not a program, like a shell's PATH. */
export const SEARCH_PATH = ['/bin', '/usr/bin'];

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** Paths that exist because the scenario creates them: files opened with `create`, images. */
function createdPaths(scenario: Scenario): string[] {
  const created: string[] = [];
  for (const program of scenario.programs) {
    for (const instruction of program.instructions) {
      if (instruction.op === 'open' && instruction.create) created.push(instruction.path.path);
      if (instruction.op === 'checkpoint') created.push(instruction.path.path);
    }
  }
  for (const statement of scenario.script) {
    if (statement.kind === 'checkpoint') created.push(statement.path.path);
  }
  return created;
}

function checkWorld(resolver: Resolver, scenario: Scenario, base: BaseWorldFacts): void {
  const empty = scenario.world.some((s) => s.kind === 'world' && s.base === 'empty');
  const facts = empty ? EMPTY_FACTS : base;
  facts.users.forEach((uid, name) => resolver.users.set(name, uid));
  facts.groups.forEach((gid, name) => resolver.groups.set(name, gid));
  facts.paths.forEach((path) => resolver.paths.add(path));
  // Base programs a scenario does not redefine still provide labels and variables.
  const redefined = new Set(scenario.programs.map((p) => p.name.text));
  facts.programs.forEach((program, name) => {
    if (redefined.has(name)) return;
    resolver.baseProgramNames.add(name);
    program.labels.forEach((label) => resolver.labels.add(label));
    program.variables.forEach((variable) => resolver.allVariables.add(variable));
  });
  // Declarations first, so that order within the world section does not matter.
  for (const statement of scenario.world) {
    if (statement.kind === 'user') {
      resolver.users.set(statement.name.text, statement.uid);
      // A user without `gid` gets a personal group of the same name and number, like useradd.
      if (statement.gid === undefined && !resolver.groups.has(statement.name.text)) {
        resolver.groups.set(statement.name.text, statement.uid);
      }
    }
    if (statement.kind === 'group') resolver.groups.set(statement.name.text, statement.gid);
    if (statement.kind === 'dir' || statement.kind === 'file')
      resolver.paths.add(statement.path.path);
  }
  // What each path is: the base world's kind, then the scenario's own declarations. A world
  // statement may change a file or a directory, never turn one into the other (the VFS would
  // lose what was inside, and a path walk through a file ends in ENOTDIR).
  const baseKind = (path: string): 'dir' | 'file' | undefined =>
    !facts.paths.has(path) || facts.dirs === undefined
      ? undefined
      : facts.dirs.has(path)
        ? 'dir'
        : 'file';
  const finalKind = new Map<string, 'dir' | 'file'>();
  for (const statement of scenario.world) {
    if (statement.kind === 'dir' || statement.kind === 'file')
      finalKind.set(statement.path.path, statement.kind);
  }
  const kindOf = (path: string): 'dir' | 'file' | undefined =>
    finalKind.get(path) ?? baseKind(path);
  for (const statement of scenario.world) {
    if (statement.kind !== 'dir' && statement.kind !== 'file') continue;
    const path = statement.path.path;
    const other = baseKind(path) ?? kindOf(path);
    if (other !== undefined && other !== statement.kind) {
      resolver.report(
        'bad-argument',
        statement.path,
        other === 'dir'
          ? `\`${path}\` is a directory: a file cannot take its place`
          : `\`${path}\` is a file: a directory cannot take its place`,
      );
    }
    const parent = parentOf(path);
    if (path !== '/' && kindOf(parent) === 'file') {
      resolver.report('bad-argument', statement.path, `\`${parent}\` is a file, not a directory`);
    }
  }
  for (const program of scenario.programs) {
    if (resolver.programs.has(program.name.text)) {
      resolver.report(
        'duplicate',
        program.name,
        `program \`${program.name.text}\` is defined twice`,
      );
    }
    resolver.programs.set(program.name.text, program);
    for (const label of program.labels.keys()) resolver.labels.add(label);
  }
  const labelLsm = scenario.world.some((s) => s.kind === 'lsm' && s.policy === 'label');
  for (const statement of scenario.world) {
    switch (statement.kind) {
      case 'user':
        statement.groups.forEach((group) => resolver.group(group));
        break;
      case 'group':
        statement.members.forEach((member) => resolver.user(member));
        break;
      case 'dir':
      case 'file': {
        const parent = parentOf(statement.path.path);
        if (!resolver.paths.has(parent)) {
          resolver.report(
            'unknown-path',
            statement.path,
            `the parent directory \`${parent}\` does not exist: add \`dir ${parent}\` first`,
          );
        }
        if (statement.owner !== undefined) {
          resolver.user(statement.owner.user);
          if (statement.owner.group !== undefined) resolver.group(statement.owner.group);
        }
        if (statement.kind === 'file' && statement.runs !== undefined)
          resolver.program(statement.runs);
        break;
      }
      case 'sysctl':
        checkSysctl(resolver, statement);
        break;
      case 'lsm-deny':
      case 'lsm-transition':
      case 'lsm-allow-transition':
        if (!labelLsm) {
          resolver.report(
            'bad-argument',
            statement,
            'label policy rules need `lsm label`: add it to the world',
          );
        }
        break;
      default:
        break;
    }
  }
}

function checkSysctl(resolver: Resolver, statement: ScriptStatement & { kind: 'sysctl' }): void {
  const spec = SYSCTLS[statement.name.text];
  if (spec === undefined) {
    resolver.report(
      'bad-argument',
      statement.name,
      `unknown sysctl \`${statement.name.text}\``,
      closestMatch(statement.name.text, Object.keys(SYSCTLS)),
    );
    return;
  }
  const value = statement.value;
  const at: Span = typeof value === 'number' ? statement : value;
  const allowed = spec.join(', ');
  const numeric = typeof spec[0] === 'number';
  if (numeric !== (typeof value === 'number')) {
    const given = typeof value === 'number' ? 'a number' : `\`${value.text}\``;
    resolver.report(
      'type-mismatch',
      at,
      `\`${statement.name.text}\` takes one of ${allowed}, not ${given}`,
    );
  } else if (!spec.includes(typeof value === 'number' ? value : value.text)) {
    resolver.report(
      'bad-argument',
      at,
      `\`${statement.name.text}\` takes one of ${allowed}`,
      typeof value === 'number' ? undefined : closestMatch(value.text, spec.map(String)),
    );
  }
}

function variableTypes(program: Program): Map<string, VariableType> {
  const types = new Map<string, VariableType>();
  const assign = (name: Name | undefined, type: VariableType): void => {
    if (name === undefined) return;
    const previous = types.get(name.text);
    types.set(name.text, previous === undefined || previous === type ? type : 'int');
  };
  for (const instruction of program.instructions) {
    switch (instruction.op) {
      case 'open':
      case 'dup':
        assign(instruction.target, 'fd');
        break;
      case 'mmap':
        assign(instruction.target, 'address');
        break;
      case 'set':
        assign(instruction.target, 'int');
        break;
      default:
        if ('target' in instruction) assign(instruction.target, 'int');
    }
  }
  return types;
}

const TYPE_WORDS: Record<VariableType, string> = {
  int: 'a number',
  fd: 'a file descriptor',
  address: 'a memory address',
};

function checkProgram(resolver: Resolver, program: Program): void {
  const types = variableTypes(program);
  types.forEach((_, name) => resolver.allVariables.add(name));
  const expression = (expr: Expr, want: VariableType | 'any', allowIds = false): void => {
    switch (expr.kind) {
      case 'int':
        return;
      case 'neg':
        expression(expr.operand, 'int');
        return;
      case 'binary':
        // Address arithmetic (`buf + 16`) is allowed; anything else computes a number.
        expression(expr.left, want === 'address' ? 'any' : 'int');
        expression(expr.right, 'int');
        return;
      case 'name': {
        const type = types.get(expr.name);
        if (type === undefined) {
          if (allowIds && (resolver.users.has(expr.name) || resolver.groups.has(expr.name))) return;
          resolver.report(
            'undefined-variable',
            expr,
            `undefined variable \`${expr.name}\` in program \`${program.name.text}\``,
            closestMatch(expr.name, types.keys()),
          );
          return;
        }
        if (want !== 'any' && type !== 'int' && type !== want) {
          resolver.report(
            'type-mismatch',
            expr,
            `\`${expr.name}\` is ${TYPE_WORDS[type]}, but ${TYPE_WORDS[want]} is needed here`,
          );
        }
      }
    }
  };
  const datum = (value: Datum): void => {
    if (value.kind !== 'string') expression(value, 'any');
  };
  const label = (name: Name): void => {
    if (program.labels.has(name.text)) return;
    resolver.report(
      'unknown-label',
      name,
      `unknown label \`${name.text}\` in program \`${program.name.text}\``,
      closestMatch(name.text, program.labels.keys()),
    );
  };
  for (const instruction of program.instructions) checkInstruction(instruction);

  function checkInstruction(instruction: Instruction): void {
    switch (instruction.op) {
      case 'set':
        expression(instruction.value, 'any');
        break;
      case 'goto':
        label(instruction.label);
        break;
      case 'if':
        expression(instruction.condition, 'any');
        label(instruction.label);
        break;
      case 'close':
      case 'dup':
        expression(instruction.fd, 'fd');
        break;
      case 'read':
        expression(instruction.fd, 'fd');
        expression(instruction.buffer, 'address');
        expression(instruction.count, 'int');
        break;
      case 'write':
        expression(instruction.fd, 'fd');
        if (instruction.data.kind !== 'string') expression(instruction.data, 'address');
        if (instruction.count !== undefined) expression(instruction.count, 'int');
        break;
      case 'mmap':
        if (instruction.fd !== undefined) expression(instruction.fd, 'fd');
        expression(instruction.pages, 'int');
        break;
      case 'munmap':
        expression(instruction.address, 'address');
        expression(instruction.pages, 'int');
        break;
      case 'store':
        expression(instruction.address, 'address');
        if (instruction.data.kind !== 'string') expression(instruction.data, 'int');
        break;
      case 'load':
        expression(instruction.address, 'address');
        break;
      case 'exec':
        resolver.path(instruction.path, 'program file');
        break;
      case 'seteuid':
      case 'setegid':
        expression(instruction.id, 'int', true);
        break;
      case 'setresuid':
      case 'setresgid':
        instruction.ids.forEach((id) => expression(id, 'int', true));
        break;
      case 'setgroups':
        instruction.groups.forEach((group) => resolver.group(group));
        break;
      case 'freeze':
      case 'thaw':
      case 'ptrace':
        expression(instruction.pid, 'int');
        break;
      case 'prctl':
        if (instruction.option === 'set_securebits') expression(instruction.bits, 'int');
        break;
      case 'checkpoint':
        if (instruction.pid !== 'self') expression(instruction.pid, 'int');
        break;
      case 'restart':
        resolver.path(instruction.path, 'image');
        break;
      case 'print':
        instruction.items.forEach(datum);
        break;
      case 'sleep':
        expression(instruction.ticks, 'int');
        break;
      case 'exit':
        expression(instruction.code, 'int');
        break;
      default:
        break;
    }
  }
}

function checkScript(resolver: Resolver, scenario: Scenario): void {
  // Every task gets its comm as a name too (`expect task passwd ...` after a restart).
  resolver.programs.forEach((_, name) => resolver.tasks.add(name));
  resolver.baseProgramNames.forEach((name) => resolver.tasks.add(name));
  resolver.paths.forEach((path) => resolver.tasks.add(basename(path)));
  for (const statement of scenario.script) {
    switch (statement.kind) {
      case 'spawn':
        if ('path' in statement.program) resolver.path(statement.program, 'program file');
        else if (
          !resolver.programs.has(statement.program.text) &&
          !resolver.baseProgramNames.has(statement.program.text) &&
          !SEARCH_PATH.some((dir) =>
            resolver.paths.has(`${dir}/${(statement.program as Name).text}`),
          )
        ) {
          resolver.program(statement.program);
        }
        resolver.user(statement.user);
        if (
          statement.inContainer !== undefined &&
          !resolver.containers.has(statement.inContainer.text)
        ) {
          resolver.report(
            'unknown-task',
            statement.inContainer,
            `unknown container \`${statement.inContainer.text}\`: create it with \`spawn ... container ${statement.inContainer.text}\``,
            closestMatch(statement.inContainer.text, resolver.containers),
          );
        }
        if (statement.newContainer !== undefined)
          resolver.containers.add(statement.newContainer.text);
        resolver.tasks.add(statement.target.text);
        break;
      case 'run':
        if (statement.task !== 'all') resolver.task(statement.task);
        if (statement.mode.kind === 'label' && !resolver.labels.has(statement.mode.label.text)) {
          resolver.report(
            'unknown-label',
            statement.mode.label,
            `no program has a label \`${statement.mode.label.text}\``,
            closestMatch(statement.mode.label.text, resolver.labels),
          );
        }
        break;
      case 'freeze':
      case 'thaw':
        resolver.task(statement.task);
        break;
      case 'checkpoint':
        resolver.task(statement.task);
        resolver.user(statement.user);
        break;
      case 'restart':
        resolver.path(statement.path, 'image');
        resolver.user(statement.user);
        if (statement.target !== undefined) resolver.tasks.add(statement.target.text);
        break;
      case 'tamper':
        resolver.path(statement.path, 'image');
        break;
      case 'sysctl':
        checkSysctl(resolver, statement);
        break;
      case 'export':
        resolver.path(statement.path);
        break;
      case 'expect-last':
        if (statement.check !== undefined) checkId(resolver, statement.check);
        break;
      case 'expect-check':
        checkId(resolver, statement.check);
        break;
      case 'expect-task':
        resolver.task(statement.task);
        checkTaskValue(resolver, statement);
        break;
      case 'expect-var':
        resolver.task(statement.task);
        if (!resolver.allVariables.has(statement.variable.text)) {
          resolver.report(
            'undefined-variable',
            statement.variable,
            `no program has a variable \`${statement.variable.text}\``,
            closestMatch(statement.variable.text, resolver.allVariables),
          );
        }
        break;
      case 'expect-output':
        if (statement.task !== undefined) resolver.task(statement.task);
        break;
      case 'expect-file':
        if (statement.owner !== undefined) {
          resolver.user(statement.owner.user);
          if (statement.owner.group !== undefined) resolver.group(statement.owner.group);
        }
        break;
    }
  }
}

function checkId(resolver: Resolver, check: Name): void {
  if ((CHECK_IDS as readonly string[]).includes(check.text)) return;
  resolver.report(
    'bad-argument',
    check,
    `unknown check id \`${check.text}\``,
    closestMatch(check.text, CHECK_IDS),
  );
}

const ID_FIELDS = new Set([
  'uid',
  'euid',
  'suid',
  'fsuid',
  'gid',
  'egid',
  'sgid',
  'fsgid',
  'pc',
  'exit',
]);

function checkTaskValue(
  resolver: Resolver,
  statement: ScriptStatement & { kind: 'expect-task' },
): void {
  const { field, value } = statement;
  const isName = typeof value === 'object' && 'text' in value;
  const isString = typeof value === 'object' && !('text' in value);
  if (ID_FIELDS.has(field)) {
    if (isString) resolver.report('type-mismatch', value, `\`${field}\` is a number, not a string`);
    else if (isName) {
      const ids = field.includes('gid') ? resolver.groups : resolver.users;
      if (field === 'pc' || field === 'exit' || !ids.has(value.text)) {
        if (field === 'pc' || field === 'exit') {
          resolver.report(
            'type-mismatch',
            value,
            `\`${field}\` is a number, not \`${value.text}\``,
          );
        } else if (field.includes('gid')) resolver.group(value);
        else resolver.user(value);
      }
    }
    return;
  }
  if (field === 'state') {
    if (!isName || !(TASK_STATES as readonly string[]).includes(value.text)) {
      resolver.report(
        typeof value === 'number' || isString ? 'type-mismatch' : 'bad-argument',
        typeof value === 'number' ? statement : value,
        `a task state is one of ${TASK_STATES.join(', ')}`,
        isName ? closestMatch(value.text, TASK_STATES) : undefined,
      );
    }
    return;
  }
  if (field === 'dumpable') {
    const ok = isName ? ['yes', 'no'].includes(value.text) : value === 0 || value === 1;
    if (!ok)
      resolver.report(
        'type-mismatch',
        typeof value === 'number' ? statement : value,
        '`dumpable` is yes or no',
      );
  }
  if (field === 'groups' || field === 'caps') {
    if (!isString) {
      resolver.report(
        'type-mismatch',
        typeof value === 'number' ? statement : value,
        field === 'groups'
          ? '`groups` takes a quoted list, e.g. "42,500"'
          : '`caps` takes a quoted hex set, e.g. "0x1ffffffffff"',
      );
      return;
    }
    const text = (value as { value: string }).value;
    if (field === 'caps' && !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) {
      resolver.report(
        'bad-argument',
        value as Span,
        '`caps` is a number, e.g. "0x1ffffffffff" or "0"',
      );
    }
    if (field === 'groups') {
      for (const group of text.split(/[,\s]+/).filter(Boolean)) {
        if (!/^[0-9]+$/.test(group) && !resolver.groups.has(group)) {
          resolver.report(
            'unknown-group',
            value as Span,
            `unknown group \`${group}\``,
            closestMatch(group, resolver.groups.keys()),
          );
        }
      }
    }
  }
}

/** The names a scenario can use, for completion in the editor. */
export interface ScenarioSymbols {
  users: string[];
  groups: string[];
  paths: string[];
  programs: string[];
  labels: string[];
  variables: string[];
  tasks: string[];
  containers: string[];
}

function resolve(scenario: Scenario, base: BaseWorldFacts): Resolver {
  const resolver = new Resolver();
  checkWorld(resolver, scenario, base);
  createdPaths(scenario).forEach((path) => resolver.paths.add(path));
  for (const program of resolver.programs.values()) checkProgram(resolver, program);
  checkScript(resolver, scenario);
  return resolver;
}

/** Checks names and types; returns the diagnostics in source order. */
export function resolveScenario(scenario: Scenario, base: BaseWorldFacts): Diagnostic[] {
  return resolve(scenario, base).diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Every name the scenario defines or inherits from its base world, sorted. */
export function scenarioSymbols(scenario: Scenario, base: BaseWorldFacts): ScenarioSymbols {
  const resolver = resolve(scenario, base);
  const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();
  return {
    users: sorted(resolver.users.keys()),
    groups: sorted(resolver.groups.keys()),
    paths: sorted(resolver.paths),
    programs: sorted([...resolver.programs.keys(), ...resolver.baseProgramNames]),
    labels: sorted(resolver.labels),
    variables: sorted(resolver.allVariables),
    tasks: sorted(resolver.tasks),
    containers: sorted(resolver.containers),
  };
}
