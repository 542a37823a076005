/**
 * The launch attributes of the `crlab` debug type, typed once: the session reads them, the
 * configuration provider fills them in, and package.json's `debuggers[].configurationAttributes`
 * describes the same names for the editor (a unit test keeps the two in step).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RestoreCredsMode } from '../kernel/index';
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
