// `npm test`: every check the project has, in order, stopping at the first stage that fails.
// Each stage is a command; its output streams through unchanged.
import { spawnSync } from 'node:child_process';

const stages = [
  ['format', 'npx', ['prettier', '--check', '.']],
  ['lint', 'npx', ['eslint', '.']],
  ['typecheck', 'npx', ['tsc', '-p', '.', '--noEmit']],
  ['build', 'node', ['scripts/build.mjs']],
  ['unit', 'npx', ['mocha']],
];

for (const [name, cmd, args] of stages) {
  const started = Date.now();
  console.log(`\n=== npm test: ${name} ===`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`\nnpm test: stage '${name}' failed (exit ${result.status}) after ${seconds}s`);
    process.exit(1);
  }
  console.log(`=== ${name} passed in ${seconds}s ===`);
}
