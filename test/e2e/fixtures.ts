/**
 * Writes the workspaces the in-VS-Code and browser tests open, into a folder given on the
 * command line (under the git-ignored cache): no binary fixture is committed.
 *
 *   plain/                    a workspace with no .crimg or .crlab file (activation must not happen)
 *   images/one-task.crimg     a valid image of one task, written by the image helper's writer
 *   images/truncated.crimg    the same image cut in the middle of a record (problems are shown)
 *   images/hostile.crimg      a valid image whose comm, paths and LSM labels are HTML and script
 *   images/edit-*.crimg       copies of one-task.crimg, one for each test that edits one
 *   examples/large.crimg      a valid image of 96 MiB (24 576 pages), written only there
 *   examples/                 a copy of the repository's examples/ plus the two images above
 *
 * Usage: node --import tsx test/e2e/fixtures.ts <folder>
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeImage } from '../../extension/image/writer';
import { hostileImage, largeImage, oneTaskImage } from './fixtureImages';

export const editableImages = [
  'edit-me.crimg',
  'edit-enum-flags.crimg',
  'edit-save-as.crimg',
  'edit-hot-exit.crimg',
] as const;

/** Writes every fixture into `folder`; returns the paths the tests use. */
export function writeFixtures(folder: string): { plain: string; images: string; examples: string } {
  const plain = path.join(folder, 'plain');
  const images = path.join(folder, 'images');
  const examples = path.join(folder, 'examples');
  for (const dir of [plain, images, examples]) mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(plain, 'notes.txt'),
    'A workspace without checkpoint images or scenarios.\n',
  );
  const bytes = writeImage(oneTaskImage());
  writeFileSync(path.join(images, 'one-task.crimg'), bytes);
  writeFileSync(
    path.join(images, 'truncated.crimg'),
    bytes.subarray(0, Math.floor(bytes.length / 3)),
  );
  writeFileSync(path.join(images, 'hostile.crimg'), writeImage(hostileImage()));
  for (const name of editableImages) writeFileSync(path.join(images, name), bytes);
  const repoExamples = path.resolve(import.meta.dirname, '..', '..', 'examples');
  if (existsSync(repoExamples)) cpSync(repoExamples, examples, { recursive: true });
  cpSync(images, examples, { recursive: true });
  // Written once, where the browser tests open it (not copied: it is large).
  writeFileSync(path.join(examples, 'large.crimg'), writeImage(largeImage()));
  return { plain, images, examples };
}

const target = process.argv[2];
if (
  target !== undefined &&
  process.argv[1] !== undefined &&
  import.meta.filename === path.resolve(process.argv[1])
) {
  const written = writeFixtures(path.resolve(target));
  console.log(JSON.stringify(written));
}
