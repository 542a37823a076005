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
