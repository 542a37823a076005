/**
 * One analysis of a scenario's text, shared by every editor feature: the syntax tree, the
 * diagnostics exactly as `crlab` reports them, the name index, the program blocks, and the world
 * the scenario describes. Building it never throws, whatever the text.
 */
import { defaultWorld, emptyWorld, type WorldSpec } from '../kernel/index';
import type { Scenario } from './ast';
import type { Diagnostic } from './diagnostics';
import { checkScenario } from './index';
import { programBlocks, type ProgramBlock } from './outline';
import { parseScenario } from './parser';
import { scenarioSymbols, type ScenarioSymbols } from './resolve';
import { indexScenario, type ScenarioIndex } from './scenario-index';
import { buildWorld, worldFacts } from './world';

export interface ScenarioAnalysis {
  readonly source: string;
  readonly lines: readonly string[];
  readonly scenario: Scenario;
  /** What `crlab run` and `crlab test` would report; empty means the scenario can run. */
  readonly diagnostics: readonly Diagnostic[];
  readonly index: ScenarioIndex;
  readonly blocks: readonly ProgramBlock[];
  /** The world the scenario builds (as far as its statements make sense). */
  readonly world: WorldSpec;
  /** The names the scenario can use: users, groups, paths, programs, labels, tasks... */
  readonly symbols: ScenarioSymbols;
}

const EMPTY_SCENARIO: Scenario = { world: [], programs: [], script: [] };

function emptySymbols(): ScenarioSymbols {
  return {
    users: [],
    groups: [],
    paths: [],
    programs: [],
    labels: [],
    variables: [],
    tasks: [],
    containers: [],
  };
}

/** The world a scenario describes, tolerating the mistakes diagnostics already report. */
function describedWorld(scenario: Scenario): WorldSpec {
  try {
    // Programs only need their names here: where they are installed, not what they do.
    const programs = scenario.programs.map((program) => ({ name: program.name.text, items: [] }));
    return buildWorld(scenario, programs).world;
  } catch {
    const empty = scenario.world.some((s) => s.kind === 'world' && s.base === 'empty');
    return empty ? emptyWorld() : defaultWorld();
  }
}

/** The analysis: diagnostics at once, everything else on first use (diagnostics run on every keystroke). */
class Analysis implements ScenarioAnalysis {
  readonly lines: readonly string[];
  readonly scenario: Scenario;
  readonly diagnostics: readonly Diagnostic[];
  private cachedIndex: ScenarioIndex | undefined;
  private cachedBlocks: readonly ProgramBlock[] | undefined;
  private cachedWorld: WorldSpec | undefined;
  private cachedSymbols: ScenarioSymbols | undefined;

  constructor(readonly source: string) {
    this.lines = source.split(/\r?\n/);
    let scenario = EMPTY_SCENARIO;
    let diagnostics: readonly Diagnostic[] = [];
    try {
      const checked = checkScenario(source);
      scenario = checked.scenario;
      diagnostics = checked.diagnostics;
    } catch (error) {
      // The checker is the CLI's; should it ever fail on some text, the editor still works
      // from the parse alone and says that checking failed.
      scenario = safeParse(source);
      diagnostics = [
        {
          code: 'syntax',
          line: 1,
          column: 1,
          length: 1,
          message: `internal error while checking the scenario: ${error instanceof Error ? error.message : String(error)}`,
        },
      ];
    }
    this.scenario = scenario;
    this.diagnostics = diagnostics;
  }

  get index(): ScenarioIndex {
    this.cachedIndex ??= indexScenario(this.scenario);
    return this.cachedIndex;
  }

  get blocks(): readonly ProgramBlock[] {
    this.cachedBlocks ??= programBlocks(this.lines);
    return this.cachedBlocks;
  }

  get world(): WorldSpec {
    this.cachedWorld ??= describedWorld(this.scenario);
    return this.cachedWorld;
  }

  get symbols(): ScenarioSymbols {
    if (this.cachedSymbols === undefined) {
      const empty = this.scenario.world.some((s) => s.kind === 'world' && s.base === 'empty');
      try {
        this.cachedSymbols = scenarioSymbols(
          this.scenario,
          worldFacts(empty ? emptyWorld() : defaultWorld()),
        );
      } catch {
        this.cachedSymbols = emptySymbols();
      }
    }
    return this.cachedSymbols;
  }
}

/** Analyses a scenario for the editor. Never throws. */
export function analyzeScenario(source: string): ScenarioAnalysis {
  return new Analysis(source);
}

function safeParse(source: string): Scenario {
  try {
    return parseScenario(source).scenario;
  } catch {
    return EMPTY_SCENARIO;
  }
}
