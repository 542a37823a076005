/**
 * The writer a slice at a time (ImageEncoder): the chunks, concatenated, are the image; every
 * slice is bounded; page contents come out as views of the model's own bytes; a bound of the size
 * is known before the first byte, the size once the last is out; a signed image signs what was
 * handed out.
 */
import assert from 'node:assert/strict';
import type { PageImage, PageRun, VmaRecord } from '../../../extension/image/model';
import { readImage } from '../../../extension/image/reader';
import { ImageEncoder, PAGES_PER_PGARR, writeImage } from '../../../extension/image/writer';
import { MACHINE_KEY, bigImage, containerImage, sampleImage, signedImage } from './fixtures';

interface Drained {
  slices: Uint8Array[][];
  bytes: Uint8Array;
  /** `encoder.size` after each slice. */
  sizes: number[];
  written: number[];
}

function drain(encoder: ImageEncoder): Drained {
  const slices: Uint8Array[][] = [];
  const sizes: number[] = [];
  const written: number[] = [];
  for (let chunks = encoder.next(); chunks !== null; chunks = encoder.next()) {
    slices.push(chunks);
    sizes.push(encoder.size);
    written.push(encoder.written);
  }
  const all = slices.flat();
  const bytes = new Uint8Array(all.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of all) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { slices, bytes, sizes, written };
}

describe('ImageEncoder: the writer in slices', () => {
  it('gives the bytes of an image the reader accepts, whatever the image', () => {
    let skipped = 0;
    for (const image of [sampleImage(), containerImage(), bigImage(3000)]) {
      const encoder = new ImageEncoder(image);
      const { bytes, sizes, written } = drain(encoder);
      const read = readImage(bytes);
      assert.ok(read.ok, read.ok ? '' : read.error.message);
      assert.deepEqual(writeImage(read.image), bytes);
      // Before the first byte, a bound: the size with every page written, which it is when no
      // page is all zero (bigImage leaves every 7th page all zero). The size comes with the
      // last slice, and is what came out.
      const pages = image.tasks.flatMap((task) => task.vmas.flatMap((vma) => vma.pages));
      const zero = pages.filter((page) => page.data.every((byte) => byte === 0)).length;
      assert.equal(encoder.bound, bytes.length + zero * (8 + 4096));
      skipped += zero;
      assert.ok(sizes.slice(0, -1).every((size) => size === -1));
      assert.equal(sizes.at(-1), bytes.length);
      assert.equal(written.at(-1), bytes.length);
      assert.deepEqual(
        written,
        [...written].sort((a, b) => a - b),
      );
    }
    assert.ok(skipped > 400, `${skipped} zero pages`);
  });

  it('hands out at most PAGES_PER_PGARR pages per slice, as the model’s own page arrays', () => {
    const image = bigImage(3000);
    const modelPages = new Set(
      image.tasks.flatMap((t) => t.vmas.flatMap((v) => v.pages.map((p) => p.data))),
    );
    const { slices } = drain(new ImageEncoder(image));
    let pageChunks = 0;
    for (const slice of slices) {
      const pages = slice.filter((chunk) => modelPages.has(chunk));
      assert.ok(pages.length <= PAGES_PER_PGARR, `${pages.length} pages in one slice`);
      // Everything else in a slice is record fields: small.
      const fields = slice.filter((chunk) => !modelPages.has(chunk));
      assert.ok(fields.every((chunk) => chunk.length <= 64 * 1024));
      pageChunks += pages.length;
    }
    // bigImage leaves every 7th page all zero: those are skipped.
    const nonZero = [...modelPages].filter((data) => data.some((byte) => byte !== 0)).length;
    assert.equal(pageChunks, nonZero);
    assert.ok(nonZero > 2500);
    assert.ok(slices.length >= Math.ceil(3000 / PAGES_PER_PGARR));
  });

  it('puts the PGARRs of small mappings in one slice while their pages fit, never splitting one', () => {
    // 40 mappings of 50 pages (none zero): 20 fit in a slice (1000 pages), the 21st does not.
    const image = bigImage(2000);
    const task = image.tasks[0];
    assert.ok(task !== undefined);
    const pages = task.vmas.flatMap((vma) => vma.pages);
    pages.forEach((page, index) => (page.data[0] = 1 + (index % 200)));
    task.vmas = Array.from({ length: 40 }, (_, v) => {
      const start = 0x10000000 + v * 0x100000;
      const own = pages.slice(v * 50, v * 50 + 50).map((page, i) => ({
        addr: start + i * 4096,
        data: page.data,
      }));
      return {
        ...(task.vmas[0] as VmaRecord),
        vm_start: start,
        vm_end: start + 50 * 4096,
        pages: own,
      };
    });
    const modelPages = new Set(pages.map((page) => page.data));
    const { slices, bytes } = drain(new ImageEncoder(image));
    // One slice a PGARR, as before, would be 40 slices and 40 host writes.
    assert.deepEqual(
      slices.map((slice) => slice.filter((chunk) => modelPages.has(chunk)).length),
      [1000, 1000],
    );
    assert.deepEqual(bytes, writeImage(image));
    const read = readImage(bytes);
    assert.ok(read.ok, read.ok ? '' : read.error.message);
    assert.equal(read.image.tasks[0]?.vmas.length, 40);
  });

  it('skips all-zero pages in slices, looking at a bounded number of pages per slice', () => {
    const image = bigImage(5000);
    const task = image.tasks[0];
    assert.ok(task !== undefined);
    const pages = task.vmas.flatMap((vma) => vma.pages);
    for (const page of pages.slice(0, 2500)) page.data.fill(0);
    const nonZero = pages.filter((page) => page.data.some((byte) => byte !== 0)).length;
    assert.ok(nonZero > 2000 && nonZero < 2500);
    const modelPages = new Set(pages.map((page) => page.data));
    const { slices } = drain(new ImageEncoder(image));
    // Before the first page goes out: slices that only look at the zero pages (at most
    // PAGES_PER_PGARR each), with at most the records before them.
    const looking = slices.findIndex((slice) => slice.some((chunk) => modelPages.has(chunk)));
    assert.ok(looking >= Math.floor(2500 / PAGES_PER_PGARR), `${looking} slices`);
    const read = readImage(writeImage(image));
    assert.ok(read.ok);
    assert.equal(
      read.image.tasks[0]?.vmas.reduce((sum, vma) => sum + vma.pages.length, 0),
      nonZero,
    );
  });

  it('hands out pages that lie one after another in one buffer as one view of it, never a copy', () => {
    const image = bigImage(3000);
    const task = image.tasks[0];
    assert.ok(task !== undefined);
    const pages = task.vmas.flatMap((vma) => vma.pages);
    // Every page a view into one buffer, in order, but for a gap after page 100 and no zero page.
    const memory = new Uint8Array((pages.length + 1) * 4096);
    pages.forEach((page, index) => {
      const at = (index + (index > 100 ? 1 : 0)) * 4096;
      const view = memory.subarray(at, at + 4096);
      view.set(page.data);
      view[0] = 1 + (index % 200);
      page.data = view;
    });
    const { slices, bytes } = drain(new ImageEncoder(image));
    const pageChunks = slices.flat().filter((chunk) => chunk.buffer === memory.buffer);
    // One chunk per PGARR of each mapping, and one more where the gap cuts the run.
    const arrays = task.vmas.reduce(
      (sum, vma) => sum + Math.ceil(vma.pages.length / PAGES_PER_PGARR),
      0,
    );
    assert.equal(pageChunks.length, arrays + 1);
    assert.equal(
      pageChunks.reduce((sum, chunk) => sum + chunk.length, 0),
      pages.length * 4096,
    );
    assert.ok(pageChunks.every((chunk) => chunk.length <= PAGES_PER_PGARR * 4096));
    // The same bytes as page by page.
    assert.deepEqual(bytes, writeImage(image));
    const read = readImage(bytes);
    assert.ok(read.ok, read.ok ? '' : read.error.message);
    assert.deepEqual(
      read.image.tasks[0]?.vmas.flatMap((vma) => vma.pages.map((page) => [...page.data])),
      pages.map((page) => [...page.data]),
    );
  });

  it('tells all-zero pages that are views into shared, interleaved and unaligned buffers', () => {
    // A task's pages are views into a few large buffers; the writer keeps one word view of the
    // last buffer it looked into. Each page's verdict must still be its own bytes'.
    const image = bigImage(64);
    const task = image.tasks[0];
    assert.ok(task !== undefined);
    const pages = task.vmas.flatMap((vma) => vma.pages);
    const shared = new Uint8Array(32 * 4096);
    const other = new Uint8Array(32 * 4096);
    const odd = new Uint8Array(4 * 4096 + 1);
    pages.forEach((page, index) => {
      // Alternate between two buffers; a byte-aligned view every eighth page.
      const buffer = index % 8 === 7 ? odd : index % 2 === 0 ? shared : other;
      const at = buffer === odd ? 1 + (index % 4) * 4096 : Math.floor(index / 2) * 4096;
      const view = buffer.subarray(at, at + 4096);
      // Zero pages, pages whose only byte is the last one, and the fixture's contents.
      if (index % 3 === 0) view.fill(0);
      else if (index % 3 === 1) view[4095] = index;
      else view.set(page.data);
      page.data = view;
    });
    const expected = pages.filter((page) => page.data.some((byte) => byte !== 0));
    assert.ok(expected.length > 10 && expected.length < pages.length);
    const read = readImage(writeImage(image));
    assert.ok(read.ok, read.ok ? '' : read.error.message);
    const written = read.image.tasks[0]?.vmas.flatMap((vma) => vma.pages) ?? [];
    assert.deepEqual(
      written.map((page) => page.addr),
      expected.map((page) => page.addr),
    );
    assert.deepEqual(
      written.map((page) => [...page.data]),
      expected.map((page) => [...page.data]),
    );
  });

  it('writes pages given as runs (pageRuns, the kernel’s) exactly as pages given one by one', () => {
    // The kernel hands the writer a task's pages as runs of bytes that lie one after another:
    // the same bytes must come out, zero pages skipped and PGARRs of 1024 pages whatever the
    // runs' lengths, in aligned and unaligned buffers and runs of one page.
    const image = bigImage(3000);
    const task = image.tasks[0];
    assert.ok(task !== undefined);
    task.vmas.forEach((vma, v) =>
      vma.pages.forEach((page, i) => {
        if ((i + v) % 7 === 0) page.data.fill(0);
      }),
    );
    const expected = writeImage(image);
    let cut = 0;
    for (const vma of task.vmas) {
      const runs: PageRun[] = [];
      for (let first = 0; first < vma.pages.length;) {
        // Runs of 1, 2, 500, 1300 pages in turn, every other one in an unaligned buffer.
        const length = Math.min([1, 2, 500, 1300][cut % 4] as number, vma.pages.length - first);
        const skew = cut % 2;
        cut++;
        const data = new Uint8Array(length * 4096 + skew).subarray(skew);
        const addrs = new Float64Array(length);
        for (let i = 0; i < length; i++) {
          const page = vma.pages[first + i] as PageImage;
          data.set(page.data, i * 4096);
          addrs[i] = page.addr;
        }
        runs.push({ addrs, data });
        first += length;
      }
      vma.pages = [];
      vma.pageRuns = runs;
    }
    assert.ok(cut > 8, `${cut} runs`);
    assert.deepEqual(drain(new ImageEncoder(image)).bytes, expected);
    // A run whose bytes do not hold its pages is refused, naming its first page.
    const vma = task.vmas[0];
    assert.ok(vma !== undefined);
    vma.pageRuns = [{ addrs: Float64Array.of(vma.vm_start), data: new Uint8Array(100) }];
    assert.throws(() => writeImage(image), /pages from 0x[0-9a-f]+: 100 bytes for 1 pages/);
  });

  it('signs exactly the bytes it handed out', () => {
    const key = { keyId: 'machine', key: MACHINE_KEY };
    const { bytes } = drain(new ImageEncoder(signedImage(), { signingKey: key }));
    assert.deepEqual(bytes, writeImage(signedImage(), { signingKey: key }));
    const read = readImage(bytes, { keys: { machine: MACHINE_KEY } });
    assert.ok(read.ok, read.ok ? '' : read.error.message);
    assert.equal(read.signature, 'verified');
  });

  it('refuses SIGNED without a key, as writeImage does', () => {
    assert.throws(() => new ImageEncoder(signedImage()), /signingKey/);
  });
});
