/**
 * A scenario as a test case, the way `crlab test` judges it, with a verdict for each `expect`
 * line: what a test runner (VS Code's Test Explorer) and a "run this scenario" command show.
 * A file passes when it has no diagnostics, runs to the end without a runtime error, and every
 * expectation holds.
 */
import { formatTranscript, loadScenario, type Diagnostic, type TranscriptEntry } from './index';
import { checkScenario } from './index';
import { parseScenario } from './parser';
import { statementExtent, statementText, type LineRange } from './outline';

/** An `expect` statement of a scenario, where it is and what it says. */
export interface ExpectationSite {
  line: number;
  /** The statement as written, without its comment. */
  text: string;
  range: LineRange;
}

export type ExpectationStatus = 'passed' | 'failed' | 'not-run';

export interface ExpectationOutcome extends ExpectationSite {
  status: ExpectationStatus;
  /** What was expected, in the scenario's words (`task passwd euid 0`). */
  expected: string;
  /** What happened instead; empty when it held. */
  actual: string;
}

export interface ScenarioTestResult {
  /** What `crlab test` would say: PASS or FAIL. */
  passed: boolean;
  /** Mistakes that kept the scenario from running (a file with any never runs). */
  diagnostics: Diagnostic[];
  expectations: ExpectationOutcome[];
  /** The runtime error that stopped the run, if one did. */
  error: { line: number; text: string; message: string } | null;
  /** A failure of the emulator itself (a bug), which `crlab test` reports as an internal error. */
  internalError: string | null;
  entries: TranscriptEntry[];
  /** The transcript as `crlab run` prints it, with its closing PASS/FAIL line. */
  transcript: string[];
}

/** Every `expect` statement the parser understood, in source order: a runner's test items. */
export function expectationSites(source: string): ExpectationSite[] {
  const lines = source.split(/\r?\n/);
  let script;
  try {
    script = parseScenario(source).scenario.script;
  } catch {
    return [];
  }
  return script
    .filter((statement) => statement.kind.startsWith('expect'))
    .map((statement) => ({
      line: statement.line,
      text: statementText(lines, statement.line),
      range: statementExtent(lines, statement.line),
    }));
}

function summaryLine(
  passed: boolean,
  expectations: number,
  failed: number,
  error: { line: number } | null,
): string {
  return `${passed ? 'PASS' : 'FAIL'}: ${expectations - failed} of ${expectations} expectations held${error ? `; stopped at line ${error.line}` : ''}`;
}

/** Checks and runs a scenario, and judges it as `crlab test` does. */
export function testScenario(source: string): ScenarioTestResult {
  const sites = expectationSites(source);
  const expected = (site: ExpectationSite): string => site.text.replace(/^expect\s+/, '');
  const notRun = (site: ExpectationSite): ExpectationOutcome => ({
    ...site,
    status: 'not-run',
    expected: expected(site),
    actual: '',
  });
  const checked = checkScenario(source);
  if (checked.diagnostics.length > 0) {
    return {
      passed: false,
      diagnostics: checked.diagnostics,
      expectations: sites.map(notRun),
      error: null,
      internalError: null,
      entries: [],
      transcript: [],
    };
  }
  const session = loadScenario(source, checked);
  let internalError: string | null = null;
  try {
    session.run();
  } catch (error) {
    internalError = error instanceof Error ? error.message : String(error);
  }
  const verdicts = new Map<number, { passed: boolean; detail: string }>();
  let error: ScenarioTestResult['error'] = null;
  for (const entry of session.entries) {
    if (entry.kind === 'expect')
      verdicts.set(entry.line, { passed: entry.passed, detail: entry.detail });
    if (entry.kind === 'error' && error === null)
      error = { line: entry.line, text: entry.text, message: entry.message };
  }
  const expectations = sites.map((site): ExpectationOutcome => {
    const verdict = verdicts.get(site.line);
    if (verdict === undefined) return notRun(site);
    return {
      ...site,
      status: verdict.passed ? 'passed' : 'failed',
      expected: expected(site),
      actual: verdict.detail,
    };
  });
  const passed = internalError === null && session.failures === 0;
  const failed = expectations.filter((e) => e.status === 'failed').length;
  const transcript = [
    ...formatTranscript(session.entries),
    ...(internalError === null ? [] : [`internal error: ${internalError}`]),
    summaryLine(passed, session.expectations, failed, error),
  ];
  return {
    passed,
    diagnostics: [],
    expectations,
    error,
    internalError,
    entries: session.entries,
    transcript,
  };
}
