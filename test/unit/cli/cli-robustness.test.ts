import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildCli, crlab, scratchDir } from './run-crlab';

/** A small deterministic PRNG (mulberry32), so every run mutates the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('crlab on damaged images: documented exit codes, one line, never a crash', function () {
  this.timeout(300_000);
  before(buildCli);

  it('survives seeded mutations through show, verify, decode, diff and restart', () => {
    const original = readFileSync(join(ROOT, 'examples', 'images', 'passwd-signed.crimg'));
    const scratch = scratchDir();
    const next = random(20081027);
    for (let round = 0; round < 12; round++) {
      const bytes = Buffer.from(original);
      const edits = 1 + Math.floor(next() * 4);
      for (let i = 0; i < edits; i++) {
        // Mostly the header area, where every field is judged.
        const at = Math.floor(next() * (next() < 0.7 ? 800 : bytes.length));
        bytes[at] = Math.floor(next() * 256);
      }
      const cut = next() < 0.3 ? Math.floor(next() * bytes.length) : bytes.length;
      const file = join(scratch, `mutant-${round}.crimg`);
      writeFileSync(file, bytes.subarray(0, cut));
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
    }
  });
});
