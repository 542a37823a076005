/**
 * The kernel's reading of an image (`pageRuns`: a PGARR's pages as its addresses and one view of
 * their bytes) judges exactly as the reading with an object per page: the same verdict, errno,
 * offset, field and message on sound and damaged images, and the same pages.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PAGE_SIZE, type CheckpointImage } from '../../../extension/image/model';
import { readImage, type ReadResult } from '../../../extension/image/reader';
import { writeImage } from '../../../extension/image/writer';
import { MACHINE_KEY, bigImage, containerImage, sampleImage, signedImage } from './fixtures';

const imagesDir = path.join(__dirname, '..', '..', '..', 'examples', 'images');

/** `image` with each VMA's page runs turned back into its pages (as `pages` holds them). */
function pagesOfRuns(image: CheckpointImage): CheckpointImage {
  return {
    ...image,
    tasks: image.tasks.map((task) => ({
      ...task,
      vmas: task.vmas.map(({ pageRuns, ...vma }) => {
        assert.equal(vma.pages.length, 0, 'pages stay empty when read in runs');
        const pages = (pageRuns ?? []).flatMap((run) => {
          assert.equal(run.data.length, run.addrs.length * PAGE_SIZE);
          assert.equal(Object.getPrototypeOf(run.data), Uint8Array.prototype);
          return [...run.addrs].map((addr, i) => ({
            offset: run.offset,
            addr,
            data: run.data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE),
          }));
        });
        return { ...vma, pages };
      }),
    })),
  };
}

function sameVerdict(bytes: Uint8Array, what: string): ReadResult {
  const keys = { machine: MACHINE_KEY };
  const objects = readImage(bytes, { keys });
  const runs = readImage(bytes, { keys, pageRuns: true });
  if (!objects.ok || !runs.ok) {
    assert.deepEqual(runs, objects, what);
    return objects;
  }
  assert.deepEqual({ ...runs, image: pagesOfRuns(runs.image) }, objects, what);
  return objects;
}

describe('readImage with pageRuns (the kernel’s reading)', () => {
  const key = { keyId: 'machine', key: MACHINE_KEY };
  const images: [string, Uint8Array][] = [
    ['sample', writeImage(sampleImage())],
    ['container', writeImage(containerImage())],
    ['big', writeImage(bigImage(3000))],
    ['signed', writeImage(signedImage(), { signingKey: key })],
    ...readdirSync(imagesDir)
      .filter((name) => name.endsWith('.crimg'))
      .map((name): [string, Uint8Array] => [name, readFileSync(path.join(imagesDir, name))]),
  ];

  it('gives the same image, a PGARR’s pages at a time, as views of the bytes', () => {
    let pages = 0;
    for (const [name, bytes] of images) {
      const verdict = sameVerdict(bytes, name);
      if (verdict.ok)
        for (const task of verdict.image.tasks)
          for (const vma of task.vmas) pages += vma.pages.length;
    }
    assert.ok(pages >= 2000, `only ${pages} pages judged`);
    const big = readImage(images[2]?.[1] ?? new Uint8Array(0), { pageRuns: true });
    assert.ok(big.ok);
    const run = big.image.tasks[0]?.vmas.find((vma) => vma.pageRuns !== undefined)?.pageRuns?.[0];
    assert.ok(run !== undefined && run.data.buffer === (images[2]?.[1] as Uint8Array).buffer);
  });

  it('refuses damaged images with the same errno, offset, field and message', () => {
    // The big image (12 MiB) is judged in the first test; its pages are judged alike here.
    for (const [name, bytes] of images.filter(([, bytes]) => bytes.length < 1 << 20)) {
      // Cuts at a spread of places (inside addresses, pages, records, the MAC).
      const cuts = new Set<number>();
      for (let at = 0; at < bytes.length; at += Math.max(1, Math.floor(bytes.length / 47)))
        cuts.add(at);
      for (const cut of cuts) sameVerdict(bytes.slice(0, cut), `${name} cut at ${cut}`);
      // Flipped bytes: addresses (misaligned, outside the VMA, descending), counts, the MAC.
      for (let at = 0; at < bytes.length; at += Math.max(1, Math.floor(bytes.length / 71))) {
        for (const mask of [0x01, 0x80]) {
          const flipped = bytes.slice();
          flipped[at] = (flipped[at] ?? 0) ^ mask;
          sameVerdict(flipped, `${name} byte ${at} ^ ${mask}`);
        }
      }
    }
  });
});
