import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vocabulary } from '../../../extension/lab/index';

const root = join(__dirname, '..', '..', '..');

interface Rule {
  match?: string;
  begin?: string;
  end?: string;
  name?: string;
  patterns?: Rule[];
  include?: string;
}

function collectRegexes(rule: Rule, into: string[]): void {
  for (const source of [rule.match, rule.begin, rule.end]) {
    if (source !== undefined) into.push(source);
  }
  rule.patterns?.forEach((child) => collectRegexes(child, into));
}

describe('syntaxes/crlab.tmLanguage.json', () => {
  const grammar = JSON.parse(
    readFileSync(join(root, 'syntaxes/crlab.tmLanguage.json'), 'utf8'),
  ) as {
    scopeName: string;
    patterns: Rule[];
    repository: Record<string, Rule>;
  };
  const regexes: string[] = [];
  grammar.patterns.forEach((rule) => collectRegexes(rule, regexes));
  Object.values(grammar.repository).forEach((rule) => collectRegexes(rule, regexes));

  it('has the scope name the manifest uses', () => {
    assert.equal(grammar.scopeName, 'source.crlab');
  });

  it('has regexes that all compile as JavaScript regexes', () => {
    assert.ok(regexes.length > 20, `only ${regexes.length} regexes`);
    for (const source of regexes) {
      assert.doesNotThrow(() => new RegExp(source), `does not compile: ${source}`);
    }
  });

  it('resolves every include to a repository entry', () => {
    const includes: string[] = [];
    const walk = (rule: Rule): void => {
      if (rule.include !== undefined) includes.push(rule.include);
      rule.patterns?.forEach(walk);
    };
    grammar.patterns.forEach(walk);
    Object.values(grammar.repository).forEach(walk);
    for (const include of includes) {
      assert.ok(include.startsWith('#') && include.slice(1) in grammar.repository, include);
    }
  });

  const scoped = (scope: string): RegExp[] =>
    regexes
      .filter((source) => {
        const find = (rule: Rule): boolean =>
          (rule.name === scope && (rule.match === source || rule.begin === source)) ||
          (rule.patterns ?? []).some(find);
        return [...grammar.patterns, ...Object.values(grammar.repository)].some(find);
      })
      .map((source) => new RegExp(source));

  it('highlights every system call of the language', () => {
    const [syscall] = scoped('support.function.syscall.crlab');
    assert.ok(syscall);
    for (const name of vocabulary.SYSCALLS) {
      assert.ok(syscall.test(name), `system call ${name} is not highlighted`);
    }
  });

  it('highlights every check id, errno, comment, octal mode and path', () => {
    const [check] = scoped('support.constant.check-id.crlab');
    const [errno] = scoped('constant.other.errno.crlab');
    const [octal] = scoped('constant.numeric.octal.crlab');
    const [path] = scoped('string.unquoted.path.crlab');
    const comment = new RegExp(grammar.repository.comment?.match ?? '(?!)');
    for (const id of vocabulary.CHECK_IDS) assert.ok(check?.test(id), id);
    for (const name of vocabulary.ERRNOS) assert.ok(errno?.test(name), name);
    assert.ok(octal?.test('04755'));
    assert.equal(path?.exec('open /etc/shadow rw')?.[0], '/etc/shadow');
    assert.equal(comment.exec('run shell # stop here')?.[0], '# stop here');
  });

  it('highlights every word of the label policy rules', () => {
    const options = scoped('keyword.other.option.crlab');
    for (const word of vocabulary.LSM_RULES) {
      assert.ok(
        options.some((regex) => regex.test(word)),
        `lsm ${word} is not highlighted`,
      );
    }
  });
});

describe('syntaxes/language-configuration.json', () => {
  const configuration = JSON.parse(
    readFileSync(join(root, 'syntaxes/language-configuration.json'), 'utf8'),
  ) as { comments: { lineComment: string }; autoClosingPairs: { open: string; close: string }[] };

  it('uses # for line comments and auto-closes quotes', () => {
    assert.equal(configuration.comments.lineComment, '#');
    assert.ok(
      configuration.autoClosingPairs.some((pair) => pair.open === '"' && pair.close === '"'),
    );
  });
});
