/**
 * Calls made outside the lab session's kernel — a debugging session runs its own kernel on its
 * own scenario — turned into the shape the session's history has, so that every view shows a
 * call and its checks the same way, whoever made it. They are not the lab's actions: they never
 * enter its log, its kernel or its replay.
 *
 * Pure: no VS Code, no file system, no clock.
 */
import type { CallOutcome } from '../kernel/index';
import type { LabCall } from './session';

/** Where an outside call came from. */
export interface ExternalCallOrigin {
  /** The scenario (or image) the debugging session runs: a file path. */
  readonly source: string;
  /** The line of `source` that made the call, when there is one. */
  readonly line: number | null;
  /** A statement of the script, a task's own program, or the "Checkpoint Task" command. */
  readonly by: 'script' | 'program' | 'debugger';
}

/** A call of a debugging session, shown beside the lab's own. */
export interface ExternalLabCall extends LabCall {
  /** The file the call's lines belong to. */
  readonly source: string;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? path;
}

/** `uid 500` from a check's subject (`uid=500 euid=0 …`), or null. */
function uidOf(subject: string | undefined): string | null {
  const match = /\buid=(\d+)/.exec(subject ?? '');
  return match === null ? null : `uid ${match[1] ?? ''}`;
}

/**
 * The history entry of an outside call, numbered `id` among the outside calls. What the call
 * outcome does not carry (the image path, `ckpt_restore_creds` of the other kernel)
 * is left unknown (null, 0) rather than guessed: the checks say the rest.
 */
export function externalLabCall(
  id: number,
  outcome: CallOutcome,
  origin: ExternalCallOrigin,
): ExternalLabCall {
  const where = `${baseName(origin.source)}${origin.line !== null ? `:${origin.line}` : ''}`;
  const how =
    origin.by === 'debugger'
      ? 'from the debugger'
      : origin.by === 'program'
        ? 'by its program'
        : 'by the script';
  return {
    id,
    call: outcome.call,
    statement: `${outcome.call} ${how} in ${where}`,
    line: origin.line ?? 0,
    by: origin.by,
    user: uidOf(outcome.checks[0]?.subject) ?? `task ${outcome.caller}`,
    callerPid: outcome.caller,
    target: null,
    image: null,
    flags: outcome.flags,
    restoreCreds: null,
    ret: outcome.ret,
    errno: outcome.errno,
    // The kernel's records carry no line: each gets the line that made the call, as the lab's do.
    checks: outcome.checks.map((check) => ({ ...check, line: check.line ?? origin.line })),
    restored: [...(outcome.restored ?? [])],
    imageBytes: null,
    source: origin.source,
  };
}

/** Whether a history entry is an outside call. */
export function isExternalLabCall(call: LabCall): call is ExternalLabCall {
  return typeof (call as Partial<ExternalLabCall>).source === 'string';
}
