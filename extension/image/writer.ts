/**
 * The image writer: a CheckpointImage in, the exact byte stream of image-format.md out.
 *
 * One emitter writes every record. It runs once only counting bytes, every page counted (the
 * most the image can be, known before any page is looked at), then once producing the bytes as
 * chunks: the record fields are gathered into small buffers, and page contents are handed out
 * as views of the model's own bytes (one view per stretch of pages that lie one after another
 * in a buffer), never copied. A PGARR's pages are gathered (all-zero pages skipped) right before
 * it goes out. {@link ImageEncoder} hands the chunks out a slice at a time (at most 1024 pages,
 * 4 MiB, in one PGARR or the PGARRs of several small VMAs), so a host can write a 1 GiB image
 * to a file or a stream between event-loop turns without holding a second copy;
 * {@link writeImage} gathers them into one buffer of the final size (one allocation, one copy
 * of each page). Both give the same bytes.
 */
import { HmacSha256 } from './hmac';
import {
  CHECKPOINT_MAGIC_HEAD,
  CHECKPOINT_MAGIC_TAIL,
  type CheckpointImage,
  type HeadRecord,
  HeadFlag,
  type OpenFileRecord,
  PAGE_SIZE,
  type PageImage,
  type PageRun,
  RecordType,
  SecType,
  SignAlg,
  type VmaRecord,
} from './model';

/** The key that signs an image: its id is written into SIGN, the secret never is. */
export interface SigningKey {
  keyId: string;
  key: Uint8Array;
}

/** Options of {@link writeImage}. */
export interface WriteOptions {
  /** Required when `head.flags` has SIGNED. */
  signingKey?: SigningKey;
}

/** Most pages one PGARR carries (image-format.md, PGARR). */
export const PAGES_PER_PGARR = 1024;
const CHAR_ARRAY_HEAD = 64;
const CHAR_ARRAY_LSM = 16;
const SIGNATURE_SIZE = 32;
const TWO_POW_32 = 0x1_0000_0000;
/** Room for the record fields gathered into one chunk (a new buffer when they need more). */
const SCRATCH_SIZE = 64 * 1024;

const utf8 = new TextEncoder();

/**
 * The length of `text` in UTF-8, as TextEncoder encodes it (a lone surrogate as U+FFFD, three
 * bytes), without encoding it: the bounding pass needs only lengths.
 */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      length += 1;
      continue;
    }
    // Three bytes; or four for a surrogate pair, whose two units count two.
    length += 2;
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
  }
  return length;
}

/**
 * A cursor over the image that either only counts (the sizing pass) or produces chunks: field
 * bytes go into a zero-filled scratch buffer, handed out as a view when page data follows or the
 * buffer is full; page data is handed out as it is. Both passes run the same emitter, so they
 * agree. When signing, every chunk handed out also feeds the MAC.
 */
class Output {
  /** Position in the image. */
  pos = 0;
  private ready: Uint8Array[] = [];
  private scratch: Uint8Array | null = null;
  private view: DataView | null = null;
  /** Bytes of `scratch` in use, and where those not yet handed out begin. */
  private fill = 0;
  private pending = 0;

  /** Bytes of page data handed out (or counted). */
  pageBytes = 0;

  /**
   * @param scratchSize the room of each scratch buffer: the fields' bound when it is known and
   *   small (a 1 MiB image has a few KiB of fields: a zeroed 64 KiB buffer was a tenth of
   *   encoding it), at most SCRATCH_SIZE.
   */
  constructor(
    readonly counting: boolean,
    private mac: HmacSha256 | null = null,
    private readonly scratchSize = SCRATCH_SIZE,
  ) {}

  /** The view to write `n` field bytes at `fill` with, or null when only counting. */
  private room(n: number): DataView | null {
    if (this.counting) return null;
    if (this.scratch === null || this.fill + n > this.scratch.length) {
      this.flush();
      this.scratch = new Uint8Array(Math.max(this.scratchSize, n));
      this.view = new DataView(this.scratch.buffer);
      this.fill = 0;
      this.pending = 0;
    }
    return this.view;
  }

  private advance(n: number): void {
    this.pos += n;
    if (!this.counting) this.fill += n;
  }

  private emit(chunk: Uint8Array): void {
    this.ready.push(chunk);
    this.mac?.update(chunk);
  }

  /** Hands out the field bytes gathered since the last flush. */
  flush(): void {
    if (this.scratch !== null && this.fill > this.pending) {
      this.emit(this.scratch.subarray(this.pending, this.fill));
      this.pending = this.fill;
    }
  }

  /** Every chunk produced since the last call, in order. */
  take(): Uint8Array[] {
    this.flush();
    const chunks = this.ready;
    this.ready = [];
    return chunks;
  }

  /** The MAC of every byte so far (signing only); later bytes (the signature) are not fed. */
  digest(): Uint8Array {
    this.flush();
    if (this.mac === null) throw new Error('writeImage: no signing key');
    const mac = this.mac.digest();
    this.mac = null;
    return mac;
  }

  u16(value: number): void {
    this.room(2)?.setUint16(this.fill, value, true);
    this.advance(2);
  }
  s16(value: number): void {
    this.room(2)?.setInt16(this.fill, value, true);
    this.advance(2);
  }
  u32(value: number): void {
    this.room(4)?.setUint32(this.fill, value >>> 0, true);
    this.advance(4);
  }
  s32(value: number): void {
    this.room(4)?.setInt32(this.fill, value, true);
    this.advance(4);
  }
  /** A u64 held as a number below 2^53. */
  u64(value: number): void {
    const view = this.room(8);
    if (view !== null) {
      view.setUint32(this.fill, value >>> 0, true);
      view.setUint32(this.fill + 4, Math.floor(value / TWO_POW_32) >>> 0, true);
    }
    this.advance(8);
  }
  /**
   * `values[first..last)` as u64s (each a number below 2^53), after one room reservation: a
   * PGARR's 1024 addresses went out through 1024 u64 calls, a tenth of a 256 MiB checkpoint's
   * JavaScript time. The low word is `value >>> 0` (ToUint32 is the value modulo 2^32 for any
   * integer below 2^53): `value % 2^32` on a double was a call to fmod, a third of the time of
   * writing a 256 MiB checkpoint's 65 536 addresses.
   */
  u64s(values: ArrayLike<number>, first: number, last: number): void {
    const n = (last - first) * 8;
    const view = this.room(n);
    if (view !== null) {
      for (let i = first, at = this.fill; i < last; i++, at += 8) {
        const value = values[i] as number;
        view.setUint32(at, value >>> 0, true);
        view.setUint32(at + 4, Math.floor(value / TWO_POW_32) >>> 0, true);
      }
    }
    this.advance(n);
  }
  s64(value: number): void {
    this.room(8)?.setBigInt64(this.fill, BigInt(Math.trunc(value)), true);
    this.advance(8);
  }
  u64big(value: bigint): void {
    this.room(8)?.setBigUint64(this.fill, BigInt.asUintN(64, value), true);
    this.advance(8);
  }
  /** Field bytes (copied). */
  raw(data: Uint8Array): void {
    if (this.room(data.length) !== null) this.scratch?.set(data, this.fill);
    this.advance(data.length);
  }
  /** `n` zero bytes (the scratch buffer starts zeroed). */
  zeros(n: number): void {
    this.room(n);
    this.advance(n);
  }
  /** Page contents: handed out as they are, not copied. */
  pageData(data: Uint8Array): void {
    if (!this.counting) {
      this.flush();
      this.emit(data);
    }
    this.pos += data.length;
    this.pageBytes += data.length;
  }
  /** `text` in UTF-8 (`length` bytes, from utf8Length), encoded straight into the scratch. */
  private utf8(text: string, length: number): void {
    if (this.room(length) !== null && length > 0)
      utf8.encodeInto(text, (this.scratch as Uint8Array).subarray(this.fill, this.fill + length));
    this.advance(length);
  }
  /** A fixed char array: the UTF-8 text, then NULs to `size`. */
  charArray(text: string, size: number, what: string): void {
    const length = utf8Length(text);
    if (length >= size) throw new RangeError(`${what}: ${length} bytes do not fit char[${size}]`);
    this.room(size);
    this.utf8(text, length);
    this.advance(size - length);
  }
  /** A STRING's or FNAME's payload: `text` in UTF-8 (`length` bytes, from utf8Length), then NUL. */
  text(text: string, length: number): void {
    this.utf8(text, length);
    this.zeros(1);
  }
  /** Starts a record; returns a function that checks the payload length when it ends. */
  header(type: number, len: number, parent: number): () => void {
    if (len < 0 || len > 0x7fff) throw new RangeError(`record ${type}: payload of ${len} bytes`);
    this.s16(type);
    this.s16(len);
    this.u32(parent);
    const end = this.pos + len;
    return () => {
      if (this.pos !== end)
        throw new Error(`record ${type}: wrote ${this.pos - (end - len)} of ${len} bytes`);
    };
  }
}

/** STRING or FNAME: the UTF-8 text and its final NUL. */
function textRecord(out: Output, type: number, parent: number, text: string): void {
  const length = utf8Length(text);
  const done = out.header(type, length + 1, parent);
  out.text(text, length);
  done();
}

function securityRecord(out: Output, sectype: number, parent: number, label: string): void {
  const length = utf8Length(label);
  const done = out.header(RecordType.SECURITY, 8 + length + 1, parent);
  out.u32(sectype);
  out.u32(0);
  out.text(label, length);
  done();
}

function headRecord(out: Output, head: HeadRecord): void {
  const done = out.header(RecordType.HEAD, 224, 0);
  out.raw(CHECKPOINT_MAGIC_HEAD);
  out.u16(head.major);
  out.u16(head.minor);
  out.u16(head.patch);
  out.u16(head.rev);
  out.u64(head.time);
  out.u64(head.flags);
  out.charArray(head.release, CHAR_ARRAY_HEAD, 'HEAD.release');
  out.charArray(head.version, CHAR_ARRAY_HEAD, 'HEAD.version');
  out.charArray(head.machine, CHAR_ARRAY_HEAD, 'HEAD.machine');
  done();
}

/**
 * Tells all-zero pages. A task's pages lie in a few large buffers (the image a restart read, the
 * memory table's chunks), so one word view of the last buffer serves page after page: a new
 * Uint32Array for each page was a fifth of a 256 MiB checkpoint's JavaScript time, most pages
 * being decided by their first word. One per write, so no buffer outlives it.
 */
class ZeroPages {
  private buffer: ArrayBufferLike | null = null;
  private words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(0);

  /** Whether the page at `byteOffset` in `buffer` is all zero. */
  test(buffer: ArrayBufferLike, byteOffset: number): boolean {
    this.use(buffer);
    if (byteOffset % 4 === 0) {
      const words = this.words;
      const end = (byteOffset + PAGE_SIZE) / 4;
      for (let i = byteOffset / 4; i < end; i++) if (words[i] !== 0) return false;
      return true;
    }
    const bytes = this.bytes;
    for (let i = byteOffset; i < byteOffset + PAGE_SIZE; i++) if (bytes[i] !== 0) return false;
    return true;
  }

  /**
   * Marks in `nonZero` each of the `count` pages from `byteOffset` in `buffer` whose first word
   * (byte, when unaligned) is not zero: such a page is not all zero, the others need
   * {@link test}. One tight loop of independent reads, each a page apart (a new cache line and
   * TLB entry each): the processor keeps many of them in flight, where testing the pages one by
   * one between the planning of each waited for them one at a time (a sixth of a 256 MiB
   * checkpoint's time).
   */
  scan(buffer: ArrayBufferLike, byteOffset: number, count: number, nonZero: Uint8Array): void {
    this.use(buffer);
    if (byteOffset % 4 === 0) {
      const words = this.words;
      for (let i = 0, at = byteOffset / 4; i < count; i++, at += PAGE_SIZE / 4)
        nonZero[i] = words[at] !== 0 ? 1 : 0;
    } else {
      const bytes = this.bytes;
      for (let i = 0, at = byteOffset; i < count; i++, at += PAGE_SIZE)
        nonZero[i] = bytes[at] !== 0 ? 1 : 0;
    }
  }

  private use(buffer: ArrayBufferLike): void {
    if (buffer === this.buffer) return;
    this.words = new Uint32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    this.bytes = new Uint8Array(buffer);
    this.buffer = buffer;
  }
}

/**
 * A VMA's pages as the PGARRs that carry them (its `pages`, then its `pageRuns`), gathered one
 * PGARR at a time just before it is written: all-zero pages are skipped (they read back as
 * zero). Gathering a PGARR right before the host writes it is what makes the zero test cheap:
 * its read of each page's first word takes the page's TLB entry and first cache line, which the
 * host's copy of the same page then finds warm. Looking at every page first, then writing them
 * all, paid for each page twice: a 256 MiB checkpoint went from 0.74× a raw write's throughput
 * to 0.84–0.9× (scripts/bench/scale.ts) when it stopped.
 *
 * The pages' data leave as chunks, one view per stretch of pages that lie one after another in
 * the same buffer (a restored task's pages lie in the image it was read from): a PGARR of such
 * pages leaves as one 4 MiB chunk, not 1024, which saves the host's `writev` an iovec per page.
 * A run of pages is taken a block at a time (one pass of first-word reads, then a native
 * `indexOf` for the pages that need the whole test), with no object or call per page.
 */
class PageArrays {
  /** The PGARR gathered: its pages' addresses (`count` of them) and their data, in order. */
  readonly addrs = new Float64Array(PAGES_PER_PGARR);
  count = 0;
  chunks: Uint8Array[] = [];
  // The VMA whose pages are gathered, and where the looking has got: an index into its `pages`,
  // then a run and a page in it.
  private vma: VmaRecord | null = null;
  private page = 0;
  private run = 0;
  private inRun = 0;
  /** Pages of the VMA not looked at yet. */
  private unlooked = 0;
  /**
   * Pages this slice answers for: those looked at in it, and those gathered in the last slice
   * for a PGARR not yet written. At most PAGES_PER_PGARR, so a slice writes at most that many.
   */
  private looked = 0;
  // The chunk being gathered: its buffer (null when none), where it starts, its length, and
  // its only page's own view (a chunk of one page leaves as that view).
  private chunkBuffer: ArrayBufferLike | null = null;
  private chunkStart = 0;
  private chunkLength = 0;
  private chunkPage: Uint8Array | null = null;

  private readonly zeroPages = new ZeroPages();
  /** First-word verdicts of a block of a run. */
  private readonly firstWords = new Uint8Array(PAGES_PER_PGARR);

  /** Starts on `vma`'s pages. */
  begin(vma: VmaRecord): void {
    this.vma = vma;
    this.page = 0;
    this.run = 0;
    this.inRun = 0;
    this.unlooked = pageCount(vma);
  }

  /**
   * Gathers the next PGARR: up to PAGES_PER_PGARR pages that are not all zero; returns how many
   * it holds, 0 once every page has been looked at. Yields (ends the slice) first when the pages
   * it may look at would not fit in this slice, and while a stretch of zero pages is looked at.
   * PGARRs of small VMAs share a slice: a task's many small mappings went out one host write
   * each (a 1 MiB image of four VMAs took six writes).
   *
   * @throws RangeError when a page's or a run's bytes do not hold its pages.
   */
  *gather(): Generator<void, number, void> {
    this.count = 0;
    this.chunks = [];
    if (this.vma === null || this.unlooked === 0) return 0;
    if (
      this.looked > 0 &&
      this.looked + Math.min(this.unlooked, PAGES_PER_PGARR) > PAGES_PER_PGARR
    ) {
      this.looked = 0;
      yield;
    }
    const pages = this.vma.pages;
    const runs = this.vma.pageRuns ?? [];
    while (this.count < PAGES_PER_PGARR) {
      if (this.looked >= PAGES_PER_PGARR) {
        // The pages gathered so far go out in the next slice, with the rest of their PGARR.
        this.looked = this.count;
        yield;
      }
      if (this.page < pages.length) {
        const page = pages[this.page++] as PageImage;
        const data = page.data;
        if (data.length !== PAGE_SIZE) {
          throw new RangeError(
            `page 0x${page.addr.toString(16)}: ${data.length} bytes, not ${PAGE_SIZE}`,
          );
        }
        const buffer = data.buffer;
        const byteOffset = data.byteOffset;
        if (!this.zeroPages.test(buffer, byteOffset)) {
          this.addrs[this.count++] = page.addr;
          this.addData(buffer, byteOffset, PAGE_SIZE, data);
        }
        this.looked++;
        this.unlooked--;
      } else if (this.run < runs.length) {
        this.gatherFromRun(runs[this.run] as PageRun);
      } else break;
    }
    this.endChunk();
    return this.count;
  }

  /** Takes the next block of the current run: as many pages as the PGARR and the slice have room for. */
  private gatherFromRun(run: PageRun): void {
    const addrs = run.addrs;
    const data = run.data;
    if (this.inRun === 0 && data.length !== addrs.length * PAGE_SIZE) {
      throw new RangeError(
        `pages from 0x${(addrs[0] ?? 0).toString(16)}: ${data.length} bytes for ${addrs.length} pages`,
      );
    }
    const first = this.inRun;
    const block = Math.min(
      addrs.length - first,
      PAGES_PER_PGARR - this.count,
      PAGES_PER_PGARR - this.looked,
    );
    const buffer = data.buffer;
    const base = data.byteOffset + first * PAGE_SIZE;
    const only = addrs.length === 1 ? data : null;
    const firstWords = this.firstWords;
    this.zeroPages.scan(buffer, base, block, firstWords);
    // Stretches of pages whose first word is not zero are taken whole; a page whose first word
    // is zero gets the whole test.
    for (let from = 0; from < block;) {
      let to = firstWords.indexOf(0, from);
      if (to < 0 || to > block) to = block;
      if (to > from)
        this.addPages(addrs, first + from, first + to, buffer, base + from * PAGE_SIZE, only);
      if (to < block) {
        const at = base + to * PAGE_SIZE;
        if (!this.zeroPages.test(buffer, at))
          this.addPages(addrs, first + to, first + to + 1, buffer, at, only);
        to++;
      }
      from = to;
    }
    this.looked += block;
    this.unlooked -= block;
    this.inRun += block;
    if (this.inRun === addrs.length) {
      this.run++;
      this.inRun = 0;
    }
  }

  /** Pages `[from, to)` of a run, whose data start at `byteOffset` in `buffer`. */
  private addPages(
    addrs: Float64Array,
    from: number,
    to: number,
    buffer: ArrayBufferLike,
    byteOffset: number,
    only: Uint8Array | null,
  ): void {
    if (to - from === 1) this.addrs[this.count] = addrs[from] as number;
    else this.addrs.set(addrs.subarray(from, to), this.count);
    this.count += to - from;
    this.addData(buffer, byteOffset, (to - from) * PAGE_SIZE, only);
  }

  /** Page data: it extends the chunk being gathered when it follows it in the same buffer. */
  private addData(
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
    page: Uint8Array | null,
  ): void {
    if (buffer === this.chunkBuffer && byteOffset === this.chunkStart + this.chunkLength) {
      this.chunkLength += length;
      return;
    }
    this.endChunk();
    this.chunkBuffer = buffer;
    this.chunkStart = byteOffset;
    this.chunkLength = length;
    this.chunkPage = length === PAGE_SIZE ? page : null;
  }

  /** Hands the chunk being gathered to the PGARR's chunks. */
  private endChunk(): void {
    if (this.chunkBuffer === null) return;
    this.chunks.push(
      this.chunkPage !== null && this.chunkLength === PAGE_SIZE
        ? this.chunkPage
        : new Uint8Array(this.chunkBuffer, this.chunkStart, this.chunkLength),
    );
    this.chunkBuffer = null;
  }
}

/** How many pages a VMA has, zero or not: a bound of what it writes. */
function pageCount(vma: VmaRecord): number {
  let count = vma.pages.length;
  for (const run of vma.pageRuns ?? []) count += run.addrs.length;
  return count;
}

/**
 * One VMA, its FNAME and its page arrays; yields where PageArrays ends a slice (before a PGARR
 * that would not fit in it, and while a stretch of zero pages is looked at). The bounding pass
 * (`pages` null) counts every page as written.
 */
function* emitVma(
  out: Output,
  vpid: number,
  vma: VmaRecord,
  pages: PageArrays | null,
): Generator<void, void, void> {
  const done = out.header(RecordType.VMA, 48, vpid);
  out.u32(vma.vma_type);
  out.u32(0);
  out.u64(vma.vm_start);
  out.u64(vma.vm_end);
  out.u64(vma.vm_page_prot);
  out.u64(vma.vm_flags);
  out.u64(vma.vm_pgoff);
  done();
  if (vma.file !== null) textRecord(out, RecordType.FNAME, vpid, vma.file);
  if (pages === null) {
    // A PGARR's bytes follow from its count (header, addresses, pages).
    const count = pageCount(vma);
    out.pos += Math.ceil(count / PAGES_PER_PGARR) * (8 + 8) + count * (8 + PAGE_SIZE);
    out.pageBytes += count * PAGE_SIZE;
  } else {
    pages.begin(vma);
    for (let count = yield* pages.gather(); count > 0; count = yield* pages.gather()) {
      const doneChunk = out.header(RecordType.PGARR, 8, vpid);
      out.u64(count);
      doneChunk();
      out.u64s(pages.addrs, 0, count);
      for (const chunk of pages.chunks) out.pageData(chunk);
    }
  }
  const closing = out.header(RecordType.PGARR, 8, vpid);
  out.u64(0);
  closing();
}

function emitOpenFile(out: Output, file: OpenFileRecord): void {
  const done = out.header(RecordType.FD_DATA, 24, file.objref);
  out.u16(file.fd_type);
  out.u16(file.f_mode);
  out.u32(file.f_flags);
  out.u64(file.f_pos);
  out.u64(file.f_version);
  done();
  textRecord(out, RecordType.FNAME, file.objref, file.path);
  if (file.label !== null) securityRecord(out, SecType.FILE, file.objref, file.label);
}

/**
 * Everything from HEAD up to (not including) SIGN/TAIL; yields where PageArrays ends a slice. The
 * bounding pass (`pages` null) counts every page as written.
 */
function* emitBody(
  out: Output,
  image: CheckpointImage,
  pages: PageArrays | null,
): Generator<void, void, void> {
  headRecord(out, image.head);
  if (image.lsm !== null) {
    const done = out.header(RecordType.LSM_INFO, 16, 0);
    out.charArray(image.lsm, CHAR_ARRAY_LSM, 'LSM_INFO.lsm_name');
    done();
  }
  const treeDone = out.header(RecordType.TREE, 8 + 24 * image.tree.length, 0);
  out.u32(image.tree.length);
  out.u32(0);
  for (const entry of image.tree) {
    out.s32(entry.vpid);
    out.s32(entry.vppid);
    out.s32(entry.vtgid);
    out.s32(entry.nspid);
    out.u32(entry.nsdepth);
    out.u32(entry.flags);
  }
  treeDone();

  const openFiles = new Map<number, OpenFileRecord>();
  for (const file of image.openFiles) openFiles.set(file.objref, file);
  const filesWritten = new Set<number>();

  for (const task of image.tasks) {
    const vpid = task.vpid;
    const comm = task.task.comm;
    let done = out.header(RecordType.TASK, 24, vpid);
    out.u32(task.task.state);
    out.u32(task.task.exit_state);
    out.u32(task.task.exit_code);
    out.u32(task.task.exit_signal);
    out.s32(utf8Length(comm));
    out.u32(task.task.flags);
    done();
    textRecord(out, RecordType.STRING, vpid, comm);

    const cred = task.cred;
    done = out.header(RecordType.CRED, 72, vpid);
    for (const id of [cred.uid, cred.suid, cred.euid, cred.fsuid]) out.u32(id);
    for (const id of [cred.gid, cred.sgid, cred.egid, cred.fsgid]) out.u32(id);
    out.u64big(cred.cap_inheritable);
    out.u64big(cred.cap_permitted);
    out.u64big(cred.cap_effective);
    out.u64big(cred.cap_bset);
    out.u32(cred.securebits);
    out.u32(cred.groups.length);
    done();
    if (cred.groups.length > 0) {
      done = out.header(RecordType.GROUPINFO, 8 + 4 * cred.groups.length, vpid);
      out.u32(cred.groups.length);
      out.u32(0);
      for (const group of cred.groups) out.u32(group);
      done();
    }
    if (cred.label !== null) securityRecord(out, SecType.CRED, vpid, cred.label);

    const mm = task.mm;
    done = out.header(RecordType.MM, 96, vpid);
    out.u32(mm.objref);
    out.u32(task.vmas.length);
    for (const value of [
      mm.start_code,
      mm.end_code,
      mm.start_data,
      mm.end_data,
      mm.start_brk,
      mm.brk,
      mm.start_stack,
      mm.arg_start,
      mm.arg_end,
      mm.env_start,
      mm.env_end,
    ]) {
      out.u64(value);
    }
    done();
    textRecord(out, RecordType.FNAME, vpid, mm.exe);
    for (const vma of task.vmas) yield* emitVma(out, vpid, vma, pages);

    done = out.header(RecordType.FILES, 8, vpid);
    out.u32(task.files.objref);
    out.u32(task.files.fds.length);
    done();
    for (const fd of task.files.fds) {
      done = out.header(RecordType.FD_ENT, 16, vpid);
      out.u32(fd.objref);
      out.s32(fd.fd);
      out.u32(fd.close_on_exec);
      out.u32(0);
      done();
      if (!filesWritten.has(fd.objref)) {
        const file = openFiles.get(fd.objref);
        if (file === undefined)
          throw new Error(`fd ${fd.fd} of task ${vpid}: no open file with objref ${fd.objref}`);
        filesWritten.add(fd.objref);
        emitOpenFile(out, file);
      }
    }

    const cpu = task.cpu;
    done = out.header(RecordType.CPU, 160, vpid);
    out.u64(cpu.pc);
    out.u64(cpu.sp);
    out.u64(cpu.flags);
    out.u64(cpu.orig_ax);
    for (let i = 0; i < 16; i++) out.s64(cpu.regs[i] ?? 0);
    done();
  }
}

/** Writes SIGN (when `signingKey` is given) and TAIL, signing everything before the MAC. */
function emitEnd(out: Output, signingKey: SigningKey | null): void {
  if (signingKey !== null) {
    const keyId = utf8.encode(signingKey.keyId);
    if (keyId.length < 1 || keyId.length > 64) throw new RangeError('SIGN.key_id: 1..64 bytes');
    const done = out.header(RecordType.SIGN, 8 + keyId.length + SIGNATURE_SIZE, 0);
    out.u16(SignAlg.HMAC_SHA256);
    out.u16(keyId.length);
    out.u16(SIGNATURE_SIZE);
    out.u16(0);
    out.raw(keyId);
    if (out.counting) out.zeros(SIGNATURE_SIZE);
    else out.raw(out.digest());
    done();
  }
  const done = out.header(RecordType.TAIL, 8, 0);
  out.raw(CHECKPOINT_MAGIC_TAIL);
  done();
}

/**
 * Encodes `image` a slice at a time: each {@link next} call does a bounded amount of work (looks
 * at up to 1024 pages and writes the PGARRs they fill) and returns the bytes it produced, in
 * order; concatenated, they are exactly {@link writeImage}'s output. The size is known once the
 * last slice is out ({@link size}); before, {@link bound} is the most it can be: which pages are
 * all zero is only found as their PGARR is gathered, right before it is written (see
 * PageArrays). Page contents come out as the model's own page arrays (views, not copies): write
 * or copy each slice's chunks before changing the model's pages.
 *
 * @throws like {@link writeImage}, from the constructor or from {@link next}.
 */
export class ImageEncoder {
  /** The most bytes the image can have: its size if no page were all zero. */
  readonly bound: number;
  /** The image's size in bytes; -1 until the last slice is out. */
  size = -1;
  /** Bytes handed out so far. */
  written = 0;
  private readonly slices: Generator<Uint8Array[], void, void>;

  constructor(image: CheckpointImage, opts: WriteOptions = {}) {
    const signed = (image.head.flags & HeadFlag.SIGNED) !== 0;
    if (signed && opts.signingKey === undefined) {
      throw new Error('writeImage: HEAD.flags has SIGNED but no signingKey was given');
    }
    const signingKey = signed ? (opts.signingKey ?? null) : null;
    // The bounding pass counts records from their fields and page arrays from their lengths:
    // no page is looked at.
    const bounding = new Output(true);
    for (const _ of emitBody(bounding, image, null));
    emitEnd(bounding, signingKey);
    this.bound = bounding.pos;
    this.slices = this.encode(image, signingKey, bounding.pos - bounding.pageBytes);
  }

  /** The bytes of the next slice (possibly none), or null once the whole image is out. */
  next(): Uint8Array[] | null {
    const slice = this.slices.next();
    return slice.done === true ? null : slice.value;
  }

  private *encode(
    image: CheckpointImage,
    signingKey: SigningKey | null,
    fieldBytes: number,
  ): Generator<Uint8Array[], void, void> {
    const out = new Output(
      false,
      signingKey === null ? null : new HmacSha256(signingKey.key),
      Math.min(SCRATCH_SIZE, fieldBytes),
    );
    for (const _ of emitBody(out, image, new PageArrays())) {
      this.written = out.pos;
      yield out.take();
    }
    emitEnd(out, signingKey);
    this.written = out.pos;
    this.size = out.pos;
    yield out.take();
  }
}

/**
 * Every chunk of `encoder` in one buffer of the image's size, allocated once its size is known:
 * until then the chunks are kept as they come (views of the model's pages, not copies).
 */
function gatherImage(encoder: ImageEncoder): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (let slice = encoder.next(); slice !== null; slice = encoder.next()) chunks.push(...slice);
  const bytes = new Uint8Array(encoder.size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/**
 * Writes `image` as a revision 1 `.crimg` stream.
 *
 * Pages are chunked at 1024 per PGARR and all-zero pages are skipped; an open file's
 * FD_DATA + FNAME (+ SECURITY) is written only after the first FD_ENT naming its objref.
 * When `image.head.flags` has SIGNED, a SIGN record with an HMAC-SHA256 over every byte
 * from offset 0 to the signature precedes TAIL; `opts.signingKey` must then be given.
 * The `offset` fields of the model and `image.sign` are ignored.
 *
 * @throws Error or RangeError when the image cannot be encoded (a text too long for its
 *   field, an FD_ENT without its open file, SIGNED without a key); the writer trusts its
 *   caller otherwise, readImage is the judge of images.
 */
export function writeImage(image: CheckpointImage, opts: WriteOptions = {}): Uint8Array {
  return gatherImage(new ImageEncoder(image, opts));
}

/**
 * Writes the image of a checkpoint that failed after its header went out: HEAD, then
 * `recordsAfterHead` (the records already written, as bytes), then ERROR and a STRING
 * holding `message`, then nothing.
 */
export function writeFailedImage(
  head: HeadRecord,
  message: string,
  recordsAfterHead: Uint8Array = new Uint8Array(0),
): Uint8Array {
  // The message is text of a STRING: a NUL inside it would end it early.
  const text = utf8.encode(message.replaceAll('\0', '\\0'));
  // A STRING is 1..4096 bytes with its NUL: a longer message is cut at a whole character.
  let length = Math.min(text.length, 4095);
  while (length > 0 && length < text.length && ((text[length] ?? 0) & 0xc0) === 0x80) length--;
  const emit = (out: Output): void => {
    headRecord(out, head);
    out.raw(recordsAfterHead);
    out.header(RecordType.ERROR, 0, 0)();
    const done = out.header(RecordType.STRING, length + 1, 0);
    out.raw(text.subarray(0, length));
    out.zeros(1); // the NUL
    done();
  };
  const sizing = new Output(true);
  emit(sizing);
  const out = new Output(false);
  emit(out);
  const bytes = new Uint8Array(sizing.pos);
  let at = 0;
  for (const chunk of out.take()) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
