/**
 * Saves new bytes over an image with the editor's atomic save (between turns, flushed in the
 * background) and prints what happened, as JSON: run by atomicSave.test.ts inside a private
 * mount namespace whose file system is full or read-only (a real one, not a simulated failure).
 *
 * Usage: node --import tsx test/unit/editor/save-probe.ts IMAGE
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { saveAtomicallyInTurns } from '../../../extension/host/atomicSave';
import { nodeSaveFileSystem } from '../../../extension/host/node';

const [image] = process.argv.slice(2);
if (image === undefined) throw new Error('usage: save-probe.ts IMAGE');
const before = readFileSync(image);
const replacement = new Uint8Array(before.length).fill(0x5a);
let code: string | null = null;
void saveAtomicallyInTurns(
  image,
  replacement.length,
  (offset, length) => replacement.subarray(offset, offset + length),
  nodeSaveFileSystem,
  {
    budgetMs: 0,
    now: () => performance.now(),
    nextTurn: () => new Promise((resolve) => setImmediate(resolve)),
  },
)
  .catch((error: unknown) => {
    code = (error as NodeJS.ErrnoException).code ?? String(error);
  })
  .then(() => {
    const after = readFileSync(image);
    console.log(
      JSON.stringify({
        code,
        intact: Buffer.compare(before, after) === 0,
        files: readdirSync(path.dirname(image)).sort(),
      }),
    );
  });
