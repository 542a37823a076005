/**
 * The image writer: a CheckpointImage in, the exact byte stream of image-format.md out.
 *
 * It runs its record emitter twice, first counting bytes and then writing them into one
 * buffer allocated at the final size, so a 1 GiB image costs one allocation and one copy of
 * each page, never a quadratic concatenation.
 */
import { hmacSha256 } from './hmac';
import {
  CHECKPOINT_MAGIC_HEAD,
  CHECKPOINT_MAGIC_TAIL,
  type CheckpointImage,
  type HeadRecord,
  HeadFlag,
  type OpenFileRecord,
  PAGE_SIZE,
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

const utf8 = new TextEncoder();

/**
 * A cursor that either only counts (the sizing pass) or writes into a buffer allocated with
 * the counted size (the writing pass). Both passes run the same emitter, so they agree.
 */
class Output {
  pos = 0;
  private readonly view: DataView | null;

  constructor(readonly bytes: Uint8Array | null) {
    this.view = bytes === null ? null : new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  u16(value: number): void {
    this.view?.setUint16(this.pos, value, true);
    this.pos += 2;
  }
  s16(value: number): void {
    this.view?.setInt16(this.pos, value, true);
    this.pos += 2;
  }
  u32(value: number): void {
    this.view?.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }
  s32(value: number): void {
    this.view?.setInt32(this.pos, value, true);
    this.pos += 4;
  }
  /** A u64 held as a number below 2^53. */
  u64(value: number): void {
    if (this.view !== null) {
      this.view.setUint32(this.pos, (value % TWO_POW_32) >>> 0, true);
      this.view.setUint32(this.pos + 4, Math.floor(value / TWO_POW_32) >>> 0, true);
    }
    this.pos += 8;
  }
  s64(value: number): void {
    this.view?.setBigInt64(this.pos, BigInt(Math.trunc(value)), true);
    this.pos += 8;
  }
  u64big(value: bigint): void {
    this.view?.setBigUint64(this.pos, BigInt.asUintN(64, value), true);
    this.pos += 8;
  }
  raw(data: Uint8Array): void {
    this.bytes?.set(data, this.pos);
    this.pos += data.length;
  }
  /** A fixed char array: the UTF-8 text, then NULs to `size` (the buffer starts zeroed). */
  charArray(text: string, size: number, what: string): void {
    const encoded = utf8.encode(text);
    if (encoded.length >= size)
      throw new RangeError(`${what}: ${encoded.length} bytes do not fit char[${size}]`);
    this.bytes?.set(encoded, this.pos);
    this.pos += size;
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
function textRecord(out: Output, type: number, parent: number, encoded: Uint8Array): void {
  const done = out.header(type, encoded.length + 1, parent);
  out.raw(encoded);
  out.pos += 1; // the NUL; the buffer is zero-filled
  done();
}

function securityRecord(out: Output, sectype: number, parent: number, label: string): void {
  const encoded = utf8.encode(label);
  const done = out.header(RecordType.SECURITY, 8 + encoded.length + 1, parent);
  out.u32(sectype);
  out.u32(0);
  out.raw(encoded);
  out.pos += 1;
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

function isZeroPage(data: Uint8Array): boolean {
  if (data.byteOffset % 4 === 0 && data.length % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

/** The pages a VMA writes: all-zero pages are skipped (they read back as zero). */
function pagesToWrite(vma: VmaRecord): VmaRecord['pages'] {
  return vma.pages.filter((page) => {
    if (page.data.length !== PAGE_SIZE) {
      throw new RangeError(
        `page 0x${page.addr.toString(16)}: ${page.data.length} bytes, not ${PAGE_SIZE}`,
      );
    }
    return !isZeroPage(page.data);
  });
}

function emitVma(out: Output, vpid: number, vma: VmaRecord, pages: VmaRecord['pages']): void {
  const done = out.header(RecordType.VMA, 48, vpid);
  out.u32(vma.vma_type);
  out.u32(0);
  out.u64(vma.vm_start);
  out.u64(vma.vm_end);
  out.u64(vma.vm_page_prot);
  out.u64(vma.vm_flags);
  out.u64(vma.vm_pgoff);
  done();
  if (vma.file !== null) textRecord(out, RecordType.FNAME, vpid, utf8.encode(vma.file));
  for (let first = 0; first < pages.length; first += PAGES_PER_PGARR) {
    const chunk = pages.slice(first, first + PAGES_PER_PGARR);
    const doneChunk = out.header(RecordType.PGARR, 8, vpid);
    out.u64(chunk.length);
    doneChunk();
    for (const page of chunk) out.u64(page.addr);
    for (const page of chunk) out.raw(page.data);
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
  textRecord(out, RecordType.FNAME, file.objref, utf8.encode(file.path));
  if (file.label !== null) securityRecord(out, SecType.FILE, file.objref, file.label);
}

/** Everything from HEAD up to (not including) SIGN/TAIL. */
function emitBody(
  out: Output,
  image: CheckpointImage,
  pagesByVma: ReadonlyMap<VmaRecord, VmaRecord['pages']>,
): void {
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
    const comm = utf8.encode(task.task.comm);
    let done = out.header(RecordType.TASK, 24, vpid);
    out.u32(task.task.state);
    out.u32(task.task.exit_state);
    out.u32(task.task.exit_code);
    out.u32(task.task.exit_signal);
    out.s32(comm.length);
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
    textRecord(out, RecordType.FNAME, vpid, utf8.encode(mm.exe));
    for (const vma of task.vmas) emitVma(out, vpid, vma, pagesByVma.get(vma) ?? []);

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
    if (out.bytes !== null) out.raw(hmacSha256(signingKey.key, out.bytes.subarray(0, out.pos)));
    else out.pos += SIGNATURE_SIZE;
    done();
  }
  const done = out.header(RecordType.TAIL, 8, 0);
  out.raw(CHECKPOINT_MAGIC_TAIL);
  done();
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
  const signed = (image.head.flags & HeadFlag.SIGNED) !== 0;
  if (signed && opts.signingKey === undefined) {
    throw new Error('writeImage: HEAD.flags has SIGNED but no signingKey was given');
  }
  const signingKey = signed ? (opts.signingKey ?? null) : null;
  const pagesByVma = new Map<VmaRecord, VmaRecord['pages']>();
  for (const task of image.tasks)
    for (const vma of task.vmas) pagesByVma.set(vma, pagesToWrite(vma));

  const sizing = new Output(null);
  emitBody(sizing, image, pagesByVma);
  emitEnd(sizing, signingKey);
  const out = new Output(new Uint8Array(sizing.pos));
  emitBody(out, image, pagesByVma);
  emitEnd(out, signingKey);
  return out.bytes ?? new Uint8Array(0);
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
    const done = out.header(RecordType.ERROR, 0, 0);
    done();
    textRecord(out, RecordType.STRING, 0, text.subarray(0, length));
  };
  const sizing = new Output(null);
  emit(sizing);
  const out = new Output(new Uint8Array(sizing.pos));
  emit(out);
  return out.bytes ?? new Uint8Array(0);
}
