/**
 * Which file of a dump directory is what: CRIU's magic numbers (criu/include/magic.h, "the
 * coordinates of towns in NNNNEEEE form") and its file names, and the message each kind's
 * entries hold. Only the kinds this library decodes are described in full; every other image
 * is still listed, its header checked against the magic table and its entries decoded with no
 * schema (every field unknown, but with its bytes and offset).
 */
import { type MessageName } from './schema';

/** The first word of every image of images v1.1 except inventory. */
export const IMG_COMMON_MAGIC = 0x54564319;
/** The first word of service files (stats, irmap cache). */
export const IMG_SERVICE_MAGIC = 0x55105940;

/** Per-file magics, by CRIU's name (the `_MAGIC` suffix dropped). */
export const MAGIC_NUMBERS: Readonly<Record<string, number>> = {
  INVENTORY: 0x58313116,
  PSTREE: 0x50273030,
  FDINFO: 0x56213732,
  PAGEMAP: 0x56084025,
  CORE: 0x55053847,
  IDS: 0x54432030,
  VMAS: 0x54123737,
  PIPES: 0x56513555,
  PIPES_DATA: 0x56453709,
  FIFO: 0x58364939,
  FIFO_DATA: 0x59333054,
  SIGACT: 0x55344201,
  UNIXSK: 0x54373943,
  INETSK: 0x56443851,
  PACKETSK: 0x60454618,
  ITIMERS: 0x57464056,
  POSIX_TIMERS: 0x52603957,
  SK_QUEUES: 0x56264026,
  UTSNS: 0x54473203,
  CREDS: 0x54023547,
  IPC_VAR: 0x53115007,
  IPCNS_SHM: 0x46283044,
  IPCNS_MSG: 0x55453737,
  IPCNS_SEM: 0x59573019,
  REG_FILES: 0x50363636,
  EXT_FILES: 0x59255641,
  FS: 0x51403912,
  MM: 0x57492820,
  REMAP_FPATH: 0x59133954,
  GHOST_FILE: 0x52583605,
  TCP_STREAM: 0x51465506,
  EVENTFD_FILE: 0x44523722,
  EVENTPOLL_FILE: 0x45023858,
  EVENTPOLL_TFD: 0x44433746,
  SIGNALFD: 0x57323820,
  INOTIFY_FILE: 0x48424431,
  INOTIFY_WD: 0x54562009,
  MNTS: 0x55563928,
  NETDEV: 0x57373951,
  NETNS: 0x55933752,
  TTY_FILES: 0x59433025,
  TTY_INFO: 0x59453036,
  TTY_DATA: 0x59413026,
  FILE_LOCKS: 0x54323616,
  RLIMIT: 0x57113925,
  FANOTIFY_FILE: 0x55096122,
  FANOTIFY_MARK: 0x56506035,
  SIGNAL: 0x59255647,
  NETLINK_SK: 0x58005614,
  NS_FILES: 0x61394011,
  TUNFILE: 0x57143751,
  CGROUP: 0x59383330,
  TIMERFD: 0x50493712,
  CPUINFO: 0x61404013,
  USERNS: 0x55474906,
  SECCOMP: 0x64413049,
  BINFMT_MISC: 0x67343323,
  AUTOFS: 0x49353943,
  FILES: 0x56303138,
  STATS: 0x57093306,
  IRMAP_CACHE: 0x57004059,
};

const magicNames = new Map<number, string>();
for (const [name, value] of Object.entries(MAGIC_NUMBERS)) {
  // Two names share a value in CRIU (CPUINFO and NS_FILES are both "Nyandoma"): keep the first.
  if (!magicNames.has(value)) magicNames.set(value, name);
}
magicNames.set(IMG_COMMON_MAGIC, 'IMG_COMMON');
magicNames.set(IMG_SERVICE_MAGIC, 'IMG_SERVICE');

/** CRIU's name of a magic value, or null. */
export function magicName(value: number): string | null {
  return magicNames.get(value >>> 0) ?? null;
}

/** How the entries of one kind of image are laid out. */
export interface ImageKind {
  /** CRIU's name of the kind's magic (`CORE`), or `RAW` for files without a header. */
  readonly magic: string;
  /** The message of every entry (the first one excepted, see {@link firstMessage}). */
  readonly message: MessageName;
  /** The message of the first entry when it differs (a pagemap's `pagemap_head`). */
  readonly firstMessage?: MessageName;
  /** A service file (IMG_SERVICE_MAGIC first) rather than an image (IMG_COMMON_MAGIC). */
  readonly service?: boolean;
  /** The name of the field that gives the length of the raw bytes after each entry. */
  readonly extra?: readonly string[];
}

export const IMAGE_KINDS = {
  inventory: { magic: 'INVENTORY', message: 'inventory_entry' },
  pstree: { magic: 'PSTREE', message: 'pstree_entry' },
  core: { magic: 'CORE', message: 'core_entry' },
  creds: { magic: 'CREDS', message: 'creds_entry' },
  ids: { magic: 'IDS', message: 'task_kobj_ids_entry' },
  mm: { magic: 'MM', message: 'mm_entry' },
  pagemap: { magic: 'PAGEMAP', message: 'pagemap_entry', firstMessage: 'pagemap_head' },
  fdinfo: { magic: 'FDINFO', message: 'fdinfo_entry' },
  files: { magic: 'FILES', message: 'file_entry' },
  'reg-files': { magic: 'REG_FILES', message: 'reg_file_entry' },
  stats: { magic: 'STATS', message: 'stats_entry', service: true },
  'pipes-data': { magic: 'PIPES_DATA', message: 'pipe_data_entry', extra: ['bytes'] },
  'fifo-data': { magic: 'FIFO_DATA', message: 'pipe_data_entry', extra: ['bytes'] },
  'sk-queues': { magic: 'SK_QUEUES', message: 'sk_packet_entry', extra: ['length'] },
  'tcp-stream': {
    magic: 'TCP_STREAM',
    message: 'tcp_stream_entry',
    extra: ['inq_len', 'outq_len'],
  },
} as const satisfies Record<string, ImageKind>;

export type ImageKindName = keyof typeof IMAGE_KINDS;

/** What a file name says about a file of a dump directory. */
export type FileRole =
  /** A protobuf image of a kind this library decodes (`kind`), for task `id` where named so. */
  | { readonly role: 'image'; readonly kind: ImageKindName; readonly id: number | null }
  /** `pages-<id>.img`: raw page contents, no header. */
  | { readonly role: 'pages'; readonly id: number }
  /** Another `*.img`: its magic says what it is; entries decoded without a schema. */
  | { readonly role: 'other-image' }
  /** Not an image (logs, the `parent` link of a pre-dump chain...). */
  | { readonly role: 'not-image' };

const perTask: readonly [RegExp, ImageKindName][] = [
  [/^core-(\d+)\.img$/, 'core'],
  [/^creds-(\d+)\.img$/, 'creds'],
  [/^ids-(\d+)\.img$/, 'ids'],
  [/^mm-(\d+)\.img$/, 'mm'],
  [/^pagemap-(\d+)\.img$/, 'pagemap'],
  [/^pagemap-shmem-(\d+)\.img$/, 'pagemap'],
  [/^fdinfo-(\d+)\.img$/, 'fdinfo'],
];

const single: Readonly<Record<string, ImageKindName>> = {
  'inventory.img': 'inventory',
  'pstree.img': 'pstree',
  'files.img': 'files',
  'reg-files.img': 'reg-files',
  'stats-dump.img': 'stats',
  'stats-restore.img': 'stats',
  'pipes-data.img': 'pipes-data',
  'fifo-data.img': 'fifo-data',
  'sk-queues.img': 'sk-queues',
};

/** Ids in names are decimal u32s (`core-4242.img`); anything longer is not CRIU's. */
function idOf(text: string | undefined): number | null {
  if (text === undefined || text.length > 10) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) && id <= 0xffff_ffff ? id : null;
}

/** What the name of a file in a dump directory says it is. */
export function roleOf(name: string): FileRole {
  const known = single[name];
  if (known !== undefined) return { role: 'image', kind: known, id: null };
  for (const [pattern, kind] of perTask) {
    const match = pattern.exec(name);
    const id = idOf(match?.[1]);
    if (match && id !== null) return { role: 'image', kind, id };
  }
  if (/^tcp-stream-[0-9a-f]{1,16}\.img$/.test(name))
    return { role: 'image', kind: 'tcp-stream', id: null };
  const pages = /^pages-(\d+)\.img$/.exec(name);
  const pagesId = idOf(pages?.[1]);
  if (pages && pagesId !== null) return { role: 'pages', id: pagesId };
  return name.endsWith('.img') ? { role: 'other-image' } : { role: 'not-image' };
}

/** The kind whose magic is `value`, if this library decodes it. */
export function kindOfMagic(value: number): ImageKindName | null {
  const name = magicName(value);
  for (const [kind, spec] of Object.entries(IMAGE_KINDS)) {
    if (spec.magic === name) return kind as ImageKindName;
  }
  return null;
}
