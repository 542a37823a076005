/**
 * `crlab image diff A B [--json]`: what differs between two valid images (image/diff.ts). Exit 0
 * when nothing differs, 1 when something does, 2 when an input is not a valid image (diff(1)'s
 * convention).
 */
import { diffImages, formatImageError, readImage, type CheckpointImage } from '../../image/index';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../errors';
import { printJson, printLines, readBytes } from '../io';
import type { ParsedArgs } from '../args';

function load(file: string): CheckpointImage {
  const verdict = readImage(readBytes(file));
  if (!verdict.ok) throw new CliError(`${file}: ${formatImageError(verdict.error)}`, EXIT_USAGE);
  return verdict.image;
}

export function imageDiff(args: ParsedArgs, fileA: string, fileB: string): number {
  const differences = diffImages(load(fileA), load(fileB));
  if (args.flags.has('json')) {
    printJson({ same: differences.length === 0, differences });
  } else if (differences.length === 0) {
    printLines([`${fileA} and ${fileB}: no differences`]);
  } else {
    printLines(differences.map((d) => `${d.path}: ${d.a ?? '(absent)'} -> ${d.b ?? '(absent)'}`));
  }
  return differences.length === 0 ? EXIT_OK : EXIT_FAILED;
}
