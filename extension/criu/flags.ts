/**
 * Names of the bits and values CRIU's images store as plain numbers: open flags, mmap
 * protections and flags, CRIU's VMA status bits, pagemap flags, securebits, capabilities.
 * Linux x86-64/generic values; CRIU writes the kernel's own numbers.
 */
import { CAPABILITY_NAMES, FLAG_NAMES } from '../image/display';
import type { FlagTableName } from './schema';

/** Pagemap entry flags (pagemap.proto's `pmap.flags`). */
export const PagemapFlag = { PARENT: 1, LAZY: 2, PRESENT: 4 } as const;

/** CRIU's `VMA_*` status bits (criu/include/image.h). */
export const VmaStatus = {
  AREA_REGULAR: 1 << 0,
  AREA_STACK: 1 << 1,
  AREA_VSYSCALL: 1 << 2,
  AREA_VDSO: 1 << 3,
  AREA_HEAP: 1 << 5,
  FILE_PRIVATE: 1 << 6,
  FILE_SHARED: 1 << 7,
  ANON_SHARED: 1 << 8,
  ANON_PRIVATE: 1 << 9,
  AREA_SYSVIPC: 1 << 10,
  AREA_SOCKET: 1 << 11,
  AREA_VVAR: 1 << 12,
  AREA_AIORING: 1 << 13,
  AREA_MEMFD: 1 << 14,
  AREA_SHSTK: 1 << 15,
  AREA_GUARD: 1 << 16,
  AREA_UPROBES: 1 << 17,
  UNSUPP: 2 ** 31,
} as const;

/** mmap(2) flags CRIU stores in vma_entry.flags. */
export const MapFlag = { SHARED: 0x1, PRIVATE: 0x2, ANONYMOUS: 0x20, GROWSDOWN: 0x100 } as const;

/** The access mode and flag bits of open(2). */
export const OpenFlag = { ACCMODE: 3, CREAT: 0x40, TRUNC: 0x200, APPEND: 0x400 } as const;

/** S_IFMT and S_IFDIR of st_mode (reg_file_entry.mode). */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

/** FD_CLOEXEC in fdinfo_entry.flags. */
export const FD_CLOEXEC = 1;

const tables: Readonly<Record<FlagTableName, Readonly<Record<number, string>>>> = {
  openFlags: {
    0x40: 'O_CREAT',
    0x80: 'O_EXCL',
    0x100: 'O_NOCTTY',
    0x200: 'O_TRUNC',
    0x400: 'O_APPEND',
    0x800: 'O_NONBLOCK',
    0x1000: 'O_DSYNC',
    0x2000: 'FASYNC',
    0x4000: 'O_DIRECT',
    0x8000: 'O_LARGEFILE',
    0x10000: 'O_DIRECTORY',
    0x20000: 'O_NOFOLLOW',
    0x40000: 'O_NOATIME',
    0x80000: 'O_CLOEXEC',
    0x101000: 'O_SYNC',
    0x200000: 'O_PATH',
  },
  fdFlags: { 0x1: 'FD_CLOEXEC' },
  mmapProt: { 0x1: 'PROT_READ', 0x2: 'PROT_WRITE', 0x4: 'PROT_EXEC' },
  mmapFlags: {
    0x1: 'MAP_SHARED',
    0x2: 'MAP_PRIVATE',
    0x10: 'MAP_FIXED',
    0x20: 'MAP_ANONYMOUS',
    0x100: 'MAP_GROWSDOWN',
    0x800: 'MAP_DENYWRITE',
    0x1000: 'MAP_EXECUTABLE',
    0x2000: 'MAP_LOCKED',
    0x4000: 'MAP_NORESERVE',
    0x8000: 'MAP_POPULATE',
    0x10000: 'MAP_NONBLOCK',
    0x20000: 'MAP_STACK',
    0x40000: 'MAP_HUGETLB',
  },
  vmaStatus: Object.fromEntries(
    Object.entries(VmaStatus).map(([name, bit]) => [bit, `VMA_${name}`]),
  ) as Record<number, string>,
  pagemapFlags: { 0x1: 'PE_PARENT', 0x2: 'PE_LAZY', 0x4: 'PE_PRESENT' },
  // The 2008 model's six bits, and the two ambient-raise bits Linux added later.
  securebits: {
    ...FLAG_NAMES.securebits,
    0x40: 'SECURE_NO_CAP_AMBIENT_RAISE',
    0x80: 'SECURE_NO_CAP_AMBIENT_RAISE_LOCKED',
  },
};

/**
 * The names of the bits of `value` (a u32), unknown bits as one hex remainder: `MAP_PRIVATE |
 * MAP_ANONYMOUS`. A multi-bit name (O_SYNC) is named only when all its bits are set.
 */
export function flagText(value: number, table: FlagTableName): string {
  if (value === 0) return '0';
  const names: string[] = [];
  // Unsigned 32-bit arithmetic through division: `&` on numbers is signed in JavaScript.
  let rest = value >>> 0;
  for (const [bits, name] of sortedTable(table)) {
    if (bitsSet(rest, bits)) {
      names.push(name);
      rest -= bits;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.reverse().join(' | ');
}

/** True when every bit of `bits` is set in `value` (both below 2^32). */
function bitsSet(value: number, bits: number): boolean {
  return (value & bits) >>> 0 === bits;
}

const sortedTables = new Map<FlagTableName, readonly (readonly [number, string])[]>();

/** A table's entries, widest value first (multi-bit names before their single bits). */
function sortedTable(table: FlagTableName): readonly (readonly [number, string])[] {
  let sorted = sortedTables.get(table);
  if (sorted === undefined) {
    sorted = Object.entries(tables[table])
      .map(([bits, name]) => [Number(bits) >>> 0, name] as const)
      .sort((a, b) => b[0] - a[0]);
    sortedTables.set(table, sorted);
  }
  return sorted;
}

/** Open flags with their access mode first: `O_RDWR | O_APPEND | O_LARGEFILE`. */
export function openFlagText(flags: number): string {
  const access = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & 3] ?? 'O_RDONLY';
  const rest = (flags >>> 0) - (flags & 3);
  return rest === 0 ? access : `${access} | ${flagText(rest, 'openFlags')}`;
}

/** Capability names of a set; bits beyond the known capabilities read `cap<n>`. */
export function capabilityList(set: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if (((set >> BigInt(bit)) & 1n) === 1n) names.push(CAPABILITY_NAMES[bit] ?? `cap${bit}`);
  }
  return names;
}

/** One 32-bit word of a capability set: `0x200000 (CAP_SYS_ADMIN)`, word 1 counts from cap 32. */
export function capWordText(word: number, index: number): string {
  const names = capabilityList(BigInt(word >>> 0) << BigInt(32 * Math.min(index, 1)));
  const shown =
    index > 1
      ? []
      : names.length > 12
        ? [...names.slice(0, 12), `… ${names.length} in all`]
        : names;
  const hex = `0x${(word >>> 0).toString(16)}`;
  if (index > 1) return `${hex} (word ${index}, beyond the 64 capabilities CRIU stores)`;
  return shown.length === 0 ? hex : `${hex} (${shown.join(', ')})`;
}

/** A whole capability set as a person reads it. */
export function capabilitySetText(set: bigint): string {
  if (set === 0n) return '(none)';
  const names = capabilityList(set);
  if (names.length === CAPABILITY_NAMES.length && set === (1n << BigInt(names.length)) - 1n)
    return `ALL (${names.length} capabilities)`;
  return names.join(' ');
}

/** st_mode as `0o100755 (regular file)`. */
export function modeText(mode: number): string {
  const type = mode & S_IFMT;
  const kind =
    type === S_IFREG
      ? 'regular file'
      : type === S_IFDIR
        ? 'directory'
        : type === 0o020000
          ? 'character device'
          : type === 0o060000
            ? 'block device'
            : type === 0o010000
              ? 'fifo'
              : type === 0o120000
                ? 'symlink'
                : type === 0o140000
                  ? 'socket'
                  : null;
  const octal = `0o${(mode >>> 0).toString(8)}`;
  return kind === null ? octal : `${octal} (${kind})`;
}
