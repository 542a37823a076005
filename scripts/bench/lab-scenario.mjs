// The 256 MiB task of issue #13's responsiveness figures (item 5), as a `.crlab` scenario: a
// program that maps `pages` pages and stores one 8-byte word in each (the lab language cannot
// fill pages faster: a program runs at most MAX_RUN_STEPS instructions a statement), spawned as
// hallyn and run for exactly the instructions that touch every page (`until done` would stop at
// the default step budget). One text for both of its benches: scripts/bench/lab.ts loads it into
// a LabSession in Node, scripts/bench/editor.mjs writes it into the real VS Code's workspace.

/**
 * The scenario's text for a task touching `pages` pages.
 * @param {number} pages
 * @returns {string}
 */
export function toucherScenario(pages) {
  return `world default
limit memory 2 GiB
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
run toucher ${toucherSteps(pages)} steps
`;
}

/**
 * The instructions that touch every page: three to set up, four a page.
 * @param {number} pages
 * @returns {number}
 */
export function toucherSteps(pages) {
  return 3 + 4 * pages;
}
