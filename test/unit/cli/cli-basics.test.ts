import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildCli, crlab, oneLine } from './run-crlab';

const COMMANDS = [
  ['run'],
  ['test'],
  ['image', 'show'],
  ['image', 'decode'],
  ['image', 'encode'],
  ['image', 'verify'],
  ['image', 'diff'],
  ['restart'],
  ['checkpoint'],
];

describe('crlab: help, usage errors and exit codes', function () {
  this.timeout(60_000);
  before(buildCli);

  it('prints the command list for --help and exits 0', () => {
    const result = crlab(['--help']);
    assert.equal(result.status, 0);
    for (const command of COMMANDS)
      assert.ok(result.stdout.includes(command.join(' ')), command.join(' '));
  });

  it('has --help on every command', () => {
    for (const command of COMMANDS) {
      const result = crlab([...command, '--help']);
      assert.equal(result.status, 0, command.join(' '));
      assert.ok(result.stdout.startsWith(`usage: crlab ${command.join(' ')}`), result.stdout);
    }
  });

  it('says in --help and docs/cli.md what kernel.md says of flags, labels and empty test runs', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    const help = (command: string[]): string => crlab([...command, '--help']).stdout;
    const restart = help(['restart']);
    for (const text of [restart, docs]) {
      assert.match(text, /64-bit/);
      assert.match(text, /label in the VFS/);
      assert.match(text, /KEEP_LSM[\s\S]*running one \(EPERM\)/);
      assert.match(text, /lsm allow transition/);
    }
    assert.match(help(['checkpoint']), /open or behind a mapping/);
    assert.match(help(['test']), /no expectations fails/);
    assert.match(docs, /cannot pass on nothing/);
  });

  it('exits 2 with one line for an unknown command', () => {
    const result = crlab(['frobnicate']);
    assert.equal(result.status, 2);
    assert.equal(oneLine(result.stderr), "crlab: unknown command 'frobnicate' (see crlab --help)");
    assert.equal(result.stdout, '');
  });

  it('exits 2 with one line for an unknown option, a missing value and a missing argument', () => {
    const cases: [string[], RegExp][] = [
      [['run', 'x.crlab', '--bogus'], /unknown option --bogus/],
      [['image', 'verify', 'x.crimg', '--key'], /--key needs a value/],
      [['image', 'diff', 'a.crimg'], /missing B/],
      [['restart', 'a.crimg', 'b.crimg'], /unexpected argument b.crimg/],
    ];
    for (const [args, message] of cases) {
      const result = crlab(args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(oneLine(result.stderr), message);
    }
  });

  it('exits 2 with one line for a file that does not exist, never a stack trace', () => {
    for (const args of [
      ['run', 'no/such.crlab'],
      ['image', 'show', 'no/such.crimg'],
      ['image', 'decode', 'no/such.crimg'],
      ['image', 'verify', 'no/such.crimg'],
      ['restart', 'no/such.crimg', '--as', 'root'],
    ]) {
      const result = crlab(args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(oneLine(result.stderr), /no\/such\.(crlab|crimg): no such file or directory/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
  });
});
