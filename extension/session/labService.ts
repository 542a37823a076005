/**
 * The window's lab session on the host: one {@link LabSession} shared by every view — the
 * Checkpoint/Restart panel, the palette commands, the image editor's Restart This Image…, the
 * language's code lens, and the debugger (whose sessions run their own kernels: their calls are
 * shown beside the lab's, see {@link LabService.showExternalCall}). Views never talk to each
 * other: they call this service and listen to {@link LabService.onDidChange}.
 *
 * It persists the session's log in the workspace state after every change and replays it when
 * the window comes back (the kernel is deterministic, so the replay is the session). Actions
 * run one at a time, in the order they were asked for.
 *
 * Every operation is a Promise and takes an optional cancellation token and progress. The ones
 * that can take long — checkpoint, restart, loading a scenario, bringing an image in, changing
 * the LSM policy, replaying after a reload — run the session's sliced generators between turns
 * of the extension host's event loop (runLabInTurns: a turn every few tens of ms, however big
 * the task), and one that lasts beyond a moment shows a cancellable progress notification. A
 * cancelled operation leaves the session exactly as it was (see LabSession's `…InSlices`).
 */
import * as vscode from 'vscode';
import { saveAtomicallyInTurns } from '../host/atomicSave';
import { host } from '../host/index';
import type { CallOutcome, CallProgress, RestoreCredsMode } from '../kernel/index';
import type { RestartMatrix } from '../lab/restart-matrix';
import {
  externalLabCall,
  type ExternalCallOrigin,
  type ExternalLabCall,
} from '../lab/session-external';
import {
  LabError,
  LabSession,
  type LabActionResult,
  type LabCall,
  type LabSlices,
  type LsmRule,
  type ReplayProgress,
  type RunMode,
  type SavedLabSession,
  type SpawnOptions,
} from '../lab/session';
import { LAB_TURN_BUDGET_MS, runLabInTurns } from '../lab/session-turns';

/** The workspace-state key of the persisted session. */
export const savedSessionKey = 'crlab.lab.session';

/** What is persisted besides the log: where the lab's checkpoints went in the workspace. */
interface PersistedLab {
  readonly session: SavedLabSession;
  /** Kernel image path -> workspace file it was written to. */
  readonly exports: readonly (readonly [string, string])[];
}

/** Cancellation and progress of one operation (both optional). */
export interface LabOperation {
  readonly token?: vscode.CancellationToken;
  readonly progress?: vscode.Progress<{ message?: string; increment?: number }>;
}

/** What changed, so that views can decide what to show. */
export interface LabChange {
  /** `session`: a new or replayed session; `action`: an action was taken; `focus`: a call or a matrix was chosen to be shown. */
  readonly kind: 'session' | 'action' | 'focus';
  /** The section a view should bring into view, if any. */
  readonly reveal?: 'checks' | 'matrix';
  /**
   * Show it where the view already shows, without bringing the view forward (a debugging
   * session's call: the Debug Console keeps its place in the panel area).
   */
  readonly background?: boolean;
}

/**
 * Calls of debugging sessions kept for the views (the newest); older ones are dropped. They are
 * not persisted: the debugging sessions that made them do not survive a reload either.
 */
export const maxExternalCalls = 200;

/** The call whose checks are shown: one of the history, a debugging session's, or a matrix cell's probe. */
export type ShownCall =
  | { readonly kind: 'history'; readonly id: number }
  | { readonly kind: 'external'; readonly id: number }
  | { readonly kind: 'probe'; readonly user: number; readonly mode: number };

function isPersistedLab(value: unknown): value is PersistedLab {
  if (typeof value !== 'object' || value === null) return false;
  const lab = value as Record<string, unknown>;
  const session = lab['session'] as Record<string, unknown> | undefined;
  return (
    Array.isArray(lab['exports']) &&
    typeof session === 'object' &&
    session !== null &&
    session['format'] === 1 &&
    typeof session['prelude'] === 'string' &&
    (session['origin'] === null || typeof session['origin'] === 'string') &&
    Array.isArray(session['world']) &&
    Array.isArray(session['actions'])
  );
}

/**
 * Writes a checkpoint's image to the workspace. A file on this host's own disk is written a
 * chunk at a time between turns of the loop (a temporary file renamed over the target): handing
 * 257 MiB to `workspace.fs.writeFile` at once went with stalls of 118–164 ms of the extension
 * host in the real-VS-Code bench. Other file systems, and the web worker, get `workspace.fs`.
 */
async function exportImage(target: vscode.Uri, bytes: Uint8Array): Promise<void> {
  const save = host.localFiles?.save;
  if (target.scheme !== 'file' || save === undefined) {
    await vscode.workspace.fs.writeFile(target, bytes);
    return;
  }
  // writeFile makes the folders on the way; so must we (a no-op for a folder that exists).
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(target, '..'));
  await saveAtomicallyInTurns(
    target.fsPath,
    bytes.length,
    (offset, length) => bytes.subarray(offset, offset + length),
    save,
    { budgetMs: LAB_TURN_BUDGET_MS, now: () => performance.now(), nextTurn: yieldToHost },
    // A copy of the kernel's file, exported again at will: not worth a flush of the whole
    // image (a synchronous one on the host's loop: 150 ms in the real-VS-Code bench, 60 without).
    { flush: false },
  );
}

/** Lets the extension host breathe between slices of a long operation. */
function yieldToHost(): Promise<void> {
  return new Promise((resolve) => host.nextTurn(resolve));
}

/**
 * An operation still running after this many milliseconds shows a cancellable progress
 * notification (a shorter one would only flash).
 */
export const notifyAfterMs = 400;

/**
 * A checkpoint or restart that moves at least this many bytes of memory shows its notification at
 * once: it will last beyond a moment (about 0.1 s on a fast machine, seconds on a busy one).
 */
export const notifyAtOnceBytes = 32 * 1024 * 1024;

/** Bytes of memory a checkpoint of `pid` saves: its touched pages and its descendants'. */
function memoryToSave(session: LabSession, pid: number): number {
  const tasks = session.kernel.tasks();
  let pages = 0;
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const task of tasks)
      if (tree.has(task.ppid) && !tree.has(task.pid)) {
        tree.add(task.pid);
        grew = true;
      }
  }
  for (const task of tasks)
    if (tree.has(task.pid)) for (const vma of task.vmas) pages += vma.residentPages;
  return pages * 4096;
}

/** Bytes as a person reads them in a progress message. */
function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(bytes >= 10 * 1024 * 1024 ? 0 : 1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

/** A checkpoint's or restart's progress: image bytes written, or page bytes restored. */
function callProgressText(call: 'checkpoint' | 'restart', progress: CallProgress): string {
  const done = sizeText(progress.done);
  if (progress.total === 0)
    return call === 'checkpoint'
      ? vscode.l10n.t('{0} written', done)
      : vscode.l10n.t('{0} of memory restored', done);
  const total = sizeText(progress.total);
  return call === 'checkpoint'
    ? vscode.l10n.t('{0} of {1} written', done, total)
    : vscode.l10n.t('{0} of {1} of memory restored', done, total);
}

/** A replay's progress: actions, and the bytes of a call under way. */
function replayProgressText(progress: ReplayProgress): string {
  const actions = vscode.l10n.t('{0} of {1} actions', progress.done, progress.total);
  if (progress.call === undefined) return actions;
  const done = sizeText(progress.call.done);
  return progress.call.total === 0
    ? vscode.l10n.t('{0} ({1} of a checkpoint or restart)', actions, done)
    : vscode.l10n.t(
        '{0} ({1} of {2} of a checkpoint or restart)',
        actions,
        done,
        sizeText(progress.call.total),
      );
}

/** How far a call has come, from 0 to 1 (null until its size is known). */
function callFraction(progress: CallProgress): number | null {
  return progress.total > 0 ? Math.min(progress.done / progress.total, 1) : null;
}

/** How far a replay has come, from 0 to 1: its actions, and the call under way within one. */
function replayFraction(progress: ReplayProgress): number | null {
  if (progress.total === 0) return progress.call === undefined ? null : callFraction(progress.call);
  const within = progress.call === undefined ? 0 : (callFraction(progress.call) ?? 0);
  return Math.min((progress.done + within) / progress.total, 1);
}

/** What a long operation is called, and how its progress reads. */
interface LongOperation<P extends CallProgress> {
  /** The notification's heading, as in "Checkpointing pid 3 to /tmp/passwd.crimg". */
  readonly title: string;
  /** Whether it is known to last beyond a moment (its notification shows at once). */
  readonly long?: boolean;
  readonly describe: (progress: P) => string;
  readonly fraction: (progress: P) => number | null;
}

function callOperation(
  call: 'checkpoint' | 'restart',
  title: string,
  bytes: number,
): LongOperation<CallProgress> {
  return {
    title,
    long: bytes >= notifyAtOnceBytes,
    describe: (progress) => callProgressText(call, progress),
    fraction: callFraction,
  };
}

/** A scenario loading: the progress of a checkpoint or restart among its statements. */
function loadOperation(title: string): LongOperation<CallProgress> {
  return {
    title,
    describe: (progress) =>
      progress.total === 0
        ? vscode.l10n.t('{0} of a checkpoint or restart', sizeText(progress.done))
        : vscode.l10n.t(
            '{0} of {1} of a checkpoint or restart',
            sizeText(progress.done),
            sizeText(progress.total),
          ),
    fraction: callFraction,
  };
}

function replayOperation(title: string): LongOperation<ReplayProgress> {
  return { title, describe: replayProgressText, fraction: replayFraction };
}

export class LabService implements vscode.Disposable {
  private current: LabSession = LabSession.create();
  private exports = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private shown: ShownCall | null = null;
  private matrixShown: RestartMatrix | null = null;
  private busyMessage: string | null = null;
  private external: ExternalLabCall[] = [];
  private externalCount = 0;
  private readonly changed = new vscode.EventEmitter<LabChange>();
  /** Fires after every change of the session, and when a call or matrix is chosen to be shown. */
  readonly onDidChange = this.changed.event;
  /** Resolves once the session saved by the last window is back (or given up on). */
  readonly ready: Promise<void>;

  constructor(
    private readonly state: vscode.Memento,
    readonly log: vscode.LogOutputChannel,
  ) {
    // A replay cancelled from its notification starts a new session (restoreSaved says so).
    this.ready = this.enqueue(() => this.restoreSaved()).catch(() => undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  // ---- reading -----------------------------------------------------------------------------

  /** The session. Read it freely; change it only through this service. */
  get session(): LabSession {
    return this.current;
  }

  /** What an operation in progress is doing, for views to show (null when idle). */
  get busy(): string | null {
    return this.busyMessage;
  }

  /** The call whose checks views show: the one chosen, else the latest. */
  get shownCall(): LabCall | null {
    const history = this.current.history;
    if (this.shown?.kind === 'external') {
      const id = this.shown.id;
      return this.external.find((call) => call.id === id) ?? history.at(-1) ?? null;
    }
    if (this.shown?.kind === 'history') {
      const id = this.shown.id;
      return history.find((call) => call.id === id) ?? history.at(-1) ?? null;
    }
    return this.shown === null ? (history.at(-1) ?? null) : null;
  }

  /** A matrix cell whose checks are shown instead of a call of the history, or null. */
  get shownProbe(): { matrix: RestartMatrix; user: number; mode: number } | null {
    if (this.shown?.kind !== 'probe' || this.matrixShown === null) return null;
    return { matrix: this.matrixShown, user: this.shown.user, mode: this.shown.mode };
  }

  /** The last "who may restart" matrix computed, while the image it was computed for is unchanged. */
  get matrix(): RestartMatrix | null {
    return this.matrixShown;
  }

  /** Calls of this window's debugging sessions, oldest first (numbered apart from the lab's). */
  get externalCalls(): readonly ExternalLabCall[] {
    return this.external;
  }

  /** The workspace file a kernel image was written to by a checkpoint, if any. */
  exportOf(path: string): vscode.Uri | undefined {
    const uri = this.exports.get(path);
    return uri === undefined ? undefined : vscode.Uri.parse(uri);
  }

  // ---- choosing what views show -------------------------------------------------------------

  /** Shows a call of the history (its checks) in the views. */
  showCall(id: number): LabCall | undefined {
    const call = this.current.history.find((entry) => entry.id === id);
    if (call === undefined) return undefined;
    this.shown = { kind: 'history', id };
    this.changed.fire({ kind: 'focus', reveal: 'checks' });
    return call;
  }

  /** Shows a debugging session's call (its checks) in the views. */
  showExternalCallById(id: number): ExternalLabCall | undefined {
    const call = this.external.find((entry) => entry.id === id);
    if (call === undefined) return undefined;
    this.shown = { kind: 'external', id };
    this.changed.fire({ kind: 'focus', reveal: 'checks' });
    return call;
  }

  /**
   * A checkpoint or restart a debugging session made in its own kernel: kept beside the lab's
   * calls and shown with its checks. The lab's kernel, log and replay are not touched.
   */
  showExternalCall(outcome: CallOutcome, origin: ExternalCallOrigin): ExternalLabCall {
    const call = externalLabCall(++this.externalCount, outcome, origin);
    this.external.push(call);
    if (this.external.length > maxExternalCalls) this.external.splice(0, 1);
    this.shown = { kind: 'external', id: call.id };
    this.changed.fire({ kind: 'focus', reveal: 'checks', background: true });
    return call;
  }

  /** Shows the full check list of one cell of the current matrix. */
  showMatrixCell(user: number, mode: number): boolean {
    if (this.matrixShown?.cells[user]?.[mode] === undefined) return false;
    this.shown = { kind: 'probe', user, mode };
    this.changed.fire({ kind: 'focus', reveal: 'checks' });
    return true;
  }

  // ---- sessions ----------------------------------------------------------------------------

  /** Starts over from the default world. */
  newSession(operation: LabOperation = {}): Promise<void> {
    return this.enqueue(() => {
      this.checkCancelled(operation);
      this.replace(LabSession.create(), new Map());
    });
  }

  /** Starts over from a scenario (the kernel as its script leaves it). */
  loadScenario(source: string, origin: vscode.Uri, operation: LabOperation = {}): Promise<void> {
    return this.enqueue(async () => {
      this.checkCancelled(operation);
      const name = origin.path.split('/').at(-1) ?? origin.toString();
      const session = await this.inTurns(
        operation,
        loadOperation(vscode.l10n.t('Loading {0} into the lab', name)),
        LabSession.loadInSlices(source, origin.toString()),
      );
      await this.judgeImages(session);
      this.replace(session, new Map());
    });
  }

  /** Replays the session saved in the workspace state, as a window reload does. */
  restoreFromState(operation: LabOperation = {}): Promise<void> {
    return this.enqueue(() => this.restoreSaved(operation));
  }

  // ---- actions -----------------------------------------------------------------------------

  spawn(options: SpawnOptions, operation: LabOperation = {}): Promise<LabActionResult> {
    return this.act(operation, (session) => session.spawn(options));
  }

  run(pid: number, mode: RunMode, operation: LabOperation = {}): Promise<LabActionResult> {
    return this.act(operation, (session) => session.run(pid, mode));
  }

  freeze(pid: number, operation: LabOperation = {}): Promise<LabActionResult> {
    return this.act(operation, (session) => session.freeze(pid));
  }

  thaw(pid: number, operation: LabOperation = {}): Promise<LabActionResult> {
    return this.act(operation, (session) => session.thaw(pid));
  }

  /**
   * Checkpoints task `pid` as `user` into the kernel file `path`; with `exportTo`, a successful
   * checkpoint's image is also written to that workspace file.
   */
  checkpoint(
    pid: number,
    user: string,
    path: string,
    flags: number,
    exportTo?: vscode.Uri,
    operation: LabOperation = {},
  ): Promise<LabActionResult> {
    return this.actInTurns(
      operation,
      (session) =>
        callOperation(
          'checkpoint',
          vscode.l10n.t('Checkpointing pid {0} to {1}', pid, path),
          memoryToSave(session, pid),
        ),
      (session) => session.checkpointInSlices(pid, user, path, flags),
      async (result) => {
        if (!result.ok || exportTo === undefined) return;
        // In place (no copy of a big image): the queue lets no action change it meanwhile.
        const bytes = this.current.kernel.viewFile(path);
        if (bytes === null) return;
        await exportImage(exportTo, bytes);
        this.exports.set(path, exportTo.toString());
      },
    );
  }

  /** Restarts the kernel's image at `path` as `user`. */
  restart(
    path: string,
    user: string,
    flags: number,
    operation: LabOperation = {},
  ): Promise<LabActionResult> {
    return this.actInTurns(
      operation,
      (session) =>
        callOperation(
          'restart',
          vscode.l10n.t('Restarting {0}', path),
          session.kernel.stat(path)?.size ?? 0,
        ),
      (session) => session.restartInSlices(path, user, flags),
    );
  }

  /**
   * The kernel path of an image given by its bytes (a workspace file, an image editor's document
   * with its edits): the kernel's own file when it holds the same bytes, else the image is
   * brought into the session's world (and the session replayed).
   */
  bringImage(name: string, bytes: Uint8Array, operation: LabOperation = {}): Promise<string> {
    return this.enqueue(async () => {
      this.checkCancelled(operation);
      const { path, added } = await this.inTurns(
        operation,
        replayOperation(vscode.l10n.t('Bringing {0} into the lab', name)),
        this.current.importImageInSlices(name, bytes),
      );
      if (added) {
        await this.judgeImages(this.current);
        this.afterChange({ kind: 'action' });
      }
      return path;
    });
  }

  /** Sets a sysctl (null when it already had that value). */
  setSysctl(
    name: string,
    value: string | number,
    operation: LabOperation = {},
  ): Promise<LabActionResult | null> {
    return this.act(operation, (session) => session.setSysctl(name, value));
  }

  /** Replaces the LSM policy the lab added (world setup: the session is replayed from boot). */
  setLsm(
    policy: 'none' | 'dummy' | 'label',
    rules: readonly LsmRule[],
    operation: LabOperation = {},
  ): Promise<void> {
    return this.enqueue(async () => {
      this.checkCancelled(operation);
      await this.inTurns(
        operation,
        replayOperation(vscode.l10n.t('Replaying the lab session under the new LSM policy')),
        this.current.setLsmInSlices(policy, rules),
      );
      await this.judgeImages(this.current);
      this.afterChange({ kind: 'action' });
    });
  }

  /** Computes "who may restart this image?" for a kernel image and shows it. Changes nothing. */
  whoMayRestart(path: string, flags = 0, operation: LabOperation = {}): Promise<RestartMatrix> {
    return this.enqueue(() => {
      this.checkCancelled(operation);
      const matrix = this.current.whoMayRestart(path, flags);
      this.matrixShown = matrix;
      if (this.shown?.kind === 'probe') this.shown = null;
      this.changed.fire({ kind: 'focus', reveal: 'matrix' });
      return matrix;
    });
  }

  // ---- machinery ---------------------------------------------------------------------------

  private enqueue<T>(work: () => T | Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    // The queue goes on after a failure; the caller sees the failure.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private checkCancelled(operation: LabOperation): void {
    if (operation.token?.isCancellationRequested === true) throw new vscode.CancellationError();
  }

  private act<T extends LabActionResult | null>(
    operation: LabOperation,
    work: (session: LabSession) => T,
    after?: (result: NonNullable<T>) => Promise<void>,
  ): Promise<T> {
    return this.enqueue(async () => {
      this.checkCancelled(operation);
      return this.acted(work(this.current), after);
    });
  }

  /** {@link act} for an action made a slice at a time between turns of the host's loop. */
  private actInTurns(
    operation: LabOperation,
    long: (session: LabSession) => LongOperation<CallProgress>,
    work: (session: LabSession) => LabSlices<LabActionResult>,
    after?: (result: LabActionResult) => Promise<void>,
  ): Promise<LabActionResult> {
    return this.enqueue(async () => {
      this.checkCancelled(operation);
      const result = await this.inTurns(operation, long(this.current), work(this.current));
      return this.acted(result, after);
    });
  }

  /**
   * Runs a session operation between turns of the extension host's event loop. The caller's
   * progress hears every report; without one, an operation known to be long at once, any other
   * still running after {@link notifyAfterMs}, shows a progress notification whose Cancel cancels it, as the caller's
   * token does. Cancelled, it throws a CancellationError and the session is as it was.
   */
  private async inTurns<T, P extends CallProgress>(
    operation: LabOperation,
    long: LongOperation<P>,
    slices: LabSlices<T, P>,
  ): Promise<T> {
    let cancelledByUser = false;
    let latest: P | null = null;
    let notification: vscode.Progress<{ message?: string; increment?: number }> | null = null;
    let shownFraction = 0;
    const report = (progress: P): void => {
      const message = long.describe(progress);
      operation.progress?.report({ message });
      if (notification === null) return;
      const fraction = long.fraction(progress);
      const increment = fraction === null ? 0 : Math.max(0, 100 * (fraction - shownFraction));
      if (fraction !== null) shownFraction = Math.max(shownFraction, fraction);
      notification.report(increment > 0 ? { message, increment } : { message });
    };
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    const timer =
      operation.progress === undefined
        ? setTimeout(
            () => {
              void vscode.window.withProgress(
                {
                  location: vscode.ProgressLocation.Notification,
                  title: long.title,
                  cancellable: true,
                },
                (progress, token) => {
                  token.onCancellationRequested(() => (cancelledByUser = true));
                  notification = progress;
                  if (latest !== null) report(latest);
                  return end;
                },
              );
            },
            long.long === true ? 0 : notifyAfterMs,
          )
        : undefined;
    try {
      const value = await runLabInTurns(slices, {
        now: () => performance.now(),
        nextTurn: yieldToHost,
        onProgress: (progress) => {
          latest = progress;
          report(progress);
        },
        cancelled: () => cancelledByUser || operation.token?.isCancellationRequested === true,
      });
      if (value === null) throw new vscode.CancellationError();
      return value;
    } finally {
      clearTimeout(timer);
      ended();
    }
  }

  /**
   * Judges the images an operation wrote between turns of the loop, so that the views' listing
   * of them right after (LabSession.images()) reads nothing: a 257 MiB image is a few hundred
   * milliseconds of reading that would otherwise stall the host in the panel's refresh.
   */
  private async judgeImages(session: LabSession): Promise<void> {
    await runLabInTurns(session.describeImagesInSlices(), {
      now: () => performance.now(),
      nextTurn: yieldToHost,
    });
  }

  /** What every action does after the session made it: export, show its call, persist, tell. */
  private async acted<T extends LabActionResult | null>(
    result: T,
    after?: (result: NonNullable<T>) => Promise<void>,
  ): Promise<T> {
    if (result !== null && after !== undefined) await after(result as NonNullable<T>);
    await this.judgeImages(this.current);
    if (result !== null && result.calls.length > 0) {
      this.shown = { kind: 'history', id: result.calls.at(-1)?.id ?? 0 };
    }
    this.afterChange({
      kind: 'action',
      ...(result !== null && result.calls.length > 0 ? { reveal: 'checks' as const } : {}),
    });
    return result;
  }

  /** A matrix whose image changed is dropped (it would show an answer to another question). */
  private dropStaleMatrix(): void {
    const matrix = this.matrixShown;
    if (matrix === null) return;
    const still = this.current.images().some((image) => image.path === matrix.path);
    const mode = this.current.kernel.sysctl('kernel.ckpt_restore_creds') as RestoreCredsMode;
    if (!still || mode !== matrix.currentMode) {
      this.matrixShown = null;
      if (this.shown?.kind === 'probe') this.shown = null;
    }
  }

  private afterChange(change: LabChange): void {
    this.dropStaleMatrix();
    void this.persist();
    this.changed.fire(change);
  }

  private replace(session: LabSession, exports: Map<string, string>): void {
    this.current = session;
    this.exports = exports;
    this.shown = null;
    this.matrixShown = null;
    void this.persist();
    this.changed.fire({ kind: 'session' });
  }

  private async persist(): Promise<void> {
    const persisted: PersistedLab = {
      session: this.current.save(),
      exports: [...this.exports],
    };
    try {
      await this.state.update(savedSessionKey, persisted);
    } catch (error) {
      this.log.error(`could not save the lab session: ${String(error)}`);
    }
  }

  private async restoreSaved(operation: LabOperation = {}): Promise<void> {
    const saved: unknown = this.state.get(savedSessionKey);
    if (saved === undefined) return;
    if (!isPersistedLab(saved)) {
      this.log.warn('the saved lab session has an unknown shape; starting a new one');
      return;
    }
    const total = saved.session.actions.length;
    this.busyMessage = vscode.l10n.t('Replaying the lab session ({0} actions)…', total);
    this.changed.fire({ kind: 'session' });
    try {
      // The session being replayed is a new one: views go on showing the current one meanwhile.
      this.current = await this.inTurns(
        operation,
        replayOperation(vscode.l10n.t('Replaying the lab session')),
        LabSession.replay(saved.session),
      );
      await this.judgeImages(this.current);
      this.exports = new Map(saved.exports.map(([path, uri]) => [path, uri]));
      this.log.info(`replayed the lab session: ${total} actions`);
    } catch (error) {
      if (error instanceof vscode.CancellationError) {
        this.log.info(
          'the replay of the saved lab session was cancelled; the session stays as it was',
        );
        throw error;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`could not replay the saved lab session: ${message}`);
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'The saved lab session could not be replayed ({0}); a new one starts.',
          message,
        ),
      );
      this.current = LabSession.create();
    } finally {
      this.busyMessage = null;
      this.shown = null;
      this.matrixShown = null;
      this.changed.fire({ kind: 'session' });
    }
  }
}

export { LabError };
