/**
 * Address spaces: VMAs (anonymous or file-backed, with prot and flags as the image format has
 * them) over sparse 4 KiB pages. Only touched pages hold bytes (a Map of page index to page), so
 * a task can map and touch 1 GiB; untouched anonymous pages read as zero and untouched pages of a
 * file mapping read from the file. The machine's memory limit is charged per touched page.
 */
import { PAGE_SIZE, type PageRun, Prot, TASK_SIZE, VmFlag } from '../image/model';
import type { Errno, Result } from './errno';
import { fail, ok } from './errno';
import type { Inode } from './vfs';

/** Fixed layout of a task's address space (lab64). */
export const CODE_BASE = 0x400000;
export const DATA_BASE = 0x600000;
export const STACK_PAGES = 8;
export const STACK_TOP = TASK_SIZE;
export const MMAP_BASE = 0x7f00_0000_0000;
/** The most mappings one address space may have (the image format's map_count bound). */
export const MAX_MAP_COUNT = 1024;

/** A failed access: `signal` says what a task's own load or store gets (SIGSEGV otherwise). */
export interface AccessFailure {
  ok: false;
  errno: Errno;
  reason: string;
  signal?: 'SIGBUS';
}

/** The result of a memory access. */
export type Access<T> = { ok: true; value: T } | AccessFailure;

export interface Vma {
  start: number;
  end: number;
  /** PROT_READ | PROT_WRITE | PROT_EXEC. */
  prot: number;
  /** VM_* flags; READ/WRITE/EXEC mirror prot. */
  flags: number;
  file: Inode | null;
  /** The backing file's path as mapped (for the image's FNAME). */
  path: string | null;
  /** Offset into the file, in pages. */
  pgoff: number;
}

/** vm_flags for a prot and sharing, as mmap computes them. */
export function vmFlagsFor(prot: number, shared: boolean, growsDown = false): number {
  let flags = 0;
  if (prot & Prot.READ) flags |= VmFlag.READ;
  if (prot & Prot.WRITE) flags |= VmFlag.WRITE;
  if (prot & Prot.EXEC) flags |= VmFlag.EXEC;
  if (shared) flags |= VmFlag.SHARED;
  if (growsDown) flags |= VmFlag.GROWSDOWN;
  return flags;
}

/** The machine-wide count of touched pages against the memory limit. */
export class MemoryAccounting {
  used = 0;
  constructor(readonly limitPages: number) {}

  charge(pages: number): boolean {
    if (this.used + pages > this.limitPages) return false;
    this.used += pages;
    return true;
  }

  uncharge(pages: number): void {
    this.used -= pages;
  }
}

/** The MM record's summary fields. */
export interface MmLayout {
  startCode: number;
  endCode: number;
  startData: number;
  endData: number;
  startBrk: number;
  brk: number;
  startStack: number;
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
}

/** Pages per chunk of a page table: 4 MiB of address space, as a PGARR at most holds. */
const CHUNK_PAGES = 1024;

/** A page table slot: the page's bytes, its offset in the restored buffer, or nothing. */
type PageSlot = Uint8Array | number | undefined;

/**
 * The touched pages of an address space: page index (address / 4096) → 4096 bytes, with a Map's
 * methods. Two choices keep a large restart from making anything per page (a view and a Map
 * entry per page were most of a 256 MiB restart's cost, and the collections they set off):
 * - the table is a Map of 4 MiB chunks, each an array of 1024 slots: restoring a PGARR's 1024
 *   pages fills one array, and a lookup is one Map lookup and an array load (the last chunk
 *   used is kept, so a task working in one region skips even the Map);
 * - a page a restart restored is held as its offset in the one buffer the restart put the
 *   task's pages in ({@link adoptRestored}) until something asks for it: `get` makes the page's
 *   view once and keeps it (writes land in it), iterating and {@link peek} make one without
 *   keeping it.
 * Iteration goes chunk by chunk (in the order chunks were first touched), ascending inside each:
 * callers that need address order sort (savedPages).
 */
export class PageTable {
  private readonly chunks = new Map<number, PageSlot[]>();
  /** Touched pages per chunk, so that counting a mapping's pages looks at chunks, not pages. */
  private readonly chunkCounts = new Map<number, number>();
  private count = 0;
  /** The buffer restored pages' offsets are in (one per address space: restart makes a new one). */
  private restored: Uint8Array | null = null;
  private lastChunkNumber = -1;
  private lastChunk: PageSlot[] | undefined = undefined;

  get size(): number {
    return this.count;
  }

  has(index: number): boolean {
    return this.slot(index) !== undefined;
  }

  /** The page at `index`, as a view that later calls return again (writes land in it). */
  get(index: number): Uint8Array | undefined {
    const chunk = this.chunkOf(index, false);
    if (chunk === undefined) return undefined;
    const at = index % CHUNK_PAGES;
    const slot = chunk[at];
    if (typeof slot !== 'number') return slot;
    const page = this.view(slot);
    chunk[at] = page;
    return page;
  }

  /** The page at `index` without keeping its view (a checkpoint reads every page once). */
  peek(index: number): Uint8Array | undefined {
    const slot = this.slot(index);
    return typeof slot === 'number' ? this.view(slot) : slot;
  }

  set(index: number, page: Uint8Array): this {
    this.place(index, page);
    return this;
  }

  delete(index: number): boolean {
    const chunk = this.chunkOf(index, false);
    const at = index % CHUNK_PAGES;
    if (chunk === undefined || chunk[at] === undefined) return false;
    chunk[at] = undefined;
    this.count--;
    const number = Math.floor(index / CHUNK_PAGES);
    this.chunkCounts.set(number, (this.chunkCounts.get(number) ?? 1) - 1);
    return true;
  }

  clear(): void {
    this.chunks.clear();
    this.chunkCounts.clear();
    this.count = 0;
    this.restored = null;
    this.lastChunkNumber = -1;
    this.lastChunk = undefined;
  }

  keys(): IterableIterator<number> {
    const keys: number[] = [];
    for (const [number, chunk] of this.chunks) {
      for (let at = 0; at < CHUNK_PAGES; at++)
        if (chunk[at] !== undefined) keys.push(number * CHUNK_PAGES + at);
    }
    return keys.values();
  }

  /**
   * How many pages have indexes in [first, last): a chunk wholly inside the range by its count,
   * only the slots of a chunk the range cuts one by one. A task's info counts each mapping's
   * pages so, on every refresh of every view: a pass over every page of a 256 MiB task's table
   * was 3–5 ms a task, and a lab session's task list asks for each task's info several times.
   */
  countIn(first: number, last: number): number {
    let count = 0;
    for (const [number, chunk] of this.chunks) {
      const base = number * CHUNK_PAGES;
      if (base >= last || base + CHUNK_PAGES <= first) continue;
      if (first <= base && base + CHUNK_PAGES <= last) {
        count += this.chunkCounts.get(number) ?? 0;
        continue;
      }
      const end = Math.min(last - base, CHUNK_PAGES);
      for (let at = Math.max(first - base, 0); at < end; at++) if (chunk[at] !== undefined) count++;
    }
    return count;
  }

  /**
   * The pages with indexes in [first, last), ascending, as runs of pages whose bytes lie one
   * after another: the restored pages a restart left as offsets in its buffer make one view per
   * run, not one per page (for a 256 MiB task, an object and a view per page, and the writer's
   * reading of each view's buffer and offset, were a fifth of a checkpoint's time); a page
   * written since (its own bytes) is a run of one. Only the chunks that overlap the range are
   * looked at, and no view is kept.
   */
  runsIn(first: number, last: number): PageRun[] {
    const runs: PageRun[] = [];
    const numbers = [...this.chunks.keys()]
      .filter((number) => number * CHUNK_PAGES < last && (number + 1) * CHUNK_PAGES > first)
      .sort((a, b) => a - b);
    for (const number of numbers) {
      const chunk = this.chunks.get(number) as PageSlot[];
      const base = number * CHUNK_PAGES;
      const end = Math.min(last - base, CHUNK_PAGES);
      // The chunk's addresses, in order; each run takes its stretch of them.
      const addrs = new Float64Array(end);
      let count = 0;
      // The restored run being gathered: where its first address and its bytes are. Plain
      // locals, no closure: variables a closure shares live in a context object, and with one
      // here the first checkpoints of a 256 MiB task spent 5 ms a round in this loop (12.5 ms
      // for the first, before the optimizing compiler takes it), half their JavaScript.
      let runFirst = -1;
      let runAt = 0;
      for (let at = Math.max(first - base, 0); at < end; at++) {
        const slot = chunk[at];
        if (slot === undefined) continue;
        const addr = (base + at) * PAGE_SIZE;
        if (typeof slot === 'number') {
          // Restored: it extends the run when its bytes follow the run's.
          if (runFirst < 0 || slot !== runAt + (count - runFirst) * PAGE_SIZE) {
            if (runFirst >= 0) runs.push(this.restoredRun(addrs, runFirst, count, runAt));
            runFirst = count;
            runAt = slot;
          }
          addrs[count++] = addr;
        } else {
          if (runFirst >= 0) runs.push(this.restoredRun(addrs, runFirst, count, runAt));
          runFirst = -1;
          runs.push({ addrs: Float64Array.of(addr), data: slot });
        }
      }
      if (runFirst >= 0) runs.push(this.restoredRun(addrs, runFirst, count, runAt));
    }
    return runs;
  }

  /** Restored pages `addrs[from..to)`, whose bytes start at `at` in the restored buffer. */
  private restoredRun(addrs: Float64Array, from: number, to: number, at: number): PageRun {
    return { addrs: addrs.subarray(from, to), data: this.bytes(at, (to - from) * PAGE_SIZE) };
  }

  *[Symbol.iterator](): IterableIterator<[number, Uint8Array]> {
    for (const [number, chunk] of this.chunks) {
      for (let at = 0; at < CHUNK_PAGES; at++) {
        const slot = chunk[at];
        if (slot !== undefined)
          yield [number * CHUNK_PAGES + at, typeof slot === 'number' ? this.view(slot) : slot];
      }
    }
  }

  /**
   * Restart: the pages at `addrs` are `buffer`'s bytes from `at` on, a page each, in order. The
   * table takes the bytes over as they are (no copy): `buffer` must be one nothing else writes
   * to (restart's preparePages says which ones are), and every call on one table passes the
   * same buffer.
   */
  adoptRestored(buffer: Uint8Array, at: number, addrs: ArrayLike<number>): void {
    if (this.restored !== null && this.restored !== buffer)
      throw new Error('PageTable: restored pages come from one buffer per address space');
    this.restored = buffer;
    for (let i = 0; i < addrs.length; i++)
      this.place(Math.floor((addrs[i] as number) / PAGE_SIZE), at + i * PAGE_SIZE);
  }

  private place(index: number, slot: Uint8Array | number): void {
    const chunk = this.chunkOf(index, true) as PageSlot[];
    const at = index % CHUNK_PAGES;
    if (chunk[at] === undefined) {
      this.count++;
      const number = Math.floor(index / CHUNK_PAGES);
      this.chunkCounts.set(number, (this.chunkCounts.get(number) ?? 0) + 1);
    }
    chunk[at] = slot;
  }

  private slot(index: number): PageSlot {
    return this.chunkOf(index, false)?.[index % CHUNK_PAGES];
  }

  private chunkOf(index: number, create: boolean): PageSlot[] | undefined {
    const number = Math.floor(index / CHUNK_PAGES);
    if (number === this.lastChunkNumber) return this.lastChunk;
    let chunk = this.chunks.get(number);
    if (chunk === undefined) {
      if (!create) return undefined;
      chunk = new Array<PageSlot>(CHUNK_PAGES).fill(undefined);
      this.chunks.set(number, chunk);
    }
    this.lastChunkNumber = number;
    this.lastChunk = chunk;
    return chunk;
  }

  /** A plain Uint8Array even over a Node Buffer (whose subarray is a Buffer). */
  private view(at: number): Uint8Array {
    return this.bytes(at, PAGE_SIZE);
  }

  /** `length` bytes of the restored buffer from `at` on, as a view. */
  private bytes(at: number, length: number): Uint8Array {
    const buffer = this.restored as Uint8Array;
    return new Uint8Array(buffer.buffer, buffer.byteOffset + at, length);
  }
}

export class AddressSpace {
  /** In ascending address order, never overlapping. */
  vmas: Vma[] = [];
  /** Touched pages: page index (address / 4096) → 4096 bytes. */
  readonly pages = new PageTable();
  layout: MmLayout = {
    startCode: 0,
    endCode: 0,
    startData: 0,
    endData: 0,
    startBrk: 0,
    brk: 0,
    startStack: 0,
    argStart: 0,
    argEnd: 0,
    envStart: 0,
    envEnd: 0,
  };

  constructor(
    readonly accounting: MemoryAccounting,
    /** The executable's path (the MM's FNAME). */
    public exe: string,
  ) {}

  findVma(addr: number): Vma | null {
    for (const vma of this.vmas) {
      if (addr >= vma.start && addr < vma.end) return vma;
    }
    return null;
  }

  /** Insert a mapping at a fixed, free, page-aligned range. */
  insertVma(vma: Vma): Result<Vma> {
    if (this.vmas.length >= MAX_MAP_COUNT)
      return fail('ENOMEM', `more than ${MAX_MAP_COUNT} mappings`);
    if (
      vma.start % PAGE_SIZE !== 0 ||
      vma.end % PAGE_SIZE !== 0 ||
      vma.start >= vma.end ||
      vma.end > TASK_SIZE
    ) {
      return fail(
        'EINVAL',
        `bad mapping range 0x${vma.start.toString(16)}-0x${vma.end.toString(16)}`,
      );
    }
    if (this.vmas.some((other) => vma.start < other.end && other.start < vma.end)) {
      return fail('EINVAL', `mapping 0x${vma.start.toString(16)} overlaps another`);
    }
    this.vmas.push(vma);
    this.vmas.sort((a, b) => a.start - b.start);
    return ok(vma);
  }

  /** The lowest free range of `pages` pages at or above MMAP_BASE. */
  findFreeRange(pages: number): number | null {
    const length = pages * PAGE_SIZE;
    let candidate = MMAP_BASE;
    for (const vma of this.vmas) {
      if (vma.end <= candidate) continue;
      if (vma.start >= candidate + length) break;
      candidate = vma.end;
    }
    return candidate + length <= TASK_SIZE - STACK_PAGES * PAGE_SIZE ? candidate : null;
  }

  /** Remove [start, start + pages) from every mapping, splitting where needed; drops its pages. */
  unmap(start: number, pages: number): void {
    const end = start + pages * PAGE_SIZE;
    const kept: Vma[] = [];
    for (const vma of this.vmas) {
      if (vma.end <= start || vma.start >= end) {
        kept.push(vma);
        continue;
      }
      if (vma.start < start) kept.push({ ...vma, end: start });
      if (vma.end > end) {
        const skipped = (end - vma.start) / PAGE_SIZE;
        kept.push({ ...vma, start: end, pgoff: vma.file !== null ? vma.pgoff + skipped : 0 });
      }
    }
    this.vmas = kept;
    let freed = 0;
    for (const index of [...this.pages.keys()]) {
      const addr = index * PAGE_SIZE;
      if (addr >= start && addr < end) {
        this.pages.delete(index);
        freed++;
      }
    }
    this.accounting.uncharge(freed);
  }

  /** Drop every mapping and page (exit, exec). */
  release(): void {
    this.accounting.uncharge(this.pages.size);
    this.pages.clear();
    this.vmas = [];
  }

  /** A copy for fork: same mappings, private copies of the touched pages. */
  fork(): Result<AddressSpace> {
    if (!this.accounting.charge(this.pages.size)) {
      return fail(
        'ENOMEM',
        `fork needs ${this.pages.size} more pages than the memory limit allows`,
      );
    }
    const copy = new AddressSpace(this.accounting, this.exe);
    copy.vmas = this.vmas.map((vma) => ({ ...vma }));
    copy.layout = { ...this.layout };
    for (const [index, page] of this.pages) copy.pages.set(index, page.slice());
    return ok(copy);
  }

  private isSharedFile(vma: Vma): boolean {
    return vma.file !== null && (vma.flags & VmFlag.SHARED) !== 0;
  }

  /** The byte offset into the backing file of `addr` in a file mapping. */
  private fileOffset(vma: Vma, addr: number): number {
    return vma.pgoff * PAGE_SIZE + (addr - vma.start);
  }

  /**
   * Linux's rule for file mappings: a page that lies wholly past the end of the file has nothing
   * behind it, and touching it is SIGBUS (a private page already copied is the task's own and
   * stays readable). The part of the last page past the end reads as zeros, and stores there do
   * not reach the file.
   */
  private busError(vma: Vma, addr: number): AccessFailure | null {
    if (vma.file === null) return null;
    if (!this.isSharedFile(vma) && this.pages.has(Math.floor(addr / PAGE_SIZE))) return null;
    const page = Math.floor(this.fileOffset(vma, addr) / PAGE_SIZE);
    if (page < Math.ceil(vma.file.data.size / PAGE_SIZE)) return null;
    return {
      ok: false,
      errno: 'EFAULT',
      signal: 'SIGBUS',
      reason: `bus error at 0x${addr.toString(16)}: the page is past the end of ${vma.path ?? 'the mapped file'} (${vma.file.data.size} bytes)`,
    };
  }

  /** Read bytes as the task would (`checkProt`) or as the kernel does (no prot check). */
  read(addr: number, length: number, checkProt = true): Access<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = addr + done;
      const vma = this.findVma(at);
      if (vma === null || (checkProt && (vma.prot & Prot.READ) === 0)) {
        return fail('EFAULT', `bad read at 0x${at.toString(16)}`);
      }
      const bus = this.busError(vma, at);
      if (bus !== null) return bus;
      const index = Math.floor(at / PAGE_SIZE);
      const inPage = at % PAGE_SIZE;
      const chunk = Math.min(length - done, PAGE_SIZE - inPage, vma.end - at);
      const page = this.pages.get(index);
      if (page !== undefined && !this.isSharedFile(vma)) {
        out.set(page.subarray(inPage, inPage + chunk), done);
      } else if (vma.file !== null) {
        out.set(vma.file.data.view(this.fileOffset(vma, at), chunk), done);
      }
      done += chunk;
    }
    return ok(out);
  }

  /** The page at `index`, materialised for writing (charged against the memory limit). */
  private pageForWrite(vma: Vma, index: number): Result<Uint8Array> {
    const existing = this.pages.get(index);
    if (existing !== undefined) return ok(existing);
    if (!this.accounting.charge(1)) return fail('ENOMEM', 'the machine memory limit is reached');
    const page = new Uint8Array(PAGE_SIZE);
    if (vma.file !== null) {
      page.set(vma.file.data.view(this.fileOffset(vma, index * PAGE_SIZE), PAGE_SIZE));
    }
    this.pages.set(index, page);
    return ok(page);
  }

  /** Write bytes as the task would (`checkProt`) or as the kernel restoring pages does. */
  write(addr: number, bytes: Uint8Array, checkProt = true): Access<number> {
    let done = 0;
    while (done < bytes.length) {
      const at = addr + done;
      const vma = this.findVma(at);
      if (vma === null || (checkProt && (vma.prot & Prot.WRITE) === 0)) {
        return fail('EFAULT', `bad write at 0x${at.toString(16)}`);
      }
      const bus = this.busError(vma, at);
      if (bus !== null) return bus;
      const inPage = at % PAGE_SIZE;
      const chunk = Math.min(bytes.length - done, PAGE_SIZE - inPage, vma.end - at);
      if (vma.file !== null && this.isSharedFile(vma)) {
        // MAP_SHARED file pages are the file's own: the write lands in the file, up to its end.
        const from = this.fileOffset(vma, at);
        const room = Math.max(0, Math.min(chunk, vma.file.data.size - from));
        vma.file.data.write(from, bytes.subarray(done, done + room));
      } else {
        const page = this.pageForWrite(vma, Math.floor(at / PAGE_SIZE));
        if (!page.ok) return page;
        page.value.set(bytes.subarray(done, done + chunk), inPage);
      }
      done += chunk;
    }
    return ok(done);
  }

  /** Install a whole saved page (restart). The caller has charged the memory already. */
  installPage(addr: number, data: Uint8Array): void {
    this.pages.set(Math.floor(addr / PAGE_SIZE), data.slice());
  }

  /**
   * The touched pages of one mapping, ascending, as saved in an image: runs of pages whose bytes
   * lie one after another (`VmaRecord.pageRuns`). All-zero pages are left for the writer to omit
   * (it looks at every page anyway: looking here too cost a second pass over all of the task's
   * memory).
   */
  savedPages(vma: Vma): PageRun[] {
    if (this.isSharedFile(vma)) return [];
    return this.pages.runsIn(vma.start / PAGE_SIZE, vma.end / PAGE_SIZE);
  }
}
