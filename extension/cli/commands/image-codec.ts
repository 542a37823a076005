/** `crlab image decode FILE [-o OUT.json]` and `crlab image encode FILE.json -o OUT.crimg`. */
import { CliError, EXIT_OK } from '../errors';
import { printJson, readBytes, readText, writeBytes } from '../io';
import { decodeImageJson, encodeImageJson } from '../image-json';
import type { ParsedArgs } from '../args';

export function imageDecode(args: ParsedArgs, file: string): number {
  const json = decodeImageJson(readBytes(file));
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
  const bytes = encodeImageJson(input);
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
