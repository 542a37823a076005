/** `crlab image decode FILE [-o OUT.json]` and `crlab image encode FILE.json -o OUT.crimg`. */
import { decodeImageJson, encodeImageJson, ImageJsonError } from '../../image/index';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../errors';
import { printJson, readBytes, readText, writeBytes } from '../io';
import type { ParsedArgs } from '../args';

/** The codec's refusals as the CLI's exit codes: an invalid image is 1, JSON without the shape 2. */
function asCliError(error: unknown): unknown {
  if (!(error instanceof ImageJsonError)) return error;
  return new CliError(error.message, error.kind === 'bad-json' ? EXIT_USAGE : EXIT_FAILED);
}

export function imageDecode(args: ParsedArgs, file: string): number {
  let json;
  try {
    json = decodeImageJson(readBytes(file));
  } catch (error) {
    throw asCliError(error);
  }
  const output = args.values.get('output');
  if (output === undefined) printJson(json);
  else writeBytes(output, `${JSON.stringify(json, null, 2)}\n`);
  return EXIT_OK;
}

export function imageEncode(args: ParsedArgs, file: string): number {
  let input: unknown;
  try {
    input = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file}: not JSON: ${(error as Error).message}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = encodeImageJson(input);
  } catch (error) {
    throw asCliError(error);
  }
  const output = args.values.get('output');
  if (output === undefined) {
    if (process.stdout.isTTY)
      throw new CliError(
        'crlab image encode: refusing to write binary to a terminal; use -o OUT.crimg',
      );
    process.stdout.write(bytes);
  } else {
    writeBytes(output, bytes);
  }
  return EXIT_OK;
}
