/**
 * Runs a checked scenario against a fresh emulated kernel: builds the world, then executes the
 * script statement by statement, recording a transcript entry for every action, every line of
 * program output and every expectation. Deterministic: the kernel gets the scenario's seed and an
 * emulated clock that advances one second per action, never the wall clock.
 */
import type {
  CallOutcome,
  CallProgress,
  CheckRecord,
  KernelApi,
  StepOutcome,
  SysctlName,
  Sysctls,
  TaskInfo,
  WorldSpec,
} from '../kernel/index';
import {
  createKernel,
  errnoName,
  runToEnd,
  SYSCALL_OPS as KERNEL_SYSCALL_OPS,
} from '../kernel/index';
import type { Expr, Name, PathArg, RunMode, Scenario, ScriptStatement } from './ast';
import type { CallEntry, TranscriptEntry } from './transcript';
import { tamperImage } from './tamper';
import { judgeExpectation, type ExpectationContext, type LastResult } from './expectations';
import { EvaluationError, evaluateExpr } from './evaluate';
import { lexLine } from './lexer';
import { SEARCH_PATH } from './resolve';

/** 2008-09-01T00:00:00Z, the month the patchset's RFC circulated: where the emulated clock starts. */
export const CLOCK_EPOCH = 1_220_227_200;

/** Steps a `run` without a bound may take before it stops, so an endless loop cannot hang a run. */
export const DEFAULT_RUN_STEPS = 10_000;

/**
 * Instructions of a `run` statement between two yields of stepInSlices(). A `store` may touch a
 * new 4 KiB page: 1,024 instructions touch at most 4 MiB, a checkpoint slice's worth. 16,384
 * made the first turn of loading the 256 MiB bench scenario 83 ms of CPU (bench lab).
 */
export const RUN_SLICE_STEPS = 1_024;

/** Language names of system calls that the kernel IR spells differently. */
const SYSCALL_OPS: Record<string, string> = { seteuid: 'setresuid', setegid: 'setresgid' };

/** A VFS file the scenario asked to export (`export PATH as "NAME"`); the host decides where. */
export interface ExportedFile {
  line: number;
  path: string;
  name: string;
  bytes: Uint8Array;
}

export class RuntimeError extends Error {}

/**
 * A scenario loaded into a kernel. `run()` executes the whole script; hosts that need finer
 * control (the CLI's `checkpoint` command, a debugger) use `step()` and the task lookups.
 */
export class ScenarioSession {
  readonly kernel: KernelApi;
  readonly entries: TranscriptEntry[] = [];
  readonly exports: ExportedFile[] = [];
  /** Checkpoint and restart calls made so far, script and programs alike. */
  readonly calls: CallEntry[] = [];
  private readonly names = new Map<string, number>();
  private readonly containers = new Map<string, number>();
  private consoleSeen = 0;
  /** Output printed during the current action, shown after the action's own entry. */
  private pendingOutput: TranscriptEntry[] = [];
  private last: LastResult = { ok: true, errno: null, call: null };
  private lastChecks: CheckRecord[] = [];
  private next = 0;
  private clock = CLOCK_EPOCH;
  /** A `run` statement stepIn() has started and not finished, and the task it last stepped. */
  private activeRun: {
    statement: ScriptStatement & { kind: 'run' };
    steps: Generator<number, void>;
  } | null = null;
  private activeRunPid: number | null = null;
  /** Set while stepIn() advances a `run` by one instruction: no batch of instructions then. */
  private singleStepping = false;
  expectations = 0;
  failures = 0;

  constructor(
    private scenario: Scenario,
    private lines: readonly string[],
    readonly world: WorldSpec,
    seed: number,
  ) {
    this.kernel = createKernel({ world, seed, clock: () => this.clock });
  }

  /**
   * Continues with a longer version of the loaded scenario: `scenario` must have the same world,
   * programs and script statements up to where this session stands, and more script statements
   * after them. The lab panel's session grows this way, one action at a time, through the same
   * interpreter a file runs with — so its log, saved as a file, replays to the same kernel.
   */
  extend(scenario: Scenario, lines: readonly string[]): void {
    if (scenario.script.length < this.next) {
      throw new RangeError('extend: the longer scenario has fewer statements than already ran');
    }
    this.scenario = scenario;
    this.lines = lines;
  }

  /** Whether every statement ran. */
  get finished(): boolean {
    return this.next >= this.scenario.script.length;
  }

  /** The source line of the next statement to run, or null at the end. */
  get nextLine(): number | null {
    return this.scenario.script[this.next]?.line ?? null;
  }

  /** Runs every remaining statement; stops early at a runtime error. */
  run(): void {
    while (!this.finished) {
      if (!this.step()) return;
    }
  }

  /**
   * Runs one statement (or the rest of a `run` that stepIn() started). Returns false when a
   * runtime error ended the run, or when there was nothing left to run.
   */
  step(): boolean {
    if (this.activeRun !== null) {
      const { statement, steps } = this.activeRun;
      this.activeRun = null;
      return this.guard(statement, () => {
        for (let next = steps.next(); !next.done; next = steps.next()) {
          // finishing the statement
        }
      });
    }
    const statement = this.scenario.script[this.next];
    if (statement === undefined) return false;
    this.next++;
    this.clock++;
    return this.guard(statement, () => this.execute(statement));
  }

  /**
   * step() a slice at a time, for hosts that keep an event loop turning: a `checkpoint` or
   * `restart` statement makes its kernel call in slices (checkpointInSlices/restartInSlices) and
   * yields the call's progress; a `run` yields every {@link RUN_SLICE_STEPS} instructions (see
   * runInSlices: it cannot be taken back); every other statement runs whole in the first `next()`. Run to
   * its end it is step(), with the same transcript, calls and checks (step() runs the same
   * generators to their end). `return()` while the call runs cancels it: the kernel call changes
   * nothing (see SlicedCall) and the session stands before the statement again, as if it had
   * never started.
   */
  *stepInSlices(): Generator<CallProgress, boolean, void> {
    const statement = this.activeRun === null ? this.scenario.script[this.next] : undefined;
    if (statement?.kind === 'run') return yield* this.runInSlices();
    if (statement?.kind !== 'checkpoint' && statement?.kind !== 'restart') return this.step();
    const next = this.next;
    const clock = this.clock;
    this.next++;
    this.clock++;
    let ended = false;
    try {
      const ran = yield* this.guardSlices(statement, this.callStatement(statement));
      ended = true;
      return ran;
    } catch (error) {
      // Not a runtime error (guardSlices turned those into entries): thrown on, as by step().
      ended = true;
      throw error;
    } finally {
      if (!ended) {
        // Cancelled between two slices: nothing of the statement was recorded yet.
        this.next = next;
        this.clock = clock;
      }
    }
  }

  /**
   * A `run` statement {@link RUN_SLICE_STEPS} instructions at a time, as stepIn() runs it one
   * at a time (so to the same end as step()); it yields the instructions run so far. Unlike a
   * call it cannot be taken back: cancelled, the statement stays part-run, so only a host that
   * then drops the session (a load, a replay) may cancel one.
   */
  private *runInSlices(): Generator<CallProgress, boolean, void> {
    for (let count = 1; ; count++) {
      if (!this.stepIn()) return false;
      if (this.activeRun === null) return true;
      if (count % RUN_SLICE_STEPS === 0) yield { done: count, total: 0 };
    }
  }

  /**
   * Like step(), but a `run` statement advances one program instruction per call: what a
   * debugger's "step in" does. Returns false at a runtime error or at the end.
   */
  stepIn(): boolean {
    if (this.activeRun === null) {
      const statement = this.scenario.script[this.next];
      if (statement === undefined) return false;
      if (statement.kind !== 'run') return this.step();
      this.next++;
      this.clock++;
      this.activeRun = { statement, steps: this.runStatement(statement) };
    }
    const active = this.activeRun;
    return this.guard(active.statement, () => {
      this.singleStepping = true;
      try {
        const stepped = active.steps.next();
        if (stepped.done === true) this.activeRun = null;
        else this.activeRunPid = stepped.value;
      } finally {
        this.singleStepping = false;
      }
    });
  }

  /**
   * Where the session stands: the next script statement, or, inside a `run` that stepIn()
   * started, the task and the program line it executes next.
   */
  get position(): { line: number; pid: number | null } | null {
    if (this.activeRun !== null) {
      const pid = this.activeRunPid;
      const task = pid === null ? null : this.kernel.task(pid);
      const program = task === null ? null : this.kernel.program(task.program);
      const line = task === null ? undefined : program?.code[task.pc]?.line;
      return { line: line ?? this.activeRun.statement.line, pid };
    }
    const line = this.nextLine;
    return line === null ? null : { line, pid: null };
  }

  /** Runs `work` for `statement`, turning a RuntimeError into a transcript entry. */
  private guard(statement: ScriptStatement, work: () => void): boolean {
    try {
      work();
      return true;
    } catch (error) {
      return this.stopped(statement, error);
    }
  }

  /** {@link guard} for work done a slice at a time. */
  private *guardSlices(
    statement: ScriptStatement,
    work: Generator<CallProgress, void, void>,
  ): Generator<CallProgress, boolean, void> {
    try {
      yield* work;
      return true;
    } catch (error) {
      return this.stopped(statement, error);
    }
  }

  /** A runtime error ends the run with an error entry; any other error is thrown on. */
  private stopped(statement: ScriptStatement, error: unknown): false {
    this.activeRun = null;
    if (!(error instanceof RuntimeError)) throw error;
    this.entries.push(...this.pendingOutput);
    this.pendingOutput = [];
    this.entries.push({
      kind: 'error',
      line: statement.line,
      text: this.textOf(statement),
      message: error.message,
    });
    this.failures++;
    this.next = this.scenario.script.length;
    return false;
  }

  /** Root-namespace pid for a task name: a `-> NAME` binding, a container, or a live comm. */
  findTask(name: string): TaskInfo | null {
    const bound = this.names.get(name) ?? this.containers.get(name);
    if (bound !== undefined) return this.kernel.task(bound);
    const byComm = this.kernel
      .tasks()
      .filter((task) => task.comm === name)
      .sort((a, b) => Number(a.state === 'zombie') - Number(b.state === 'zombie') || b.pid - a.pid);
    return byComm[0] ?? null;
  }

  /** The statement as written, without its comment (a `#` inside a string stays). */
  private textOf(statement: ScriptStatement): string {
    const source = this.lines[statement.line - 1] ?? '';
    const last = lexLine(source, statement.line).tokens.at(-1);
    const end = last === undefined ? source.length : last.column - 1 + last.text.length;
    return source.slice(0, end).trim();
  }

  private requireTask(name: Name): TaskInfo {
    const task = this.findTask(name.text);
    if (task === null) throw new RuntimeError(`no task \`${name.text}\` at this point`);
    return task;
  }

  private userArg(name: Name): string | number {
    return /^[0-9]+$/.test(name.text) ? Number(name.text) : name.text;
  }

  /** Collects console lines printed since the last call. */
  private drainConsole(line: number | null): void {
    const lines = this.kernel.console();
    for (; this.consoleSeen < lines.length; this.consoleSeen++) {
      const output = lines[this.consoleSeen];
      if (output === undefined) continue;
      this.pendingOutput.push({
        kind: 'output',
        line,
        pid: output.pid,
        comm: output.comm,
        text: output.text,
      });
    }
  }

  private recordCall(outcome: CallOutcome, line: number): CallEntry {
    const checks = outcome.checks.map((check) => ({ ...check, line }));
    const entry: CallEntry = {
      call: outcome.call,
      caller: outcome.caller,
      flags: outcome.flags,
      ret: outcome.ret,
      errno: outcome.errno,
      checks,
    };
    if (outcome.restored !== undefined) entry.restored = outcome.restored;
    this.calls.push(entry);
    this.lastChecks = checks;
    return entry;
  }

  private action(
    statement: ScriptStatement,
    ok: boolean,
    errno: string | null,
    summary: string,
    calls: CallEntry[] = [],
  ): void {
    this.entries.push({
      kind: 'action',
      line: statement.line,
      text: this.textOf(statement),
      ok,
      errno,
      summary,
      calls,
    });
    this.last = { ok, errno, call: calls.at(-1) ?? null };
    this.drainConsole(statement.line);
    this.entries.push(...this.pendingOutput);
    this.pendingOutput = [];
  }

  private expectation(statement: ScriptStatement, passed: boolean, detail: string): void {
    this.expectations++;
    if (!passed) this.failures++;
    this.entries.push({
      kind: 'expect',
      line: statement.line,
      text: this.textOf(statement),
      passed,
      detail,
    });
  }

  /** The program file `spawn` executes for a program name or a path. */
  private executableFor(program: Name | PathArg): string {
    if ('path' in program) return program.path;
    const installed = this.world.files.filter((f) => f.kind === 'file' && f.runs === program.text);
    const preferred =
      installed.find((f) => SEARCH_PATH.some((dir) => f.path === `${dir}/${program.text}`)) ??
      installed[0];
    if (preferred !== undefined) return preferred.path;
    for (const dir of SEARCH_PATH) {
      const path = `${dir}/${program.text}`;
      if (this.world.files.some((f) => f.path === path)) return path;
    }
    throw new RuntimeError(`no file runs program \`${program.text}\``);
  }

  /**
   * Steps one task under a `run` mode, yielding its pid before every kernel step: a debugger
   * driving stepIn() sees the task about to execute the instruction at its pc (and can stop on
   * the first instruction of a `run`), and every yield is followed by a step.
   */
  private *runTask(
    pid: number,
    mode: RunMode,
    line: number,
  ): Generator<number, { summary: string; last: StepOutcome | null; calls: CallEntry[] }> {
    const calls: CallEntry[] = [];
    const limit = mode.kind === 'steps' ? mode.steps : DEFAULT_RUN_STEPS;
    let count = 0;
    let last: StepOutcome | null = null;
    const wantedOp =
      mode.kind === 'syscall' ? (SYSCALL_OPS[mode.syscall.text] ?? mode.syscall.text) : null;
    if (mode.kind === 'label') {
      // A label of another program would never be reached: say so instead of running on.
      const task = this.kernel.task(pid);
      const program = task === null ? null : this.kernel.program(task.program);
      if (program !== null && !Object.hasOwn(program.labels, mode.label.text)) {
        throw new RuntimeError(
          `pid ${pid} runs program \`${program.name}\`, which has no label \`${mode.label.text}\``,
        );
      }
    }
    // Instructions that only compute print nothing, make no call and cannot stop on a system
    // call: unless a debugger steps them one at a time, the kernel runs them in one go.
    const batchable = wantedOp === null || KERNEL_SYSCALL_OPS.has(wantedOp);
    const untilLabel = mode.kind === 'label' ? mode.label.text : undefined;
    while (count < limit) {
      if (mode.kind === 'label' && count > 0) {
        const task = this.kernel.task(pid);
        const program = task === null ? null : this.kernel.program(task.program);
        if (task !== null && program?.labels[mode.label.text] === task.pc) {
          return { summary: `${steps(count)}, at label ${mode.label.text}`, last, calls };
        }
      }
      // The label is honoured from the second step on, as above: the first is a step alone.
      if (batchable && !this.singleStepping && (untilLabel === undefined || count > 0)) {
        const ran = this.kernel.runCompute(pid, {
          steps: limit - count,
          ...(untilLabel !== undefined ? { untilLabel } : {}),
        });
        if (ran.steps > 0) {
          count += ran.steps;
          last = ran.last;
          continue;
        }
      }
      yield pid;
      const outcome = this.kernel.step(pid);
      last = outcome;
      if (outcome.status === 'blocked') {
        return {
          summary: `${steps(count)}, blocked (${this.kernel.task(pid)?.state ?? 'gone'})`,
          last,
          calls,
        };
      }
      count++;
      const stepLine = outcome.instruction?.line ?? null;
      if (outcome.call !== undefined) calls.push(this.recordCall(outcome.call, stepLine ?? line));
      this.drainConsole(stepLine);
      if (outcome.status === 'exited' || outcome.status === 'killed') {
        const task = this.kernel.task(pid);
        const code = task?.exitCode ?? null;
        return {
          summary: `${steps(count)}, ${outcome.status}${code === null ? '' : ` with status ${code}`}`,
          last,
          calls,
        };
      }
      if (wantedOp !== null && outcome.instruction?.op === wantedOp) {
        return {
          summary: `${steps(count)}, after ${mode.kind === 'syscall' ? mode.syscall.text : ''}`,
          last,
          calls,
        };
      }
    }
    return {
      summary: mode.kind === 'steps' ? steps(count) : `stopped after ${steps(count)}`,
      last,
      calls,
    };
  }

  /** A `run` statement, one kernel step per iteration; the action entry comes at the end. */
  private *runStatement(statement: ScriptStatement & { kind: 'run' }): Generator<number, void> {
    const pids =
      statement.task === 'all'
        ? this.kernel
            .tasks()
            .filter((t) => t.state !== 'zombie')
            .map((t) => t.pid)
        : [this.requireTask(statement.task).pid];
    const summaries: string[] = [];
    const calls: CallEntry[] = [];
    let last: StepOutcome | null = null;
    for (const pid of pids) {
      const result = yield* this.runTask(pid, statement.mode, statement.line);
      summaries.push(statement.task === 'all' ? `pid ${pid}: ${result.summary}` : result.summary);
      calls.push(...result.calls);
      last = result.last ?? last;
    }
    const call = last?.call;
    let ok = true;
    let errno: string | null = null;
    if (call !== undefined) {
      ok = call.errno === null;
      errno = call.errno;
    } else if (last?.ret !== undefined && last.ret < 0) {
      ok = false;
      errno = errnoName(last.ret) ?? `errno ${-last.ret}`;
    } else if (last?.status === 'killed') {
      ok = false;
    }
    this.action(statement, ok, errno, summaries.join('; '), calls);
  }

  private execute(statement: ScriptStatement): void {
    switch (statement.kind) {
      case 'spawn': {
        const exe = this.executableFor(statement.program);
        const options: Parameters<KernelApi['spawn']>[0] = {
          user: this.userArg(statement.user),
          exe,
        };
        if (statement.inContainer !== undefined) {
          const init = this.containers.get(statement.inContainer.text);
          if (init === undefined)
            throw new RuntimeError(`no container \`${statement.inContainer.text}\``);
          options.parent = init;
        }
        if (statement.newContainer !== undefined) options.newPidNamespace = true;
        const result = this.kernel.spawn(options);
        if (!result.ok) {
          this.action(statement, false, result.errno, result.reason);
          return;
        }
        this.names.set(statement.target.text, result.pid);
        if (statement.newContainer !== undefined)
          this.containers.set(statement.newContainer.text, result.pid);
        const info = this.kernel.task(result.pid);
        const nsPid = info?.nsPids.at(-1) ?? result.pid;
        this.action(
          statement,
          true,
          null,
          `pid ${result.pid}${nsPid !== result.pid ? ` (pid ${nsPid} in its namespace)` : ''}`,
        );
        return;
      }
      case 'run':
        for (const _ of this.runStatement(statement)) {
          // Run to the end of the statement; stepIn() advances the same steps one at a time.
        }
        return;
      case 'freeze':
      case 'thaw': {
        const task = this.requireTask(statement.task);
        const done =
          statement.kind === 'freeze' ? this.kernel.freeze(task.pid) : this.kernel.thaw(task.pid);
        this.action(statement, done, done ? null : 'EINVAL', `pid ${task.pid}`);
        return;
      }
      case 'checkpoint':
      case 'restart':
        // The same slices stepInSlices() runs between turns of a host's event loop.
        runToEnd(this.callStatement(statement));
        return;
      case 'tamper': {
        const bytes = this.kernel.readFile(statement.path.path);
        if (bytes === null) throw new RuntimeError(`no file ${statement.path.path} to tamper with`);
        const value =
          'kind' in statement.value ? evaluateConstant(statement.value) : statement.value.value;
        const result = tamperImage(bytes, statement.field.text, value);
        if (!result.ok) throw new RuntimeError(result.message);
        this.kernel.writeFile(statement.path.path, result.bytes);
        this.action(statement, true, null, result.summary);
        return;
      }
      case 'sysctl': {
        const value = typeof statement.value === 'number' ? statement.value : statement.value.text;
        this.kernel.setSysctl(statement.name.text as SysctlName, value as Sysctls[SysctlName]);
        this.action(statement, true, null, '');
        return;
      }
      case 'export': {
        const bytes = this.kernel.readFile(statement.path.path);
        if (bytes === null) throw new RuntimeError(`no file ${statement.path.path} to export`);
        this.exports.push({
          line: statement.line,
          path: statement.path.path,
          name: statement.as.value,
          bytes,
        });
        this.action(statement, true, null, `${bytes.length} bytes`);
        return;
      }
      default:
        this.checkExpectation(statement);
    }
  }

  /**
   * A `checkpoint` or `restart` statement, its kernel call a slice at a time. Nothing is
   * recorded before the call's last slice, so a call cancelled between slices leaves no trace.
   */
  private *callStatement(
    statement: ScriptStatement & { kind: 'checkpoint' | 'restart' },
  ): Generator<CallProgress, void, void> {
    if (statement.kind === 'checkpoint') {
      const task = this.requireTask(statement.task);
      const outcome = yield* this.kernel.checkpointInSlices(
        this.userArg(statement.user),
        task.pid,
        statement.path.path,
        statement.flags,
      );
      const call = this.recordCall(outcome, statement.line);
      const summary =
        outcome.errno === null
          ? `crid ${outcome.ret}, image ${statement.path.path}`
          : failedCheckSummary(call);
      this.action(statement, outcome.errno === null, outcome.errno, summary, [call]);
      return;
    }
    const outcome = yield* this.kernel.restartInSlices(
      this.userArg(statement.user),
      statement.path.path,
      statement.flags,
    );
    const call = this.recordCall(outcome, statement.line);
    const restored = outcome.restored ?? [];
    if (outcome.errno === null && statement.target !== undefined && restored[0] !== undefined) {
      this.names.set(statement.target.text, restored[0]);
    }
    const summary =
      outcome.errno === null
        ? `restored ${restored.map((pid) => `pid ${pid}`).join(', ')}`
        : failedCheckSummary(call);
    this.action(statement, outcome.errno === null, outcome.errno, summary, [call]);
  }

  private checkExpectation(statement: ScriptStatement): void {
    const verdict = judgeExpectation(statement, this.expectationContext());
    this.expectation(statement, verdict.passed, verdict.detail);
  }

  private expectationContext(): ExpectationContext {
    return {
      kernel: this.kernel,
      world: this.world,
      last: this.last,
      lastChecks: this.lastChecks,
      findTask: (name) => this.findTask(name),
      boundPid: (name) => this.names.get(name) ?? this.containers.get(name),
    };
  }
}

function steps(count: number): string {
  return `${count} step${count === 1 ? '' : 's'}`;
}

function failedCheckSummary(call: CallEntry): string {
  const failed = call.checks.find((check) => check.result === 'fail');
  return failed === undefined ? 'refused' : `${failed.id}: ${failed.reason}`;
}

/** A `tamper` value: arithmetic on constants, evaluated as the debugger evaluates expressions. */
function evaluateConstant(expr: Expr): number {
  const notConstant = (name: string): never => {
    throw new RuntimeError(`a tamper value is a constant, not \`${name}\``);
  };
  try {
    return evaluateExpr(expr, notConstant, 'a tamper value is a number or a string');
  } catch (error) {
    // Division by zero, or a comparison: the statement fails, the run goes on.
    if (error instanceof EvaluationError) throw new RuntimeError(error.message);
    throw error;
  }
}
