/**
 * Command line options through Node's own `util.parseArgs`: `--flag`, `--option VALUE`,
 * `--option=VALUE`, `-o VALUE` (or `-oVALUE`), repeatable options, `--` and positionals. Node does
 * the splitting; this module only turns its tokens into the CLI's shape and its usage errors,
 * each naming the command's `--help`.
 */
import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';
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

type NodeOptions = NonNullable<ParseArgsConfig['options']>;

/** The `util.parseArgs` options of a spec; `--help`/`-h` exist on every command. */
function nodeOptions(spec: OptionSpec): NodeOptions {
  const options: NodeOptions = { help: { type: 'boolean', short: 'h' } };
  for (const name of spec.flags ?? []) options[name] = { type: 'boolean' };
  for (const name of spec.values ?? []) options[name] = { type: 'string' };
  for (const name of spec.lists ?? []) options[name] = { type: 'string', multiple: true };
  for (const [short, name] of Object.entries(spec.aliases ?? {})) {
    const option = options[name];
    if (option) option.short = short;
  }
  return options;
}

export function parseArgs(argv: readonly string[], spec: OptionSpec, command: string): ParsedArgs {
  const options = nodeOptions(spec);
  // Not strict: Node's own errors would not name `crlab COMMAND --help`; the tokens say the same
  // and the checks below give our messages.
  const { tokens } = parseNodeArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const parsed: ParsedArgs = {
    positionals: [],
    flags: new Set(),
    values: new Map(),
    lists: new Map(),
  };
  const unknown = (raw: string): CliError =>
    new CliError(`${command}: unknown option ${raw} (see crlab ${command} --help)`);
  let negativeAt = -1;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      parsed.positionals.push(token.value);
      continue;
    }
    // A negative number (`-5`) is an argument, not a group of short options.
    const raw = argv[token.index] ?? '';
    if (/^-[0-9]/.test(raw)) {
      if (negativeAt !== token.index) parsed.positionals.push(raw);
      negativeAt = token.index;
      continue;
    }
    const option = options[token.name];
    if (option === undefined) throw unknown(token.rawName.startsWith('--') ? token.rawName : raw);
    if (option.type === 'boolean') {
      if (token.value !== undefined)
        throw new CliError(`${command}: --${token.name} takes no value`);
      parsed.flags.add(token.name);
      continue;
    }
    if (token.value === undefined) throw new CliError(`${command}: --${token.name} needs a value`);
    if (option.multiple === true)
      parsed.lists.set(token.name, [...(parsed.lists.get(token.name) ?? []), token.value]);
    else parsed.values.set(token.name, token.value);
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
