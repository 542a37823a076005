/**
 * "Who may restart this image?": every user of the world against every
 * `kernel.ckpt_restore_creds` mode, each cell the outcome of a restart judged by the kernel
 * without being made (`probeRestartAs`): allowed, or the first failing check with its errno.
 * The original review's argument in one table — who can bring back hallyn's `/bin/passwd`,
 * under which policy, and why not.
 *
 * Pure: the kernel is only probed, never changed.
 */
import type { CallOutcome, CheckId, KernelApi, RestoreCredsMode } from '../kernel/index';
import type { LabCall } from './session';

/** The modes of kernel.ckpt_restore_creds, in the order the patchsets introduced them. */
export const RESTORE_CREDS_MODES: readonly RestoreCredsMode[] = ['caller', 'authorized', 'signed'];

/** One cell: `user` restarting the image under `mode`. */
export interface MatrixCell {
  readonly user: string;
  readonly mode: RestoreCredsMode;
  readonly allowed: boolean;
  readonly errno: string | null;
  /** The check that refused it (null when allowed, or when the call never reached the checks). */
  readonly check: CheckId | null;
  /** Why, in one line: the failing check's reason, or what an allowed restart would do. */
  readonly reason: string;
  /** The whole judgement, every check in order. */
  readonly outcome: CallOutcome;
}

export interface MatrixUser {
  readonly name: string;
  readonly uid: number;
}

export interface RestartMatrix {
  /** The image's path in the kernel. */
  readonly path: string;
  readonly flags: number;
  readonly users: readonly MatrixUser[];
  readonly modes: readonly RestoreCredsMode[];
  /** `cells[u][m]`: users[u] under modes[m]. */
  readonly cells: readonly (readonly MatrixCell[])[];
  /** The mode the kernel runs now. */
  readonly currentMode: RestoreCredsMode;
  /**
   * kernel.md: under `signed` every image this machine signed is trusted as saved, an old one as
   * much as a new one — a signed image can be replayed. Said whenever the signed column is shown.
   */
  readonly replayWarning: string;
}

/** The replay caveat of the `signed` mode (kernel.md, "Whose credentials do what"). */
export const SIGNED_REPLAY_WARNING =
  'Under signed, a restart trusts any image this machine ever signed: an older signed checkpoint of the same task (an older state, older credentials, an old open file) restarts as readily as this one — a signed image can be replayed.';

function cellOf(user: string, mode: RestoreCredsMode, outcome: CallOutcome): MatrixCell {
  const failed = outcome.checks.find((check) => check.result === 'fail');
  if (outcome.errno === null) {
    return {
      user,
      mode,
      allowed: true,
      errno: null,
      check: null,
      reason: `every check passes (${outcome.checks.length} checks)`,
      outcome,
    };
  }
  return {
    user,
    mode,
    allowed: false,
    errno: outcome.errno,
    check: failed?.id ?? null,
    reason: failed?.reason ?? outcome.reason ?? 'refused',
    outcome,
  };
}

/**
 * The matrix for the image at `path` in `kernel`, for `users` (the world's users) and restart
 * `flags`. Each cell is a probe: the kernel is left exactly as it was.
 */
export function whoMayRestart(
  kernel: KernelApi,
  users: readonly MatrixUser[],
  path: string,
  flags = 0,
): RestartMatrix {
  const cells = users.map((user) =>
    RESTORE_CREDS_MODES.map((mode) =>
      cellOf(
        user.name,
        mode,
        kernel.probeRestartAs(user.name, path, flags, { 'kernel.ckpt_restore_creds': mode }),
      ),
    ),
  );
  return {
    path,
    flags,
    users,
    modes: RESTORE_CREDS_MODES,
    cells,
    currentMode: kernel.sysctl('kernel.ckpt_restore_creds'),
    replayWarning: SIGNED_REPLAY_WARNING,
  };
}

/**
 * A matrix cell's judgement in the shape of a call of the history (id 0: it is not one), so that
 * views show and export its checks like any call's. `imageBytes` are the image's bytes now.
 */
export function matrixCellCall(
  matrix: RestartMatrix,
  user: number,
  mode: number,
  imageBytes: Uint8Array | null,
): LabCall | null {
  const cell = matrix.cells[user]?.[mode];
  if (cell === undefined) return null;
  const flags = matrix.flags === 0 ? '' : ` flags 0x${matrix.flags.toString(16)}`;
  return {
    id: 0,
    call: 'restart',
    statement: `restart ${matrix.path} as ${cell.user}${flags} (under ${cell.mode}, judged without restarting)`,
    line: 0,
    by: 'script',
    user: cell.user,
    callerPid: cell.outcome.caller,
    target: null,
    image: matrix.path,
    flags: matrix.flags,
    restoreCreds: cell.mode,
    ret: cell.outcome.ret,
    errno: cell.outcome.errno,
    checks: cell.outcome.checks,
    restored: [],
    imageBytes,
  };
}
