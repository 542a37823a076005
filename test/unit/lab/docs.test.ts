import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, runScenario, vocabulary } from '../../../extension/lab/index';

/** The ```crlab blocks of the language reference, with the line each starts on. */
function blocks(markdown: string): { line: number; code: string }[] {
  const found: { line: number; code: string }[] = [];
  const pattern = /^```crlab\n([\s\S]*?)^```/gm;
  for (const match of markdown.matchAll(pattern)) {
    found.push({
      line: markdown.slice(0, match.index).split('\n').length + 1,
      code: match[1] ?? '',
    });
  }
  return found;
}

describe('docs/lab-language.md', () => {
  const markdown = readFileSync(
    join(__dirname, '..', '..', '..', 'docs', 'lab-language.md'),
    'utf8',
  );

  it('has examples that all parse', () => {
    const examples = blocks(markdown);
    assert.ok(examples.length >= 4);
    for (const { line, code } of examples) {
      // Blocks are fragments: names may be defined elsewhere, but the syntax must be right.
      const { diagnostics } = parseScenario(code);
      assert.deepEqual(diagnostics, [], `the block at docs/lab-language.md:${line}`);
    }
  });

  it('opens with a complete scenario that runs and passes', () => {
    const [first] = blocks(markdown);
    assert.ok(first);
    const result = runScenario(first.code);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.passed, true);
    assert.ok(result.expectations >= 4);
  });

  it('documents every statement keyword', () => {
    for (const keyword of [
      'world',
      'user',
      'group',
      'dir',
      'file',
      'sysctl',
      'lsm',
      'machine key',
      'limit',
      'seed',
      'program',
      'spawn',
      'run',
      'freeze',
      'thaw',
      'checkpoint',
      'restart',
      'tamper',
      'export',
      'expect last',
      'expect check',
      'expect task',
      'expect var',
      'expect output',
      'expect file',
    ]) {
      assert.ok(markdown.includes(`\`${keyword}`), keyword);
    }
  });

  it('documents every instruction, every label policy rule and every limit', () => {
    for (const instruction of vocabulary.INSTRUCTIONS) {
      if (instruction === 'end') continue;
      assert.ok(markdown.includes(`\`${instruction}`), `instruction ${instruction}`);
    }
    for (const rule of vocabulary.LSM_RULES) {
      assert.ok(markdown.includes(`\`lsm ${rule}`), `lsm ${rule}`);
    }
    for (const limit of ['memory', 'nproc', 'file']) {
      assert.ok(markdown.includes(`\`limit ${limit}`), `limit ${limit}`);
    }
    assert.ok(markdown.includes(String(vocabulary.MAX_RUN_STEPS)), 'the step bound of run');
  });
});
