/**
 * Writes CRIU dump directories for tests, from the facts of issue #14 (no CRIU, no binary
 * fixture): a small protobuf encoder, the image framing (magics, u32 sizes, raw data after
 * entries), and a sample dump in two layouts — current CRIU (images v1.1, creds in core,
 * files.img, fdinfo per files id, 4.2-style pagemaps with nr_pages in field 5) and old dumps
 * (img_version 1 without the common magic, creds-/ids-<pid>.img, reg-files.img, fdinfo-<pid>,
 * pagemaps with compat_nr_pages and in_parent).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DumpDirectory } from '../../../extension/criu/dump';
import { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC, MAGIC_NUMBERS } from '../../../extension/criu/magic';

/** One field of a message being written: `[number, encoded tag + value]`. */
type Encoded = Uint8Array;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A base-128 varint of a non-negative integer (negative int32s as 10-byte two's complement). */
export function varint(value: number | bigint): Uint8Array {
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Uint8Array.from(bytes);
}

const tag = (no: number, wireType: number): Uint8Array => varint((no << 3) | wireType);

/** Field writers: each returns the tag and the value's bytes. */
export const pb = {
  uint: (no: number, value: number | bigint): Encoded => concat([tag(no, 0), varint(value)]),
  bool: (no: number, value: boolean): Encoded => concat([tag(no, 0), varint(value ? 1 : 0)]),
  sint: (no: number, value: number | bigint): Encoded => {
    const v = BigInt(value);
    return concat([tag(no, 0), varint(v >= 0n ? v * 2n : -v * 2n - 1n)]);
  },
  bytes: (no: number, value: Uint8Array): Encoded =>
    concat([tag(no, 2), varint(value.length), value]),
  string: (no: number, value: string): Encoded => pb.bytes(no, new TextEncoder().encode(value)),
  message: (no: number, fields: readonly Encoded[]): Encoded => pb.bytes(no, concat(fields)),
  packed: (no: number, values: readonly (number | bigint)[]): Encoded =>
    pb.bytes(no, concat(values.map(varint))),
  fixed32: (no: number, value: number): Encoded => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    return concat([tag(no, 5), b]);
  },
  /** Each value as its own field (proto2's unpacked repeated, what CRIU writes). */
  repeated: (no: number, values: readonly (number | bigint)[]): Encoded =>
    concat(values.map((value) => pb.uint(no, value))),
};

/** A message's bytes from its fields, in the order given. */
export function message(...fields: readonly Encoded[]): Uint8Array {
  return concat(fields);
}

function u32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return b;
}

/** An entry: `u32 size` + message, and any raw bytes that follow it. */
export function entry(payload: Uint8Array, extra?: Uint8Array): Uint8Array {
  return concat([u32(payload.length), payload, ...(extra ? [extra] : [])]);
}

/** An image: its magic words, then its entries. */
export function image(magics: readonly number[], ...entries: readonly Uint8Array[]): Uint8Array {
  return concat([...magics.map(u32), ...entries]);
}

export const magic = (name: string): number => {
  const value = MAGIC_NUMBERS[name];
  if (value === undefined) throw new Error(`no magic ${name}`);
  return value;
};

/** Header words of a kind of image in a layout. */
export function header(name: string, layout: 'v1.1' | 'v1', service = false): number[] {
  if (name === 'INVENTORY') return [magic(name)];
  if (layout === 'v1') return [magic(name)];
  return [service ? IMG_SERVICE_MAGIC : IMG_COMMON_MAGIC, magic(name)];
}

/** A dump directory held in memory, for the library's tests. */
export class MemoryDump implements DumpDirectory {
  constructor(readonly contents: Record<string, Uint8Array>) {}
  get files(): { name: string; size: number }[] {
    return Object.entries(this.contents).map(([name, bytes]) => ({ name, size: bytes.length }));
  }
  read(name: string, offset: number, length: number): Uint8Array | null {
    const bytes = this.contents[name];
    if (bytes === undefined) return null;
    return bytes.subarray(offset, Math.min(bytes.length, offset + length));
  }
}

/** Writes a dump's files into `folder` (created). */
export function writeDumpFolder(folder: string, contents: Record<string, Uint8Array>): void {
  mkdirSync(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(contents))
    writeFileSync(path.join(folder, name), bytes);
}

// ---- the messages of the sample dump -------------------------------------------------------

export interface CredsSpec {
  uid: number;
  gid: number;
  euid?: number;
  egid?: number;
  suid?: number;
  sgid?: number;
  fsuid?: number;
  fsgid?: number;
  /** Capability sets as 64-bit values, written as two u32 words each. */
  capInh?: bigint;
  capPrm?: bigint;
  capEff?: bigint;
  capBnd?: bigint;
  capAmb?: bigint;
  secbits?: number;
  groups?: number[];
  lsmProfile?: string;
  noNewPrivs?: number;
}

const words = (set: bigint): number[] => [Number(set & 0xffff_ffffn), Number(set >> 32n)];

export function credsEntry(spec: CredsSpec): Uint8Array {
  return message(
    pb.uint(1, spec.uid),
    pb.uint(2, spec.gid),
    pb.uint(3, spec.euid ?? spec.uid),
    pb.uint(4, spec.egid ?? spec.gid),
    pb.uint(5, spec.suid ?? spec.uid),
    pb.uint(6, spec.sgid ?? spec.gid),
    pb.uint(7, spec.fsuid ?? spec.euid ?? spec.uid),
    pb.uint(8, spec.fsgid ?? spec.egid ?? spec.gid),
    pb.repeated(9, words(spec.capInh ?? 0n)),
    pb.repeated(10, words(spec.capPrm ?? 0n)),
    pb.repeated(11, words(spec.capEff ?? 0n)),
    pb.repeated(12, words(spec.capBnd ?? (1n << 41n) - 1n)),
    pb.uint(13, spec.secbits ?? 0),
    pb.repeated(14, spec.groups ?? []),
    ...(spec.lsmProfile !== undefined ? [pb.string(15, spec.lsmProfile)] : []),
    ...(spec.noNewPrivs !== undefined ? [pb.uint(18, spec.noNewPrivs)] : []),
    ...(spec.capAmb !== undefined ? [pb.repeated(19, words(spec.capAmb))] : []),
  );
}

export interface CoreSpec {
  comm: string;
  creds?: CredsSpec;
  /** Leave ids out (old dumps keep them in ids-<pid>.img). */
  ids?: { vm: number; files: number; fs: number; sighand: number };
  ip?: bigint;
  state?: number;
  /** Extra bytes appended to the core message (unknown fields). */
  unknown?: Uint8Array;
}

export function coreEntry(spec: CoreSpec): Uint8Array {
  const gpregs = Array.from({ length: 27 }, (_, index) =>
    pb.uint(index + 1, index === 16 ? (spec.ip ?? 0x401000n) : BigInt(index)),
  );
  return message(
    pb.uint(1, 1),
    pb.message(2, [pb.uint(1, 0x7f00_0000_0a10n), pb.message(2, gpregs), pb.message(3, [])]),
    pb.message(3, [
      pb.uint(1, spec.state ?? 1),
      pb.uint(2, 0),
      pb.uint(3, 0),
      pb.uint(4, 0x402100),
      pb.uint(5, 0),
      pb.string(6, spec.comm),
    ]),
    ...(spec.ids
      ? [
          pb.message(4, [
            pb.uint(1, spec.ids.vm),
            pb.uint(2, spec.ids.files),
            pb.uint(3, spec.ids.fs),
            pb.uint(4, spec.ids.sighand),
          ]),
        ]
      : []),
    pb.message(5, [
      pb.uint(1, 0),
      pb.uint(2, 24),
      ...(spec.creds ? [pb.message(10, [credsEntry(spec.creds)])] : []),
    ]),
    ...(spec.unknown ? [spec.unknown] : []),
  );
}

export interface VmaSpec {
  start: bigint;
  end: bigint;
  prot: number;
  flags: number;
  status: number;
  shmid?: number;
  pgoff?: bigint;
}

export function vmaEntry(spec: VmaSpec): Uint8Array {
  return message(
    pb.uint(1, spec.start),
    pb.uint(2, spec.end),
    pb.uint(3, spec.pgoff ?? 0n),
    pb.uint(4, spec.shmid ?? 0),
    pb.uint(5, spec.prot),
    pb.uint(6, spec.flags),
    pb.uint(7, spec.status),
    pb.sint(8, -1),
  );
}

export function mmEntry(exeFileId: number, vmas: readonly VmaSpec[], dumpable = 1): Uint8Array {
  const layout = [0x400000n, 0x401000n, 0x600000n, 0x602000n, 0x7ffd_2000n, 0x602000n, 0x623000n];
  return message(
    ...layout.map((value, index) => pb.uint(index + 1, value)),
    pb.uint(8, 0x7ffd_1f00n),
    pb.uint(9, 0x7ffd_1f20n),
    pb.uint(10, 0x7ffd_1f20n),
    pb.uint(11, 0x7ffd_1fe0n),
    pb.uint(12, exeFileId),
    ...vmas.map((vma) => pb.message(14, [vmaEntry(vma)])),
    pb.uint(15, dumpable),
  );
}

export function regFileEntry(
  id: number,
  name: string,
  flags: number,
  mode?: number,
  pos = 0,
): Uint8Array {
  return message(
    pb.uint(1, id),
    pb.uint(2, flags),
    pb.uint(3, pos),
    pb.message(5, [pb.uint(1, 0), pb.uint(2, 0), pb.uint(3, 0), pb.uint(4, 0), pb.uint(5, 0)]),
    pb.string(6, name),
    ...(mode !== undefined ? [pb.uint(10, mode)] : []),
  );
}

export function fileEntryReg(id: number, name: string, flags: number, mode?: number): Uint8Array {
  return message(
    pb.uint(1, 1),
    pb.uint(2, id),
    pb.message(3, [regFileEntry(id, name, flags, mode)]),
  );
}

export function fdinfoEntry(id: number, fd: number, type: number, flags = 0): Uint8Array {
  return message(pb.uint(1, id), pb.uint(2, flags), pb.uint(3, type), pb.uint(4, fd));
}

export function pstreeEntry(pid: number, ppid: number, threads: readonly number[]): Uint8Array {
  return message(
    pb.uint(1, pid),
    pb.uint(2, ppid),
    pb.uint(3, pid),
    pb.uint(4, pid),
    pb.repeated(5, threads),
  );
}

/** A pagemap entry as CRIU 4.2+ writes it (count in 5, field 2 zero) or as older ones did. */
export function pagemapEntry(
  vaddr: bigint,
  pages: number,
  flags: number | 'in_parent' | null,
  style: '4.2' | 'legacy',
): Uint8Array {
  return message(
    pb.uint(1, vaddr),
    pb.uint(2, style === '4.2' ? 0 : pages),
    ...(flags === 'in_parent' ? [pb.bool(3, true)] : []),
    ...(typeof flags === 'number' ? [pb.uint(4, flags)] : []),
    ...(style === '4.2' ? [pb.uint(5, pages)] : []),
  );
}

/** A page of `byte` with its address written at its start: recognisable in a hex view. */
export function pageOf(byte: number, address: bigint): Uint8Array {
  const page = new Uint8Array(4096).fill(byte);
  new DataView(page.buffer).setBigUint64(0, address, true);
  return page;
}

// ---- the sample dump ---------------------------------------------------------------------

export const O_RDONLY = 0;
export const O_RDWR = 2;
export const O_LARGEFILE = 0x8000;
export const PROT_R = 1;
export const PROT_W = 2;
export const PROT_X = 4;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x100;
export const VMA_REGULAR = 1;
export const VMA_STACK = 2;
export const VMA_VSYSCALL = 4;
export const VMA_FILE_PRIVATE = 1 << 6;
export const VMA_ANON_PRIVATE = 1 << 9;
export const PE_PARENT = 1;
export const PE_PRESENT = 4;
export const FULL_CAPS = (1n << 41n) - 1n;

/**
 * The sample: `passwd` (pid 4242, two threads) run by uid 500 with euid/suid 0 and the full
 * capability sets, holding /etc/shadow open read-write, with a child `sh` (pid 4250) of uid 500.
 */
export function sampleDump(
  layout: 'v1.1' | 'v1' = 'v1.1',
  // The comm of pid 4242 (its threads' too): hostile-input tests put markup and bidi text there.
  comm = 'passwd',
): Record<string, Uint8Array> {
  const h = (name: string, service = false): number[] => header(name, layout, service);
  const passwdCreds: CredsSpec = {
    uid: 500,
    gid: 500,
    euid: 0,
    suid: 0,
    fsuid: 0,
    capPrm: FULL_CAPS,
    capEff: FULL_CAPS,
    capBnd: FULL_CAPS,
    groups: [500, 42],
    ...(layout === 'v1.1' ? { noNewPrivs: 0, capAmb: 0n, lsmProfile: 'unconfined' } : {}),
  };
  const shCreds: CredsSpec = { uid: 500, gid: 500, groups: [500] };
  const ids = (files: number) => ({ vm: 1, files, fs: 3, sighand: 4 });
  const current = layout === 'v1.1';
  const pagemapStyle = current ? '4.2' : 'legacy';
  const files: Record<string, Uint8Array> = {
    'inventory.img': image(
      h('INVENTORY'),
      entry(
        message(
          pb.uint(1, current ? 2 : 1),
          ...(current ? [pb.bool(2, true)] : []),
          pb.message(3, [pb.uint(1, 1), pb.uint(2, 7), pb.uint(3, 3), pb.uint(4, 4)]),
          ...(current ? [pb.uint(6, 2), pb.string(13, 'criu-run-0042')] : []),
        ),
      ),
    ),
    'pstree.img': image(
      h('PSTREE'),
      entry(pstreeEntry(4242, 1, [4242, 4243])),
      entry(pstreeEntry(4250, 4242, [4250])),
    ),
    'core-4242.img': image(
      h('CORE'),
      entry(
        coreEntry({
          comm,
          ...(current ? { creds: passwdCreds, ids: ids(7) } : {}),
          unknown: pb.uint(99, 7),
        }),
      ),
    ),
    'core-4243.img': image(
      h('CORE'),
      entry(coreEntry({ comm, ...(current ? { creds: passwdCreds, ids: ids(7) } : {}) })),
    ),
    'core-4250.img': image(
      h('CORE'),
      entry(coreEntry({ comm: 'sh', ...(current ? { creds: shCreds, ids: ids(8) } : {}) })),
    ),
    'mm-4242.img': image(
      h('MM'),
      entry(
        mmEntry(
          1,
          [
            {
              start: 0x400000n,
              end: 0x401000n,
              prot: PROT_R | PROT_X,
              flags: MAP_PRIVATE,
              status: VMA_REGULAR | VMA_FILE_PRIVATE,
              shmid: 1,
            },
            {
              start: 0x600000n,
              end: 0x602000n,
              prot: PROT_R | PROT_W,
              flags: MAP_PRIVATE | MAP_ANONYMOUS,
              status: VMA_REGULAR | VMA_ANON_PRIVATE,
            },
            {
              start: 0x7ffd_0000n,
              end: 0x7ffd_2000n,
              prot: PROT_R | PROT_W,
              flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN,
              status: VMA_REGULAR | VMA_STACK | VMA_ANON_PRIVATE,
            },
            {
              start: 0xffff_ffff_ff60_0000n,
              end: 0xffff_ffff_ff60_1000n,
              prot: PROT_R | PROT_X,
              flags: MAP_PRIVATE | MAP_ANONYMOUS,
              status: VMA_VSYSCALL,
            },
          ],
          2,
        ),
      ),
    ),
    'mm-4250.img': image(
      h('MM'),
      entry(
        mmEntry(4, [
          {
            start: 0x400000n,
            end: 0x401000n,
            prot: PROT_R | PROT_X,
            flags: MAP_PRIVATE,
            status: VMA_REGULAR | VMA_FILE_PRIVATE,
            shmid: 4,
          },
        ]),
      ),
    ),
    'pagemap-4242.img': image(
      h('PAGEMAP'),
      entry(message(pb.uint(1, 1))),
      entry(pagemapEntry(0x600000n, 2, current ? PE_PRESENT : null, pagemapStyle)),
      entry(pagemapEntry(0x7ffd_0000n, 1, current ? PE_PRESENT : null, pagemapStyle)),
      entry(pagemapEntry(0x7ffd_1000n, 1, current ? PE_PARENT : 'in_parent', pagemapStyle)),
    ),
    'pages-1.img': concat([
      pageOf(0xa1, 0x600000n),
      pageOf(0xa2, 0x601000n),
      pageOf(0xa3, 0x7ffd_0000n),
    ]),
    'pagemap-4250.img': image(h('PAGEMAP'), entry(message(pb.uint(1, 2)))),
    'pages-2.img': new Uint8Array(0),
  };
  const regFiles: [number, string, number, number][] = [
    [1, '/bin/passwd', O_RDONLY | O_LARGEFILE, 0o104755],
    [2, '/dev/null', O_RDWR, 0o020666],
    [3, '/etc/shadow', O_RDWR | O_LARGEFILE, 0o100640],
    [4, '/bin/sh', O_RDONLY | O_LARGEFILE, 0o100755],
  ];
  const fds4242 = [fdinfoEntry(2, 0, 1), fdinfoEntry(3, 3, 1, 1), fdinfoEntry(9, 4, 2)];
  const fds4250 = [fdinfoEntry(2, 0, 1), fdinfoEntry(2, 1, 1)];
  if (current) {
    files['files.img'] = image(
      h('FILES'),
      ...regFiles.map(([id, name, flags, mode]) => entry(fileEntryReg(id, name, flags, mode))),
      entry(
        message(pb.uint(1, 2), pb.uint(2, 9), pb.message(18, [pb.uint(1, 9), pb.uint(2, 0x8000)])),
      ),
    );
    files['fdinfo-7.img'] = image(h('FDINFO'), ...fds4242.map((fd) => entry(fd)));
    files['fdinfo-8.img'] = image(h('FDINFO'), ...fds4250.map((fd) => entry(fd)));
    files['stats-dump.img'] = image(
      h('STATS', true),
      entry(
        message(
          pb.message(1, [
            pb.uint(1, 120),
            pb.uint(2, 3400),
            pb.uint(3, 80),
            pb.uint(4, 60),
            pb.uint(5, 1024),
            pb.uint(6, 0),
            pb.uint(7, 3),
            pb.uint(9, 0),
          ]),
        ),
      ),
    );
    files['pipes-data.img'] = image(
      h('PIPES_DATA'),
      entry(message(pb.uint(1, 9), pb.uint(2, 5)), new TextEncoder().encode('hello')),
    );
    files['fs-4242.img'] = image(h('FS'), entry(message(pb.uint(1, 5), pb.uint(2, 6))));
  } else {
    files['reg-files.img'] = image(
      h('REG_FILES'),
      ...regFiles.map(([id, name, flags]) => entry(regFileEntry(id, name, flags))),
    );
    files['fdinfo-4242.img'] = image(h('FDINFO'), ...fds4242.slice(0, 2).map((fd) => entry(fd)));
    files['fdinfo-4250.img'] = image(h('FDINFO'), ...fds4250.map((fd) => entry(fd)));
    files['creds-4242.img'] = image(h('CREDS'), entry(credsEntry(passwdCreds)));
    files['creds-4250.img'] = image(h('CREDS'), entry(credsEntry(shCreds)));
    files['ids-4242.img'] = image(
      h('IDS'),
      entry(message(pb.uint(1, 1), pb.uint(2, 7), pb.uint(3, 3), pb.uint(4, 4))),
    );
    files['ids-4250.img'] = image(
      h('IDS'),
      entry(message(pb.uint(1, 5), pb.uint(2, 8), pb.uint(3, 3), pb.uint(4, 4))),
    );
  }
  return files;
}

/** The sample with only `passwd` (pid 4242 and its second thread): one task to restart. */
export function singleTaskDump(layout: 'v1.1' | 'v1' = 'v1.1'): Record<string, Uint8Array> {
  const files = sampleDump(layout);
  files['pstree.img'] = image(header('PSTREE', layout), entry(pstreeEntry(4242, 1, [4242, 4243])));
  for (const name of Object.keys(files))
    if (name.includes('4250') || name === 'fdinfo-8.img' || name === 'pages-2.img')
      delete files[name];
  return files;
}
