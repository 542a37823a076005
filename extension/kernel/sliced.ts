/**
 * Calls made a slice at a time (generators of progress, see SlicedCall in types.ts), and the
 * one-shot calls that are the same generators run to their end, so both give the same result.
 */
import type { CallProgress } from './types';

/** Runs a sliced call to its end and returns its value. */
export function runToEnd<T>(slices: Generator<CallProgress, T, void>): T {
  for (;;) {
    const step = slices.next();
    if (step.done === true) return step.value;
  }
}

/** How a host runs a sliced call between the turns of its event loop (see {@link runInTurns}). */
export interface TurnOptions<P extends CallProgress = CallProgress> {
  /** Slices run back to back until this many milliseconds have passed; then the loop turns. */
  budgetMs: number;
  /** Milliseconds from a monotonic clock (the host's `performance.now`). */
  now: () => number;
  /** Resolves on a later turn of the host's event loop (a timer, not a microtask). */
  nextTurn: () => Promise<void>;
  /** Told the call's latest progress before each turn. */
  onProgress?: (progress: P) => void;
  /** Asked before each slice; true cancels the call (its `return()`), and null comes back. */
  cancelled?: () => boolean;
}

/**
 * Runs a sliced call as a host with an event loop must: slices back to back for at most about
 * `budgetMs` (plus one slice), then a turn of the loop, so that the host stays responsive and
 * a cancellation requested meanwhile is seen; a slice that waits for the host (`waitFor`) is
 * resumed when that settles. The value is the call's, or null when cancelled
 * (a cancelled call has changed nothing: see checkpointInSlices/restartInSlices).
 */
export async function runInTurns<T, P extends CallProgress = CallProgress>(
  slices: Generator<P, T, void>,
  options: TurnOptions<P>,
): Promise<T | null> {
  let turnStarted = options.now();
  for (;;) {
    if (options.cancelled?.() === true) {
      slices.return(undefined as never);
      return null;
    }
    const step = slices.next();
    if (step.done === true) return step.value;
    const waitFor = step.value.waitFor;
    if (waitFor !== undefined) {
      options.onProgress?.(step.value);
      await waitFor;
      turnStarted = options.now();
    } else if (options.now() - turnStarted >= options.budgetMs) {
      options.onProgress?.(step.value);
      await options.nextTurn();
      turnStarted = options.now();
    }
  }
}
