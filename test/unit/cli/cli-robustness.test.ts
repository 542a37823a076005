import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ROOT, buildCli, crlab, scratchDir } from './run-crlab';

describe('crlab on damaged images: documented exit codes, one line, never a crash', function () {
  this.timeout(300_000);
  before(buildCli);

  it('survives seeded mutations through show, verify, decode, diff and restart', () => {
    const original = readFileSync(join(ROOT, 'examples', 'images', 'passwd-signed.crimg'));
    const scratch = scratchDir();
    // Mostly the header area, where every field is judged; sometimes cut short.
    const mutant = fc.record({
      edits: fc.array(
        fc.record({
          at: fc.oneof(fc.nat(799), fc.nat(original.length - 1)),
          value: fc.nat(255),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      cut: fc.option(fc.nat(original.length), { freq: 2 }),
    });
    let round = 0;
    fc.assert(
      fc.property(mutant, ({ edits, cut }) => {
        round++;
        const bytes = Buffer.from(original);
        for (const { at, value } of edits) bytes[at] = value;
        const file = join(scratch, `mutant-${round}.crimg`);
        writeFileSync(file, bytes.subarray(0, cut ?? bytes.length));
        const runs: [string[], number[]][] = [
          [
            ['image', 'show', file],
            [0, 1],
          ],
          [
            ['image', 'verify', file, '--json'],
            [0, 1],
          ],
          [
            ['image', 'decode', file],
            [0, 1],
          ],
          [
            ['image', 'diff', file, file],
            [0, 2],
          ],
          [
            ['restart', file, '--as', 'hallyn', '--json'],
            [0, 1],
          ],
        ];
        for (const [args, codes] of runs) {
          const result = crlab(args);
          const where = `round ${round}: crlab ${args.join(' ')}`;
          assert.ok(
            codes.includes(result.status ?? -1),
            `${where} exited ${result.status}: ${result.stderr}`,
          );
          assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, where);
          assert.ok(
            result.stderr.split('\n').filter(Boolean).length <= 1,
            `${where}: ${result.stderr}`,
          );
          if (args.includes('--json')) JSON.parse(result.stdout);
        }
      }),
      { seed: 20081027, numRuns: 12 },
    );
  });
});
