/**
 * `npm run fuzz -- --count N --seed S [--workers W] [--progress P]`: a fuzzing campaign over mutated images,
 * printing one summary line (count, seed, failures, slowest mutant, mutants per second). Exit 1
 * when a property broke: the shrunk mutant is then under test/fixtures/fuzz/ and the regression
 * test (test/fuzz/regressions.test.ts) keeps judging it.
 */
import { parseArgs } from 'node:util';
import { defaultWorkers, runCampaign, summaryLine } from './campaign';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    workers: { type: 'string' },
    progress: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log('usage: npm run fuzz -- [--count N] [--seed S] [--workers W] [--progress P]');
  process.exit(0);
}

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`fuzz: --${name} must be a non-negative integer, not ${text}`);
    process.exit(2);
  }
  return value;
}

const count = integer('count', values.count, 20_000);
// Without --seed, a new one each run (printed, so that a failure can be reproduced).
const seed = integer('seed', values.seed, Date.now() % 2 ** 31);
const workers = integer('workers', values.workers, defaultWorkers());
// With --progress P, the line of the first P, 2P, ... mutants as they complete (a long campaign
// that is stopped still tells the largest run it finished).
const progressEvery = integer('progress', values.progress, 0);

void runCampaign({
  count,
  seed,
  workers,
  progressEvery,
  onProgress: (sofar) => console.log(`${summaryLine(sofar)} (so far)`),
}).then((summary) => {
  console.log(summaryLine(summary));
  if (summary.failure) {
    console.log(`fuzz: broke: ${summary.failure.message}`);
    console.log(`fuzz: mutation: ${summary.failure.mutation}`);
    if (summary.failure.kept) console.log(`fuzz: kept as ${summary.failure.kept}`);
  }
  process.exit(summary.failures === 0 ? 0 : 1);
});
