/**
 * The audit of one system call: an ordered list of check records. A check step records one or
 * more records (the "each" rows one per task, VMA or file) and says whether the call goes on;
 * the first failure ends the call.
 */
import type { CheckId, CheckRecord } from './checks';
import { CHECK_MODELS } from './checks';
import type { Errno } from './errno';

export class Audit {
  readonly records: CheckRecord[] = [];
  failure: CheckRecord | null = null;

  constructor(private readonly subject: string) {}

  private add(
    id: CheckId,
    object: string,
    result: CheckRecord['result'],
    errno: Errno | null,
    reason: string,
    offset: number | null,
  ): CheckRecord {
    const record: CheckRecord = {
      id,
      models: CHECK_MODELS[id],
      subject: this.subject,
      object,
      result,
      errno,
      reason,
      offset,
    };
    this.records.push(record);
    return record;
  }

  pass(id: CheckId, object: string, reason: string, offset: number | null = null): true {
    this.add(id, object, 'pass', null, reason, offset);
    return true;
  }

  skip(id: CheckId, object: string, reason: string, offset: number | null = null): true {
    this.add(id, object, 'skip', null, reason, offset);
    return true;
  }

  /**
   * Record a failure; returns false so a step can `return audit.fail(...)`. `field` names the
   * image field that decided it, when one did (see {@link CheckRecord.field}).
   */
  fail(
    id: CheckId,
    object: string,
    errno: Errno,
    reason: string,
    offset: number | null = null,
    field: string | null = null,
  ): false {
    this.failure = this.add(id, object, 'fail', errno, reason, offset);
    if (field !== null) this.failure.field = field;
    return false;
  }
}

/** One row of a call's check table: its id and the function that runs it. */
export interface CheckStep<Context> {
  id: CheckId;
  run(context: Context, audit: Audit): boolean;
}

/** Run the steps in order until one fails. */
export function runChecks<Context>(
  steps: readonly CheckStep<Context>[],
  context: Context,
  audit: Audit,
): boolean {
  for (const step of steps) {
    if (!step.run(context, audit)) return false;
  }
  return true;
}
