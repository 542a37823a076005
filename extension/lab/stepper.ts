/**
 * The stepping runtime a debugger drives: a `.crlab` scenario (its script, one statement at a
 * time, and the tasks its `run` statements execute, one instruction at a time) or the tasks a
 * restart of an image brought back. It knows nothing of any debug protocol (the VS Code session
 * in extension/debug/ translates); it answers "run until something worth stopping for happens"
 * and "what is there to see": threads (the script and every task), frames (program positions
 * with their source lines), values, memory, disassembly, and checkpoint of a task.
 *
 * Everything runs synchronously and deterministically. A long run is cut into slices
 * ({@link LabStepper.run}) so a host can stay responsive and pause between them.
 */
import type {
  CallOutcome,
  CheckRecord,
  Instruction,
  KernelApi,
  Program,
  RestoreCredsMode,
  TaskInfo,
  WorldSpec,
} from '../kernel/index';
import { CheckpointFlag, createKernel, defaultWorld, errnoName, isSyscall } from '../kernel/index';
import type { Scenario, ScriptStatement } from './ast';
import { disassemble } from './disassemble';
import { EvaluationError, evaluateText, hitConditionHolds, interpolate } from './evaluate';
import { checkScenario, loadScenario } from './index';
import type { InspectNode, InspectScope } from './inspect';
import { taskScopes, taskValue } from './inspect';
import { CLOCK_EPOCH, DEFAULT_RUN_STEPS, type ScenarioSession } from './interpreter';
import { lexLine } from './lexer';
import { formatCall, formatTranscript } from './transcript';

/** A thread: a task's root-namespace pid, or null for the script. */
export type ThreadPid = number | null;

/** The kinds of event that may stop a run, as a debugger's exception filters name them. */
export type ExceptionFilter = 'refused' | 'syscall' | 'expect';

export const EXCEPTION_FILTERS: readonly ExceptionFilter[] = ['refused', 'syscall', 'expect'];

export interface ExceptionStop {
  filter: ExceptionFilter | 'error';
  /** A check id (`restart.creds.uid`), a system call name, or `expect`. */
  id: string;
  /** One line: the deciding check with its errno and reason. */
  description: string;
  /** More lines: the call's whole check list, the statement. */
  details: string;
}

export type StopReason =
  'entry' | 'step' | 'breakpoint' | 'instruction breakpoint' | 'exception' | 'pause';

export interface StopInfo {
  reason: StopReason;
  pid: ThreadPid;
  /** A short description for the stopped thread's label. */
  description: string;
  breakpointIds?: number[];
  exception?: ExceptionStop;
}

export type RunResult =
  | { kind: 'stopped'; stop: StopInfo }
  | { kind: 'ended'; summary: string; failed: boolean }
  | { kind: 'running' };

export type StepKind = 'next' | 'stepIn' | 'stepOut';
export type Granularity = 'line' | 'instruction';

/** What a run does until it stops. */
export type Action =
  { kind: 'continue' } | { kind: StepKind; pid: ThreadPid; granularity: Granularity };

export interface StepperOutput {
  category: 'console' | 'stdout' | 'stderr' | 'important';
  text: string;
  /** The scenario line it is about, when there is one. */
  line: number | null;
}

/** Everything a stepper tells its host as it runs. */
export interface StepperListener {
  output?(output: StepperOutput): void;
  /** Every checkpoint or restart call, with the line that made it (the panel shows them too). */
  call?(call: CallOutcome, line: number | null, origin: 'script' | 'program' | 'debugger'): void;
}

export interface BreakpointRequest {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface PlacedBreakpoint {
  id: number;
  verified: boolean;
  /** Where it was placed: the requested line or the next executable one. */
  line: number;
  message?: string;
}

export interface InstructionBreakpointRequest {
  address: number;
  condition?: string;
  hitCondition?: string;
}

export interface PlacedInstructionBreakpoint {
  id: number;
  verified: boolean;
  address: number;
  message?: string;
}

export interface Frame {
  /** The thread the frame belongs to. */
  pid: ThreadPid;
  name: string;
  /** A line of the scenario, or null when the program has no source (default-world programs). */
  line: number | null;
  /** The address of the instruction (program frames only): see {@link LabStepper.disassemble}. */
  address?: number;
}

export interface DisassembledInstruction {
  address: number;
  text: string;
  /** The label at this instruction, if any. */
  symbol?: string;
  line?: number;
  /** False for addresses outside any program (padding around a program's code). */
  valid: boolean;
}

export interface TaskCheckpoint {
  call: CallOutcome;
  /** The image bytes, or null when the checkpoint was refused. */
  image: Uint8Array | null;
  user: string | number;
  /** The deciding check of a refused checkpoint. */
  refusal: CheckRecord | null;
}

/** A restart of an image into a fresh kernel, for a debugging session started from an image. */
export interface ImageLaunch {
  image: Uint8Array;
  /** The image's file name, used for its path in the emulated VFS (`/tmp/NAME`). */
  imageName: string;
  /** The user who restarts it. */
  user: string | number;
  /** kernel.ckpt_restore_creds for the restart (default: the world's). */
  mode?: RestoreCredsMode;
  flags?: number;
  /** The scenario whose world and programs the image belongs to (default: the built-in world). */
  scenario?: string;
}

export interface ImageLaunchResult {
  /** The stepper, when the restart succeeded. */
  stepper: LabStepper | null;
  call: CallOutcome;
  /** The check that refused the restart (or why it never reached the checks). */
  refusal: string | null;
}

/** Addresses of program code: each program gets its own window of this size. */
export const PROGRAM_WINDOW = 0x100000;

/** Budget of one continue or step that runs tasks outside the script (the script bounds itself). */
export const STEP_BUDGET = DEFAULT_RUN_STEPS;

type Position =
  | { kind: 'script'; line: number }
  | {
      kind: 'task';
      pid: number;
      pc: number;
      line: number | null;
      /** The first instruction of its source line (where a line breakpoint hits). */
      lineStart: boolean;
      address: number;
      instruction: Instruction | null;
      /** The next step executes the instruction (not a sleep tick or a frozen task's no-op). */
      executes: boolean;
    }
  | { kind: 'end' };

interface BreakpointState {
  id: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
  hits: number;
}

interface RunningAction {
  action: Action;
  executor: 'script' | 'task' | 'schedule';
  /** The task the action steps (task executor, or a step inside a `run`). */
  pid: ThreadPid;
  start: { line: number | null; pc: number };
  first: boolean;
  budget: number;
}

/** What a micro-step did that may be worth stopping for. */
interface Happened {
  thread: ThreadPid;
  line: number | null;
  pc: number | null;
  exception: ExceptionStop | null;
}

export class LabStepper {
  private readonly listeners: StepperListener[] = [];
  private readonly breakpoints = new Map<number, BreakpointState>();
  private readonly instructionBreakpoints = new Map<number, BreakpointState>();
  /** Enabled exception filters, each with its conditions (empty: every event of the kind). */
  private readonly exceptionFilters = new Map<ExceptionFilter, string[]>([['expect', []]]);
  private readonly programBases = new Map<string, number>();
  private readonly statements = new Map<number, ScriptStatement>();
  private nextBreakpointId = 1;
  private running: RunningAction | null = null;
  /** The `run` statement the script is inside, and the task it steps. */
  private activeRun: { pid: number; line: number } | null = null;
  /** Where a thread stopped on an exception: the line (and pc) that raised it. */
  private readonly raisedAt = new Map<string, { line: number | null; pc: number | null }>();
  private consoleSeen = 0;
  private callsSeen = 0;
  private entriesSeen = 0;
  private scheduled = 0;
  private checkpoints = 0;
  private endedSummary: { summary: string; failed: boolean } | null = null;
  /** The root task a restart from an image brought back. */
  private restoredRoot: number | null = null;

  private constructor(
    readonly kernel: KernelApi,
    readonly world: WorldSpec,
    private readonly script: ScenarioSession | null,
    private readonly scenario: Scenario | null,
    private readonly lines: readonly string[],
  ) {
    for (const statement of scenario?.script ?? []) this.statements.set(statement.line, statement);
    this.consoleSeen = kernel.console().length;
    this.callsSeen = kernel.calls().length;
  }

  /** A stepper over a scenario's script; throws with the diagnostics when the scenario has errors. */
  static forScenario(source: string): LabStepper {
    const checked = checkScenario(source);
    if (checked.world === null) {
      const first = checked.diagnostics[0];
      throw new EvaluationError(
        first === undefined
          ? 'the scenario has errors'
          : `line ${first.line}:${first.column}: ${first.message}`,
      );
    }
    const session = loadScenario(source, checked);
    return new LabStepper(
      session.kernel,
      session.world,
      session,
      checked.scenario,
      source.split(/\r?\n/),
    );
  }

  /**
   * Restarts an image in a fresh kernel booted from the scenario's world (without running its
   * script) or the built-in world. The result carries the call with its checks either way.
   */
  static fromImage(launch: ImageLaunch, listener?: StepperListener): ImageLaunchResult {
    let world = defaultWorld();
    let scenario: Scenario | null = null;
    let seed = 0;
    if (launch.scenario !== undefined) {
      const checked = checkScenario(launch.scenario);
      if (checked.world === null) {
        const first = checked.diagnostics[0];
        throw new EvaluationError(
          `the scenario has errors${first ? ` (line ${first.line}: ${first.message})` : ''}`,
        );
      }
      world = checked.world;
      scenario = checked.scenario;
      seed = checked.seed;
    }
    const kernel = createKernel({ world, seed, clock: () => CLOCK_EPOCH });
    if (launch.mode !== undefined) kernel.setSysctl('kernel.ckpt_restore_creds', launch.mode);
    const path = `/tmp/${launch.imageName.replace(/[^A-Za-z0-9._-]/g, '_') || 'image.crimg'}`;
    kernel.writeFile(path, launch.image, { mode: 0o644 });
    const stepper = new LabStepper(
      kernel,
      world,
      null,
      scenario,
      launch.scenario?.split(/\r?\n/) ?? [],
    );
    if (listener !== undefined) stepper.listen(listener);
    const call = kernel.restartAs(launch.user, path, launch.flags ?? 0);
    stepper.flush(null, 'script');
    if (call.errno !== null) {
      return { stepper: null, call, refusal: decidingText(call) };
    }
    stepper.restoredRoot = call.restored?.[0] ?? null;
    return { stepper, call, refusal: null };
  }

  /** Listen to output and calls. */
  listen(listener: StepperListener): void {
    this.listeners.push(listener);
  }

  /** True for a session over a scenario's script; false for one started from an image. */
  get hasScript(): boolean {
    return this.script !== null;
  }

  // ---- breakpoints -------------------------------------------------------------------------

  /** Replaces the scenario's line breakpoints; each is placed on its line or the next executable one. */
  setBreakpoints(requests: readonly BreakpointRequest[]): PlacedBreakpoint[] {
    this.breakpoints.clear();
    return requests.map((request) => {
      const id = this.nextBreakpointId++;
      const placed = this.placeLine(request.line);
      if (placed.line === null) {
        return { id, verified: false, line: request.line, message: placed.message };
      }
      // Two requests that land on one line share it; the later wins, as with re-set breakpoints.
      this.breakpoints.set(placed.line, stateOf(id, request));
      const result: PlacedBreakpoint = { id, verified: true, line: placed.line };
      if (placed.line !== request.line) {
        result.message = `moved to line ${placed.line}, the next line that runs`;
      }
      return result;
    });
  }

  /** Replaces the instruction breakpoints (addresses from frames and disassembly). */
  setInstructionBreakpoints(
    requests: readonly InstructionBreakpointRequest[],
  ): PlacedInstructionBreakpoint[] {
    this.instructionBreakpoints.clear();
    return requests.map((request) => {
      const id = this.nextBreakpointId++;
      const at = this.instructionAt(request.address);
      if (at === null) {
        return {
          id,
          verified: false,
          address: request.address,
          message: 'no program instruction at this address',
        };
      }
      this.instructionBreakpoints.set(request.address, stateOf(id, request));
      return { id, verified: true, address: request.address };
    });
  }

  /** Which exception filters stop a run, each with optional conditions (check ids, errnos, calls). */
  setExceptionFilters(filters: readonly { filter: ExceptionFilter; condition?: string }[]): void {
    this.exceptionFilters.clear();
    for (const { filter, condition } of filters) {
      const conditions = (condition ?? '')
        .split(/[\s,]+/)
        .map((word) => word.trim())
        .filter(Boolean);
      this.exceptionFilters.set(filter, conditions);
    }
  }

  /** Lines a line breakpoint may sit on: script statements (with a script) and program instructions. */
  private placeLine(line: number): { line: number | null; message: string } {
    const scriptLines = this.script === null ? [] : [...this.statements.keys()];
    const blocks = (this.scenario?.programs ?? []).map((program) => {
      const compiled = this.kernel.program(program.name.text);
      const lines = [...new Set((compiled?.code ?? []).flatMap((i) => (i.line ? [i.line] : [])))];
      const last = Math.max(
        program.line,
        ...lines,
        ...[...program.labels.values()].map((l) => l.span.line),
      );
      return { first: program.line, last, lines: lines.sort((a, b) => a - b) };
    });
    const block = blocks.find((b) => line >= b.first && line <= b.last);
    if (block !== undefined) {
      const next = block.lines.find((candidate) => candidate >= line);
      return next === undefined
        ? { line: null, message: 'no instruction follows in this program' }
        : { line: next, message: '' };
    }
    if (this.script === null) {
      return {
        line: null,
        message: 'only program instructions run in a session started from an image',
      };
    }
    const candidates = [...scriptLines, ...blocks.flatMap((b) => b.lines)].sort((a, b) => a - b);
    const next = candidates.find((candidate) => candidate >= line);
    if (next !== undefined) return { line: next, message: '' };
    return { line: null, message: 'nothing runs at or after this line' };
  }

  // ---- running -----------------------------------------------------------------------------

  /** Where a session stops before anything runs: the first statement, or the restored task. */
  entry(): RunResult {
    const restored = this.restoredRoot === null ? null : this.taskPosition(this.restoredRoot);
    const position = restored ?? this.position(null);
    if (position.kind === 'end') return this.end();
    if (position.kind === 'script') {
      return {
        kind: 'stopped',
        stop: { reason: 'entry', pid: null, description: `line ${position.line}` },
      };
    }
    const where =
      position.line === null ? `pc ${position.pc}` : `line ${position.line}, pc ${position.pc}`;
    return {
      kind: 'stopped',
      stop: {
        reason: 'entry',
        pid: position.pid,
        description: this.restoredRoot === position.pid ? `restored at ${where}` : where,
      },
    };
  }

  /** Starts an action; call {@link run} until it stops or ends. */
  start(action: Action): void {
    this.raisedAt.clear();
    const pid = action.kind === 'continue' ? null : action.pid;
    let executor: RunningAction['executor'];
    if (this.script !== null) {
      const insideRun = pid !== null && this.activeRun?.pid === pid;
      executor = action.kind === 'continue' || pid === null || insideRun ? 'script' : 'task';
    } else {
      executor =
        action.kind === 'continue' || action.kind === 'stepOut' || pid === null
          ? 'schedule'
          : 'task';
    }
    const task = pid === null ? null : this.kernel.task(pid);
    if (executor === 'task' && this.script !== null && task !== null) {
      this.emit({
        category: 'console',
        text: `pid ${task.pid} (${task.comm}) steps outside the script: no \`run\` statement is running it`,
        line: null,
      });
    }
    this.running = {
      action,
      executor,
      // Round robin over every task: a step out of one task is a continue.
      pid: executor === 'schedule' ? null : pid,
      start: { line: task === null ? null : this.lineOf(task), pc: task?.pc ?? 0 },
      first: true,
      budget: executor === 'script' ? Number.POSITIVE_INFINITY : STEP_BUDGET,
    };
  }

  /**
   * Runs at most `slice` steps of the current action. Returns `running` when the slice ran out
   * (call again), `stopped` at a breakpoint, a finished step, an exception or the budget, and
   * `ended` when nothing is left to run.
   */
  run(slice = 500): RunResult {
    const running = this.running;
    if (running === null) return { kind: 'stopped', stop: this.stopHere('pause', 'paused') };
    for (let count = 0; count < slice; count++) {
      const position = this.position(running.executor === 'task' ? running.pid : null);
      if (position.kind === 'end') {
        this.running = null;
        if (running.executor === 'task' && this.position(null).kind !== 'end') {
          return { kind: 'stopped', stop: this.stopHere('step', 'the task is no longer running') };
        }
        return this.end();
      }
      if (!running.first) {
        const hit = this.breakpointAt(position);
        if (hit !== null) {
          this.running = null;
          return { kind: 'stopped', stop: hit };
        }
        if (this.stepDone(running, position)) {
          this.running = null;
          return { kind: 'stopped', stop: this.stopAt(position, 'step', 'step') };
        }
      }
      if (running.budget <= 0) {
        this.running = null;
        return {
          kind: 'stopped',
          stop: this.stopAt(position, 'pause', `paused after ${STEP_BUDGET} steps`),
        };
      }
      running.first = false;
      running.budget--;
      const happened = this.advance(running, position);
      if (happened.exception !== null) {
        this.running = null;
        this.raisedAt.set(threadKey(happened.thread), { line: happened.line, pc: happened.pc });
        return {
          kind: 'stopped',
          stop: {
            reason: 'exception',
            pid: this.liveThread(happened.thread),
            description: happened.exception.description,
            exception: happened.exception,
          },
        };
      }
    }
    return { kind: 'running' };
  }

  /** Stops the current action where it is. */
  pause(): StopInfo {
    this.running = null;
    return this.stopHere('pause', 'paused');
  }

  private end(): RunResult {
    if (this.endedSummary === null) {
      this.flush(null, 'script');
      if (this.script !== null) {
        const { expectations, failures } = this.script;
        this.endedSummary = {
          summary: `${expectations} expectation${expectations === 1 ? '' : 's'}, ${failures} failed`,
          failed: failures > 0,
        };
      } else {
        this.endedSummary = { summary: 'every restored task has exited', failed: false };
      }
    }
    return { kind: 'ended', ...this.endedSummary };
  }

  /** The next thing that would run: a script statement, or a task instruction. */
  private position(taskPid: ThreadPid): Position {
    if (taskPid !== null) return this.taskPosition(taskPid) ?? { kind: 'end' };
    if (this.script !== null) {
      const at = this.script.position;
      if (at === null) return { kind: 'end' };
      if (at.pid !== null) return this.taskPosition(at.pid) ?? { kind: 'end' };
      return { kind: 'script', line: at.line };
    }
    const next = this.nextScheduled();
    return next === null ? { kind: 'end' } : (this.taskPosition(next) ?? { kind: 'end' });
  }

  private taskPosition(pid: number): Position | null {
    const task = this.kernel.task(pid);
    if (task === null || task.state === 'zombie') return null;
    const program = this.kernel.program(task.program);
    const instruction = program?.code[task.pc] ?? null;
    const line = instruction?.line ?? null;
    const previous = program?.code[task.pc - 1];
    return {
      kind: 'task',
      pid,
      pc: task.pc,
      line,
      lineStart: line !== null && (previous === undefined || previous.line !== line),
      address: this.addressOf(task.program, task.pc),
      instruction,
      executes: task.state === 'running',
    };
  }

  /** Round robin over the live tasks other than init, for sessions without a script. */
  private nextScheduled(): number | null {
    const runnable = this.kernel
      .tasks()
      .filter((t) => t.pid !== 1 && (t.state === 'running' || t.state === 'sleeping'))
      .map((t) => t.pid);
    if (runnable.length === 0) return null;
    return runnable.find((pid) => pid > this.scheduled) ?? runnable[0] ?? null;
  }

  private stepDone(running: RunningAction, position: Position): boolean {
    const { action } = running;
    if (action.kind === 'continue') return false;
    if (running.pid === null) {
      // The script thread: over a statement (a whole `run` included), or one step in (into a
      // `run`, which stops before its first instruction).
      return action.kind === 'stepIn' || position.kind === 'script';
    }
    if (position.kind !== 'task' || position.pid !== running.pid) return true;
    if (action.kind === 'stepOut') return false;
    if (action.granularity === 'instruction' || position.line === null) return true;
    return (
      position.lineStart &&
      (position.line !== running.start.line || position.pc <= running.start.pc)
    );
  }

  /** Runs one statement or one instruction; reports what happened. */
  private advance(running: RunningAction, position: Position): Happened {
    if (position.kind === 'end') return { thread: null, line: null, pc: null, exception: null };
    const thread: ThreadPid = position.kind === 'task' ? position.pid : null;
    const line = position.kind === 'task' ? position.line : position.line;
    const pc = position.kind === 'task' ? position.pc : null;
    let ret: number | undefined;
    if (running.executor === 'script' && this.script !== null) {
      const wasRunStart =
        position.kind === 'script' && this.statements.get(position.line)?.kind === 'run';
      this.script.stepIn();
      const at = this.script.position;
      if (at !== null && at.pid !== null) {
        this.activeRun = {
          pid: at.pid,
          line:
            wasRunStart && position.kind === 'script'
              ? position.line
              : (this.activeRun?.line ?? at.line),
        };
      } else {
        this.activeRun = null;
      }
      if (position.kind === 'task' && position.executes && replacesNothing(position.instruction)) {
        // The session stepped the task itself: its return value is in regs[0].
        const after = this.kernel.task(position.pid);
        if (after !== null && after.state !== 'zombie') ret = after.regs[0];
      }
    } else if (position.kind === 'task') {
      this.scheduled = position.pid;
      ret = this.kernel.step(position.pid).ret;
    }
    const origin = position.kind === 'task' ? 'program' : 'script';
    const found = this.flush(line, origin);
    let exception = found.error ?? this.refusedException(found.calls) ?? null;
    if (exception === null && position.kind === 'task' && position.executes) {
      exception = this.syscallException(position, ret, found.calls);
    } else if (exception === null && found.calls.length > 0) {
      exception = this.syscallException(null, undefined, found.calls);
    }
    exception ??= found.expectation;
    if (exception !== null && exception.filter !== 'error' && !this.exceptionEnabled(exception)) {
      exception = null;
    }
    return { thread, line, pc, exception };
  }

  private exceptionEnabled(exception: ExceptionStop): boolean {
    if (exception.filter === 'error') return true;
    const conditions = this.exceptionFilters.get(exception.filter);
    if (conditions === undefined) return false;
    if (conditions.length === 0) return true;
    return conditions.some(
      (condition) => exception.id === condition || exception.description.includes(condition),
    );
  }

  private refusedException(calls: readonly CallOutcome[]): ExceptionStop | null {
    const refused = calls.find((call) => call.errno !== null);
    if (refused === undefined) return null;
    const candidate = callException(refused, 'refused');
    // When the filter is off, the call may still stop as a failed system call (see syscallException).
    return this.exceptionEnabled(candidate) ? candidate : null;
  }

  private syscallException(
    position: (Position & { kind: 'task' }) | null,
    ret: number | undefined,
    calls: readonly CallOutcome[],
  ): ExceptionStop | null {
    const refused = calls.find((call) => call.errno !== null);
    if (refused !== undefined) return { ...callException(refused, 'syscall'), filter: 'syscall' };
    if (position === null || position.instruction === null || ret === undefined || ret >= 0)
      return null;
    if (!isSyscall(position.instruction)) return null;
    const errno = errnoName(ret) ?? `errno ${-ret}`;
    const name = position.instruction.op;
    return {
      filter: 'syscall',
      id: name,
      description: `${name} failed with ${errno}`,
      details: `${disassemble(position.instruction)} returned ${ret} (-${errno}) in pid ${position.pid}`,
    };
  }

  /** Sends what the last step produced to the listeners; returns what may stop the run. */
  private flush(
    line: number | null,
    origin: 'script' | 'program' | 'debugger',
  ): { calls: CallOutcome[]; error: ExceptionStop | null; expectation: ExceptionStop | null } {
    const calls: CallOutcome[] = [];
    let error: ExceptionStop | null = null;
    let expectation: ExceptionStop | null = null;
    if (this.script !== null) {
      const entries = this.script.entries;
      for (; this.entriesSeen < entries.length; this.entriesSeen++) {
        const entry = entries[this.entriesSeen];
        if (entry === undefined || entry.kind === 'output') continue;
        const [numbered = ''] = formatTranscript([
          entry.kind === 'action' ? { ...entry, calls: [] } : entry,
        ]);
        // The output names its line itself (a debug console links it): no number in the text.
        const text = numbered.replace(/^\s*\d+\s+/, '');
        const failed = (entry.kind === 'expect' && !entry.passed) || entry.kind === 'error';
        this.emit({ category: failed ? 'stderr' : 'console', text, line: entry.line });
        if (entry.kind === 'expect' && !entry.passed && expectation === null) {
          expectation = {
            filter: 'expect',
            id: 'expect',
            description: `expectation failed: ${entry.detail}`,
            details: `line ${entry.line}: ${entry.text}\n${entry.detail}`,
          };
        }
        if (entry.kind === 'error') {
          error = {
            filter: 'error',
            id: 'error',
            description: entry.message,
            details: `line ${entry.line}: ${entry.text}\n${entry.message}`,
          };
        }
      }
    }
    const allCalls = this.kernel.calls();
    for (; this.callsSeen < allCalls.length; this.callsSeen++) {
      const call = allCalls[this.callsSeen];
      if (call === undefined) continue;
      calls.push(call);
      const lines = formatCall(call);
      if (call.reason !== undefined) lines.push(`      ${call.reason}`);
      this.emit({
        category: call.errno === null ? 'console' : 'stderr',
        text: lines.join('\n'),
        line,
      });
      for (const listener of this.listeners) listener.call?.(call, line, origin);
    }
    const consoleLines = this.kernel.console();
    for (; this.consoleSeen < consoleLines.length; this.consoleSeen++) {
      const output = consoleLines[this.consoleSeen];
      if (output === undefined) continue;
      this.emit({
        category: 'stdout',
        text: `[${output.comm} ${output.pid}] ${output.text}`,
        line,
      });
    }
    return { calls, error, expectation };
  }

  private emit(output: StepperOutput): void {
    for (const listener of this.listeners) listener.output?.(output);
  }

  /** A line breakpoint or instruction breakpoint that stops at `position`, after its condition. */
  private breakpointAt(position: Position): StopInfo | null {
    if (position.kind === 'end') return null;
    const candidates: { state: BreakpointState; reason: StopReason }[] = [];
    if (position.kind === 'script') {
      const state = this.breakpoints.get(position.line);
      if (state !== undefined) candidates.push({ state, reason: 'breakpoint' });
    } else if (position.executes) {
      const line =
        position.lineStart && position.line !== null
          ? this.breakpoints.get(position.line)
          : undefined;
      if (line !== undefined) candidates.push({ state: line, reason: 'breakpoint' });
      const instruction = this.instructionBreakpoints.get(position.address);
      if (instruction !== undefined)
        candidates.push({ state: instruction, reason: 'instruction breakpoint' });
    }
    const pid = position.kind === 'task' ? position.pid : null;
    const stopping: { state: BreakpointState; reason: StopReason }[] = [];
    for (const candidate of candidates) {
      if (this.breakpointStops(candidate.state, pid, position.line)) stopping.push(candidate);
    }
    const first = stopping[0];
    if (first === undefined) return null;
    return {
      ...this.stopAt(position, first.reason, first.reason),
      breakpointIds: stopping.map((s) => s.state.id),
    };
  }

  private breakpointStops(state: BreakpointState, pid: ThreadPid, line: number | null): boolean {
    if (state.condition !== undefined && state.condition.trim() !== '') {
      try {
        if (this.evaluate(state.condition, pid).value === 0) return false;
      } catch (error) {
        // A condition that cannot be evaluated stops, and says why (as VS Code's adapters do).
        this.emit({
          category: 'stderr',
          text: `breakpoint condition \`${state.condition}\`: ${messageOf(error)}`,
          line,
        });
        return true;
      }
    }
    state.hits++;
    if (state.hitCondition !== undefined && state.hitCondition.trim() !== '') {
      const holds = hitConditionHolds(state.hitCondition, state.hits);
      if (holds === false) return false;
      if (holds === null) {
        this.emit({
          category: 'stderr',
          text: `hit count \`${state.hitCondition}\` is not a number or a comparison (>= 3, % 2)`,
          line,
        });
      }
    }
    if (state.logMessage !== undefined) {
      const text = interpolate(state.logMessage, (expression) =>
        String(this.evaluate(expression, pid).value),
      );
      this.emit({ category: 'console', text, line });
      return false;
    }
    return true;
  }

  private stopAt(position: Position, reason: StopReason, description: string): StopInfo {
    if (position.kind === 'task') return { reason, pid: position.pid, description };
    return { reason, pid: null, description };
  }

  private stopHere(reason: StopReason, description: string): StopInfo {
    const position = this.position(null);
    if (position.kind === 'end') {
      const live = this.threads().find((thread) => thread.pid !== 1);
      return { reason, pid: live?.pid ?? null, description };
    }
    return this.stopAt(position, reason, description);
  }

  /** A thread that still exists to report a stop on: the task, else the script or any task. */
  private liveThread(pid: ThreadPid): ThreadPid {
    if (pid === null) return this.script !== null ? null : (this.threads()[0]?.pid ?? null);
    const task = this.kernel.task(pid);
    if (task !== null && task.state !== 'zombie') return pid;
    if (this.script !== null) return null;
    return this.threads().find((thread) => thread.pid !== 1)?.pid ?? this.threads()[0]?.pid ?? null;
  }

  // ---- what there is to see ----------------------------------------------------------------

  /** The script (when there is one) and every live task, named `pid comm (uid)`. */
  threads(): { pid: ThreadPid; name: string }[] {
    const threads: { pid: ThreadPid; name: string }[] = [];
    if (this.script !== null) threads.push({ pid: null, name: 'script' });
    for (const task of this.kernel.tasks()) {
      if (task.state === 'zombie') continue;
      threads.push({ pid: task.pid, name: `${task.pid} ${task.comm} (${task.cred.uid})` });
    }
    return threads;
  }

  /** A thread's frames, innermost first. */
  frames(pid: ThreadPid): Frame[] {
    const raised = this.raisedAt.get(threadKey(pid));
    if (pid === null) {
      if (this.script === null) return [];
      const line = raised?.line ?? this.activeRun?.line ?? this.script.position?.line ?? null;
      if (line === null) return [];
      return [{ pid: null, name: this.statementText(line), line }];
    }
    const task = this.kernel.task(pid);
    if (task === null) return [];
    const frames: Frame[] = [];
    const program = this.kernel.program(task.program);
    const pc = raised?.pc ?? task.pc;
    const instruction = program?.code[pc];
    const line = raised?.line ?? instruction?.line ?? null;
    const what =
      task.state === 'zombie'
        ? `exited${task.exitCode === null ? '' : ` with status ${task.exitCode}`}`
        : line !== null
          ? this.statementText(line)
          : instruction !== undefined
            ? disassemble(instruction)
            : 'past the end of the program';
    frames.push({
      pid,
      name: `${task.program || task.comm}: ${what}`,
      line,
      address: this.addressOf(task.program, pc),
    });
    if (this.activeRun?.pid === pid) {
      frames.push({
        pid,
        name: this.statementText(this.activeRun.line),
        line: this.activeRun.line,
      });
    }
    return frames;
  }

  /** A scope list for a thread's frame: a task's values, or the script's state. */
  scopes(pid: ThreadPid): InspectScope[] {
    if (pid === null) return this.scriptScopes();
    const task = this.kernel.task(pid);
    if (task === null) return [];
    return taskScopes(task, this.kernel.program(task.program), {
      userName: (uid) => this.world.users.find((user) => user.uid === uid)?.name,
      groupName: (gid) => this.world.groups.find((g) => g.gid === gid)?.name,
      readMemory: (address, length) => this.readMemory(pid, address, length).bytes,
    });
  }

  private scriptScopes(): InspectScope[] {
    const tasks: InspectNode[] = this.kernel
      .tasks()
      .filter((task) => task.state !== 'zombie')
      .map((task) => ({
        name: task.comm,
        value: task.pid,
        kind: 'number',
        note: `pid ${task.pid}, uid ${task.cred.uid}, ${task.state}`,
        evaluateName: `${task.comm}.pid`,
      }));
    const calls = this.kernel.calls();
    const last = calls.at(-1);
    const checks: InspectNode[] =
      last?.checks.map((check) => ({
        name: check.id,
        value: `${check.result}${check.errno ? ` ${check.errno}` : ''}`,
        kind: 'text',
        note: check.reason,
      })) ?? [];
    const scopes: InspectScope[] = [{ name: 'Tasks', nodes: tasks }];
    if (last !== undefined) {
      scopes.push({
        name: `Last ${last.call}: ${last.errno === null ? 'ok' : last.errno}`,
        nodes: checks,
      });
    }
    return scopes;
  }

  /** The text of a scenario line without its comment. */
  statementText(line: number): string {
    const source = this.lines[line - 1] ?? '';
    const last = lexLine(source, line).tokens.at(-1);
    const end = last === undefined ? source.length : last.column - 1 + last.text.length;
    return source.slice(0, end).trim();
  }

  private lineOf(task: TaskInfo): number | null {
    return this.kernel.program(task.program)?.code[task.pc]?.line ?? null;
  }

  /**
   * Evaluates an expression for a thread: a task's variables, registers (`r0`, `regs[0]`, `pc`)
   * and credentials (`creds.euid`), or `TASK.NAME` for any task by name; arithmetic and
   * comparisons as the language writes them.
   */
  evaluate(expression: string, pid: ThreadPid): { value: number; memory?: number } {
    const own = pid === null ? null : this.kernel.task(pid);
    const resolve = (name: string): number | undefined => {
      if (own !== null) {
        const value = taskValue(own, name);
        if (value !== undefined) return value;
      }
      const dot = name.indexOf('.');
      const head = dot < 0 ? name : name.slice(0, dot);
      const other = this.findTask(head);
      if (other === null) return undefined;
      return dot < 0 ? other.pid : taskValue(other, name.slice(dot + 1));
    };
    const value = evaluateText(expression, resolve);
    const task = own;
    const memory =
      task !== null && task.vmas.some((vma) => value >= vma.start && value < vma.end) && value !== 0
        ? value
        : undefined;
    return memory === undefined ? { value } : { value, memory };
  }

  /** A task by script name, comm or `pidN`. */
  findTask(name: string): TaskInfo | null {
    const byPid = /^pid(\d+)$/.exec(name);
    if (byPid !== null) return this.kernel.task(Number(byPid[1]));
    if (this.script !== null) return this.script.findTask(name);
    const live = this.kernel
      .tasks()
      .filter((task) => task.comm === name && task.state !== 'zombie');
    return live.at(-1) ?? null;
  }

  // ---- memory --------------------------------------------------------------------------------

  /** Reads task memory; stops at the first unmapped byte (`unreadable` counts what is left). */
  readMemory(
    pid: number,
    address: number,
    length: number,
  ): { bytes: Uint8Array; unreadable: number } {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = address + done;
      const chunk = Math.min(length - done, 4096 - (at % 4096));
      const bytes = at < 0 ? null : this.kernel.readMemory(pid, at, chunk);
      if (bytes === null) break;
      out.set(bytes, done);
      done += chunk;
    }
    return { bytes: out.subarray(0, done), unreadable: length - done };
  }

  /** Writes task memory as a debugger does (the next checkpoint saves it); returns bytes written. */
  writeMemory(pid: number, address: number, bytes: Uint8Array): number {
    return this.kernel.writeMemory(pid, address, bytes);
  }

  // ---- code addresses --------------------------------------------------------------------------

  /** An instruction's address: its program's window base plus its pc. */
  addressOf(programName: string, pc: number): number {
    let base = this.programBases.get(programName);
    if (base === undefined) {
      base = (this.programBases.size + 1) * PROGRAM_WINDOW;
      this.programBases.set(programName, base);
    }
    return base + pc;
  }

  private instructionAt(address: number): { program: Program; pc: number } | null {
    for (const [name, base] of this.programBases) {
      if (address < base || address >= base + PROGRAM_WINDOW) continue;
      const program = this.kernel.program(name);
      const pc = address - base;
      if (program !== null && pc < program.code.length) return { program, pc };
    }
    return null;
  }

  /** `count` instructions starting `offset` instructions away from `address`. */
  disassemble(address: number, offset: number, count: number): DisassembledInstruction[] {
    const start = address + offset;
    const base = Math.floor(address / PROGRAM_WINDOW) * PROGRAM_WINDOW;
    const name = [...this.programBases].find(([, b]) => b === base)?.[0];
    const program = name === undefined ? null : this.kernel.program(name);
    const labels = new Map<number, string>();
    for (const [label, pc] of Object.entries(program?.labels ?? {})) labels.set(pc, label);
    const out: DisassembledInstruction[] = [];
    for (let index = 0; index < count; index++) {
      const at = start + index;
      const pc = at - base;
      const instruction = program?.code[pc];
      if (instruction === undefined || at < base) {
        out.push({ address: Math.max(0, at), text: '', valid: false });
        continue;
      }
      const entry: DisassembledInstruction = {
        address: at,
        text: disassemble(instruction),
        valid: true,
      };
      const symbol = labels.get(pc);
      if (symbol !== undefined) entry.symbol = symbol;
      if (instruction.line !== undefined) entry.line = instruction.line;
      out.push(entry);
    }
    return out;
  }

  // ---- checkpoint from the debugger ------------------------------------------------------------

  /**
   * Checkpoints a task as a user (default: the owner of its real uid), the way a person's tool
   * does it: freeze what is not frozen, sys_checkpoint (with SUBTREE unless the task is a
   * container's init), thaw what it froze. The call and its checks are reported like any other.
   */
  checkpointTask(pid: number, user?: string | number): TaskCheckpoint {
    const task = this.kernel.task(pid);
    if (task === null || task.state === 'zombie') {
      throw new EvaluationError(`no live task with pid ${pid}`);
    }
    const who =
      user ?? this.world.users.find((u) => u.uid === task.cred.uid)?.name ?? task.cred.uid;
    const subtree = this.subtreeOf(pid);
    const frozenBefore = subtree.filter((t) => t.state === 'frozen').map((t) => t.pid);
    if (!frozenBefore.includes(pid)) this.kernel.freeze(pid);
    const flags = task.nsInit && task.nsLevel === 1 ? 0 : CheckpointFlag.SUBTREE;
    const path = `/tmp/debugger-${task.comm}-${pid}-${++this.checkpoints}.crimg`;
    this.emit({
      category: 'console',
      text: `checkpoint of pid ${pid} (${task.comm}) from the debugger, as ${String(who)}${flags ? ' with CHECKPOINT_SUBTREE' : ''}`,
      line: null,
    });
    const call = this.kernel.checkpointAs(who, pid, path, flags);
    if (!frozenBefore.includes(pid)) {
      this.kernel.thaw(pid);
      for (const again of frozenBefore) this.kernel.freeze(again);
    }
    this.flush(null, 'debugger');
    const image = call.errno === null ? this.kernel.readFile(path) : null;
    const refusal = call.checks.find((check) => check.result === 'fail') ?? null;
    return { call, image, user: who, refusal };
  }

  private subtreeOf(pid: number): TaskInfo[] {
    const all = this.kernel.tasks();
    const out: TaskInfo[] = [];
    const visit = (parent: number): void => {
      for (const task of all) {
        if (task.ppid === parent && task.pid !== parent) {
          out.push(task);
          visit(task.pid);
        }
      }
    };
    const root = all.find((task) => task.pid === pid);
    if (root !== undefined) out.push(root);
    visit(pid);
    return out;
  }
}

function stateOf(
  id: number,
  request: { condition?: string; hitCondition?: string; logMessage?: string },
): BreakpointState {
  const state: BreakpointState = { id, hits: 0 };
  if (request.condition !== undefined) state.condition = request.condition;
  if (request.hitCondition !== undefined) state.hitCondition = request.hitCondition;
  if (request.logMessage !== undefined) state.logMessage = request.logMessage;
  return state;
}

/** Whether regs[0] after the instruction is its return value (exec, exit and restart replace the task). */
function replacesNothing(instruction: Instruction | null): boolean {
  return (
    instruction !== null &&
    instruction.op !== 'exec' &&
    instruction.op !== 'exit' &&
    instruction.op !== 'restart'
  );
}

function threadKey(pid: ThreadPid): string {
  return pid === null ? 'script' : `pid ${pid}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The check that decided a refused call, as one line: `restart.creds.uid EPERM: reason`. */
export function decidingText(call: CallOutcome): string {
  const failed = call.checks.find((check) => check.result === 'fail');
  if (failed !== undefined) return `${failed.id} ${failed.errno ?? ''}: ${failed.reason}`;
  return `${call.errno ?? 'refused'}: ${call.reason ?? 'the call was refused'}`;
}

function callException(call: CallOutcome, filter: ExceptionFilter): ExceptionStop {
  const failed = call.checks.find((check) => check.result === 'fail');
  return {
    filter,
    id: failed?.id ?? call.call,
    description: decidingText(call),
    details: formatCall(call).join('\n'),
  };
}
