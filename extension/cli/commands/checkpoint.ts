/**
 * `crlab checkpoint FILE.crlab --task NAME --as USER [--flags N] -o OUT.crimg [--json]`: runs the
 * scenario to its end, then checkpoints the named task (or a container's init) as that user.
 */
import { flagsHex } from '../../kernel/index';
import { loadScenario } from '../../lab/index';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors';
import { printJson, printLines, writeBytes } from '../io';
import { checkJson, checkLines, parseFlags, resolveUser } from '../kernel-output';
import { loadChecked } from '../scenario';
import type { ParsedArgs } from '../args';

/** A path no scenario is likely to use, in the world-writable /tmp. */
const VFS_OUTPUT = '/tmp/.crlab-cli-checkpoint.crimg';

export function checkpointCommand(args: ParsedArgs, file: string): number {
  const command = 'checkpoint';
  const taskName = args.values.get('task');
  const output = args.values.get('output');
  if (taskName === undefined) throw new CliError(`${command}: --task NAME is required`);
  if (output === undefined) throw new CliError(`${command}: -o OUT.crimg is required`);
  const { source, checked } = loadChecked(file);
  const session = loadScenario(source, checked);
  session.run();
  if (session.failures > 0) {
    process.stderr.write(
      `crlab: warning: ${file}: ${session.failures} expectation(s) failed; checkpointing anyway\n`,
    );
  }
  const world = checked.world;
  if (world === null) throw new CliError(`${file}: no world`);
  const user = resolveUser(world, args.values.get('as'), command);
  const flags = parseFlags(args.values.get('flags'), command);
  const task = session.findTask(taskName);
  if (task === null) throw new CliError(`${command}: no task ${taskName} at the end of ${file}`);
  const outcome = session.kernel.checkpointAs(user, task.pid, VFS_OUTPUT, flags);
  const ok = outcome.errno === null;
  if (ok) {
    const bytes = session.kernel.readFile(VFS_OUTPUT);
    if (bytes === null) throw new CliError(`${command}: the kernel wrote no image`, EXIT_FAILED);
    writeBytes(output, bytes);
  }
  if (args.flags.has('json')) {
    printJson({
      ok,
      errno: outcome.errno,
      crid: ok ? outcome.ret : null,
      output: ok ? output : null,
      checks: outcome.checks.map(checkJson),
    });
    return ok ? EXIT_OK : EXIT_FAILED;
  }
  printLines([
    `checkpoint ${taskName} (pid ${task.pid}) as ${user}${flags ? ` flags ${flagsHex(flags)}` : ''}: ${ok ? `crid ${outcome.ret}, wrote ${output}` : `refused, ${outcome.errno}`}`,
    ...checkLines(outcome.checks),
  ]);
  if (!ok) {
    const failed = outcome.checks.find((check) => check.result === 'fail');
    throw new CliError(
      `checkpoint refused: ${outcome.errno} from ${failed?.id ?? 'sys_checkpoint'}: ${failed?.reason ?? outcome.reason ?? ''}`,
      EXIT_FAILED,
    );
  }
  return EXIT_OK;
}
