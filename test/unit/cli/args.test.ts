/** The CLI's option parsing over `util.parseArgs`: the shapes and the usage errors it keeps. */
import assert from 'node:assert/strict';
import { expectPositionals, parseArgs, type OptionSpec } from '../../../extension/cli/args';
import { CliError } from '../../../extension/cli/errors';

const SPEC: OptionSpec = {
  flags: ['json'],
  values: ['as', 'output', 'flags'],
  lists: ['sysctl'],
  aliases: { o: 'output' },
};

function usageError(argv: string[], message: string): void {
  assert.throws(
    () => parseArgs(argv, SPEC, 'restart'),
    (error: unknown) =>
      error instanceof CliError && error.message === message && error.exitCode === 2,
  );
}

describe('crlab options (util.parseArgs)', () => {
  it('reads flags, values (the last wins), repeated lists, aliases and positionals in any order', () => {
    const args = parseArgs(
      [
        'a.crimg',
        '--as',
        'hallyn',
        '--json',
        '--sysctl',
        'x=1',
        '-o',
        'out',
        '--as=root',
        '--sysctl=y=2',
        'b',
      ],
      SPEC,
      'restart',
    );
    assert.deepEqual(args.positionals, ['a.crimg', 'b']);
    assert.deepEqual([...args.flags], ['json']);
    assert.deepEqual(Object.fromEntries(args.values), { as: 'root', output: 'out' });
    assert.deepEqual(Object.fromEntries(args.lists), { sysctl: ['x=1', 'y=2'] });
  });

  it('takes the next argument as a value whatever it looks like, and -oVALUE', () => {
    const args = parseArgs(['--flags', '-1', '--as', '--json', '-oout.crimg'], SPEC, 'restart');
    assert.deepEqual(Object.fromEntries(args.values), {
      flags: '-1',
      as: '--json',
      output: 'out.crimg',
    });
    assert.equal(args.flags.size, 0);
  });

  it('keeps negative numbers, a lone dash and everything after -- as positionals', () => {
    const args = parseArgs(['-5', '-12', '-', '--', '--json', '-o'], SPEC, 'restart');
    assert.deepEqual(args.positionals, ['-5', '-12', '-', '--json', '-o']);
    assert.equal(args.flags.size, 0);
    assert.equal(args.values.size, 0);
  });

  it('knows --help and -h on every command', () => {
    assert.ok(parseArgs(['--help'], {}, 'run').flags.has('help'));
    assert.ok(parseArgs(['x', '-h'], {}, 'run').flags.has('help'));
  });

  it('says which option is unknown, needs a value or takes none, naming the command help', () => {
    usageError(['--bogus'], 'restart: unknown option --bogus (see crlab restart --help)');
    usageError(['--bogus=3'], 'restart: unknown option --bogus (see crlab restart --help)');
    usageError(['-x'], 'restart: unknown option -x (see crlab restart --help)');
    usageError(['--as'], 'restart: --as needs a value');
    usageError(['--json=yes'], 'restart: --json takes no value');
    usageError(['-o'], 'restart: --output needs a value');
  });

  it('counts positionals', () => {
    const args = parseArgs(['a', 'b'], SPEC, 'image diff');
    assert.deepEqual(expectPositionals(args, ['A', 'B'], 'image diff'), ['a', 'b']);
    assert.throws(
      () => expectPositionals(args, ['A'], 'restart'),
      /restart: unexpected argument b \(see crlab restart --help\)/,
    );
    assert.throws(
      () => expectPositionals(args, ['A', 'B', 'C'], 'x'),
      /x: missing C \(see crlab x --help\)/,
    );
  });
});
