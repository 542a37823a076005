/**
 * What the editor shows when the pointer rests on a word of a scenario: statements and
 * instructions (syntax and meaning), system calls (the kernel function they model), check ids,
 * errnos, sysctls, flags, and the users, groups, paths, programs, tasks, labels and variables of
 * the scenario's own world. Markdown, built from the kernel's registries and the scenario.
 */
import { CheckpointFlag, RestartFlag, type WorldSpec } from '../kernel/index';
import type { Span } from './ast';
import type { ScenarioAnalysis } from './analysis';
import { lexLine } from './lexer';
import {
  checkDoc,
  checksFailingWith,
  errnoDoc,
  syscallFunction,
  sysctlDoc,
} from './kernel-reference';
import { blockAt, statementText } from './outline';
import { INSTRUCTION_DOCS, STATEMENT_DOCS, type KeywordDoc } from './reference';
import { occurrenceAt, type Occurrence } from './scenario-index';
import { CHECK_IDS, FLAG_NAMES } from './vocabulary';

export interface HoverInfo {
  /** Markdown. */
  markdown: string;
  span: Span;
}

const code = (text: string | number): string => `\`${String(text).replaceAll('`', "'")}\``;

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function keywordHover(word: string, doc: KeywordDoc, kind: string): string {
  return [`**${word}** — ${kind}`, '', doc.summary, '', '```crlab', doc.syntax, '```'].join('\n');
}

function syscallHover(name: string): string | undefined {
  const doc = INSTRUCTION_DOCS[name];
  const models = syscallFunction(name);
  if (doc === undefined || models === undefined) return undefined;
  return [
    `**${name}** — system call`,
    '',
    `Models ${code(models)}: ${doc.summary}.`,
    '',
    '```crlab',
    doc.syntax,
    '```',
  ].join('\n');
}

export function checkHover(id: string): string | undefined {
  const doc = checkDoc(id);
  if (doc === undefined) return undefined;
  const order = CHECK_IDS.filter((other) => other.startsWith(`${doc.call}.`)).indexOf(doc.id) + 1;
  const total = CHECK_IDS.filter((other) => other.startsWith(`${doc.call}.`)).length;
  const lines = [
    `**${doc.id}** — security check of ${code(`sys_${doc.call}`)} (${order} of ${total})`,
    '',
    `Models ${code(doc.models)}.`,
    '',
    `**Passes** when ${doc.rule}.`,
  ];
  if (doc.skipped !== undefined) lines.push('', `**Skipped** ${doc.skipped}.`);
  lines.push(
    '',
    doc.errnos.length === 0
      ? '**Fails** never: it only records what was written.'
      : `**Fails** with ${doc.errnos.map(code).join(' or ')}.`,
  );
  if (doc.each !== undefined) lines.push('', `Recorded once per ${doc.each}.`);
  return lines.join('\n');
}

export function errnoHover(name: string): string | undefined {
  const doc = errnoDoc(name);
  if (doc === undefined) return undefined;
  const checks = checksFailingWith(name);
  return [
    `**${doc.name}** (${doc.number}) — ${doc.text}`,
    '',
    checks.length === 0
      ? 'No security check fails with it; system calls of programs may return it.'
      : `Security checks failing with it: ${checks.map(code).join(', ')}.`,
  ].join('\n');
}

export function sysctlHover(name: string, value?: string): string | undefined {
  const doc = sysctlDoc(name);
  if (doc === undefined) return undefined;
  const lines = [
    `**${doc.name}** — sysctl`,
    '',
    doc.effect,
    '',
    `Values: ${doc.values.map(code).join(', ')}; default ${code(doc.default)}.`,
  ];
  if (value !== undefined) lines.push('', `Set here to ${code(value)}.`);
  return lines.join('\n');
}

function flagHover(word: string): string | undefined {
  const bit = FLAG_NAMES[word];
  if (bit === undefined) return undefined;
  const bare = word.replace(/^(CHECKPOINT|RESTART)_/, '');
  const calls: string[] = [];
  if (!word.startsWith('RESTART_') && bare in CheckpointFlag) calls.push(`CHECKPOINT_${bare}`);
  if (!word.startsWith('CHECKPOINT_') && bare in RestartFlag) calls.push(`RESTART_${bare}`);
  return `**${word}** — flag ${calls.map(code).join(' / ')} = ${code(`0x${bit.toString(16)}`)}`;
}

/**
 * The word after a statement or instruction that picks what it does (a rule of the label
 * policy, a ptrace request, a prctl option, a limit), keyed by `HEAD WORD`; the texts follow
 * docs/lab-language.md.
 */
const FORM_DOCS: Readonly<Record<string, { title: string; text: string }>> = {
  'lsm deny': {
    title: 'rule of the label LSM',
    text: '`deny checkpoint domain D` / `deny checkpoint label L`: tasks in domain D, or files labelled L, may not be checkpointed (`checkpoint.lsm`, EACCES). `deny restore label L [by D]`: objects labelled L may not be restored (by callers in D; `restart.lsm`, EACCES). `deny ptrace domain D`: tasks in D may not be ptraced (`checkpoint.ptrace`).',
  },
  'lsm transition': {
    title: 'rule of the label LSM',
    text: '`transition exec L to D [from D0]`: executing a file labelled L enters domain D (only from D0, when given).',
  },
  'lsm allow': {
    title: 'rule of the label LSM',
    text: "`allow transition from D0 to D`: a task in domain D0 may enter domain D other than by exec (SELinux's `allow D0 D:process transition`). The only way a task restarted with `KEEP_LSM` comes back in a domain other than its restarter's (`restart.lsm`, EACCES otherwise); none by default.",
  },
  'ptrace attach': {
    title: 'ptrace request `PTRACE_ATTACH`',
    text: 'Asks `ptrace_may_access` in attach mode (EPERM when denied, for oneself, or for a task already traced; ESRCH for no task) and stops the task. A traced task is not checkpointed (`checkpoint.state`, EBUSY).',
  },
  'ptrace detach': {
    title: 'ptrace request `PTRACE_DETACH`',
    text: "Only the task's tracer may detach it (ESRCH otherwise); the task resumes. A tracer that exits detaches its tracees.",
  },
  'prctl capbset_drop': {
    title: 'prctl option `PR_CAPBSET_DROP`',
    text: 'Drops each capability from the bounding set: needs CAP_SETPCAP (EPERM); a number outside 0..40 is EINVAL. A caller that dropped a capability may not restore a task that has it (`restart.creds.caps`).',
  },
  'prctl set_securebits': {
    title: 'prctl option `PR_SET_SECUREBITS`',
    text: 'Needs CAP_SETPCAP; a locked bit (bits 1, 3, 5 lock bits 0, 2, 4) may not change and a lock may not be cleared (EPERM). A restart may give back only securebits the caller could set (`restart.creds.caps`).',
  },
  'limit memory': {
    title: 'limit',
    text: 'The machine memory restored pages may take; a restart past it fails with ENOMEM.',
  },
  'limit nproc': { title: 'limit', text: 'The most tasks one user may have.' },
  'limit file': {
    title: 'limit',
    text: 'The largest file, 0..4 GiB (default 4 GiB): a write that would end past it fails with EFBIG and writes nothing. Files are sparse: a hole costs nothing.',
  },
};

/** `word` after `head` (and `previous` between them, for the second word after it). */
function formHover(
  head: string | undefined,
  word: string,
  previous: string | undefined,
): string | undefined {
  // The second word of a label policy rule (`lsm allow transition`, `lsm deny ptrace`) is
  // part of that rule; elsewhere only the first word after the head picks a form.
  const key =
    previous === undefined
      ? `${head ?? ''} ${word}`
      : head === 'lsm' && (previous === 'allow' || previous === 'deny')
        ? `lsm ${previous}`
        : undefined;
  const doc = key === undefined ? undefined : FORM_DOCS[key];
  return doc === undefined ? undefined : [`**${word}** — ${doc.title}`, '', doc.text].join('\n');
}

function userHover(world: WorldSpec, name: string): string {
  const user = world.users.find((u) => u.name === name || String(u.uid) === name);
  if (user === undefined) return `**${name}** — no such user in this world`;
  const primary = world.groups.find((g) => g.gid === user.gid)?.name;
  const groups = world.groups.filter((g) => g.members?.includes(user.name)).map((g) => g.name);
  const lines = [
    `**${user.name}** — user, uid ${user.uid}, gid ${user.gid}${primary ? ` (${primary})` : ''}`,
    '',
    `Supplementary groups: ${groups.length === 0 ? 'none' : groups.map(code).join(', ')}.`,
    '',
    user.uid === 0
      ? 'Its tasks hold every capability.'
      : 'Its tasks hold no capability (full bounding set).',
  ];
  if (user.domain !== undefined)
    lines.push('', `Login domain under the label LSM: ${code(user.domain)}.`);
  return lines.join('\n');
}

function groupHover(world: WorldSpec, name: string): string {
  const group = world.groups.find((g) => g.name === name || String(g.gid) === name);
  if (group === undefined) return `**${name}** — no such group in this world`;
  const primaryOf = world.users.filter((u) => u.gid === group.gid).map((u) => u.name);
  const members = group.members ?? [];
  const lines = [
    `**${group.name}** — group, gid ${group.gid}`,
    '',
    `Supplementary group of ${members.length === 0 ? 'no user' : members.map(code).join(', ')}.`,
  ];
  if (primaryOf.length > 0) lines.push('', `Primary group of ${primaryOf.map(code).join(', ')}.`);
  return lines.join('\n');
}

function ownerName(world: WorldSpec, uid: number, gid: number): string {
  const user = world.users.find((u) => u.uid === uid)?.name ?? String(uid);
  const group = world.groups.find((g) => g.gid === gid)?.name ?? String(gid);
  return `${user}:${group}`;
}

function pathHover(analysis: ScenarioAnalysis, path: string): string {
  const file = analysis.world.files.find((f) => f.path === path);
  if (file === undefined) {
    const writer = analysis.index.occurrences.find(
      (o) => o.kind === 'path' && o.name === path && o.definition,
    );
    return writer === undefined
      ? `${code(path)} — not in the world when the scenario starts`
      : `${code(path)} — written by the checkpoint on line ${writer.line}`;
  }
  const special: string[] = [];
  if (file.mode & 0o4000) special.push('setuid');
  if (file.mode & 0o2000) special.push('setgid');
  if (file.mode & 0o1000) special.push('sticky');
  const lines = [
    `${code(path)} — ${file.kind === 'dir' ? 'directory' : 'file'}, mode ${code(octal(file.mode))}${special.length > 0 ? ` (${special.join(', ')})` : ''}, owner ${code(ownerName(analysis.world, file.uid, file.gid))}`,
  ];
  if (file.runs !== undefined) lines.push('', `Runs program ${code(file.runs)} when executed.`);
  if (file.label !== undefined) lines.push('', `Label ${code(file.label)}.`);
  return lines.join('\n');
}

function programHover(analysis: ScenarioAnalysis, name: string): string {
  const program = analysis.scenario.programs.find((p) => p.name.text === name);
  const runners = analysis.world.files.filter((f) => f.runs === name).map((f) => f.path);
  const runBy = runners.length > 0 ? ` Run by ${runners.map(code).join(', ')}.` : '';
  if (program === undefined) {
    const builtIn = analysis.world.programs.some((p) => p.name === name);
    return builtIn
      ? `**${name}** — program of the default world.${runBy}`
      : `**${name}** — no program of that name`;
  }
  return `**${name}** — program, ${program.instructions.length} instructions, line ${program.line}.${runBy}`;
}

function taskHover(analysis: ScenarioAnalysis, name: string): string {
  const bindings = analysis.index.occurrences.filter(
    (o) => o.kind === 'task' && o.definition && o.name === name,
  );
  if (bindings.length === 0) {
    return `**${name}** — a task named by its command: the newest live task whose comm is ${code(name)}`;
  }
  return [
    `**${name}** — task`,
    '',
    ...bindings.map(
      (binding) => `- line ${binding.line}: ${code(statementText(analysis.lines, binding.line))}`,
    ),
  ].join('\n');
}

function scopedHover(analysis: ScenarioAnalysis, occurrence: Occurrence): string {
  const definitions = analysis.index.occurrences.filter(
    (o) =>
      o.definition &&
      o.kind === occurrence.kind &&
      o.name === occurrence.name &&
      (occurrence.program === undefined || o.program === occurrence.program),
  );
  const programs = [...new Set(definitions.map((d) => d.program ?? '?'))];
  const where = programs.length === 0 ? '' : ` of program ${programs.map(code).join(', ')}`;
  if (occurrence.kind === 'label') {
    return `**${occurrence.name}** — label${where}${definitions[0] ? `, line ${definitions[0].line}` : ''}`;
  }
  const assigned = definitions
    .map(
      (d) =>
        `${code(statementText(analysis.lines, d.line).split(/\s+/)[0] ?? '')} (line ${d.line})`,
    )
    .slice(0, 5);
  const lines = [
    `**${occurrence.name}** — variable${where}`,
    '',
    "One 8-byte slot of the task's memory: a checkpoint saves it, a restart brings it back.",
  ];
  if (assigned.length > 0) lines.push('', `Assigned by ${assigned.join(', ')}.`);
  return lines.join('\n');
}

function occurrenceHover(analysis: ScenarioAnalysis, occurrence: Occurrence): string | undefined {
  switch (occurrence.kind) {
    case 'statement': {
      const doc = STATEMENT_DOCS[occurrence.name];
      return doc === undefined ? undefined : keywordHover(occurrence.name, doc, 'statement');
    }
    case 'instruction': {
      const doc = INSTRUCTION_DOCS[occurrence.name];
      return doc === undefined ? undefined : keywordHover(occurrence.name, doc, 'instruction');
    }
    case 'syscall':
      return syscallHover(occurrence.name);
    case 'check':
      return checkHover(occurrence.name);
    case 'errno':
      return errnoHover(occurrence.name);
    case 'sysctl':
      return sysctlHover(occurrence.name);
    case 'sysctl-value': {
      const text = analysis.lines[occurrence.line - 1] ?? '';
      const value = text.slice(occurrence.column - 1, occurrence.column - 1 + occurrence.length);
      return sysctlHover(occurrence.name, value);
    }
    case 'user':
      return userHover(analysis.world, occurrence.name);
    case 'group':
      return groupHover(analysis.world, occurrence.name);
    case 'path':
      return pathHover(analysis, occurrence.name);
    case 'program':
      return programHover(analysis, occurrence.name);
    case 'task':
      return taskHover(analysis, occurrence.name);
    case 'label':
    case 'variable':
      return scopedHover(analysis, occurrence);
  }
}

/** A word the parser did not place (a line with a mistake, a flag, `expect`'s kinds). */
function lexicalHover(
  analysis: ScenarioAnalysis,
  line: number,
  column: number,
): HoverInfo | undefined {
  const text = analysis.lines[line - 1];
  if (text === undefined) return undefined;
  const { tokens } = lexLine(text, line);
  const index = tokens.findIndex(
    (t) => column >= t.column && column <= t.column + t.text.length && t.kind !== 'string',
  );
  const token = tokens[index];
  if (token === undefined || token.kind !== 'word') return undefined;
  const span = { line, column: token.column, length: token.text.length };
  const word = token.text;
  const block = blockAt(analysis.blocks, line);
  const inProgram = block !== undefined && line !== block.startLine;
  let markdown: string | undefined;
  const head = tokens[1]?.kind === 'colon' ? 2 : 0;
  if (index === head + 1 || index === head + 2) {
    const previous = index === head + 2 ? tokens[head + 1]?.text : undefined;
    markdown = formHover(tokens[head]?.text, word, previous);
  }
  if (index === head) {
    const doc = inProgram ? INSTRUCTION_DOCS[word] : STATEMENT_DOCS[word];
    if (doc !== undefined) {
      markdown = inProgram
        ? (syscallHover(word) ?? keywordHover(word, doc, 'instruction'))
        : keywordHover(word, doc, 'statement');
    }
  }
  markdown ??= checkHover(word) ?? errnoHover(word) ?? sysctlHover(word) ?? flagHover(word);
  return markdown === undefined ? undefined : { markdown, span };
}

/** The hover at a 1-based line and column, or undefined where there is nothing to say. */
export function hoverAt(
  analysis: ScenarioAnalysis,
  line: number,
  column: number,
): HoverInfo | undefined {
  const occurrence = occurrenceAt(analysis.index, line, column);
  if (occurrence !== undefined) {
    const markdown = occurrenceHover(analysis, occurrence);
    if (markdown !== undefined) {
      return {
        markdown,
        span: { line: occurrence.line, column: occurrence.column, length: occurrence.length },
      };
    }
  }
  return lexicalHover(analysis, line, column);
}
