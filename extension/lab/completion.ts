/**
 * Completion by context: what may come next at a position of a scenario line, from the words
 * already on the line, whether the line is inside a program block, and the scenario's names.
 * Keywords come from the vocabulary, check ids, errnos, sysctls and flags from the kernel.
 */
import type { Span } from './ast';
import type { ScenarioAnalysis } from './analysis';
import { checkDoc, checksFailingWith } from './kernel-reference';
import { checkHover, errnoHover, sysctlHover } from './hover';
import { lexLine, type Token } from './lexer';
import { blockAt } from './outline';
import { INSTRUCTION_DOCS, STATEMENT_DOCS } from './reference';
import {
  CHECK_IDS,
  ERRNOS,
  INSTRUCTIONS,
  LSM_POLICIES,
  LSM_RULES,
  SCRIPT_KEYWORDS,
  SYSCALLS,
  SYSCTLS,
  TASK_FIELDS,
  TASK_STATES,
  WORLD_KEYWORDS,
} from './vocabulary';
import { CAPABILITY_NAMES } from '../image/index';
import { CheckpointFlag, RestartFlag } from '../kernel/index';

export type CompletionKind =
  | 'keyword'
  | 'snippet'
  | 'user'
  | 'group'
  | 'path'
  | 'program'
  | 'task'
  | 'label'
  | 'variable'
  | 'check'
  | 'errno'
  | 'sysctl'
  | 'value'
  | 'flag'
  | 'field'
  | 'syscall';

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Text to insert; a snippet in VS Code's syntax when `snippet` is set. */
  insertText?: string;
  snippet?: boolean;
}

export interface CompletionResult {
  /** What the items replace: the word being typed (empty at a fresh position). */
  span: Span;
  items: CompletionEntry[];
}

const PROTECTIONS = ['none', 'r', 'w', 'x', 'rw', 'rx', 'wx', 'rwx'];

const choice = (words: readonly (string | number)[]): string =>
  `|${words.map((w) => String(w).replace(/[|,$}\\]/g, '\\$&')).join(',')}|`;

/** Snippets offered at the start of a top-level line. */
function statementSnippets(): CompletionEntry[] {
  return [
    {
      label: 'program … end',
      kind: 'snippet',
      detail: 'a program block',
      insertText: 'program ${1:name}\n  ${2:print "hello"}\n  exit 0\nend',
      snippet: true,
    },
    {
      label: 'expect last ok',
      kind: 'snippet',
      detail: 'the last action succeeded',
      insertText: 'expect last ok',
      snippet: true,
    },
    {
      label: 'expect last ERRNO CHECK',
      kind: 'snippet',
      detail: 'the last action failed with ERRNO at CHECK',
      insertText: `expect last \${1${choice(ERRNOS)}} \${2${choice(CHECK_IDS)}}`,
      snippet: true,
    },
    {
      label: 'expect check CHECK RESULT',
      kind: 'snippet',
      detail: 'a check of the last checkpoint or restart',
      insertText: `expect check \${1${choice(CHECK_IDS)}} \${2|pass,fail,skip|}`,
      snippet: true,
    },
    {
      label: 'expect task TASK FIELD VALUE',
      kind: 'snippet',
      detail: "a task's credentials or state",
      insertText: `expect task \${1:task} \${2${choice(TASK_FIELDS)}} \${3:value}`,
      snippet: true,
    },
    {
      label: 'expect output "TEXT"',
      kind: 'snippet',
      detail: 'a console line',
      insertText: 'expect output "${1:text}"',
      snippet: true,
    },
    {
      label: 'expect file PATH TEST',
      kind: 'snippet',
      detail: 'a file of the emulated VFS',
      insertText: 'expect file ${1:/tmp/file} ${2|exists,missing,contains,mode,owner|}',
      snippet: true,
    },
  ];
}

function keywords(
  words: readonly string[],
  docs: Readonly<Record<string, { syntax: string; summary: string }>> = {},
): CompletionEntry[] {
  return [...new Set(words)].map((word) => {
    const doc = docs[word];
    const entry: CompletionEntry = { label: word, kind: 'keyword' };
    if (doc !== undefined) {
      entry.detail = doc.syntax;
      entry.documentation = doc.summary;
    }
    return entry;
  });
}

function named(kind: CompletionKind, names: Iterable<string>, detail?: string): CompletionEntry[] {
  return [...new Set(names)].map((label) => {
    const entry: CompletionEntry = { label, kind };
    if (detail !== undefined) entry.detail = detail;
    return entry;
  });
}

function checkItems(ids: readonly string[] = CHECK_IDS): CompletionEntry[] {
  return ids.map((id) => {
    const doc = checkDoc(id);
    const entry: CompletionEntry = { label: id, kind: 'check' };
    if (doc !== undefined) entry.detail = doc.models;
    const documentation = checkHover(id);
    if (documentation !== undefined) entry.documentation = documentation;
    return entry;
  });
}

function errnoItems(errnos: readonly string[] = ERRNOS): CompletionEntry[] {
  return errnos.map((name) => {
    const entry: CompletionEntry = { label: name, kind: 'errno' };
    const documentation = errnoHover(name);
    if (documentation !== undefined) entry.documentation = documentation;
    return entry;
  });
}

function sysctlItems(): CompletionEntry[] {
  return Object.keys(SYSCTLS).map((name) => {
    const entry: CompletionEntry = { label: name, kind: 'sysctl' };
    const documentation = sysctlHover(name);
    if (documentation !== undefined) entry.documentation = documentation;
    return entry;
  });
}

function flagItems(call: 'checkpoint' | 'restart'): CompletionEntry[] {
  const flags: Record<string, number> = call === 'checkpoint' ? CheckpointFlag : RestartFlag;
  return Object.entries(flags).map(([name, bit]) => ({
    label: name,
    kind: 'flag',
    detail: `${call === 'checkpoint' ? 'CHECKPOINT' : 'RESTART'}_${name} = 0x${bit.toString(16)}`,
  }));
}

/** Paths of the world; `dirsOnly` for where a new file's parent is wanted. */
function pathItems(
  analysis: ScenarioAnalysis,
  filter?: 'dirs' | 'images' | 'executables',
): CompletionEntry[] {
  const files = analysis.world.files;
  const chosen = analysis.symbols.paths.filter((path) => {
    const file = files.find((f) => f.path === path);
    if (filter === 'dirs') return file?.kind === 'dir';
    if (filter === 'images') return file === undefined || path.endsWith('.crimg');
    if (filter === 'executables')
      return file !== undefined && file.kind === 'file' && (file.mode & 0o111) !== 0;
    return true;
  });
  return chosen.map((path) => {
    const file = files.find((f) => f.path === path);
    const entry: CompletionEntry = { label: path, kind: 'path' };
    entry.detail =
      file === undefined
        ? 'written by a checkpoint'
        : `${file.kind} 0${file.mode.toString(8)}${file.runs ? ` runs ${file.runs}` : ''}`;
    return entry;
  });
}

function taskItems(analysis: ScenarioAnalysis): CompletionEntry[] {
  const bound = analysis.index.occurrences
    .filter((o) => o.kind === 'task' && o.definition)
    .map((o) => o.name);
  return named('task', bound, 'task');
}

function programVariables(analysis: ScenarioAnalysis, program: string | undefined): string[] {
  return analysis.index.occurrences
    .filter(
      (o) =>
        o.kind === 'variable' && o.definition && (program === undefined || o.program === program),
    )
    .map((o) => o.name);
}

function programLabels(analysis: ScenarioAnalysis, program: string | undefined): string[] {
  return analysis.index.occurrences
    .filter(
      (o) => o.kind === 'label' && o.definition && (program === undefined || o.program === program),
    )
    .map((o) => o.name);
}

/** Whether the prefix of a line ends inside a string or a comment. */
function inStringOrComment(prefix: string): boolean {
  let inString = false;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '#') return true;
  }
  return inString;
}

const words = (tokens: readonly Token[]): string[] => tokens.map((t) => t.text);

function scriptCompletions(
  analysis: ScenarioAnalysis,
  before: readonly Token[],
): CompletionEntry[] {
  const w = words(before);
  const [head] = w;
  const last = w.at(-1);
  const n = w.length;
  const users = (): CompletionEntry[] => named('user', analysis.symbols.users, 'user');
  const groups = (): CompletionEntry[] => named('group', analysis.symbols.groups, 'group');
  const programs = (): CompletionEntry[] => named('program', analysis.symbols.programs, 'program');
  if (before.at(-1)?.kind === 'arrow') return [];
  switch (head) {
    case 'world':
      return n === 1 ? keywords(['default', 'empty']) : [];
    case 'user':
      if (last === 'groups' || (last === ',' && w.includes('groups'))) return groups();
      return n >= 3 && last !== 'gid' && last !== 'domain'
        ? keywords(['gid', 'groups', 'domain'])
        : [];
    case 'group':
      if (last === 'members' || (last === ',' && w.includes('members'))) return users();
      return n === 3 ? keywords(['members']) : [];
    case 'dir':
    case 'file':
      if (n === 1) return pathItems(analysis, 'dirs');
      if (last === 'owner') return users();
      if (last === ':') return groups();
      if (last === 'runs') return programs();
      if (['mode', 'contains', 'label'].includes(last ?? '')) return [];
      return keywords(
        head === 'dir'
          ? ['mode', 'owner', 'label']
          : ['mode', 'owner', 'runs', 'contains', 'label'],
      );
    case 'sysctl':
      if (n === 1) return sysctlItems();
      if (n === 2) return keywords(['=']);
      if (n === 3 && last === '=') {
        const name = w[1] ?? '';
        return (SYSCTLS[name] ?? []).map((value) => ({
          label: String(value),
          kind: 'value',
          detail: name,
        }));
      }
      return [];
    case 'lsm':
      if (n === 1) return keywords([...LSM_POLICIES, ...LSM_RULES]);
      if (last === 'allow') return keywords(['transition']);
      if (w[1] === 'allow' && n === 3) return keywords(['from']);
      if (w[1] === 'allow' && n === 5) return keywords(['to']);
      if (last === 'deny') return keywords(['checkpoint', 'restore', 'ptrace']);
      if (w[1] === 'deny' && n === 3)
        return keywords(
          w[2] === 'restore' ? ['label'] : w[2] === 'ptrace' ? ['domain'] : ['domain', 'label'],
        );
      if (w[1] === 'deny' && w[2] === 'restore' && n === 5) return keywords(['by']);
      if (last === 'transition') return keywords(['exec']);
      if (w[1] === 'transition' && n === 4) return keywords(['to']);
      if (w[1] === 'transition' && n === 6) return keywords(['from']);
      return [];
    case 'machine':
      return n === 1 ? keywords(['key']) : n === 2 ? keywords(['hex']) : [];
    case 'limit':
      if (n === 1) return keywords(['memory', 'nproc', 'file']);
      return (w[1] === 'memory' || w[1] === 'file') && n === 3
        ? keywords(['KiB', 'MiB', 'GiB'])
        : [];
    case 'spawn':
      if (n === 1) return [...programs(), ...pathItems(analysis, 'executables')];
      if (n === 2) return keywords(['as']);
      if (last === 'as') return users();
      if (last === 'in') return named('task', analysis.symbols.containers, 'container');
      if (last === 'container') return [];
      return [
        ...keywords(['in', 'container']),
        { label: '->', kind: 'keyword', detail: 'name the task' },
      ];
    case 'run':
      if (n === 1) return [...taskItems(analysis), ...keywords(['all'])];
      if (n === 2) return keywords(['until', 'to']);
      if (last === 'until') {
        return [
          ...named('label', analysis.symbols.labels, 'label'),
          ...named('syscall', SYSCALLS, 'system call'),
          ...keywords(['label', 'syscall']),
        ];
      }
      if (last === 'label') return named('label', analysis.symbols.labels, 'label');
      if (last === 'syscall') return named('syscall', SYSCALLS, 'system call');
      if (last === 'to') return keywords(['end']);
      if (before.at(-1)?.kind === 'number') return keywords(['steps']);
      return [];
    case 'freeze':
    case 'thaw':
      return n === 1 ? taskItems(analysis) : [];
    case 'checkpoint':
      if (n === 1) return taskItems(analysis);
      if (n === 2) return keywords(['as']);
      if (last === 'as') return users();
      if (last === 'flags') return flagItems('checkpoint');
      if (last === 'to') return pathItems(analysis, 'dirs');
      if (!w.includes('to')) return keywords(w.includes('flags') ? ['to'] : ['flags', 'to']);
      return [];
    case 'restart':
      if (n === 1) return pathItems(analysis, 'images');
      if (n === 2) return keywords(['as']);
      if (last === 'as') return users();
      if (last === 'flags') return flagItems('restart');
      if (before.at(-1)?.kind === 'comma') return flagItems('restart');
      return w.includes('flags')
        ? [{ label: '->', kind: 'keyword', detail: 'name the restored task' }]
        : [
            ...keywords(['flags']),
            { label: '->', kind: 'keyword', detail: 'name the restored task' },
          ];
    case 'tamper':
      if (n === 1) return pathItems(analysis, 'images');
      if (n === 2) {
        return [
          'tasks[0].cred.euid',
          'tasks[0].cred.uid',
          'CRED[0].euid',
          'head.flags',
          'byte[0x0]',
        ].map((label) => ({ label, kind: 'field', detail: 'image field' }));
      }
      return n === 3 ? keywords(['=']) : [];
    case 'export':
      if (n === 1) return pathItems(analysis);
      return n === 2 ? keywords(['as']) : [];
    case 'expect':
      return expectCompletions(analysis, w);
    default:
      return [];
  }
}

function expectCompletions(analysis: ScenarioAnalysis, w: readonly string[]): CompletionEntry[] {
  const n = w.length;
  const kind = w[1];
  if (n === 1) return keywords(['last', 'check', 'task', 'var', 'output', 'file']);
  switch (kind) {
    case 'last':
      if (n === 2) return [...keywords(['ok']), ...errnoItems()];
      if (n === 3 && w[2] !== 'ok') {
        const failing = checksFailingWith(w[2] ?? '');
        return checkItems(failing.length > 0 ? failing : CHECK_IDS);
      }
      return [];
    case 'check':
      if (n === 2) return checkItems();
      if (n === 3) return keywords(['pass', 'fail', 'skip']);
      if (n === 4 && w[3] === 'fail') {
        const errnos = checkDoc(w[2] ?? '')?.errnos ?? ERRNOS;
        return errnoItems(errnos.length > 0 ? errnos : ERRNOS);
      }
      return [];
    case 'task': {
      if (n === 2) return taskItems(analysis);
      if (n === 3) return TASK_FIELDS.map((field) => ({ label: field, kind: 'field' }));
      if (n !== 4) return [];
      const field = w[3] ?? '';
      if (field === 'state') return TASK_STATES.map((state) => ({ label: state, kind: 'value' }));
      if (field === 'dumpable') return keywords(['yes', 'no']);
      if (/gid$/.test(field)) return named('group', analysis.symbols.groups, 'group');
      if (/uid$/.test(field)) return named('user', analysis.symbols.users, 'user');
      return [];
    }
    case 'var':
      if (n === 2) return taskItems(analysis);
      return n === 3 ? named('variable', analysis.symbols.variables, 'variable') : [];
    case 'output':
      return n === 2 ? taskItems(analysis) : [];
    case 'file':
      if (n === 2) return pathItems(analysis);
      if (n === 3) return keywords(['exists', 'missing', 'contains', 'mode', 'owner']);
      if (w[3] === 'owner' && n === 4) return named('user', analysis.symbols.users, 'user');
      if (w[3] === 'owner' && w.at(-1) === ':')
        return named('group', analysis.symbols.groups, 'group');
      return [];
    default:
      return [];
  }
}

function programCompletions(
  analysis: ScenarioAnalysis,
  program: string,
  before: readonly Token[],
): CompletionEntry[] {
  // A label in front of the instruction is not part of it.
  const tokens = before[1]?.kind === 'colon' ? before.slice(2) : before;
  const w = words(tokens);
  const n = w.length;
  const last = w.at(-1);
  const variables = (): CompletionEntry[] =>
    named('variable', programVariables(analysis, program), 'variable');
  if (n === 0) {
    return [
      ...keywords(INSTRUCTIONS, INSTRUCTION_DOCS).map((entry) =>
        (SYSCALLS as readonly string[]).includes(entry.label)
          ? { ...entry, kind: 'syscall' as const }
          : entry,
      ),
    ];
  }
  if (tokens.at(-1)?.kind === 'arrow') return variables();
  switch (w[0]) {
    case 'goto':
      return n === 1 ? named('label', programLabels(analysis, program), 'label') : [];
    case 'if':
      if (last === 'goto') return named('label', programLabels(analysis, program), 'label');
      return n === 1 ? variables() : [...variables(), ...keywords(['goto'])];
    case 'open':
      if (n === 1) return pathItems(analysis);
      if (n === 2) return keywords(['r', 'w', 'rw']);
      return keywords(['create', 'trunc', 'append', '->']);
    case 'exec':
    case 'unlink':
    case 'chmod':
      return n === 1 ? pathItems(analysis, w[0] === 'exec' ? 'executables' : undefined) : [];
    case 'restart':
      if (n === 1) return pathItems(analysis, 'images');
      if (last === 'flags') return flagItems('restart');
      return keywords(['flags', '->']);
    case 'checkpoint':
      if (n === 1) return [...keywords(['self']), ...variables()];
      if (n === 2) return keywords(['to']);
      if (last === 'to') return pathItems(analysis, 'dirs');
      if (last === 'flags') return flagItems('checkpoint');
      return keywords(['flags', '->']);
    case 'mmap':
      if (n === 1) return keywords(['anon', 'file']);
      if (last === 'pages' || last === 'page') return keywords(PROTECTIONS);
      if (PROTECTIONS.includes(last ?? '') && n >= 4) return keywords(['shared', 'private', '->']);
      if (before.at(-1)?.kind === 'number' || (w[1] === 'file' && n === 3))
        return keywords(['pages', 'page']);
      return w[1] === 'file' && n === 2 ? variables() : [];
    case 'seteuid':
    case 'setresuid':
      return [...named('user', analysis.symbols.users, 'user'), ...variables()];
    case 'setegid':
    case 'setresgid':
      return [...named('group', analysis.symbols.groups, 'group'), ...variables()];
    case 'setgroups':
      return named('group', analysis.symbols.groups, 'group');
    case 'capset':
      if (['effective', 'permitted', 'inheritable'].includes(last ?? '') || last === ',') {
        return [
          ...keywords(['none']),
          ...CAPABILITY_NAMES.map((cap) => ({ label: cap, kind: 'value' as const })),
        ];
      }
      return keywords(['effective', 'permitted', 'inheritable']);
    case 'unshare':
      return n === 1 ? keywords(['pid']) : [];
    case 'ptrace':
      return n === 1 ? keywords(['attach', 'detach']) : variables();
    case 'prctl':
      if (n === 1) return keywords(['capbset_drop', 'set_securebits']);
      if (w[1] === 'capbset_drop')
        return CAPABILITY_NAMES.map((cap) => ({ label: cap, kind: 'value' as const }));
      return variables();
    case 'getpid':
    case 'getuid':
      return n === 1 ? keywords(['->']) : [];
    default:
      return variables();
  }
}

/** The completions at a 1-based line and column. */
export function completionsAt(
  analysis: ScenarioAnalysis,
  line: number,
  column: number,
): CompletionResult {
  const text = analysis.lines[line - 1] ?? '';
  const prefix = text.slice(0, Math.max(0, column - 1));
  const empty: CompletionResult = { span: { line, column, length: 0 }, items: [] };
  if (inStringOrComment(prefix)) return empty;
  const tokens = lexLine(prefix, line).tokens;
  const lastToken = tokens.at(-1);
  // The word being typed, if the cursor touches one; completion replaces it whole.
  const typing =
    lastToken !== undefined &&
    lastToken.column + lastToken.text.length === column &&
    ['word', 'path', 'number'].includes(lastToken.kind)
      ? lastToken
      : undefined;
  const before = typing === undefined ? tokens : tokens.slice(0, -1);
  let span: Span = { line, column, length: 0 };
  if (typing !== undefined) {
    const rest = /^[A-Za-z0-9_.[\]/-]*/.exec(text.slice(column - 1))?.[0] ?? '';
    span = { line, column: typing.column, length: typing.text.length + rest.length };
  }
  const block = blockAt(analysis.blocks, line);
  const inProgram =
    block !== undefined && line > block.startLine && (line < block.endLine || !block.terminated);
  let items: CompletionEntry[];
  if (inProgram) {
    items = programCompletions(analysis, block.name, before);
    if (before.length === 0) items.push(...keywords(['end']));
  } else if (before.length === 0) {
    items = [
      ...keywords([...WORLD_KEYWORDS, ...SCRIPT_KEYWORDS], STATEMENT_DOCS),
      ...statementSnippets(),
    ];
  } else {
    items = scriptCompletions(analysis, before);
  }
  return { span, items };
}
