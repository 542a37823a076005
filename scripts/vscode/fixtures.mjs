// Writes the test workspaces (test/e2e/fixtures.ts, run through tsx) into a run folder.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.mjs';

/** @returns {{ plain: string, images: string, examples: string }} */
export function writeFixtures(folder) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join('test', 'e2e', 'fixtures.ts'), folder],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (result.status !== 0)
    throw new Error(`writing the test fixtures failed (exit ${result.status})`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
}
