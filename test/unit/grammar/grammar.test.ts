import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../../../extension/lab/index';
import { CHECK_IDS, ERRNOS, SYSCALLS, SYSCTLS } from '../../../extension/lab/vocabulary';
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
});
