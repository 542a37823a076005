/**
 * Scenarios the lab's tests and benchmarks share: written once, so that the tests and the bench
 * measure the same task.
 */

/**
 * A world with one task of hallyn's that maps `pages` anonymous pages and stores one word in
 * each (every page touched, so a checkpoint carries them all), run to its `exit` and, unless
 * `freeze` is false, frozen for a checkpoint.
 */
export function touchingTaskScenario(options: {
  pages: number;
  memoryLimit: string;
  freeze?: boolean;
}): string {
  const { pages, memoryLimit, freeze = true } = options;
  return `world default
limit memory ${memoryLimit}
program toucher
  mmap anon ${pages} pages rw -> mem
  set p = mem
  set i = 0
loop:
  store p i
  set p = p + 4096
  set i = i + 1
  if i < ${pages} goto loop
done:
  exit 0
end
spawn toucher as hallyn -> toucher
run toucher ${3 + 4 * pages} steps
${freeze ? 'freeze toucher\n' : ''}`;
}
