/**
 * How a host with an event loop runs the lab session's long operations (LabSession's
 * `…InSlices` generators): slices back to back for {@link LAB_TURN_BUDGET_MS} at most, then a
 * turn of the loop. The extension host's LabService runs them so, and `npm run bench` measures
 * the stall of this very policy (scripts/bench/lab.ts). Pure: the host gives the clock and the
 * turn.
 */
import { runInTurns, type CallProgress } from '../kernel/index';

/**
 * Milliseconds of slices between two turns of the host's loop. A slice of a checkpoint or
 * restart is one PGARR (at most 4 MiB of pages): 5–25 ms on this 2-core machine under load, so
 * a turn comes about 35 ms apart at most, well inside the 100 ms a host may stall (issue #13).
 * 16 ms gave first turns of 60–80 ms under load; the turns themselves cost next to nothing.
 */
export const LAB_TURN_BUDGET_MS = 8;

/** What the host gives: its clock, its next turn, and optionally progress and cancellation. */
export interface LabTurns<P extends CallProgress> {
  /** Milliseconds from a monotonic clock (`performance.now`). */
  readonly now: () => number;
  /** Resolves on a later turn of the host's event loop (not a microtask). */
  readonly nextTurn: () => Promise<void>;
  readonly onProgress?: (progress: P) => void;
  /** Asked before each slice; true cancels the operation (the session stays as it was). */
  readonly cancelled?: () => boolean;
}

/**
 * Runs a session operation between the turns of the host's loop; its value, or null when it was
 * cancelled (a cancelled operation has changed nothing: see LabSession's `…InSlices`).
 */
export function runLabInTurns<T, P extends CallProgress>(
  slices: Generator<P, T, void>,
  turns: LabTurns<P>,
): Promise<T | null> {
  return runInTurns(slices, {
    budgetMs: LAB_TURN_BUDGET_MS,
    now: turns.now,
    nextTurn: turns.nextTurn,
    ...(turns.onProgress === undefined ? {} : { onProgress: turns.onProgress }),
    ...(turns.cancelled === undefined ? {} : { cancelled: turns.cancelled }),
  });
}
