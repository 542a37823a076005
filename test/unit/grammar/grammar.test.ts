import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../../../extension/lab/index';
import {
  CHECK_IDS,
  ERRNOS,
  FLAG_NAMES,
  INSTRUCTIONS,
  LSM_POLICIES,
  SCRIPT_KEYWORDS,
  SYSCALLS,
  SYSCTLS,
  TASK_FIELDS,
  TASK_STATES,
  WORLD_KEYWORDS,
} from '../../../extension/lab/vocabulary';
import { checkAnnotated, crlabGrammar, readAnnotated, scopesOf } from './textmate';

const FIXTURES = join(__dirname, 'fixtures');

/** The scopes of the characters of `word` where it stands in `line`, by the real engine. */
async function scopesOfWord(line: string, word: string): Promise<string[][]> {
  const grammar = await crlabGrammar();
  const [scopes = []] = scopesOf(grammar, [line]);
  const start = line.indexOf(word);
  assert.ok(start >= 0, `${word} in ${line}`);
  return scopes.slice(start, start + word.length);
}

describe('the crlab grammar in the TextMate engine (vscode-textmate + oniguruma)', () => {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.crlab'));

  it('has annotated scenarios to check', () => {
    assert.ok(files.length >= 2);
  });

  for (const name of files) {
    it(`gives the annotated scopes in ${name}`, async () => {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      const { source, assertions } = readAnnotated(text);
      assert.ok(assertions.length >= 30, `${assertions.length} assertions`);
      // The annotated copy is still a scenario the parser accepts.
      assert.deepEqual(parseScenario(source.join('\n')).diagnostics, []);
      assert.deepEqual(await checkAnnotated(text, name), []);
    });
  }

  it('reports a wrong annotation (the checker can fail)', async () => {
    const failures = await checkAnnotated(
      'spawn counter as hallyn -> c\n# <----- comment.line.number-sign.crlab\n#                ^^^^^^ - variable.other.user.crlab\n',
      'inline',
    );
    assert.equal(failures.length, 5 + 6);
  });

  it('scopes every check id, errno and sysctl of the kernel in context', async () => {
    for (const id of CHECK_IDS) {
      for (const scopes of await scopesOfWord(`expect check ${id} pass`, id))
        assert.ok(scopes.includes('support.constant.check-id.crlab'), id);
    }
    for (const errno of ERRNOS) {
      for (const scopes of await scopesOfWord(`expect last ${errno}`, errno))
        assert.ok(scopes.includes('constant.other.errno.crlab'), errno);
    }
    for (const sysctl of Object.keys(SYSCTLS)) {
      for (const scopes of await scopesOfWord(`sysctl ${sysctl} = 1`, sysctl))
        assert.ok(scopes.includes('support.variable.sysctl.crlab'), sysctl);
    }
  });

  it('scopes every system call inside a program block, not in a comment or string', async () => {
    const grammar = await crlabGrammar();
    const lines = ['program p', ...SYSCALLS.map((s) => `  ${s} # ${s}`), '  print "exit"', 'end'];
    const scopes = scopesOf(grammar, lines);
    SYSCALLS.forEach((syscall, index) => {
      const line = scopes[index + 1] ?? [];
      assert.ok(line[2]?.includes('support.function.syscall.crlab'), syscall);
      const comment = line[2 + syscall.length + 3] ?? [];
      assert.ok(comment.includes('comment.line.number-sign.crlab'), `${syscall} in a comment`);
      assert.ok(!comment.includes('support.function.syscall.crlab'), `${syscall} in a comment`);
    });
    const print = scopes[SYSCALLS.length + 1] ?? [];
    assert.ok(!print[10]?.includes('support.function.syscall.crlab'), '"exit" in a string');
  });

  it('colours every word of the vocabulary where it stands, not as plain text', async () => {
    const grammar = await crlabGrammar();
    /** Lines (inside a program when `inProgram`) and the word of each that must be scoped. */
    const cases: [line: string, word: string, inProgram?: true][] = [
      ...WORLD_KEYWORDS.map((word): [string, string] => [`${word} x`, word]),
      ...SCRIPT_KEYWORDS.map((word): [string, string] => [`${word} x`, word]),
      ...INSTRUCTIONS.filter((word) => word !== 'end').map((word): [string, string, true] => [
        `  ${word} x`,
        word,
        true,
      ]),
      ...LSM_POLICIES.map((word): [string, string] => [`lsm ${word}`, word]),
      ['lsm allow transition from a_t to b_t', 'allow'],
      ['lsm allow transition from a_t to b_t', 'transition'],
      ['lsm deny ptrace domain a_t', 'deny'],
      ...['checkpoint', 'restore', 'ptrace'].map((op): [string, string] => [
        `lsm deny ${op} x`,
        op,
      ]),
      ...['memory', 'nproc', 'file'].map((kind): [string, string] => [`limit ${kind} 1`, kind]),
      ...['KiB', 'MiB', 'GiB'].map((unit): [string, string] => [`limit file 1 ${unit}`, unit]),
      ...TASK_FIELDS.map((field): [string, string] => [`expect task t ${field} 0`, field]),
      ...TASK_STATES.map((state): [string, string] => [`expect task t state ${state}`, state]),
      ...Object.keys(FLAG_NAMES).map((flag): [string, string] => [
        `restart /tmp/x.crimg as root flags ${flag}`,
        flag,
      ]),
      ...['attach', 'detach'].map((request): [string, string, true] => [
        `  ptrace ${request} 1`,
        request,
        true,
      ]),
      ...['capbset_drop', 'set_securebits'].map((option): [string, string, true] => [
        `  prctl ${option} 1`,
        option,
        true,
      ]),
    ];
    const unscoped: string[] = [];
    for (const [line, word, inProgram] of cases) {
      const lines = inProgram ? ['program p', line, 'end'] : [line];
      const scopes = scopesOf(grammar, lines)[inProgram ? 1 : 0] ?? [];
      const start = line.lastIndexOf(word);
      for (let column = start; column < start + word.length; column++) {
        const innermost = scopes[column]?.at(-1) ?? '';
        if (!innermost.endsWith('.crlab') || innermost.startsWith('meta.')) {
          unscoped.push(`${word} in ${JSON.stringify(line)}`);
          break;
        }
      }
    }
    assert.deepEqual(unscoped, []);
  });
});
