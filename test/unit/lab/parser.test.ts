import { strict as assert } from 'node:assert';
import { lexLine, parseScenario } from '../../../extension/lab/index';

const kinds = (text: string): string[] =>
  lexLine(text, 1).tokens.map((t) => `${t.kind}:${t.value}`);

describe('lab lexer', () => {
  it('tells paths from division', () => {
    assert.deepEqual(kinds('open /etc/shadow rw'), ['word:open', 'path:/etc/shadow', 'word:rw']);
    assert.deepEqual(kinds('set x = n / 2'), [
      'word:set',
      'word:x',
      'op:=',
      'word:n',
      'op:/',
      'number:2',
    ]);
    assert.deepEqual(kinds('set x = n/2'), [
      'word:set',
      'word:x',
      'op:=',
      'word:n',
      'op:/',
      'number:2',
    ]);
    assert.deepEqual(kinds('dir / mode 0755'), ['word:dir', 'path:/', 'word:mode', 'number:0755']);
  });

  it('reads strings with escapes, and comments outside strings only', () => {
    assert.deepEqual(kinds('print "a\\tb\\x41#" # note'), ['word:print', 'string:a\tbA#']);
  });

  it('keeps dotted ids and field paths as one word, arrows as one token', () => {
    assert.deepEqual(kinds('expect check restart.creds.uid fail'), [
      'word:expect',
      'word:check',
      'word:restart.creds.uid',
      'word:fail',
    ]);
    assert.deepEqual(kinds('tamper /x CRED[0].euid = 0 -> y'), [
      'word:tamper',
      'path:/x',
      'word:CRED[0].euid',
      'op:=',
      'number:0',
      'arrow:->',
      'word:y',
    ]);
  });
});

describe('lab parser', () => {
  it('parses numbers as chmod does: leading 0 octal, 0x hex', () => {
    const { scenario, diagnostics } = parseScenario(
      'file /tmp/a mode 04755\nfile /tmp/b mode 0x1ed\n',
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      scenario.world.map((s) => (s.kind === 'file' ? s.mode : null)),
      [0o4755, 0o755],
    );
  });

  it('puts a sysctl before the first action in the world, after it in the script', () => {
    const { scenario } = parseScenario(
      'sysctl kernel.ckpt_sign_images = 1\nspawn sh as root -> s\nsysctl kernel.ckpt_sign_images = 0\n',
    );
    assert.deepEqual(
      scenario.world.map((s) => [s.kind, s.line]),
      [['sysctl', 1]],
    );
    assert.deepEqual(
      scenario.script.map((s) => [s.kind, s.line]),
      [
        ['spawn', 2],
        ['sysctl', 3],
      ],
    );
  });

  it('reads labels, flags by name and the parts of a spawn', () => {
    const { scenario, diagnostics } = parseScenario(`
program p
top: set n = 1
  checkpoint self to /tmp/p.crimg flags SUBTREE -> crid
end
spawn p as root in outer container inner -> t
run t until top
run t until checkpoint
run t 3 steps
checkpoint t as root flags FROZEN,KEEP_LSM to /tmp/x.crimg
`);
    assert.deepEqual(diagnostics, []);
    const program = scenario.programs[0];
    assert.equal(program?.labels.get('top')?.index, 0);
    assert.deepEqual(
      program?.instructions.map((i) => i.op),
      ['set', 'checkpoint'],
    );
    const checkpoint = program?.instructions[1];
    assert.ok(checkpoint?.op === 'checkpoint');
    assert.equal(checkpoint.flags, 1);
    const [spawn, byLabel, bySyscall, bySteps, script] = scenario.script;
    assert.ok(spawn?.kind === 'spawn');
    assert.deepEqual(
      [spawn.inContainer?.text, spawn.newContainer?.text, spawn.target.text],
      ['outer', 'inner', 't'],
    );
    assert.ok(byLabel?.kind === 'run' && byLabel.mode.kind === 'label');
    assert.ok(bySyscall?.kind === 'run' && bySyscall.mode.kind === 'syscall');
    assert.ok(bySteps?.kind === 'run' && bySteps.mode.kind === 'steps' && bySteps.mode.steps === 3);
    assert.ok(script?.kind === 'checkpoint' && script.flags === 0xa);
  });

  it('reports a program without end at its start', () => {
    const { diagnostics } = parseScenario('program p\n  exit 0\n');
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line, d.column]),
      [['syntax', 1, 1]],
    );
  });

  it('refuses trailing tokens', () => {
    const { diagnostics } = parseScenario('world default please\n');
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line, d.column, d.message]),
      [['bad-argument', 1, 15, 'unexpected `please` at the end of the statement']],
    );
  });
});
