/**
 * `crlab criu who-may-restart DIR [--world FILE.crlab] [--flags N] [--sysctl NAME=VALUE]...
 * [--no-stand-ins] [--checks] [--json]`: the dump mapped onto the 2008 design and restarted by
 * the emulator's checks as each user of the world; what the mapping cannot know, said.
 */
import { formatRestartMatrix, readDump, whoMayRestart, type RestartMatrix } from '../../criu/index';
import { defaultWorld, type SysctlName, type Sysctls, type WorldSpec } from '../../kernel/index';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors';
import { checkJson, parseFlags, parseSysctl } from '../kernel-output';
import { printJson, printLines } from '../io';
import { displayName, loadChecked } from '../scenario';
import type { ParsedArgs } from '../args';
import { dumpDirectory } from './criu-directory';

/** The matrix as JSON (docs/criu.md). */
export function matrixJson(matrix: RestartMatrix): Record<string, unknown> {
  return {
    world: matrix.worldName,
    flags: matrix.flags,
    error: matrix.error,
    rows: matrix.rows.map((row) => ({
      user: row.user,
      uid: row.uid,
      allowed: row.allowed,
      errno: row.errno,
      refusedBy: row.refusedBy?.id ?? null,
      reason: row.refusedBy?.reason ?? row.reason,
      source: row.source,
      standIn: row.standIn,
      checks: row.checks.map(checkJson),
    })),
    standIns: matrix.standIns,
    notes: matrix.notes,
    limits: matrix.limits,
  };
}

export function criuWhoMayRestart(args: ParsedArgs, directory: string): number {
  const command = 'criu who-may-restart';
  const worldFile = args.values.get('world');
  let world: WorldSpec = defaultWorld();
  let worldName = 'the default world';
  if (worldFile !== undefined) {
    const { checked } = loadChecked(worldFile);
    if (checked.world === null) throw new CliError(`${worldFile}: no world`);
    world = checked.world;
    worldName = `the world of ${displayName(worldFile)}`;
  }
  const sysctls = (args.lists.get('sysctl') ?? []).map((text) => parseSysctl(text, command));
  if (sysctls.length > 0) {
    const set: Partial<Sysctls> = { ...world.sysctls };
    for (const { name, value } of sysctls)
      (set as Record<SysctlName, unknown>)[name as SysctlName] = value;
    world = { ...world, sysctls: set };
  }
  const matrix = whoMayRestart(readDump(dumpDirectory(directory)), {
    world,
    worldName,
    flags: parseFlags(args.values.get('flags'), command),
    standIns: !args.flags.has('no-stand-ins'),
  });
  if (args.flags.has('json')) printJson(matrixJson(matrix));
  else printLines(formatRestartMatrix(matrix, directory, args.flags.has('checks')));
  if (matrix.error !== null)
    throw new CliError(`${directory}: no answer: ${matrix.error}`, EXIT_FAILED);
  return EXIT_OK;
}
