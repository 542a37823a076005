/**
 * The `.crlab` scenario language: parse, check and run scenarios against the emulated kernel.
 *
 * ```ts
 * const checked = checkScenario(source);
 * if (checked.diagnostics.length === 0) {
 *   const result = runScenario(source);
 *   console.log(formatTranscript(result.entries).join('\n'));
 * }
 * ```
 *
 * Nothing here touches the file system, VS Code or the wall clock: the editor, the CLI and the
 * debugger all drive the same code.
 */
import type { ProgramSource, WorldSpec } from '../kernel/index';
import type { Scenario } from './ast';
import { compileProgram } from './compile';
import type { Diagnostic } from './diagnostics';
import { ScenarioSession, type ExportedFile } from './interpreter';
import { parseScenario } from './parser';
import { resolveScenario, scenarioSymbols, type ScenarioSymbols } from './resolve';
import type { TranscriptEntry } from './transcript';
import { buildWorld, worldFacts } from './world';
import { ProgramError, assemble, defaultWorld, emptyWorld } from '../kernel/index';

export type { Diagnostic, DiagnosticCode } from './diagnostics';
export { formatDiagnostic, closestMatch } from './diagnostics';
export type * from './ast';
export type { CallEntry, TranscriptEntry } from './transcript';
export { formatTranscript, formatCheck } from './transcript';
export { ScenarioSession, CLOCK_EPOCH, DEFAULT_RUN_STEPS } from './interpreter';
export type { ExportedFile } from './interpreter';
export { tamperImage } from './tamper';
export type { TamperResult } from './tamper';
export { parseScenario } from './parser';
export { STATEMENT_DOCS, INSTRUCTION_DOCS, SYSCTL_DOCS, type KeywordDoc } from './reference';
export type { ScenarioSymbols } from './resolve';
export { lexLine } from './lexer';
export * as vocabulary from './vocabulary';

/** A scenario after parsing, name resolution and compilation. */
export interface CheckedScenario {
  scenario: Scenario;
  /** Every problem found, in source order; a scenario with any cannot run. */
  diagnostics: Diagnostic[];
  /** The programs compiled to the kernel's IR (empty when there are diagnostics). */
  programs: ProgramSource[];
  /** The world the scenario boots (null when there are diagnostics). */
  world: WorldSpec | null;
  seed: number;
}

/** Parses and checks a scenario without running it: what the editor calls as you type. */
export function checkScenario(source: string): CheckedScenario {
  const { scenario, diagnostics } = parseScenario(source);
  const empty = scenario.world.some((s) => s.kind === 'world' && s.base === 'empty');
  const facts = worldFacts(empty ? emptyWorld() : defaultWorld());
  const all = [...diagnostics, ...resolveScenario(scenario, facts)].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
  if (all.length > 0) return { scenario, diagnostics: all, programs: [], world: null, seed: 0 };
  const worldIds = buildWorld(scenario, []).world;
  const ids = {
    users: new Map(worldIds.users.map((u) => [u.name, u.uid])),
    groups: new Map(worldIds.groups.map((g) => [g.name, g.gid])),
  };
  const programs = scenario.programs.map((program) => compileProgram(program, ids));
  // The kernel assembles each program when it boots; what it would refuse (more variables than
  // its data pages hold) is a mistake in the file, reported here rather than at run time.
  const refused = scenario.programs.flatMap((program, index): Diagnostic[] => {
    const source = programs[index];
    if (source === undefined) return [];
    try {
      assemble(source);
      return [];
    } catch (error) {
      if (!(error instanceof ProgramError)) throw error;
      return [
        {
          code: 'bad-argument',
          line: error.line ?? program.name.line,
          column: error.line === null ? program.name.column : 1,
          length: error.line === null ? Math.max(1, program.name.text.length) : 1,
          message: `program \`${program.name.text}\`: ${error.message}`,
        },
      ];
    }
  });
  if (refused.length > 0)
    return { scenario, diagnostics: refused, programs: [], world: null, seed: 0 };
  const { world, seed } = buildWorld(scenario, programs);
  return { scenario, diagnostics: [], programs, world, seed };
}

/** The outcome of running a scenario. */
export interface ScenarioResult {
  /** Non-empty when the scenario did not run because of mistakes in it. */
  diagnostics: Diagnostic[];
  entries: TranscriptEntry[];
  /** Every expectation held and nothing went wrong at run time. */
  passed: boolean;
  expectations: number;
  failures: number;
  /** Files the scenario exported with `export`. */
  exports: ExportedFile[];
  /** The session, to inspect the kernel after the run (null when it did not run). */
  session: ScenarioSession | null;
}

/**
 * Loads a checked scenario into a fresh kernel without running any statement: for hosts that
 * step through the script themselves. Throws if the scenario has diagnostics.
 */
export function loadScenario(source: string, checked = checkScenario(source)): ScenarioSession {
  if (checked.world === null) throw new Error('the scenario has errors');
  return new ScenarioSession(checked.scenario, source.split(/\r?\n/), checked.world, checked.seed);
}

/** Parses, checks and runs a whole scenario. A scenario with diagnostics does not run. */
export function runScenario(source: string): ScenarioResult {
  const checked = checkScenario(source);
  if (checked.diagnostics.length > 0) {
    return {
      diagnostics: checked.diagnostics,
      entries: [],
      passed: false,
      expectations: 0,
      failures: 0,
      exports: [],
      session: null,
    };
  }
  const session = loadScenario(source, checked);
  session.run();
  return {
    diagnostics: [],
    entries: session.entries,
    passed: session.failures === 0,
    expectations: session.expectations,
    failures: session.failures,
    exports: session.exports,
    session,
  };
}

/** The users, paths, programs, labels, tasks... a scenario can name: for completion. */
export function symbolsOf(source: string): ScenarioSymbols {
  const { scenario } = parseScenario(source);
  const empty = scenario.world.some((s) => s.kind === 'world' && s.base === 'empty');
  return scenarioSymbols(scenario, worldFacts(empty ? emptyWorld() : defaultWorld()));
}
