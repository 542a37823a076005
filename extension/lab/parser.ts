/**
 * The `.crlab` parser: line-oriented, one statement per line, `program NAME ... end` blocks for
 * what tasks execute. It never stops at the first mistake: each bad line gives one diagnostic and
 * parsing goes on, so the editor can show every problem as you type.
 */
import type {
  Access,
  Expr,
  Instruction,
  Name,
  Owner,
  PathArg,
  Program,
  RunMode,
  Scenario,
  ScriptStatement,
  Span,
  SysctlStatement,
  TaskField,
  WorldStatement,
} from './ast';
import { Cursor, StatementError } from './cursor';
import { closestMatch, type Diagnostic } from './diagnostics';
import { lexLine, numberValue } from './lexer';
import { CAPABILITY_NAMES } from '../image/index';
import { MAX_FILE_SIZE, orFlags } from '../kernel/index';
import {
  ERRNOS,
  FLAG_NAMES,
  MAX_RUN_STEPS,
  INSTRUCTIONS,
  LSM_POLICIES,
  LSM_RULES,
  SCRIPT_KEYWORDS,
  SYSCALLS,
  TASK_FIELDS,
  WORLD_KEYWORDS,
} from './vocabulary';

export interface ParseResult {
  scenario: Scenario;
  diagnostics: Diagnostic[];
}

const PROTECTIONS = ['none', 'r', 'w', 'x', 'rw', 'rx', 'wx', 'rwx'] as const;
const ACCESS_MODES: readonly Access[] = ['r', 'w', 'rw'];

/** Parses a whole scenario file. */
export function parseScenario(source: string): ParseResult {
  const scenario: Scenario = { world: [], programs: [], script: [] };
  const diagnostics: Diagnostic[] = [];
  const lines = source.split(/\r?\n/);
  let program: Program | undefined;
  let firstAction: Span | undefined;

  lines.forEach((text, index) => {
    const line = index + 1;
    const lexed = lexLine(text, line);
    diagnostics.push(...lexed.diagnostics);
    if (lexed.tokens.length === 0 || lexed.diagnostics.length > 0) return;
    const cursor: Cursor = new Cursor(lexed.tokens, line, text.trimEnd().length + 1);
    try {
      if (program !== undefined) {
        if (cursor.accept('end')) {
          cursor.done();
          scenario.programs.push(program);
          program = undefined;
          return;
        }
        parseProgramLine(cursor, program);
        return;
      }
      const head = cursor.peek();
      if (head?.kind !== 'word') {
        cursor.fail(
          'unknown-statement',
          `a statement starts with a keyword, found \`${head?.text}\``,
        );
      }
      if (head.text === 'program') {
        cursor.next();
        const name = cursor.name('a program name');
        cursor.done();
        program = { name, instructions: [], labels: new Map(), ...cursor.spanOf(head) };
        return;
      }
      if (head.text === 'end') {
        cursor.fail('unknown-statement', '`end` without a `program` to close', head);
      }
      if (head.text === 'sysctl') {
        const statement = parseSysctl(cursor);
        // Before the first action a sysctl shapes the world; after it, it is an action.
        if (firstAction === undefined) scenario.world.push(statement);
        else scenario.script.push(statement);
        return;
      }
      if ((WORLD_KEYWORDS as readonly string[]).includes(head.text)) {
        if (firstAction !== undefined) {
          cursor.fail(
            'bad-argument',
            `world statement \`${head.text}\` after the first action (line ${firstAction.line}): describe the world first`,
            head,
          );
        }
        scenario.world.push(parseWorld(cursor));
        return;
      }
      if ((SCRIPT_KEYWORDS as readonly string[]).includes(head.text)) {
        const statement = parseScript(cursor);
        firstAction ??= statement;
        scenario.script.push(statement);
        return;
      }
      if (head.text === 'exec') {
        cursor.fail(
          'unknown-statement',
          '`exec` is a program instruction; in the script, `spawn PATH as USER -> NAME` starts a task executing PATH',
          head,
        );
      }
      const known = [...WORLD_KEYWORDS, ...SCRIPT_KEYWORDS, 'end'];
      cursor.fail(
        'unknown-statement',
        `unknown statement \`${head.text}\``,
        head,
        closestMatch(head.text, known),
      );
    } catch (error) {
      if (!(error instanceof StatementError)) throw error;
      diagnostics.push(error.diagnostic);
    }
  });
  if (program !== undefined) {
    diagnostics.push({
      code: 'syntax',
      line: program.line,
      column: program.column,
      length: 'program'.length,
      message: `program \`${program.name.text}\` has no \`end\``,
    });
    scenario.programs.push(program);
  }
  return { scenario, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// World

function parseOwner(cursor: Cursor): Owner {
  const user = cursor.name('an owner (USER or USER:GROUP)');
  if (cursor.peek()?.kind === 'colon') {
    cursor.next();
    const groupToken = cursor.peek();
    if (groupToken?.kind === 'number') {
      cursor.next();
      return { user, group: { ...cursor.spanOf(groupToken), text: groupToken.text } };
    }
    return { user, group: cursor.name('a group after `:`') };
  }
  return { user };
}

function parseMode(cursor: Cursor): number {
  const token = cursor.peek();
  const mode = cursor.integer('a mode in octal, e.g. 0644');
  if (mode < 0 || mode > 0o7777) {
    cursor.fail('bad-argument', `mode ${token?.text} is outside 0..07777`, token);
  }
  return mode;
}

function parseNameList(cursor: Cursor, what: string): Name[] {
  const names: Name[] = [];
  for (;;) {
    const token = cursor.peek();
    if (token?.kind === 'number') {
      cursor.next();
      names.push({ ...cursor.spanOf(token), text: token.text });
    } else {
      names.push(cursor.name(what));
    }
    if (cursor.peek()?.kind !== 'comma') return names;
    cursor.next();
  }
}

/**
 * Bytes written as hex digits, bare or quoted (`hex 00ff...`, `hex "00ff..."`): the machine key,
 * and the binary contents of a file (a checkpoint image brought into the lab).
 */
function parseHex(cursor: Cursor): Uint8Array {
  const token = cursor.next();
  const hex = token?.kind === 'string' ? token.value : token?.text;
  if (hex === undefined || !/^([0-9a-fA-F]{2})+$/.test(hex)) {
    cursor.fail('bad-argument', 'expected an even number of hex digits', token);
  }
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function parseWorld(cursor: Cursor): WorldStatement {
  const head = cursor.next();
  if (head === undefined) return cursor.expected('a statement');
  const span = cursor.spanOf(head);
  switch (head.text) {
    case 'world': {
      const { word } = cursor.oneOf('a base world', ['default', 'empty'] as const);
      cursor.done();
      return { kind: 'world', base: word, ...span };
    }
    case 'user': {
      const name = cursor.name('a user name');
      const uid = parseId(cursor, 'a uid');
      let gid: number | undefined;
      let groups: Name[] = [];
      let domain: Name | undefined;
      while (!cursor.atEnd()) {
        const { word } = cursor.oneOf('a user option', ['gid', 'groups', 'domain'] as const);
        if (word === 'gid') gid = parseId(cursor, 'a gid');
        else if (word === 'groups') groups = parseNameList(cursor, 'a group name');
        else domain = parseLabel(cursor, 'an LSM domain, e.g. user_t');
      }
      const statement: WorldStatement = { kind: 'user', name, uid, groups, ...span };
      if (gid !== undefined) statement.gid = gid;
      if (domain !== undefined) statement.domain = domain;
      return statement;
    }
    case 'group': {
      const name = cursor.name('a group name');
      const gid = parseId(cursor, 'a gid');
      let members: Name[] = [];
      if (cursor.accept('members')) members = parseNameList(cursor, 'a user name');
      cursor.done();
      return { kind: 'group', name, gid, members, ...span };
    }
    case 'dir':
    case 'file': {
      const path = cursor.path();
      const options: {
        mode?: number;
        owner?: Owner;
        runs?: Name;
        contents?: string | Uint8Array;
        label?: Name;
      } = {};
      const allowed =
        head.text === 'dir'
          ? (['mode', 'owner', 'label'] as const)
          : (['mode', 'owner', 'runs', 'contains', 'label'] as const);
      while (!cursor.atEnd()) {
        const { word } = cursor.oneOf(`a ${head.text} option`, allowed);
        if (word === 'mode') options.mode = parseMode(cursor);
        else if (word === 'owner') options.owner = parseOwner(cursor);
        else if (word === 'runs') options.runs = cursor.name('a program name');
        else if (word === 'contains')
          options.contents = cursor.accept('hex')
            ? parseHex(cursor)
            : cursor.string('the file contents').value;
        else options.label = parseLabel(cursor, 'an LSM label');
      }
      if (head.text === 'dir') {
        const statement: WorldStatement = { kind: 'dir', path, ...span };
        if (options.mode !== undefined) statement.mode = options.mode;
        if (options.owner !== undefined) statement.owner = options.owner;
        if (options.label !== undefined) statement.label = options.label;
        return statement;
      }
      return { kind: 'file', path, ...options, ...span };
    }
    case 'lsm': {
      if (cursor.accept('deny')) {
        const { word: deny } = cursor.oneOf('what to deny', [
          'checkpoint',
          'restore',
          'ptrace',
        ] as const);
        const statement: WorldStatement = { kind: 'lsm-deny', deny, ...span };
        if (deny === 'restore') {
          cursor.keyword('label');
          statement.label = cursor.name('a label, e.g. shadow_t');
          if (cursor.accept('by')) statement.domain = cursor.name('a domain, e.g. user_t');
        } else if (deny === 'ptrace') {
          cursor.keyword('domain');
          statement.domain = cursor.name('a domain, e.g. passwd_t');
        } else {
          const { word: what } = cursor.oneOf('`domain` or `label`', ['domain', 'label'] as const);
          if (what === 'domain') statement.domain = cursor.name('a domain, e.g. passwd_t');
          else statement.label = cursor.name('a file label, e.g. shadow_t');
        }
        cursor.done();
        return statement;
      }
      if (cursor.accept('allow')) {
        cursor.keyword('transition');
        cursor.keyword('from');
        const from = parseLabel(cursor, 'the domain a task is in, e.g. user_t');
        cursor.keyword('to');
        const to = parseLabel(cursor, 'the domain it may enter, e.g. passwd_t');
        cursor.done();
        return { kind: 'lsm-allow-transition', from, to, ...span };
      }
      if (cursor.accept('transition')) {
        cursor.keyword('exec');
        const exec = cursor.name('the label of the executed file, e.g. passwd_exec_t');
        cursor.keyword('to');
        const to = parseLabel(cursor, 'the new domain, e.g. passwd_t');
        const statement: WorldStatement = { kind: 'lsm-transition', exec, to, ...span };
        if (cursor.accept('from')) statement.from = cursor.name('the domain it applies from');
        cursor.done();
        return statement;
      }
      const { word } = cursor.oneOf(
        `an LSM (${LSM_POLICIES.join(', ')}) or a label policy rule (${LSM_RULES.join(', ')})`,
        LSM_POLICIES,
      );
      cursor.done();
      return { kind: 'lsm', policy: word, ...span };
    }
    case 'machine': {
      cursor.keyword('key');
      if (cursor.accept('hex')) {
        const key = parseHex(cursor);
        cursor.done();
        return { kind: 'machine-key', key, ...span };
      }
      const text = cursor.string('the key as a quoted string, or `hex` and hex digits');
      cursor.done();
      if (text.value.length === 0) cursor.fail('bad-argument', 'the machine key is empty');
      return { kind: 'machine-key', key: new TextEncoder().encode(text.value), ...span };
    }
    case 'limit': {
      const { word } = cursor.oneOf('a limit', ['memory', 'nproc', 'file'] as const);
      let value = cursor.integer(word === 'nproc' ? 'a task count' : 'a size in bytes');
      if (word !== 'nproc') {
        const unit = cursor.peek();
        if (unit?.kind === 'word') {
          const { word: suffix } = cursor.oneOf('a unit', ['KiB', 'MiB', 'GiB'] as const);
          value *= suffix === 'KiB' ? 1024 : suffix === 'MiB' ? 1024 ** 2 : 1024 ** 3;
        }
      }
      cursor.done();
      if (word === 'file' && (value < 0 || value > MAX_FILE_SIZE)) {
        cursor.fail('bad-argument', `the file size limit is 0..4 GiB (${MAX_FILE_SIZE} bytes)`);
      }
      return { kind: 'limit', limit: word, value, ...span };
    }
    case 'seed': {
      const value = cursor.integer('a seed');
      cursor.done();
      return { kind: 'seed', value, ...span };
    }
  }
  return cursor.fail('unknown-statement', `unknown statement \`${head.text}\``, head);
}

function parseSysctl(cursor: Cursor): SysctlStatement {
  const head = cursor.next();
  if (head === undefined) return cursor.expected('`sysctl`');
  const name = cursor.name('a sysctl name, e.g. kernel.ckpt_restore_creds');
  if (!(cursor.peek()?.kind === 'op' && cursor.peek()?.text === '=')) cursor.expected('`=`');
  cursor.next();
  const token = cursor.peek();
  let value: Name | number;
  if (token?.kind === 'number' || token?.text === '-') value = cursor.integer();
  else value = cursor.name('a sysctl value');
  cursor.done();
  return { kind: 'sysctl', name, value, ...cursor.spanOf(head) };
}

// ---------------------------------------------------------------------------------------------
// Script

/** The largest uid or gid (uid_t; (uid_t)-1 means "no change"). */
const MAX_ID = 0xffff_fffe;

/** A uid or gid: 0..2^32 - 2, as an image's CRED can hold it. */
function parseId(cursor: Cursor, what: string): number {
  const token = cursor.peek();
  const id = cursor.integer(what);
  if (id < 0 || id > MAX_ID)
    cursor.fail('bad-argument', `${what} is 0..${MAX_ID}, not ${id}`, token);
  return id;
}

/** A label or domain that becomes a SECURITY record: at most 1023 bytes (1024 with its NUL). */
function parseLabel(cursor: Cursor, what: string): Name {
  const token = cursor.peek();
  const label = cursor.name(what);
  const size = new TextEncoder().encode(label.text).length;
  if (size > 1023) {
    cursor.fail('bad-argument', `a label is at most 1023 bytes, this one has ${size}`, token);
  }
  return label;
}

/** Flags as a number, or names joined by `|` or `,` (`SUBTREE`, `FROZEN,KEEP_LSM`). */
function parseFlags(cursor: Cursor): number {
  const token = cursor.peek();
  if (token?.kind === 'number' || token?.text === '-') return cursor.integer('flags');
  let flags = 0;
  for (;;) {
    const name = cursor.peek();
    if (name?.kind !== 'word' || FLAG_NAMES[name.text] === undefined) {
      return cursor.expected(
        'flags: a number or flag names (SUBTREE, TASKSELF, FROZEN, KEEP_LSM)',
        Object.keys(FLAG_NAMES),
      );
    }
    cursor.next();
    flags = orFlags(flags, FLAG_NAMES[name.text] ?? 0);
    const separator = cursor.peek();
    if (separator?.kind === 'comma' || (separator?.kind === 'op' && separator.text === '|')) {
      cursor.next();
      continue;
    }
    return flags;
  }
}

function parseErrno(cursor: Cursor): Name {
  const token = cursor.peek();
  const name = cursor.name('an errno, e.g. EPERM');
  if (!(ERRNOS as readonly string[]).includes(name.text)) {
    cursor.fail(
      'bad-argument',
      `unknown errno \`${name.text}\``,
      token,
      closestMatch(name.text, ERRNOS),
    );
  }
  return name;
}

function parseScript(cursor: Cursor): ScriptStatement {
  const head = cursor.next();
  if (head === undefined) return cursor.expected('a statement');
  const span = cursor.spanOf(head);
  switch (head.text) {
    case 'spawn': {
      const next = cursor.peek();
      const program: Name | PathArg =
        next?.kind === 'path' ? cursor.path() : cursor.name('a program name or a path');
      cursor.keyword('as');
      const user = cursor.name('a user');
      let inContainer: Name | undefined;
      let newContainer: Name | undefined;
      while (cursor.isWord('in', 'container')) {
        if (cursor.accept('in')) inContainer = cursor.name('a container name');
        else if (cursor.accept('container'))
          newContainer = cursor.name('a name for the new container');
      }
      const target = cursor.target();
      cursor.done();
      const statement: ScriptStatement = { kind: 'spawn', program, user, target, ...span };
      if (inContainer !== undefined) statement.inContainer = inContainer;
      if (newContainer !== undefined) statement.newContainer = newContainer;
      return statement;
    }
    case 'run': {
      const task: Name | 'all' = cursor.accept('all') ? 'all' : cursor.name('a task or `all`');
      let mode: RunMode = { kind: 'end' };
      if (cursor.peek()?.kind === 'number') {
        const steps = cursor.integer();
        cursor.oneOf('`steps`', ['steps', 'step'] as const);
        if (steps < 1) cursor.fail('bad-argument', 'run at least 1 step');
        if (steps > MAX_RUN_STEPS) {
          // A run is one statement of a script: a step count beyond this would never end.
          cursor.fail(
            'bad-argument',
            `run at most ${MAX_RUN_STEPS} steps at a time (repeat the statement for more)`,
          );
        }
        mode = { kind: 'steps', steps };
      } else if (cursor.accept('until')) {
        if (cursor.accept('label')) mode = { kind: 'label', label: cursor.name('a label') };
        else if (cursor.accept('syscall')) {
          const token = cursor.peek();
          const syscall = cursor.name('a system call');
          if (!(SYSCALLS as readonly string[]).includes(syscall.text)) {
            cursor.fail(
              'bad-argument',
              `unknown system call \`${syscall.text}\``,
              token,
              closestMatch(syscall.text, SYSCALLS),
            );
          }
          mode = { kind: 'syscall', syscall };
        } else {
          const name = cursor.name('a label or a system call');
          mode = (SYSCALLS as readonly string[]).includes(name.text)
            ? { kind: 'syscall', syscall: name }
            : { kind: 'label', label: name };
        }
      } else if (cursor.accept('to')) {
        cursor.keyword('end');
      }
      cursor.done();
      return { kind: 'run', task, mode, ...span };
    }
    case 'freeze':
    case 'thaw': {
      const task = cursor.name('a task or a container');
      cursor.done();
      return { kind: head.text, task, ...span };
    }
    case 'checkpoint': {
      const task = cursor.name('a task or a container');
      cursor.keyword('as');
      const user = cursor.name('a user');
      let flags = 0;
      if (cursor.accept('flags')) flags = parseFlags(cursor);
      cursor.keyword('to');
      const path = cursor.path('the image path, e.g. /tmp/x.crimg');
      cursor.done();
      return { kind: 'checkpoint', task, user, flags, path, ...span };
    }
    case 'restart': {
      const path = cursor.path('the image path');
      cursor.keyword('as');
      const user = cursor.name('a user');
      let flags = 0;
      if (cursor.accept('flags')) flags = parseFlags(cursor);
      const target = cursor.optionalTarget();
      cursor.done();
      const statement: ScriptStatement = { kind: 'restart', path, user, flags, ...span };
      if (target !== undefined) statement.target = target;
      return statement;
    }
    case 'tamper': {
      const path = cursor.path('the image path');
      const field = cursor.name('a field path, e.g. tasks[0].cred.euid or CRED[0].euid');
      if (!(cursor.peek()?.kind === 'op' && cursor.peek()?.text === '=')) cursor.expected('`=`');
      cursor.next();
      const value = cursor.peek()?.kind === 'string' ? cursor.string() : cursor.expression();
      cursor.done();
      return { kind: 'tamper', path, field, value, ...span };
    }
    case 'export': {
      const path = cursor.path('the file to export');
      cursor.keyword('as');
      const as = cursor.string('a file name, e.g. "passwd.crimg"');
      if (!/^[A-Za-z0-9_.-]+$/.test(as.value) || as.value.startsWith('.')) {
        cursor.fail('bad-argument', 'an export name is a plain file name (letters, digits, _ . -)');
      }
      cursor.done();
      return { kind: 'export', path, as, ...span };
    }
    case 'expect':
      return parseExpect(cursor, span);
  }
  return cursor.fail('unknown-statement', `unknown statement \`${head.text}\``, head);
}

function parseExpect(cursor: Cursor, span: Span): ScriptStatement {
  const { word } = cursor.oneOf('what to expect', [
    'last',
    'check',
    'task',
    'var',
    'output',
    'file',
  ] as const);
  switch (word) {
    case 'last': {
      if (cursor.accept('ok')) {
        cursor.done();
        return { kind: 'expect-last', ok: true, ...span };
      }
      const errno = parseErrno(cursor);
      const statement: ScriptStatement = { kind: 'expect-last', ok: false, errno, ...span };
      if (!cursor.atEnd()) statement.check = cursor.name('a check id, e.g. restart.creds.uid');
      cursor.done();
      return statement;
    }
    case 'check': {
      const check = cursor.name('a check id, e.g. restart.creds.uid');
      const { word: result } = cursor.oneOf('a result', ['pass', 'fail', 'skip'] as const);
      const statement: ScriptStatement = { kind: 'expect-check', check, result, ...span };
      if (!cursor.atEnd()) statement.errno = parseErrno(cursor);
      cursor.done();
      return statement;
    }
    case 'task': {
      const task = cursor.name('a task');
      const { word: field } = cursor.oneOf('a task field', TASK_FIELDS);
      const token = cursor.peek();
      let value: Name | number | { value: string; line: number; column: number; length: number };
      if (token?.kind === 'string') value = cursor.string();
      else if (token?.kind === 'number' || token?.text === '-') value = cursor.integer();
      else value = cursor.name('a value');
      cursor.done();
      return { kind: 'expect-task', task, field: field as TaskField, value, ...span };
    }
    case 'var': {
      const task = cursor.name('a task');
      const variable = cursor.name('a variable');
      const value = cursor.integer('the expected value');
      cursor.done();
      return { kind: 'expect-var', task, variable, value, ...span };
    }
    case 'output': {
      const statement: ScriptStatement = {
        kind: 'expect-output',
        text: { value: '', ...span },
        ...span,
      };
      if (cursor.peek()?.kind === 'word') statement.task = cursor.name('a task');
      statement.text = cursor.string('the expected output line');
      cursor.done();
      return statement;
    }
    case 'file': {
      const path = cursor.path();
      const { word: test } = cursor.oneOf('a file test', [
        'exists',
        'missing',
        'contains',
        'mode',
        'owner',
      ] as const);
      const statement: ScriptStatement = { kind: 'expect-file', path, test, ...span };
      if (test === 'contains') statement.text = cursor.string('the expected text');
      if (test === 'mode') statement.mode = parseMode(cursor);
      if (test === 'owner') statement.owner = parseOwner(cursor);
      cursor.done();
      return statement;
    }
  }
  return cursor.expected('what to expect');
}

// ---------------------------------------------------------------------------------------------
// Programs

function parseProgramLine(cursor: Cursor, program: Program): void {
  // `label:` alone, or in front of an instruction.
  const first = cursor.peek();
  if (first?.kind === 'word' && cursor.peek(1)?.kind === 'colon') {
    cursor.next();
    cursor.next();
    const span = cursor.spanOf(first);
    if (program.labels.has(first.text)) {
      cursor.fail(
        'duplicate',
        `label \`${first.text}\` is already defined in \`${program.name.text}\``,
        first,
      );
    }
    program.labels.set(first.text, { index: program.instructions.length, span });
    if (cursor.atEnd()) return;
  }
  program.instructions.push(parseInstruction(cursor));
}

function parsePages(cursor: Cursor): Expr {
  const pages = cursor.expression();
  cursor.oneOf('`pages`', ['pages', 'page'] as const);
  return pages;
}

/** `none`, or capability numbers and CAP_ names joined by `,`. */
function parseCapabilities(cursor: Cursor): number[] {
  if (cursor.accept('none')) return [];
  const caps: number[] = [];
  for (;;) {
    const token = cursor.peek();
    if (token?.kind === 'number') {
      const cap = cursor.integer('a capability number');
      if (cap < 0 || cap > CAPABILITY_NAMES.length - 1) {
        cursor.fail(
          'bad-argument',
          `capability ${cap} is outside 0..${CAPABILITY_NAMES.length - 1}`,
          token,
        );
      }
      caps.push(cap);
    } else {
      const name = cursor.name('a capability, e.g. CAP_SETUID or 7');
      const cap = CAPABILITY_NAMES.indexOf(name.text);
      if (cap < 0) {
        cursor.fail(
          'bad-argument',
          `unknown capability \`${name.text}\``,
          token,
          closestMatch(name.text, CAPABILITY_NAMES),
        );
      }
      caps.push(cap);
    }
    if (cursor.peek()?.kind !== 'comma') return caps;
    cursor.next();
  }
}

function parseInstruction(cursor: Cursor): Instruction {
  const head = cursor.next();
  if (head === undefined) return cursor.expected('an instruction');
  const span = cursor.spanOf(head);
  if (head.kind !== 'word' || !(INSTRUCTIONS as readonly string[]).includes(head.text)) {
    return cursor.fail(
      'unknown-statement',
      `unknown instruction \`${head.text}\``,
      head,
      head.kind === 'word' ? closestMatch(head.text, INSTRUCTIONS) : undefined,
    );
  }
  const finish = <T extends Instruction>(instruction: T): T => {
    cursor.done();
    return instruction;
  };
  const withTarget = <T extends Instruction>(instruction: T): T => {
    const target = cursor.optionalTarget();
    if (target !== undefined) (instruction as { target?: Name }).target = target;
    return finish(instruction);
  };
  switch (head.text) {
    case 'set': {
      const target = cursor.name('a variable');
      if (!(cursor.peek()?.kind === 'op' && cursor.peek()?.text === '=')) cursor.expected('`=`');
      cursor.next();
      return finish({ op: 'set', target, value: cursor.expression(), ...span });
    }
    case 'goto':
      return finish({ op: 'goto', label: cursor.name('a label'), ...span });
    case 'if': {
      const condition = cursor.expression();
      cursor.keyword('goto');
      return finish({ op: 'if', condition, label: cursor.name('a label'), ...span });
    }
    case 'open': {
      const path = cursor.path();
      const { word: access } = cursor.oneOf('an access mode', ACCESS_MODES);
      const instruction: Instruction = {
        op: 'open',
        path,
        access,
        create: false,
        truncate: false,
        append: false,
        ...span,
      };
      while (cursor.isWord('create', 'trunc', 'append')) {
        const option = cursor.next()?.text;
        if (option === 'create') instruction.create = true;
        else if (option === 'trunc') instruction.truncate = true;
        else instruction.append = true;
      }
      return withTarget(instruction);
    }
    case 'close':
      return withTarget({ op: 'close', fd: cursor.expression(), ...span });
    case 'read': {
      const fd = cursor.expression();
      const buffer = cursor.expression();
      const count = cursor.expression();
      return withTarget({ op: 'read', fd, buffer, count, ...span });
    }
    case 'write': {
      const fd = cursor.expression();
      const data = cursor.datum();
      const instruction: Instruction = { op: 'write', fd, data, ...span };
      if (!cursor.atEnd() && cursor.peek()?.kind !== 'arrow')
        instruction.count = cursor.expression();
      return withTarget(instruction);
    }
    case 'dup':
      return withTarget({ op: 'dup', fd: cursor.expression(), ...span });
    case 'mmap': {
      const { word: kind } = cursor.oneOf('`anon` or `file`', ['anon', 'file'] as const);
      const fd = kind === 'file' ? cursor.expression() : undefined;
      const pages = parsePages(cursor);
      const { word: prot } = cursor.oneOf('a protection', PROTECTIONS);
      const shared = cursor.accept('shared') !== undefined;
      if (!shared) cursor.accept('private');
      const instruction: Instruction = { op: 'mmap', pages, prot, shared, ...span };
      if (fd !== undefined) instruction.fd = fd;
      return withTarget(instruction);
    }
    case 'munmap': {
      const address = cursor.expression();
      const pages = parsePages(cursor);
      return withTarget({ op: 'munmap', address, pages, ...span });
    }
    case 'store': {
      const address = cursor.expression();
      return finish({ op: 'store', address, data: cursor.datum(), ...span });
    }
    case 'load': {
      const address = cursor.expression();
      return finish({ op: 'load', address, target: cursor.target(), ...span });
    }
    case 'fork':
      return withTarget({ op: 'fork', ...span });
    case 'exec':
      return withTarget({ op: 'exec', path: cursor.path('the program file to execute'), ...span });
    case 'seteuid':
    case 'setegid':
      return withTarget({ op: head.text, id: cursor.expression(), ...span });
    case 'setresuid':
    case 'setresgid': {
      const ids: [Expr, Expr, Expr] = [
        cursor.expression(),
        cursor.expression(),
        cursor.expression(),
      ];
      return withTarget({ op: head.text, ids, ...span });
    }
    case 'setgroups': {
      const groups =
        cursor.atEnd() || cursor.peek()?.kind === 'arrow'
          ? []
          : parseNameList(cursor, 'a group name or number');
      return withTarget({ op: 'setgroups', groups, ...span });
    }
    case 'capset': {
      const sets = {
        effective: [] as number[],
        permitted: [] as number[],
        inheritable: [] as number[],
      };
      while (!cursor.atEnd() && cursor.peek()?.kind !== 'arrow') {
        const { word } = cursor.oneOf('a capability set', [
          'effective',
          'permitted',
          'inheritable',
        ] as const);
        sets[word] = parseCapabilities(cursor);
      }
      return withTarget({ op: 'capset', ...sets, ...span });
    }
    case 'unshare':
      cursor.keyword('pid');
      return withTarget({ op: 'unshare', ...span });
    case 'freeze':
    case 'thaw':
      return withTarget({ op: head.text, pid: cursor.expression(), ...span });
    case 'prctl': {
      const { word: option } = cursor.oneOf('`capbset_drop` or `set_securebits`', [
        'capbset_drop',
        'set_securebits',
      ] as const);
      if (option === 'capbset_drop')
        return withTarget({ op: 'prctl', option, caps: parseCapabilities(cursor), ...span });
      return withTarget({ op: 'prctl', option, bits: cursor.expression(), ...span });
    }
    case 'ptrace': {
      const { word: request } = cursor.oneOf('`attach` or `detach`', ['attach', 'detach'] as const);
      return withTarget({ op: 'ptrace', request, pid: cursor.expression(), ...span });
    }
    case 'checkpoint': {
      const pid: Expr | 'self' = cursor.accept('self') ? 'self' : cursor.expression();
      cursor.keyword('to');
      const path = cursor.path('the image path');
      const flags = cursor.accept('flags') ? parseFlags(cursor) : 0;
      return withTarget({ op: 'checkpoint', pid, path, flags, ...span });
    }
    case 'restart': {
      const path = cursor.path('the image path');
      const flags = cursor.accept('flags') ? parseFlags(cursor) : 0;
      return withTarget({ op: 'restart', path, flags, ...span });
    }
    case 'getpid':
    case 'getuid':
      return finish({ op: head.text, target: cursor.target(), ...span });
    case 'unlink':
      return withTarget({ op: 'unlink', path: cursor.path(), ...span });
    case 'chmod': {
      const path = cursor.path();
      return withTarget({ op: 'chmod', path, mode: parseMode(cursor), ...span });
    }
    case 'print': {
      const items = [];
      while (!cursor.atEnd()) items.push(cursor.datum());
      if (items.length === 0) cursor.expected('something to print');
      return finish({ op: 'print', items, ...span });
    }
    case 'sleep':
      return finish({ op: 'sleep', ticks: cursor.expression(), ...span });
    case 'exit': {
      const code: Expr = cursor.atEnd() ? { kind: 'int', value: 0, ...span } : cursor.expression();
      return finish({ op: 'exit', code, ...span });
    }
  }
  return cursor.fail('unknown-statement', `\`${head.text}\` cannot stand here`, head);
}

/** Exposed for the editor's hover: the numeric value of a literal as the parser reads it. */
export { numberValue };
