/**
 * `crlab`: the command line face of the lab (architecture.md): run and test scenarios, inspect,
 * convert, verify and compare images, checkpoint and restart. Exit codes: 0 yes, 1 no (an
 * expectation failed, an image is invalid, a call was refused, images differ), 2 the command
 * could not run (bad arguments, unreadable input, a scenario with errors). Errors are one line
 * on stderr, never a stack trace.
 */
import { parseArgs, expectPositionals, type OptionSpec } from './args';
import { CliError, EXIT_USAGE } from './errors';
import { checkpointCommand } from './commands/checkpoint';
import { criuShow } from './commands/criu-show';
import { criuWhoMayRestart } from './commands/criu-who';
import { imageDecode, imageEncode } from './commands/image-codec';
import { imageDiff } from './commands/image-diff';
import { imageShow } from './commands/image-show';
import { imageVerify } from './commands/image-verify';
import { restartCommand } from './commands/restart';
import { runCommand } from './commands/run';
import { testCommand } from './commands/test';
import type { ParsedArgs } from './args';

interface Command {
  usage: string;
  summary: string;
  help: string;
  options: OptionSpec;
  positionals: readonly string[] | 'any';
  run(args: ParsedArgs, positionals: string[]): number;
}

const COMMANDS: Record<string, Command> = {
  run: {
    usage: 'crlab run FILE.crlab [--json] [--export DIR]',
    summary: 'run a scenario and print its transcript',
    help: `Runs the scenario: each action and its result, the checks of every checkpoint and
restart (✓ pass, ✗ fail, – skip, with errno and reason), program output, and every
expectation. Exit 0 when every expectation held, 1 when one failed, 2 when the file has
errors (each printed as FILE:LINE:COLUMN: message).

  --json          the transcript as JSON (docs/cli.md)
  --export DIR    write the files the scenario exports (\`export PATH as "NAME"\`) to DIR`,
    options: { flags: ['json'], values: ['export'] },
    positionals: ['FILE.crlab'],
    run: (args, [file]) => runCommand(args, file ?? ''),
  },
  test: {
    usage: 'crlab test [PATH...] [--export DIR]',
    summary: 'run every .crlab under the paths as a test case',
    help: `Runs every .crlab file under the given files and directories (default: .) as a test
case: one PASS/FAIL line per file, then "N passed, M failed". Exit 1 when any failed. A run
cannot pass on nothing: a scenario with no expectations fails, and paths without any .crlab
file are an error (exit 2).

  --export DIR    write the files the scenarios export to DIR (how examples/images is made)`,
    options: { values: ['export'] },
    positionals: 'any',
    run: (args) => testCommand(args),
  },
  'image show': {
    usage: 'crlab image show FILE [--json] [--pages] [--tree]',
    summary: 'records and fields of an image, with offsets, sizes, types and names',
    help: `Lists every record with its fields: offset, path, type, size and value, with enum and
flag names. A damaged image shows what parses, then the error (exit 1).

  --json    as JSON
  --pages   add hexdumps of page contents (base64 \`data\` in JSON)
  --tree    add the task tree with credentials, descriptors and mappings`,
    options: { flags: ['json', 'pages', 'tree'] },
    positionals: ['FILE'],
    run: (args, [file]) => imageShow(args, file ?? ''),
  },
  'image decode': {
    usage: 'crlab image decode FILE [-o OUT.json]',
    summary: 'an image as lossless JSON',
    help: `Prints the image as JSON, record by record and field by field (docs/cli.md). Lossless:
\`crlab image encode\` gives back the same bytes. An invalid image is refused (exit 1).

  -o, --output FILE   write the JSON to FILE instead of stdout`,
    options: { values: ['output'], aliases: { o: 'output' } },
    positionals: ['FILE'],
    run: (args, [file]) => imageDecode(args, file ?? ''),
  },
  'image encode': {
    usage: 'crlab image encode FILE.json -o OUT.crimg',
    summary: 'JSON back to image bytes, validated',
    help: `Writes the image the JSON describes. The result is judged like restart judges an image:
a malformed one (EINVAL, EPIPE) is refused with its offset and field (exit 1); JSON that
does not have the decode shape is an error (exit 2).

  -o, --output FILE   where to write (stdout when it is not a terminal)`,
    options: { values: ['output'], aliases: { o: 'output' } },
    positionals: ['FILE.json'],
    run: (args, [file]) => imageEncode(args, file ?? ''),
  },
  'image verify': {
    usage: 'crlab image verify FILE [--key HEX] [--json]',
    summary: 'is the image valid, and does its signature verify',
    help: `Exit 0 when the image is valid and, if signed, its signature verifies with the default
machine key (or --key); exit 1 otherwise, printing errno, offset, field and message.

  --key HEX   the key to verify a SIGN record with (default: the default world's machine key)
  --json      {"valid","errno","offset","field","message","signed"}`,
    options: { flags: ['json'], values: ['key'] },
    positionals: ['FILE'],
    run: (args, [file]) => imageVerify(args, file ?? ''),
  },
  'image diff': {
    usage: 'crlab image diff A B [--json]',
    summary: 'what differs between two images',
    help: `Compares two valid images: header, task tree, credentials, mappings, descriptors and
pages by address. Exit 0 when they do not differ, 1 when they do, 2 when one is not a
valid image.

  --json   {"same": bool, "differences": [{"path","a","b"}]}`,
    options: { flags: ['json'] },
    positionals: ['A', 'B'],
    run: (args, [a, b]) => imageDiff(args, a ?? '', b ?? ''),
  },
  restart: {
    usage:
      'crlab restart FILE --as USER|UID [--flags N] [--sysctl NAME=VALUE]... [--world FILE.crlab] [--json]',
    summary: 'restart an image in a fresh kernel as a user',
    help: `Boots a fresh kernel (the default world, or the world of a scenario), copies the image
to /tmp in it and calls sys_restart as USER. Prints every check and the restored tasks.
Exit 0 on success, 1 when the restart was refused.

Flags are 64-bit: any bit but TASKSELF 0x1, FROZEN 0x2 and KEEP_LSM 0x8, bit 32 and above
included, is EINVAL. Files (open or behind a mapping) are judged on their label in the VFS.
With KEEP_LSM the image's LSM must be the running one (EPERM), saved file labels must be the
VFS's, and a saved domain must be the caller's own or one an \`lsm allow transition\` rule lets
the caller enter (EACCES); without it labels are not restored.

  --as USER|UID          the caller (required)
  --flags N              restart flags: a number or TASKSELF, FROZEN, KEEP_LSM
  --sysctl NAME=VALUE    set a sysctl first (repeatable)
  --world FILE.crlab     boot that scenario's world instead of the default one
  --json                 {"ok","errno","checks":[...],"tasks":[...]} (docs/cli.md)`,
    options: { flags: ['json'], values: ['as', 'flags', 'world'], lists: ['sysctl'] },
    positionals: ['FILE'],
    run: (args, [file]) => restartCommand(args, file ?? ''),
  },
  checkpoint: {
    usage: 'crlab checkpoint FILE.crlab --task NAME --as USER [--flags N] -o OUT.crimg [--json]',
    summary: 'run a scenario, then checkpoint one of its tasks',
    help: `Runs the scenario to its end, then calls sys_checkpoint on the named task (a
\`-> NAME\`, a container name for its init, or a command name) as USER, and writes the
image. Exit 0 on success, 1 when the checkpoint was refused. The LSM judges every task and
every file it holds, open or behind a mapping, on its label in the VFS; a traced task is EBUSY.

  --task NAME          the task or container to checkpoint (required)
  --as USER|UID        the caller (required)
  --flags N            a number or SUBTREE (64-bit: any other bit is EINVAL)
  -o, --output FILE    where to write the image (required)
  --json               {"ok","errno","crid","output","checks":[...]}`,
    options: {
      flags: ['json'],
      values: ['task', 'as', 'flags', 'output'],
      aliases: { o: 'output' },
    },
    positionals: ['FILE.crlab'],
    run: (args, [file]) => checkpointCommand(args, file ?? ''),
  },
  'criu show': {
    usage: 'crlab criu show DIR [--json] [--pages]',
    summary: 'a CRIU dump directory: processes, files, entries and fields, read-only',
    help: `Reads a \`criu dump\` image directory (read-only) and prints the process tree, then every
file with its magic, entries and fields: offset, type, size and value, with enum, flag and
capability names. Fields our schema does not describe are shown, not dropped. Problems are
listed last with file, offset and field (exit 1 when there are any). See docs/criu.md.

  --json    as JSON
  --pages   list every page of each pagemap run with a hexdump of its contents`,
    options: { flags: ['json', 'pages'] },
    positionals: ['DIR'],
    run: (args, [dir]) => criuShow(args, dir ?? ''),
  },
  'criu who-may-restart': {
    usage:
      'crlab criu who-may-restart DIR [--world FILE.crlab] [--flags N] [--sysctl NAME=VALUE]... [--no-stand-ins] [--checks] [--json]',
    summary: 'which restart.* check refuses a CRIU dump, for each user of a world',
    help: `Maps the dump's process tree (credentials, exe, mappings, regular open files) onto the
2008 design's image and calls sys_restart in a fresh kernel as each user of the world. Prints
who may restart it, or the first refusing check with errno, reason and where in the dump the
refused object is; then what the mapping left out, assumed or cannot know.

  --world FILE.crlab     the users, files and sysctls of that scenario's world
  --flags N              restart flags: a number or TASKSELF, FROZEN, KEEP_LSM
  --sysctl NAME=VALUE    set a sysctl of the world first (repeatable)
  --no-stand-ins         a path the world lacks is missing (ENOENT) rather than a stand-in
  --checks               every check of every user
  --json                 {"rows":[{"user","allowed","refusedBy","errno","source",...}],...}`,
    options: {
      flags: ['json', 'checks', 'no-stand-ins'],
      values: ['world', 'flags'],
      lists: ['sysctl'],
    },
    positionals: ['DIR'],
    run: (args, [dir]) => criuWhoMayRestart(args, dir ?? ''),
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'crlab - the Checkpoint/Restart Lab on the command line',
    '',
    'usage: crlab COMMAND [ARGS] [--help]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 yes; 1 no (an expectation failed, an image is invalid, a call was refused,',
    'images differ); 2 the command could not run (bad arguments, unreadable input, errors in a',
    'scenario). See docs/cli.md.',
  ].join('\n');
}

/** Runs one command line; returns the exit code. Never throws for user errors. */
export function main(argv: readonly string[]): number {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return first === undefined ? EXIT_USAGE : 0;
  }
  if (first === '--version') {
    process.stdout.write('crlab 0.1.0\n');
    return 0;
  }
  let name = first;
  let rest = argv.slice(1);
  if (first === 'image' || first === 'criu') {
    if (second === undefined || second === '--help' || second === '-h') {
      const group = Object.entries(COMMANDS).filter(([n]) => n.startsWith(`${first} `));
      process.stdout.write(
        `usage: crlab ${first} SUBCOMMAND ...\n\n${group.map(([, c]) => `  ${c.usage}\n      ${c.summary}`).join('\n')}\n`,
      );
      return second === undefined ? EXIT_USAGE : 0;
    }
    name = `${first} ${second}`;
    rest = argv.slice(2);
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) {
      throw new CliError(`unknown command '${name}' (see crlab --help)`);
    }
    const args = parseArgs(rest, command.options, name);
    if (args.flags.has('help')) {
      process.stdout.write(`usage: ${command.usage}\n\n${command.help}\n`);
      return 0;
    }
    const positionals =
      command.positionals === 'any'
        ? args.positionals
        : expectPositionals(args, command.positionals, name);
    return command.run(args, positionals);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`crlab: ${error.message}\n`);
      return error.exitCode;
    }
    // A bug, not a user error: still one line, and a distinct exit code for scripts.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`crlab: internal error: ${message.split('\n')[0]}\n`);
    return 70;
  }
}

// Run when executed as the bundle's entry (dist/cli.js via bin/crlab.js), not when imported.
if (typeof require !== 'undefined' && require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
