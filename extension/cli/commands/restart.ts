/**
 * `crlab restart FILE --as USER|UID [--flags N] [--sysctl NAME=VALUE]... [--world FILE.crlab]
 * [--json]`: sys_restart of an image in a fresh kernel, as that user.
 */
import { basename } from 'node:path';
import {
  createKernel,
  defaultWorld,
  flagsHex,
  type SysctlName,
  type Sysctls,
  type WorldSpec,
} from '../../kernel/index';
import { CLOCK_EPOCH } from '../../lab/index';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors';
import { printJson, printLines, readBytes } from '../io';
import {
  checkJson,
  checkLines,
  parseFlags,
  parseSysctl,
  resolveUser,
  restoredTasks,
} from '../kernel-output';
import { loadChecked } from '../scenario';
import type { ParsedArgs } from '../args';

/** Where the image lands in the emulated file system: world-readable, in /tmp. */
export function vfsPathFor(file: string): string {
  const name = basename(file).replace(/[^A-Za-z0-9_.-]/g, '_') || 'image.crimg';
  return `/tmp/${name}`;
}

export function restartCommand(args: ParsedArgs, file: string): number {
  const command = 'restart';
  const bytes = readBytes(file);
  const worldFile = args.values.get('world');
  let world: WorldSpec = defaultWorld();
  let seed = 0;
  if (worldFile !== undefined) {
    const { checked } = loadChecked(worldFile);
    if (checked.world === null) throw new CliError(`${worldFile}: no world`);
    world = checked.world;
    seed = checked.seed;
  }
  const user = resolveUser(world, args.values.get('as'), command);
  const flags = parseFlags(args.values.get('flags'), command);
  const sysctls = (args.lists.get('sysctl') ?? []).map((text) => parseSysctl(text, command));
  const kernel = createKernel({ world, seed, clock: () => CLOCK_EPOCH });
  for (const { name, value } of sysctls)
    kernel.setSysctl(name as SysctlName, value as Sysctls[SysctlName]);
  const path = vfsPathFor(file);
  kernel.writeFile(path, bytes, { mode: 0o644, uid: 0, gid: 0 });
  const outcome = kernel.restartAs(user, path, flags);
  const ok = outcome.errno === null;
  const tasks = ok ? restoredTasks(kernel, outcome.restored ?? []) : [];
  const failed = outcome.checks.find((check) => check.result === 'fail');
  if (args.flags.has('json')) {
    printJson({ ok, errno: outcome.errno, checks: outcome.checks.map(checkJson), tasks });
    return ok ? EXIT_OK : EXIT_FAILED;
  }
  const lines = [
    `restart ${file} as ${user}${flags ? ` flags ${flagsHex(flags)}` : ''}: ${ok ? 'ok' : `refused, ${outcome.errno}`}`,
  ];
  lines.push(...checkLines(outcome.checks));
  for (const task of tasks) {
    lines.push(
      `  task vpid ${task.vpid} ${task.comm}: uid ${task.uid}/${task.euid}/${task.suid}/${task.fsuid} gid ${task.gid}/${task.egid}/${task.sgid}/${task.fsgid} groups [${task.groups.join(',')}] caps eff ${task.caps.effective} pc ${task.pc}`,
    );
  }
  printLines(lines);
  if (!ok) {
    const where =
      failed?.offset === null || failed?.offset === undefined
        ? ''
        : ` at 0x${failed.offset.toString(16)}`;
    throw new CliError(
      `restart refused: ${outcome.errno} from ${failed?.id ?? 'sys_restart'}${where}: ${failed?.reason ?? outcome.reason ?? ''}`,
      EXIT_FAILED,
    );
  }
  return EXIT_OK;
}
