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
 * Every operation is a Promise and takes an optional cancellation token and progress: today the
 * kernel's work is synchronous and fast for lab-sized worlds; a later change can run a long one
 * (a checkpoint of hundreds of MiB) in slices or a worker behind the same signatures.
 */
import * as vscode from 'vscode';
import { host } from '../host/index';
import type { CallOutcome, RestoreCredsMode } from '../kernel/index';
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
  type LsmRule,
  type RunMode,
  type SavedLabSession,
  type SpawnOptions,
} from '../lab/session';

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

/** Lets the extension host breathe between slices of a long replay. */
function yieldToHost(): Promise<void> {
  return new Promise((resolve) => host.nextTurn(resolve));
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
    this.ready = this.enqueue(() => this.restoreSaved());
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
      operation.progress?.report({ message: vscode.l10n.t('Running the scenario…') });
      await yieldToHost();
      this.replace(LabSession.load(source, origin.toString()), new Map());
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
    return this.act(
      operation,
      (session) => session.checkpoint(pid, user, path, flags),
      async (result) => {
        if (!result.ok || exportTo === undefined) return;
        const bytes = this.current.kernel.readFile(path);
        if (bytes === null) return;
        await vscode.workspace.fs.writeFile(exportTo, bytes);
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
    return this.act(operation, (session) => session.restart(path, user, flags));
  }

  /**
   * The kernel path of an image given by its bytes (a workspace file, an image editor's document
   * with its edits): the kernel's own file when it holds the same bytes, else the image is
   * brought into the session's world (and the session replayed).
   */
  bringImage(name: string, bytes: Uint8Array, operation: LabOperation = {}): Promise<string> {
    return this.enqueue(() => {
      this.checkCancelled(operation);
      const { path, added } = this.current.importImage(name, bytes);
      if (added) this.afterChange({ kind: 'action' });
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
    return this.enqueue(() => {
      this.checkCancelled(operation);
      this.current.setLsm(policy, rules);
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
      const result = work(this.current);
      if (result !== null && after !== undefined) await after(result as NonNullable<T>);
      if (result !== null && result.calls.length > 0) {
        this.shown = { kind: 'history', id: result.calls.at(-1)?.id ?? 0 };
      }
      this.afterChange({
        kind: 'action',
        ...(result !== null && result.calls.length > 0 ? { reveal: 'checks' as const } : {}),
      });
      return result;
    });
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
      const replay = LabSession.replay(saved.session);
      let sliceStart = Date.now();
      let done = 0;
      for (;;) {
        this.checkCancelled(operation);
        const step = replay.next();
        if (step.done === true) {
          this.current = step.value;
          break;
        }
        if (step.value.done > done) {
          operation.progress?.report({
            message: vscode.l10n.t('{0} of {1} actions', step.value.done, total),
            increment: (100 * (step.value.done - done)) / Math.max(total, 1),
          });
          done = step.value.done;
        }
        // Long replays give the extension host back every few milliseconds.
        if (Date.now() - sliceStart > 20) {
          await yieldToHost();
          sliceStart = Date.now();
        }
      }
      this.exports = new Map(saved.exports.map(([path, uri]) => [path, uri]));
      this.log.info(`replayed the lab session: ${total} actions`);
    } catch (error) {
      if (error instanceof vscode.CancellationError) throw error;
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
