/**
 * A small getopt: `--flag`, `--option VALUE`, `--option=VALUE`, `-o VALUE`, repeatable options,
 * and positionals. Anything unknown is a usage error naming the command's `--help`.
 */
import { CliError } from './errors';

export interface OptionSpec {
  /** Options without a value. */
  flags?: readonly string[];
  /** Options with a value (the last one wins). */
  values?: readonly string[];
  /** Options with a value that may repeat. */
  lists?: readonly string[];
  /** Short aliases: `{ o: 'output' }`. */
  aliases?: Readonly<Record<string, string>>;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
}

export function parseArgs(argv: readonly string[], spec: OptionSpec, command: string): ParsedArgs {
  const parsed: ParsedArgs = {
    positionals: [],
    flags: new Set(),
    values: new Map(),
    lists: new Map(),
  };
  const flags = new Set(['help', ...(spec.flags ?? [])]);
  const values = new Set(spec.values ?? []);
  const lists = new Set(spec.lists ?? []);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-[0-9]/.test(arg)) {
      const short = arg.slice(1);
      name = short === 'h' ? 'help' : spec.aliases?.[short];
      if (name === undefined)
        throw new CliError(`${command}: unknown option ${arg} (see crlab ${command} --help)`);
    } else {
      parsed.positionals.push(arg);
      continue;
    }
    if (flags.has(name)) {
      if (inline !== undefined) throw new CliError(`${command}: --${name} takes no value`);
      parsed.flags.add(name);
      continue;
    }
    if (!values.has(name) && !lists.has(name)) {
      throw new CliError(`${command}: unknown option --${name} (see crlab ${command} --help)`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliError(`${command}: --${name} needs a value`);
    if (values.has(name)) parsed.values.set(name, value);
    else parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), value]);
  }
  return parsed;
}

/** Exactly `count` positionals, or a usage error. */
export function expectPositionals(
  args: ParsedArgs,
  names: readonly string[],
  command: string,
): string[] {
  if (args.positionals.length < names.length) {
    throw new CliError(
      `${command}: missing ${names[args.positionals.length]} (see crlab ${command} --help)`,
    );
  }
  if (args.positionals.length > names.length) {
    throw new CliError(
      `${command}: unexpected argument ${args.positionals[names.length]} (see crlab ${command} --help)`,
    );
  }
  return args.positionals;
}
