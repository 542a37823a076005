/** `crlab image verify FILE [--key HEX] [--json]`. */
import { formatImageError, readImage } from '../../image/index';
import { defaultMachineKey } from '../../kernel/index';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors';
import { printJson, readBytes } from '../io';
import type { ParsedArgs } from '../args';

export interface VerifyJson {
  valid: boolean;
  errno: string | null;
  offset: number | null;
  field: string | null;
  message: string | null;
  signed: boolean;
}

export function parseHexKey(text: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})+$/.test(text))
    throw new CliError('--key: expected an even number of hex digits');
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function imageVerify(args: ParsedArgs, file: string): number {
  const bytes = readBytes(file);
  const keyText = args.values.get('key');
  const key = keyText === undefined ? defaultMachineKey() : parseHexKey(keyText);
  // The key given stands for whatever key id the image names: a first pass finds that id.
  const structure = readImage(bytes);
  const keyId =
    structure.ok && structure.image.sign !== null ? structure.image.sign.key_id : 'machine';
  const verdict = readImage(bytes, { keys: { [keyId]: key } });
  let result: VerifyJson;
  if (!verdict.ok) {
    const { errno, offset, field, message } = verdict.error;
    result = {
      valid: false,
      errno,
      offset,
      field,
      message,
      signed: bytes.length > 0 && structure.ok ? structure.image.sign !== null : false,
    };
  } else if (verdict.signature === 'unverified') {
    const sign = verdict.image.sign;
    result = {
      valid: false,
      errno: 'EBADMSG',
      offset: sign?.offset ?? null,
      field: 'SIGN.key_id',
      message: `signed with key \`${sign?.key_id ?? '?'}\`, which was not given`,
      signed: true,
    };
  } else {
    result = {
      valid: true,
      errno: null,
      offset: null,
      field: null,
      message: null,
      signed: verdict.signature === 'verified',
    };
  }
  if (args.flags.has('json')) {
    printJson(result);
    return result.valid ? EXIT_OK : EXIT_FAILED;
  }
  if (result.valid) {
    process.stdout.write(
      `${file}: valid${result.signed ? ', signature verified' : ', unsigned'}\n`,
    );
    return EXIT_OK;
  }
  const line = !verdict.ok
    ? formatImageError(verdict.error)
    : `${result.errno} at 0x${(result.offset ?? 0).toString(16)} (${result.field}): ${result.message}`;
  throw new CliError(`${file}: ${line}`, EXIT_FAILED);
}
