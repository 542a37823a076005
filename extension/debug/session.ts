/**
 * The `crlab` debug adapter: translates the Debug Adapter Protocol to the lab's stepping runtime
 * (lab/stepper.ts) and back, as vscode-mock-debug's session does for its runtime. It imports no
 * `vscode`: the extension runs it inline (extension/debug/activate.ts) and the tests run the very
 * same class behind a local socket with DebugClient. Files come and go through {@link DebugHost}.
 *
 * Threads: the script is thread 1; a task with pid P is thread 1000 + P, named `P comm (uid)`.
 * Frames: a task's program position (its source line, and an instruction address for the
 * Disassembly view), then the script's `run` line when the script is running it.
 * Memory references: `task<P>:<hex address>` for task memory; instruction addresses are plain
 * hex numbers (the Disassembly view needs them to parse).
 */
import {
  Breakpoint,
  DebugSession,
  InitializedEvent,
  InvalidatedEvent,
  MemoryEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
  ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as l10n from '@vscode/l10n';
import type { CallOutcome } from '../kernel/index';
import type { InspectNode, InspectScope } from '../lab/inspect';
import type {
  ExceptionFilter,
  ExceptionStop,
  RunResult,
  StepKind,
  StepperOutput,
  ThreadPid,
} from '../lab/stepper';
import { EXCEPTION_FILTERS, LabStepper } from '../lab/stepper';
import type { CrlabLaunchArguments } from './launch';
import { RESTORE_MODES, launchArgumentsProblem, restartFlags } from './launch';

/** What the session needs from its host: files, and where checkpoint/restart calls are shown. */
export interface DebugHost {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  exists(path: string): Promise<boolean>;
  /**
   * Every checkpoint or restart call the session makes, with its checks: the seam through which
   * the window's lab session (the Checkpoint/Restart panel) is told. Optional.
   */
  publishCall?(call: CallOutcome, origin: PublishedCallOrigin): void;
}

export interface PublishedCallOrigin {
  /** The scenario or image the session debugs. */
  source: string;
  line: number | null;
  by: 'script' | 'program' | 'debugger';
}

/** The custom request behind "Checkpoint from the debugger". */
export const CHECKPOINT_REQUEST = 'crlab.checkpointTask';
/** The custom request behind "Toggle Hexadecimal Display". */
export const TOGGLE_HEX_REQUEST = 'crlab.toggleHex';

export interface CheckpointTaskArguments {
  /** The thread to checkpoint (default: the thread that stopped last). */
  threadId?: number;
  /** Who checkpoints it (default: the user it runs as). */
  user?: string | number;
  /** Where the image goes (default: beside the scenario, `<comm>-<pid>.crimg`). */
  path?: string;
}

export interface CheckpointTaskResult {
  ok: boolean;
  pid: number;
  user: string | number;
  /** The image's path when the checkpoint succeeded. */
  path: string | null;
  crid: number;
  errno: string | null;
  /** The deciding check of a refused checkpoint: `checkpoint.ptrace EPERM: reason`. */
  refusal: string | null;
  checks: number;
}

export const SCRIPT_THREAD = 1;
const TASK_THREAD_BASE = 1000;
/** Steps per slice of a run, between which requests (pause) are served. */
const SLICE = 500;

/** The next turn of the event loop (setImmediate is Node's; a web extension host has setTimeout). */
const defer: (work: () => void) => void =
  typeof setImmediate === 'function' ? (work) => setImmediate(work) : (work) => setTimeout(work, 0);

const threadIdOf = (pid: ThreadPid): number =>
  pid === null ? SCRIPT_THREAD : TASK_THREAD_BASE + pid;
const pidOfThread = (threadId: number): ThreadPid =>
  threadId === SCRIPT_THREAD ? null : threadId - TASK_THREAD_BASE;

const EXCEPTION_FILTER_DESCRIPTIONS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  {
    filter: 'refused',
    label: l10n.t('Refused checkpoint or restart'),
    description: l10n.t('Stop when a security check refuses a checkpoint or a restart'),
    default: false,
    supportsCondition: true,
    conditionDescription: l10n.t('Check ids or errnos, e.g. restart.creds.uid, EPERM'),
  },
  {
    filter: 'syscall',
    label: l10n.t('System call error'),
    description: l10n.t('Stop when a system call returns an error'),
    default: false,
    supportsCondition: true,
    conditionDescription: l10n.t('System calls or errnos, e.g. open, EACCES'),
  },
  {
    filter: 'expect',
    label: l10n.t('Failed expect'),
    description: l10n.t('Stop when an expect statement does not hold'),
    default: true,
  },
];

/** A value of the variables view: a number in decimal or hex, an address, or text, with its note. */
function formatNode(node: InspectNode, hex: boolean): string {
  let value: string;
  if (node.value === null) value = '';
  else if (typeof node.value === 'string') value = node.value;
  else if (node.kind === 'address' || hex) value = hexNumber(node.value);
  else value = String(node.value);
  if (node.note === undefined || node.note === '') return value;
  return value === '' ? node.note : `${value} (${node.note})`;
}

function hexNumber(value: number): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

function taskMemoryReference(pid: number, address: number): string {
  return `task${pid}:${hexNumber(address)}`;
}

function parseTaskMemoryReference(reference: string): { pid: number; address: number } | null {
  const match = /^task(\d+):0x([0-9a-f]+)$/i.exec(reference);
  if (match === null) return null;
  return { pid: Number(match[1]), address: Number.parseInt(match[2] ?? '', 16) };
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function dirname(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash <= 0 ? path.slice(0, slash + 1) || '.' : path.slice(0, slash);
}

function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** Paths compare equal across separator and drive-letter case differences. */
function samePath(a: string, b: string): boolean {
  const normal = (p: string): string =>
    p.replace(/\\/g, '/').replace(/^([a-z]):/i, (d) => d.toLowerCase());
  return normal(a) === normal(b);
}

export class CrlabDebugSession extends DebugSession {
  private stepper: LabStepper | null = null;
  private sourcePath: string | null = null;
  private imagePath: string | null = null;
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => {
    this.configured = resolve;
  });
  private hex = false;
  private pauseRequested = false;
  private runToken = 0;
  private lastStopped: ThreadPid = null;
  private readonly exceptions = new Map<number, ExceptionStop>();
  private knownThreads = new Set<number>();
  /** Variables references: each names a list of nodes of one thread, valid until the next run. */
  private readonly references = new Map<number, { pid: ThreadPid; nodes: InspectNode[] }>();
  private nextReference = 1;
  private terminated = false;

  constructor(private readonly host: DebugHost) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  protected override initializeRequest(
    response: DebugProtocol.InitializeResponse,
    _args: DebugProtocol.InitializeRequestArguments,
  ): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsExceptionInfoRequest: true,
      supportsExceptionFilterOptions: true,
      exceptionBreakpointFilters: EXCEPTION_FILTER_DESCRIPTIONS,
      supportsSteppingGranularity: true,
      supportsInstructionBreakpoints: true,
      supportsDisassembleRequest: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsSetVariable: true,
      supportsValueFormattingOptions: true,
      supportsTerminateRequest: true,
      supportsSingleThreadExecutionRequests: true,
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    args: CrlabLaunchArguments,
  ): Promise<void> {
    try {
      const problem = launchArgumentsProblem(args);
      if (problem !== null) throw new LaunchError(problem);
      if (args.image !== undefined) await this.launchImage(args);
      else if (args.program !== undefined) await this.launchScenario(args.program);
      else
        throw new LaunchError(
          l10n.t('Give "program" (a .crlab scenario) or "image" (a .crimg image) to debug.'),
        );
    } catch (error) {
      this.sendErrorResponse(response, {
        id: 1001,
        format: error instanceof Error ? error.message : String(error),
        showUser: true,
      });
      return;
    }
    this.sendEvent(new InitializedEvent());
    await this.configurationDone;
    this.sendResponse(response);
    const stopOnEntry = args.stopOnEntry ?? args.image !== undefined;
    if (stopOnEntry) this.report(this.requireStepper().entry());
    else this.begin({ kind: 'continue' });
  }

  private async launchScenario(program: string): Promise<void> {
    const source = new TextDecoder().decode(await this.host.readFile(program));
    let stepper: LabStepper;
    try {
      stepper = LabStepper.forScenario(source);
    } catch (error) {
      throw new LaunchError(
        l10n.t('{0} has errors and cannot run: {1}', basename(program), messageOf(error)),
      );
    }
    this.sourcePath = program;
    this.attach(stepper);
    this.output({
      category: 'console',
      text: l10n.t('Debugging {0}', basename(program)),
      line: null,
    });
  }

  private async launchImage(args: CrlabLaunchArguments): Promise<void> {
    const imagePath = args.image as string;
    if (args.mode !== undefined && !RESTORE_MODES.includes(args.mode)) {
      throw new LaunchError(
        l10n.t('"mode" is one of {0}, not {1}', RESTORE_MODES.join(', '), String(args.mode)),
      );
    }
    const flags = restartFlags(args.flags);
    if (typeof flags === 'string') {
      throw new LaunchError(
        l10n.t('unknown restart flag {0}: the flags are FROZEN, KEEP_LSM and TASKSELF', flags),
      );
    }
    const image = await this.host.readFile(imagePath);
    const scenario =
      args.program === undefined
        ? undefined
        : new TextDecoder().decode(await this.host.readFile(args.program));
    const user = args.as ?? 'root';
    this.sourcePath = args.program ?? null;
    this.imagePath = imagePath;
    this.output({
      category: 'console',
      text: l10n.t(
        'Restarting {0} as {1} in a fresh kernel ({2})',
        basename(imagePath),
        String(user),
        args.program === undefined
          ? l10n.t('the built-in world')
          : l10n.t('the world of {0}', basename(args.program)),
      ),
      line: null,
    });
    let launched;
    try {
      launched = LabStepper.fromImage(
        {
          image,
          imageName: basename(imagePath),
          user,
          ...(args.mode !== undefined ? { mode: args.mode } : {}),
          flags,
          ...(scenario !== undefined ? { scenario } : {}),
        },
        this.listener(),
      );
    } catch (error) {
      throw new LaunchError(messageOf(error));
    }
    if (launched.stepper === null) {
      throw new LaunchError(
        l10n.t('The restart of {0} was refused: {1}', basename(imagePath), launched.refusal ?? ''),
      );
    }
    this.attach(launched.stepper, false);
  }

  private attach(stepper: LabStepper, listen = true): void {
    this.stepper = stepper;
    if (listen) stepper.listen(this.listener());
  }

  private listener(): Parameters<LabStepper['listen']>[0] {
    return {
      output: (output) => this.output(output),
      call: (call, line, by) =>
        this.host.publishCall?.(call, {
          source: this.sourcePath ?? this.imagePath ?? '',
          line,
          by,
        }),
    };
  }

  protected override configurationDoneRequest(
    response: DebugProtocol.ConfigurationDoneResponse,
  ): void {
    this.configured();
    this.sendResponse(response);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runToken++;
    this.stepper = null;
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runToken++;
    this.sendResponse(response);
    this.terminate();
  }

  private terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.sendEvent(new TerminatedEvent());
  }

  private requireStepper(): LabStepper {
    if (this.stepper === null) throw new LaunchError(l10n.t('The session has not launched.'));
    return this.stepper;
  }

  private output(output: StepperOutput): void {
    const event: DebugProtocol.OutputEvent = new OutputEvent(`${output.text}\n`, output.category);
    if (output.line !== null && this.sourcePath !== null) {
      event.body.source = this.source();
      event.body.line = output.line;
    }
    this.sendEvent(event);
  }

  private source(): Source {
    const path = this.sourcePath ?? '';
    return new Source(basename(path), path);
  }

  // ---- breakpoints -------------------------------------------------------------------------

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    const requested = args.breakpoints ?? [];
    const stepper = this.stepper;
    if (
      stepper === null ||
      this.sourcePath === null ||
      !samePath(args.source.path ?? '', this.sourcePath)
    ) {
      response.body = {
        breakpoints: requested.map((bp) => {
          const unverified: DebugProtocol.Breakpoint = new Breakpoint(false, bp.line);
          unverified.message = l10n.t('Not the scenario this session debugs');
          return unverified;
        }),
      };
      this.sendResponse(response);
      return;
    }
    const placed = stepper.setBreakpoints(
      requested.map((bp) => ({
        line: bp.line,
        ...(bp.condition !== undefined ? { condition: bp.condition } : {}),
        ...(bp.hitCondition !== undefined ? { hitCondition: bp.hitCondition } : {}),
        ...(bp.logMessage !== undefined ? { logMessage: bp.logMessage } : {}),
      })),
    );
    response.body = {
      breakpoints: placed.map((bp) => {
        const result: DebugProtocol.Breakpoint = new Breakpoint(
          bp.verified,
          bp.line,
          1,
          this.source(),
        );
        result.id = bp.id;
        if (bp.message !== undefined) result.message = bp.message;
        return result;
      }),
    };
    this.sendResponse(response);
  }

  protected override setInstructionBreakpointsRequest(
    response: DebugProtocol.SetInstructionBreakpointsResponse,
    args: DebugProtocol.SetInstructionBreakpointsArguments,
  ): void {
    const placed = this.requireStepper().setInstructionBreakpoints(
      args.breakpoints.map((bp) => ({
        address: Number(BigInt(bp.instructionReference)) + (bp.offset ?? 0),
        ...(bp.condition !== undefined ? { condition: bp.condition } : {}),
        ...(bp.hitCondition !== undefined ? { hitCondition: bp.hitCondition } : {}),
      })),
    );
    response.body = {
      breakpoints: placed.map((bp) => {
        const result: DebugProtocol.Breakpoint = { id: bp.id, verified: bp.verified };
        result.instructionReference = hexNumber(bp.address);
        if (bp.message !== undefined) result.message = bp.message;
        return result;
      }),
    };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    const known = (filter: string): filter is ExceptionFilter =>
      (EXCEPTION_FILTERS as readonly string[]).includes(filter);
    const filters: { filter: ExceptionFilter; condition?: string }[] = [];
    for (const filter of args.filters) if (known(filter)) filters.push({ filter });
    for (const option of args.filterOptions ?? []) {
      if (!known(option.filterId)) continue;
      filters.push({
        filter: option.filterId,
        ...(option.condition !== undefined ? { condition: option.condition } : {}),
      });
    }
    this.stepper?.setExceptionFilters(filters);
    response.body = { breakpoints: filters.map(() => ({ verified: true })) };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(
    response: DebugProtocol.ExceptionInfoResponse,
    args: DebugProtocol.ExceptionInfoArguments,
  ): void {
    const exception = this.exceptions.get(args.threadId);
    if (exception === undefined) {
      this.sendErrorResponse(response, 1002, l10n.t('This thread did not stop on an exception.'));
      return;
    }
    response.body = {
      exceptionId: exception.id,
      description: exception.description,
      breakMode: exception.filter === 'error' ? 'always' : 'userUnhandled',
      details: { message: exception.details, typeName: exception.filter },
    };
    this.sendResponse(response);
  }

  // ---- running -------------------------------------------------------------------------------

  protected override continueRequest(
    response: DebugProtocol.ContinueResponse,
    _args: DebugProtocol.ContinueArguments,
  ): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.begin({ kind: 'continue' });
  }

  protected override nextRequest(
    response: DebugProtocol.NextResponse,
    args: DebugProtocol.NextArguments,
  ): void {
    this.step(response, 'next', args.threadId, args.granularity);
  }

  protected override stepInRequest(
    response: DebugProtocol.StepInResponse,
    args: DebugProtocol.StepInArguments,
  ): void {
    this.step(response, 'stepIn', args.threadId, args.granularity);
  }

  protected override stepOutRequest(
    response: DebugProtocol.StepOutResponse,
    args: DebugProtocol.StepOutArguments,
  ): void {
    this.step(response, 'stepOut', args.threadId, args.granularity);
  }

  private step(
    response: DebugProtocol.Response,
    kind: StepKind,
    threadId: number,
    granularity: DebugProtocol.SteppingGranularity | undefined,
  ): void {
    this.sendResponse(response);
    this.begin({
      kind,
      pid: pidOfThread(threadId),
      granularity: granularity === 'instruction' ? 'instruction' : 'line',
    });
  }

  protected override pauseRequest(
    response: DebugProtocol.PauseResponse,
    _args: DebugProtocol.PauseArguments,
  ): void {
    this.pauseRequested = true;
    this.sendResponse(response);
  }

  /** Starts an action and runs it in slices, serving requests (pause) between them. */
  private begin(action: Parameters<LabStepper['start']>[0]): void {
    const stepper = this.stepper;
    if (stepper === null) return;
    this.invalidateReferences();
    this.exceptions.clear();
    this.pauseRequested = false;
    stepper.start(action);
    const token = ++this.runToken;
    const slice = (): void => {
      if (token !== this.runToken || this.stepper !== stepper) return;
      if (this.pauseRequested) {
        this.pauseRequested = false;
        this.report({ kind: 'stopped', stop: stepper.pause() });
        return;
      }
      let result: RunResult;
      try {
        result = stepper.run(SLICE);
      } catch (error) {
        // A bug in the emulator must not take the extension host down: end the session with it.
        this.output({
          category: 'stderr',
          text: l10n.t('Internal error: {0}', messageOf(error)),
          line: null,
        });
        this.terminate();
        return;
      }
      if (result.kind === 'running') defer(slice);
      else this.report(result);
    };
    defer(slice);
  }

  private report(result: RunResult): void {
    if (result.kind === 'running') return;
    this.updateThreads();
    if (result.kind === 'ended') {
      this.output({
        category: result.failed ? 'stderr' : 'console',
        text: l10n.t('Finished: {0}', result.summary),
        line: null,
      });
      this.terminate();
      return;
    }
    const stop = result.stop;
    const threadId = threadIdOf(stop.pid);
    this.lastStopped = stop.pid;
    const event: DebugProtocol.StoppedEvent = new StoppedEvent(stop.reason, threadId);
    event.body.description = stop.description;
    event.body.allThreadsStopped = true;
    if (stop.breakpointIds !== undefined) event.body.hitBreakpointIds = stop.breakpointIds;
    if (stop.exception !== undefined) {
      this.exceptions.set(threadId, stop.exception);
      event.body.text = stop.exception.description;
    }
    this.sendEvent(event);
  }

  /** Thread events for tasks that appeared or went away since the last stop. */
  private updateThreads(): void {
    const stepper = this.stepper;
    if (stepper === null) return;
    const now = new Set(stepper.threads().map((thread) => threadIdOf(thread.pid)));
    for (const id of now)
      if (!this.knownThreads.has(id)) this.sendEvent(new ThreadEvent('started', id));
    for (const id of this.knownThreads)
      if (!now.has(id)) this.sendEvent(new ThreadEvent('exited', id));
    this.knownThreads = now;
  }

  // ---- what there is to see ------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const stepper = this.stepper;
    response.body = {
      threads: (stepper?.threads() ?? []).map(
        (thread) =>
          new Thread(threadIdOf(thread.pid), thread.pid === null ? l10n.t('script') : thread.name),
      ),
    };
    if (this.knownThreads.size === 0) {
      this.knownThreads = new Set(response.body.threads.map((thread) => thread.id));
    }
    this.sendResponse(response);
  }

  protected override stackTraceRequest(
    response: DebugProtocol.StackTraceResponse,
    args: DebugProtocol.StackTraceArguments,
  ): void {
    const frames = this.stepper?.frames(pidOfThread(args.threadId)) ?? [];
    const start = args.startFrame ?? 0;
    const count = args.levels === undefined || args.levels === 0 ? frames.length : args.levels;
    response.body = {
      stackFrames: frames.slice(start, start + count).map((frame, index) => {
        const id = args.threadId * 100 + start + index;
        const result: DebugProtocol.StackFrame = new StackFrame(
          id,
          frame.name,
          frame.line !== null && this.sourcePath !== null ? this.source() : undefined,
          frame.line ?? 0,
          frame.line !== null ? 1 : 0,
        );
        if (frame.address !== undefined)
          result.instructionPointerReference = hexNumber(frame.address);
        if (frame.line === null) result.presentationHint = 'subtle';
        return result;
      }),
      totalFrames: frames.length,
    };
    this.sendResponse(response);
  }

  protected override scopesRequest(
    response: DebugProtocol.ScopesResponse,
    args: DebugProtocol.ScopesArguments,
  ): void {
    const threadId = Math.floor(args.frameId / 100);
    const level = args.frameId % 100;
    const pid = pidOfThread(threadId);
    // A task's second frame is the script's `run` line: it shows the script's state.
    const scopes: InspectScope[] = this.stepper?.scopes(level === 0 ? pid : null) ?? [];
    response.body = {
      scopes: scopes.map((scope, index) => {
        const reference = this.reference(level === 0 ? pid : null, scope.nodes);
        const result: DebugProtocol.Scope = new Scope(scope.name, reference, false);
        if (scope.name === 'Registers') result.presentationHint = 'registers';
        else if (index === 0) result.presentationHint = 'locals';
        return result;
      }),
    };
    this.sendResponse(response);
  }

  private reference(pid: ThreadPid, nodes: InspectNode[]): number {
    const id = this.nextReference++;
    this.references.set(id, { pid, nodes });
    return id;
  }

  private invalidateReferences(): void {
    this.references.clear();
    this.nextReference = 1;
  }

  protected override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): void {
    const entry = this.references.get(args.variablesReference);
    const hex = this.hex || args.format?.hex === true;
    const nodes = entry?.nodes ?? [];
    const start = args.start ?? 0;
    const slice = args.count ? nodes.slice(start, start + args.count) : nodes.slice(start);
    response.body = {
      variables: slice.map((node) => this.variable(entry?.pid ?? null, node, hex)),
    };
    this.sendResponse(response);
  }

  private variable(pid: ThreadPid, node: InspectNode, hex: boolean): DebugProtocol.Variable {
    const variable: DebugProtocol.Variable = {
      name: node.name,
      value: formatNode(node, hex),
      variablesReference:
        node.children !== undefined && node.children.length > 0
          ? this.reference(pid, node.children)
          : 0,
      type: node.kind === 'group' ? undefined : node.kind,
    };
    if (node.evaluateName !== undefined) variable.evaluateName = node.evaluateName;
    if (node.memory !== undefined && pid !== null) {
      variable.memoryReference = taskMemoryReference(pid, node.memory);
    }
    if (node.slot === undefined) variable.presentationHint = { attributes: ['readOnly'] };
    return variable;
  }

  protected override setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): void {
    const entry = this.references.get(args.variablesReference);
    const node = entry?.nodes.find((candidate) => candidate.name === args.name);
    const stepper = this.stepper;
    if (stepper === null || entry === undefined || entry.pid === null || node?.slot === undefined) {
      this.sendErrorResponse(response, 1003, l10n.t('Only program variables can be changed.'));
      return;
    }
    let value: number;
    try {
      value = stepper.evaluate(args.value, entry.pid).value;
    } catch (error) {
      this.sendErrorResponse(response, 1004, messageOf(error));
      return;
    }
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, BigInt(Math.trunc(value)), true);
    stepper.writeMemory(entry.pid, node.slot, bytes);
    node.value = value;
    response.body = {
      value: formatNode({ ...node, note: '' }, this.hex || args.format?.hex === true),
    };
    this.sendResponse(response);
    this.sendEvent(new MemoryEvent(taskMemoryReference(entry.pid, node.slot), 0, 8));
  }

  protected override evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): void {
    const stepper = this.stepper;
    const pid =
      args.frameId === undefined ? this.lastStopped : pidOfThread(Math.floor(args.frameId / 100));
    if (stepper === null) {
      this.sendErrorResponse(response, 1005, l10n.t('The session has not launched.'));
      return;
    }
    const group = pid === null ? undefined : this.groupNamed(pid, args.expression.trim());
    if (group !== undefined && pid !== null) {
      response.body = {
        result: group.note ?? '',
        variablesReference: this.reference(pid, group.nodes),
      };
      this.sendResponse(response);
      return;
    }
    try {
      const result = stepper.evaluate(args.expression, pid);
      const hex = this.hex || args.format?.hex === true;
      response.body = {
        result: hex ? hexNumber(result.value) : String(result.value),
        variablesReference: 0,
      };
      if (result.memory !== undefined && pid !== null) {
        response.body.memoryReference = taskMemoryReference(pid, result.memory);
      }
      this.sendResponse(response);
    } catch (error) {
      this.sendErrorResponse(response, {
        id: 1006,
        format: messageOf(error),
        showUser: args.context !== 'hover' && args.context !== 'watch',
      });
    }
  }

  /** `creds`, `registers`, `fds`... in the console: the scope of that name, expandable. */
  private groupNamed(
    pid: number,
    name: string,
  ): { nodes: InspectNode[]; note?: string } | undefined {
    const aliases: Record<string, string> = {
      creds: 'Credentials',
      cred: 'Credentials',
      credentials: 'Credentials',
      regs: 'Registers',
      registers: 'Registers',
      vars: 'Program variables',
      variables: 'Program variables',
      fds: 'Descriptors',
      files: 'Descriptors',
      descriptors: 'Descriptors',
      maps: 'Mappings',
      mappings: 'Mappings',
      task: 'Task',
    };
    const scopeName = aliases[name.toLowerCase()];
    if (scopeName === undefined) return undefined;
    const scope = this.stepper?.scopes(pid).find((candidate) => candidate.name === scopeName);
    return scope === undefined ? undefined : { nodes: scope.nodes, note: scope.name };
  }

  // ---- memory and code ------------------------------------------------------------------------

  protected override readMemoryRequest(
    response: DebugProtocol.ReadMemoryResponse,
    args: DebugProtocol.ReadMemoryArguments,
  ): void {
    const reference = parseTaskMemoryReference(args.memoryReference);
    const stepper = this.stepper;
    if (reference === null || stepper === null) {
      this.sendErrorResponse(response, 1007, l10n.t('Not a memory reference of this session.'));
      return;
    }
    const address = reference.address + (args.offset ?? 0);
    const count = Math.max(0, Math.min(args.count, 1 << 20));
    const read = stepper.readMemory(reference.pid, address, count);
    response.body = {
      address: hexNumber(address),
      data: toBase64(read.bytes),
      unreadableBytes: read.unreadable,
    };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(
    response: DebugProtocol.WriteMemoryResponse,
    args: DebugProtocol.WriteMemoryArguments,
  ): void {
    const reference = parseTaskMemoryReference(args.memoryReference);
    const stepper = this.stepper;
    if (reference === null || stepper === null) {
      this.sendErrorResponse(response, 1007, l10n.t('Not a memory reference of this session.'));
      return;
    }
    const address = reference.address + (args.offset ?? 0);
    const written = stepper.writeMemory(reference.pid, address, fromBase64(args.data));
    response.body = { bytesWritten: written };
    this.sendResponse(response);
    this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, written));
    this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override disassembleRequest(
    response: DebugProtocol.DisassembleResponse,
    args: DebugProtocol.DisassembleArguments,
  ): void {
    const stepper = this.stepper;
    let address: number;
    try {
      address = Number(BigInt(args.memoryReference)) + (args.offset ?? 0);
    } catch {
      this.sendErrorResponse(response, 1008, l10n.t('Not an instruction address of this session.'));
      return;
    }
    const count = Math.max(0, Math.min(args.instructionCount, 10_000));
    const instructions = stepper?.disassemble(address, args.instructionOffset ?? 0, count) ?? [];
    response.body = {
      instructions: instructions.map((instruction) => {
        const result: DebugProtocol.DisassembledInstruction = {
          address: hexNumber(instruction.address),
          instruction: instruction.text,
        };
        if (!instruction.valid) result.presentationHint = 'invalid';
        if (instruction.symbol !== undefined) result.symbol = instruction.symbol;
        if (instruction.line !== undefined && this.sourcePath !== null) {
          result.line = instruction.line;
          result.location = this.source();
        }
        return result;
      }),
    };
    this.sendResponse(response);
  }

  // ---- custom requests -------------------------------------------------------------------------

  protected override customRequest(
    command: string,
    response: DebugProtocol.Response,
    args: unknown,
  ): void {
    if (command === CHECKPOINT_REQUEST) {
      void this.checkpointTask(response, (args ?? {}) as CheckpointTaskArguments);
      return;
    }
    if (command === TOGGLE_HEX_REQUEST) {
      this.hex = !this.hex;
      response.body = { hex: this.hex };
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables']));
      return;
    }
    super.customRequest(command, response, args);
  }

  private async checkpointTask(
    response: DebugProtocol.Response,
    args: CheckpointTaskArguments,
  ): Promise<void> {
    const stepper = this.stepper;
    const pid = args.threadId === undefined ? this.lastStopped : pidOfThread(args.threadId);
    if (stepper === null || pid === null) {
      this.sendErrorResponse(
        response,
        1009,
        l10n.t('Select a task (not the script) to checkpoint.'),
      );
      return;
    }
    try {
      const done = stepper.checkpointTask(pid, args.user);
      let path: string | null = null;
      if (done.image !== null) {
        path = args.path ?? (await this.imagePathFor(pid));
        await this.host.writeFile(path, done.image);
        this.output({
          category: 'console',
          text: l10n.t('Image written to {0}', path),
          line: null,
        });
      }
      const body: CheckpointTaskResult = {
        ok: done.call.errno === null,
        pid,
        user: done.user,
        path,
        crid: done.call.ret,
        errno: done.call.errno,
        refusal:
          done.refusal === null
            ? (done.call.reason ?? null)
            : `${done.refusal.id} ${done.refusal.errno ?? ''}: ${done.refusal.reason}`,
        checks: done.call.checks.length,
      };
      response.body = body;
      this.sendResponse(response);
      this.sendEvent(new InvalidatedEvent(['variables', 'threads']));
    } catch (error) {
      this.sendErrorResponse(response, 1010, messageOf(error));
    }
  }

  /** `<folder of the scenario>/<comm>-<pid>.crimg`, numbered so that no image is overwritten. */
  private async imagePathFor(pid: number): Promise<string> {
    const beside = this.sourcePath ?? this.imagePath ?? '.';
    const folder = dirname(beside);
    const comm = (this.stepper?.kernel.task(pid)?.comm ?? 'task').replace(/[^A-Za-z0-9._-]/g, '_');
    const stem = `${folder}/${basename(beside).replace(/\.(crlab|crimg)$/, '')}-${comm}-pid${pid}`;
    for (let attempt = 1; ; attempt++) {
      const candidate = attempt === 1 ? `${stem}.crimg` : `${stem}-${attempt}.crimg`;
      if (!(await this.host.exists(candidate))) return candidate;
    }
  }
}

class LaunchError extends Error {}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
