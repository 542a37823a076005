/**
 * The fixed-seed fuzzing budget of `npm test`: 20 000 mutants of every example and fixture image
 * through readImage, the record index and field trees, the JSON codec and restart by uid 500
 * under each restore-creds mode (see properties.ts for what must hold, campaign.ts for how).
 * `npm run fuzz -- --count N --seed S` runs more.
 */
import assert from 'node:assert/strict';
import { runCampaign, summaryLine } from './campaign';
import { MODES } from './properties';

/** The budget and seed of every `npm test` (the issue asks for at least 20 000). */
export const NPM_TEST_BUDGET = 20_000;
export const NPM_TEST_SEED = 20081027;

describe('fuzz: image mutants (fixed seed)', () => {
  it(`${NPM_TEST_BUDGET} mutants break no property`, async function () {
    // The budget is fixed, not the time: the CPU time of each mutant is what is bounded.
    this.timeout(0);
    const summary = await runCampaign({ count: NPM_TEST_BUDGET, seed: NPM_TEST_SEED });
    console.log(`      ${summaryLine(summary)}`);
    assert.equal(summary.count, NPM_TEST_BUDGET);
    assert.equal(
      summary.failures,
      0,
      `${summary.failure?.message ?? ''}\n${summary.failure?.mutation ?? ''}\nkept: ${summary.failure?.kept ?? '-'}`,
    );
    // The mutants reach every verdict of the reader and both outcomes of restart in each mode:
    // a fuzzer whose mutants all fail the same way would prove little.
    for (const verdict of ['ok', 'EINVAL', 'EPIPE', 'EIO', 'EBADMSG'])
      assert.ok((summary.reader[verdict] ?? 0) > 0, `no mutant read as ${verdict}`);
    for (const mode of MODES) {
      const outcomes = summary.restarts[mode] ?? {};
      assert.ok((outcomes['ok'] ?? 0) > 0, `no mutant restarted under ${mode}`);
      assert.ok(
        (outcomes['EPERM'] ?? 0) + (outcomes['EACCES'] ?? 0) > 0,
        `no mutant refused for privilege under ${mode}`,
      );
    }
  });
});
