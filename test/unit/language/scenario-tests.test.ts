import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectationSites, testScenario } from '../../../extension/lab/language-service';
import { buildCli, crlab, scratchDir } from '../cli/run-crlab';
import { examples } from './helpers';

/** Fails on purpose: hallyn cannot restart his setuid image under `authorized`. */
export const FAILING = `world default
spawn counter as hallyn -> c
run c 3 steps
expect last ok
freeze c
checkpoint c as hallyn flags SUBTREE to /tmp/c.crimg
expect last EPERM checkpoint.ptrace
expect task c state frozen
`;

const RUNTIME_ERROR = `spawn counter as hallyn -> c
expect task c state running
run passwd 1 step
expect last ok
`;

const MISTAKE = `spawn counter as halyn -> c
expect last ok
`;

describe('scenarios as test cases', () => {
  it('finds every expect line with its text and range', () => {
    const sites = expectationSites(FAILING);
    assert.deepEqual(
      sites.map((s) => [s.line, s.text, s.range.startColumn, s.range.endColumn]),
      [
        [4, 'expect last ok', 1, 15],
        [7, 'expect last EPERM checkpoint.ptrace', 1, 36],
        [8, 'expect task c state frozen', 1, 27],
      ],
    );
  });

  it('judges each expectation: what was expected and what happened', () => {
    const result = testScenario(FAILING);
    assert.equal(result.passed, false);
    assert.deepEqual(
      result.expectations.map((e) => [e.line, e.status]),
      [
        [4, 'passed'],
        [7, 'failed'],
        [8, 'passed'],
      ],
    );
    const failed = result.expectations[1];
    assert.equal(failed?.expected, 'last EPERM checkpoint.ptrace');
    assert.equal(failed?.actual, 'the last action succeeded');
    assert.match(result.transcript.at(-1) ?? '', /^FAIL: 2 of 3 expectations held$/);
  });

  it('marks expectations after a runtime error as not run', () => {
    const result = testScenario(RUNTIME_ERROR);
    assert.equal(result.passed, false);
    assert.equal(result.error?.line, 3);
    assert.deepEqual(
      result.expectations.map((e) => e.status),
      ['passed', 'not-run'],
    );
  });

  it('does not run a scenario with mistakes', () => {
    const result = testScenario(MISTAKE);
    assert.equal(result.passed, false);
    assert.equal(result.diagnostics[0]?.code, 'unknown-user');
    assert.deepEqual(
      result.expectations.map((e) => e.status),
      ['not-run'],
    );
    assert.deepEqual(result.entries, []);
  });

  it('agrees with `crlab test` on every example and on failing scenarios', function () {
    this.timeout(120_000);
    buildCli();
    const scratch = scratchDir();
    const files = examples().map(({ name, source }) => ({
      name,
      source,
      path: join('examples', name),
    }));
    for (const [name, source] of [
      ['failing.crlab', FAILING],
      ['runtime-error.crlab', RUNTIME_ERROR],
      ['mistake.crlab', MISTAKE],
    ] as const) {
      const path = join(scratch, name);
      writeFileSync(path, source);
      files.push({ name, source, path });
    }
    const cli = crlab(['test', ...files.map((f) => f.path)]);
    const verdicts = new Map(
      cli.stdout
        .split('\n')
        .map((line) => /^(PASS|FAIL) (\S+)/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [(m[2] ?? '').replace(/:$/, '').split('/').pop(), m[1]]),
    );
    assert.equal(verdicts.size, files.length, cli.stdout);
    for (const file of files) {
      const ours = testScenario(file.source).passed ? 'PASS' : 'FAIL';
      assert.equal(ours, verdicts.get(file.name), file.name);
    }
    assert.equal(verdicts.get('failing.crlab'), 'FAIL');
    assert.ok(
      examples().every((e) => verdicts.get(e.name) === 'PASS'),
      'the examples pass',
    );
  });
});
