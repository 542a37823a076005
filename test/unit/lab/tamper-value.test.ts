import { strict as assert } from 'node:assert';
import { runScenario, type TranscriptEntry } from '../../../extension/lab/index';

/** A passwd checkpointed to /tmp/p.crimg, then tampered with `value` as its CRED[0].uid. */
function tamperedWith(value: string): readonly TranscriptEntry[] {
  const result = runScenario(`world default
program passwd
  checkpoint self to /tmp/p.crimg -> crid
  exit 0
end
spawn /bin/passwd as hallyn -> passwd
run passwd until checkpoint
tamper /tmp/p.crimg CRED[0].uid = ${value}
`);
  assert.deepEqual(result.diagnostics, []);
  return result.entries;
}

function errors(entries: readonly TranscriptEntry[]): string[] {
  return entries.flatMap((entry) => (entry.kind === 'error' ? [entry.message] : []));
}

describe('lab tamper values (arithmetic on constants)', () => {
  it('computes + - * / % as the debugger evaluates them, / truncating', () => {
    const entries = tamperedWith('7 * 100 / 8 % 60 + -2');
    assert.deepEqual(errors(entries), []);
    const tamper = entries.at(-1);
    assert.equal(tamper?.kind, 'action');
    assert.equal(
      tamper.kind === 'action' && tamper.summary,
      'CRED.uid of CRED[0] at 0x147: 500 -> 25',
    );
  });

  it('makes a division by zero, a name or a comparison an error of the statement', () => {
    assert.deepEqual(errors(tamperedWith('1 / 0')), ['division by zero']);
    assert.deepEqual(errors(tamperedWith('5 % 0')), ['division by zero']);
    assert.deepEqual(errors(tamperedWith('uid + 1')), ['a tamper value is a constant, not `uid`']);
    assert.deepEqual(errors(tamperedWith('1 == 1')), ['a tamper value is a number or a string']);
  });
});
