/**
 * The launch attributes of the `crlab` debug type, typed once: the session reads them, the
 * configuration provider fills them in, and package.json's `debuggers[].configurationAttributes`
 * describes the same names for the editor (a unit test keeps the two in step).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RestoreCredsMode } from '../kernel/index';
import * as l10n from '@vscode/l10n';
import { RestartFlag } from '../kernel/index';

export const DEBUG_TYPE = 'crlab';

/** The debug commands' ids (package.json contributes them; activate.ts registers them). */
export const DEBUG_COMMANDS = {
  debugScenario: 'crlab.debug.debugScenario',
  checkpointTask: 'crlab.debug.checkpointTask',
  toggleHex: 'crlab.debug.toggleHex',
} as const;

export interface CrlabLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** A `.crlab` scenario: debug its script; with `image`, the world and programs to restart into. */
  program?: string;
  /** A `.crimg` image to restart in a fresh kernel and debug from its saved program counter. */
  image?: string;
  /** Who restarts the image: a user name or uid of the world (default `root`). */
  as?: string | number;
  /** kernel.ckpt_restore_creds for the restart (default: the world's, `authorized`). */
  mode?: RestoreCredsMode;
  /** Restart flags: `FROZEN`, `KEEP_LSM`, `TASKSELF` (names or their numbers). */
  flags?: (string | number)[];
  /** Stop before the first statement (or at the restored task, for an image; default true there). */
  stopOnEntry?: boolean;
}

export const RESTORE_MODES: readonly RestoreCredsMode[] = ['caller', 'authorized', 'signed'];

/** The attribute names the session reads, for the manifest test. */
export const LAUNCH_ATTRIBUTES = [
  'program',
  'image',
  'as',
  'mode',
  'flags',
  'stopOnEntry',
] as const;

/** Restart flags by name (with or without the RESTART_ prefix), or null for an unknown one. */
export function restartFlags(flags: readonly (string | number)[] | undefined): number | string {
  let value = 0;
  for (const flag of flags ?? []) {
    if (typeof flag === 'number') {
      value |= flag;
      continue;
    }
    const name = flag.toUpperCase().replace(/^RESTART_/, '');
    const bit = (RestartFlag as Record<string, number>)[name];
    if (bit === undefined) return flag;
    value |= bit;
  }
  return value;
}

/** The restart flags a launch may name: the bits of {@link RestartFlag}. */
const KNOWN_FLAG_BITS = Object.values(RestartFlag).reduce((all, bit) => all | bit, 0);

/**
 * What is wrong with launch attributes as they arrive (from a launch.json, which may come with
 * the workspace), or null when they have the shapes {@link CrlabLaunchArguments} declares: the
 * session reads nothing before this passed, so a wrong type is a clear message, never a TypeError
 * from deep inside the launch.
 */
export function launchArgumentsProblem(args: unknown): string | null {
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    return l10n.t('The launch attributes are not an object.');
  const record = args as Record<string, unknown>;
  const text = (name: string): string | null => {
    const value = record[name];
    return value === undefined || (typeof value === 'string' && value.length > 0)
      ? null
      : l10n.t('"{0}" is a path, not {1}', name, describeValue(value));
  };
  const problem = text('program') ?? text('image');
  if (problem !== null) return problem;
  const as = record['as'];
  if (
    as !== undefined &&
    !(typeof as === 'string' && as.length > 0 && as.length <= 256) &&
    !(typeof as === 'number' && Number.isSafeInteger(as) && as >= 0 && as <= 0xffffffff)
  )
    return l10n.t('"as" is a user name or uid, not {0}', describeValue(as));
  const mode = record['mode'];
  if (mode !== undefined && !RESTORE_MODES.includes(mode as RestoreCredsMode))
    return l10n.t('"mode" is one of {0}, not {1}', RESTORE_MODES.join(', '), describeValue(mode));
  const flags = record['flags'];
  if (flags !== undefined) {
    if (!Array.isArray(flags)) return l10n.t('"flags" is a list, not {0}', describeValue(flags));
    for (const flag of flags as unknown[]) {
      const known =
        typeof flag === 'string'
          ? typeof restartFlags([flag]) === 'number'
          : typeof flag === 'number' &&
            Number.isInteger(flag) &&
            flag >= 0 &&
            (flag & ~KNOWN_FLAG_BITS) === 0 &&
            flag <= KNOWN_FLAG_BITS;
      if (!known)
        return l10n.t(
          'unknown restart flag {0}: the flags are FROZEN, KEEP_LSM and TASKSELF',
          describeValue(flag),
        );
    }
  }
  const stopOnEntry = record['stopOnEntry'];
  if (stopOnEntry !== undefined && typeof stopOnEntry !== 'boolean')
    return l10n.t('"stopOnEntry" is true or false, not {0}', describeValue(stopOnEntry));
  return null;
}

/** A short description of a value for a message: its JSON, cut at 40 characters. */
function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
