/**
 * Our own descriptors of the CRIU image messages this library reads: field numbers, names,
 * types and labels, written from the facts of CRIU's MIT-licensed `images/*.proto` (field
 * numbers are the wire contract; names follow CRIU's so that a person can compare with `crit`).
 * Nothing here is generated: the decoder in `wire.ts` walks these tables with
 * `@bufbuild/protobuf`'s wire-level reader, so no code is built at run time (a strict CSP allows
 * no `Function()`).
 *
 * A field a table does not list is not dropped: the decoder keeps it as an unknown field with
 * its number, wire type, bytes and offset (this is how CRIU 4.2's `pagemap_entry.nr_pages` = 5
 * stays visible to a reader whose schema predates it). A message CRIU defines but this library
 * does not describe (timers, rlimits, sockets...) is listed by name with no fields, so every
 * field inside it shows as unknown rather than being skipped.
 */

/** Scalar wire types of proto2 that CRIU's images use. */
export type ScalarKind =
  'uint32' | 'int32' | 'sint32' | 'uint64' | 'int64' | 'sint64' | 'bool' | 'string' | 'bytes';

/** How a number reads to a person, beyond its decimal value. */
export type ValueFormat =
  /** An address or mask: `0x7ffd1000`. */
  | 'hex'
  /** Permission bits: `0o100755`. */
  | 'octal'
  /** One 32-bit word of a capability set (the occurrence index says which word). */
  | 'capWord'
  /** Bits named by a flag table of `flags.ts`. */
  | { readonly flags: FlagTableName };

/** The flag tables of `flags.ts`, by name. */
export type FlagTableName =
  'openFlags' | 'fdFlags' | 'mmapProt' | 'mmapFlags' | 'vmaStatus' | 'pagemapFlags' | 'securebits';

export interface FieldSpec {
  readonly no: number;
  readonly name: string;
  readonly kind: ScalarKind | 'enum' | 'message';
  readonly label: 'required' | 'optional' | 'repeated';
  /** The message type of a `message` field (a key of {@link MESSAGES}; a unit test checks each). */
  readonly message?: string;
  /** Names of an `enum` field's values. */
  readonly values?: Readonly<Record<number, string>>;
  /** The enum's type name, e.g. `fd_types`. */
  readonly enumName?: string;
  readonly format?: ValueFormat;
}

export interface MessageSpec {
  readonly name: string;
  readonly fields: readonly FieldSpec[];
}

const req = (no: number, name: string, kind: ScalarKind, format?: ValueFormat): FieldSpec => ({
  no,
  name,
  kind,
  label: 'required',
  ...(format === undefined ? {} : { format }),
});
const opt = (no: number, name: string, kind: ScalarKind, format?: ValueFormat): FieldSpec => ({
  ...req(no, name, kind, format),
  label: 'optional',
});
const rep = (no: number, name: string, kind: ScalarKind, format?: ValueFormat): FieldSpec => ({
  ...req(no, name, kind, format),
  label: 'repeated',
});
const msg = (
  no: number,
  name: string,
  message: string,
  label: FieldSpec['label'] = 'optional',
): FieldSpec => ({ no, name, kind: 'message', label, message });
const enumField = (
  no: number,
  name: string,
  enumName: string,
  values: Readonly<Record<number, string>>,
  label: FieldSpec['label'] = 'optional',
): FieldSpec => ({ no, name, kind: 'enum', label, enumName, values });

/** `fd_types` (fdinfo.proto): what kind of object a descriptor refers to. */
export const FD_TYPES: Readonly<Record<number, string>> = {
  0: 'UND',
  1: 'REG',
  2: 'PIPE',
  3: 'FIFO',
  4: 'INETSK',
  5: 'UNIXSK',
  6: 'EVENTFD',
  7: 'EVENTPOLL',
  8: 'INOTIFY',
  9: 'SIGNALFD',
  10: 'PACKETSK',
  11: 'TTY',
  12: 'FANOTIFY',
  13: 'NETLINKSK',
  14: 'NS',
  15: 'TUNF',
  16: 'EXT',
  17: 'TIMERFD',
  18: 'MEMFD',
  19: 'BPFMAP',
  20: 'PIDFD',
};

/** `core_entry.march`. */
export const MARCH: Readonly<Record<number, string>> = {
  0: 'UNKNOWN',
  1: 'X86_64',
  2: 'ARM',
  3: 'AARCH64',
  4: 'PPC64',
  5: 'S390',
  6: 'MIPS',
  7: 'LOONGARCH64',
  8: 'RISCV64',
};

/** `lsmtype` (inventory.proto). */
export const LSM_TYPES: Readonly<Record<number, string>> = {
  0: 'NO_LSM',
  1: 'SELINUX',
  2: 'APPARMOR',
};

/** `seccomp_mode` (core.proto): SECCOMP_MODE_* of the kernel. */
const SECCOMP_MODES: Readonly<Record<number, string>> = { 0: 'disabled', 1: 'strict', 2: 'filter' };

/** `user_x86_regs_mode`. */
const X86_REGS_MODES: Readonly<Record<number, string>> = { 1: 'NATIVE', 2: 'COMPAT' };

/** CRIU's task states (`TASK_*` of criu/include/pstree.h and compel): task_core_entry.task_state. */
export const TASK_STATES: Readonly<Record<number, string>> = {
  0: 'TASK_UNDEF',
  1: 'TASK_ALIVE',
  2: 'TASK_DEAD',
  3: 'TASK_STOPPED',
  4: 'TASK_HELPER',
  5: 'TASK_THREAD',
  6: 'TASK_ZOMBIE',
};

const taskKobjIds: MessageSpec = {
  name: 'task_kobj_ids_entry',
  fields: [
    req(1, 'vm_id', 'uint32'),
    req(2, 'files_id', 'uint32'),
    req(3, 'fs_id', 'uint32'),
    req(4, 'sighand_id', 'uint32'),
    opt(5, 'pid_ns_id', 'uint32'),
    opt(6, 'net_ns_id', 'uint32'),
    opt(7, 'ipc_ns_id', 'uint32'),
    opt(8, 'uts_ns_id', 'uint32'),
    opt(9, 'mnt_ns_id', 'uint32'),
    opt(10, 'user_ns_id', 'uint32'),
    opt(11, 'cgroup_ns_id', 'uint32'),
  ],
};

const x86Regs = [
  'r15',
  'r14',
  'r13',
  'r12',
  'bp',
  'bx',
  'r11',
  'r10',
  'r9',
  'r8',
  'ax',
  'cx',
  'dx',
  'si',
  'di',
  'orig_ax',
  'ip',
  'cs',
  'flags',
  'sp',
  'ss',
  'fs_base',
  'gs_base',
  'ds',
  'es',
  'fs',
  'gs',
];

/** Every message this library describes, by CRIU's message name. */
export const MESSAGES = {
  inventory_entry: {
    name: 'inventory_entry',
    fields: [
      req(1, 'img_version', 'uint32'),
      opt(2, 'fdinfo_per_id', 'bool'),
      msg(3, 'root_ids', 'task_kobj_ids_entry'),
      opt(4, 'ns_per_id', 'bool'),
      opt(5, 'root_cg_set', 'uint32'),
      enumField(6, 'lsmtype', 'lsmtype', LSM_TYPES),
      opt(8, 'dump_uptime', 'uint64'),
    ],
  },
  task_kobj_ids_entry: taskKobjIds,
  pstree_entry: {
    name: 'pstree_entry',
    fields: [
      req(1, 'pid', 'uint32'),
      req(2, 'ppid', 'uint32'),
      req(3, 'pgid', 'uint32'),
      req(4, 'sid', 'uint32'),
      rep(5, 'threads', 'uint32'),
    ],
  },
  core_entry: {
    name: 'core_entry',
    fields: [
      enumField(1, 'mtype', 'march', MARCH, 'required'),
      msg(2, 'thread_info', 'thread_info_x86'),
      msg(3, 'tc', 'task_core_entry'),
      msg(4, 'ids', 'task_kobj_ids_entry'),
      msg(5, 'thread_core', 'thread_core_entry'),
      msg(6, 'ti_arm', 'thread_info_arm'),
      msg(8, 'ti_aarch64', 'thread_info_aarch64'),
      msg(9, 'ti_ppc64', 'thread_info_ppc64'),
      msg(10, 'ti_s390', 'thread_info_s390'),
    ],
  },
  thread_info_x86: {
    name: 'thread_info_x86',
    fields: [
      req(1, 'clear_tid_addr', 'uint64', 'hex'),
      msg(2, 'gpregs', 'user_x86_regs_entry', 'required'),
      msg(3, 'fpregs', 'user_x86_fpregs_entry', 'required'),
      msg(4, 'tls', 'user_desc_t', 'repeated'),
    ],
  },
  user_x86_regs_entry: {
    name: 'user_x86_regs_entry',
    fields: [
      ...x86Regs.map((name, index) => req(index + 1, name, 'uint64', 'hex')),
      enumField(28, 'mode', 'user_x86_regs_mode', X86_REGS_MODES),
    ],
  },
  // Floating point state, TLS descriptors and the other architectures' registers are listed by
  // name only: their fields show as unknown numbers with their bytes.
  user_x86_fpregs_entry: { name: 'user_x86_fpregs_entry', fields: [] },
  user_desc_t: { name: 'user_desc_t', fields: [] },
  thread_info_arm: { name: 'thread_info_arm', fields: [] },
  thread_info_aarch64: { name: 'thread_info_aarch64', fields: [] },
  thread_info_ppc64: { name: 'thread_info_ppc64', fields: [] },
  thread_info_s390: { name: 'thread_info_s390', fields: [] },
  task_core_entry: {
    name: 'task_core_entry',
    fields: [
      {
        ...req(1, 'task_state', 'uint32'),
        kind: 'enum',
        enumName: 'task_state',
        values: TASK_STATES,
      },
      req(2, 'exit_code', 'uint32'),
      req(3, 'personality', 'uint32', 'hex'),
      req(4, 'flags', 'uint32', 'hex'),
      req(5, 'blk_sigset', 'uint64', 'hex'),
      req(6, 'comm', 'string'),
      msg(7, 'timers', 'task_timers_entry'),
      msg(8, 'rlimits', 'task_rlimits_entry'),
      opt(9, 'cg_set', 'uint32'),
      msg(10, 'signals_s', 'signal_queue_entry'),
      enumField(11, 'old_seccomp_mode', 'seccomp_mode', SECCOMP_MODES),
      opt(12, 'old_seccomp_filter', 'uint32'),
      opt(13, 'loginuid', 'uint32'),
      opt(14, 'oom_score_adj', 'int32'),
      msg(15, 'sigactions', 'sa_entry', 'repeated'),
    ],
  },
  task_timers_entry: { name: 'task_timers_entry', fields: [] },
  task_rlimits_entry: { name: 'task_rlimits_entry', fields: [] },
  signal_queue_entry: { name: 'signal_queue_entry', fields: [] },
  sa_entry: { name: 'sa_entry', fields: [] },
  thread_core_entry: {
    name: 'thread_core_entry',
    fields: [
      req(1, 'futex_rla', 'uint64', 'hex'),
      req(2, 'futex_rla_len', 'uint32'),
      opt(3, 'sched_nice', 'sint32'),
      opt(4, 'sched_policy', 'uint32'),
      opt(5, 'sched_prio', 'uint32'),
      opt(6, 'blk_sigset', 'uint64', 'hex'),
      msg(7, 'sas', 'thread_sas_entry'),
      opt(8, 'pdeath_sig', 'uint32'),
      msg(9, 'signals_p', 'signal_queue_entry'),
      msg(10, 'creds', 'creds_entry'),
      enumField(11, 'seccomp_mode', 'seccomp_mode', SECCOMP_MODES),
      opt(12, 'seccomp_filter', 'uint32'),
    ],
  },
  thread_sas_entry: {
    name: 'thread_sas_entry',
    fields: [
      req(1, 'ss_sp', 'uint64', 'hex'),
      req(2, 'ss_size', 'uint64'),
      req(3, 'ss_flags', 'uint32', 'hex'),
    ],
  },
  creds_entry: {
    name: 'creds_entry',
    fields: [
      req(1, 'uid', 'uint32'),
      req(2, 'gid', 'uint32'),
      req(3, 'euid', 'uint32'),
      req(4, 'egid', 'uint32'),
      req(5, 'suid', 'uint32'),
      req(6, 'sgid', 'uint32'),
      req(7, 'fsuid', 'uint32'),
      req(8, 'fsgid', 'uint32'),
      rep(9, 'cap_inh', 'uint32', 'capWord'),
      rep(10, 'cap_prm', 'uint32', 'capWord'),
      rep(11, 'cap_eff', 'uint32', 'capWord'),
      rep(12, 'cap_bnd', 'uint32', 'capWord'),
      req(13, 'secbits', 'uint32', { flags: 'securebits' }),
      rep(14, 'groups', 'uint32'),
      opt(15, 'lsm_profile', 'string'),
      opt(16, 'lsm_sockcreate', 'string'),
      // 17 (AppArmor data) is left to the unknown fields: its layout is not needed here.
      opt(18, 'no_new_privs', 'uint32'),
      rep(19, 'cap_amb', 'uint32', 'capWord'),
    ],
  },
  mm_entry: {
    name: 'mm_entry',
    fields: [
      req(1, 'mm_start_code', 'uint64', 'hex'),
      req(2, 'mm_end_code', 'uint64', 'hex'),
      req(3, 'mm_start_data', 'uint64', 'hex'),
      req(4, 'mm_end_data', 'uint64', 'hex'),
      req(5, 'mm_start_stack', 'uint64', 'hex'),
      req(6, 'mm_start_brk', 'uint64', 'hex'),
      req(7, 'mm_brk', 'uint64', 'hex'),
      req(8, 'mm_arg_start', 'uint64', 'hex'),
      req(9, 'mm_arg_end', 'uint64', 'hex'),
      req(10, 'mm_env_start', 'uint64', 'hex'),
      req(11, 'mm_env_end', 'uint64', 'hex'),
      req(12, 'exe_file_id', 'uint32'),
      rep(13, 'mm_saved_auxv', 'uint64', 'hex'),
      msg(14, 'vmas', 'vma_entry', 'repeated'),
      opt(15, 'dumpable', 'int32'),
      msg(16, 'aios', 'aio_ring_entry', 'repeated'),
      opt(17, 'thp_disabled', 'bool'),
    ],
  },
  aio_ring_entry: {
    name: 'aio_ring_entry',
    fields: [req(1, 'id', 'uint64'), req(2, 'nr_req', 'uint32'), req(3, 'ring_len', 'uint32')],
  },
  vma_entry: {
    name: 'vma_entry',
    fields: [
      req(1, 'start', 'uint64', 'hex'),
      req(2, 'end', 'uint64', 'hex'),
      req(3, 'pgoff', 'uint64'),
      req(4, 'shmid', 'uint64'),
      req(5, 'prot', 'uint32', { flags: 'mmapProt' }),
      req(6, 'flags', 'uint32', { flags: 'mmapFlags' }),
      req(7, 'status', 'uint32', { flags: 'vmaStatus' }),
      req(8, 'fd', 'sint64'),
      opt(9, 'madv', 'uint64', 'hex'),
      opt(10, 'fdflags', 'uint32', 'hex'),
    ],
  },
  pagemap_head: { name: 'pagemap_head', fields: [req(1, 'pages_id', 'uint32')] },
  pagemap_entry: {
    name: 'pagemap_entry',
    fields: [
      req(1, 'vaddr', 'uint64', 'hex'),
      // Before CRIU 4.2 the page count; 4.2 and later write 0 here and the count in field 5.
      req(2, 'compat_nr_pages', 'uint32'),
      opt(3, 'in_parent', 'bool'),
      opt(4, 'flags', 'uint32', { flags: 'pagemapFlags' }),
      opt(5, 'nr_pages', 'uint64'),
    ],
  },
  fdinfo_entry: {
    name: 'fdinfo_entry',
    fields: [
      req(1, 'id', 'uint32'),
      req(2, 'flags', 'uint32', { flags: 'fdFlags' }),
      enumField(3, 'type', 'fd_types', FD_TYPES, 'required'),
      req(4, 'fd', 'uint32'),
      opt(5, 'xattr_security_selinux', 'string'),
    ],
  },
  file_entry: {
    name: 'file_entry',
    fields: [
      enumField(1, 'type', 'fd_types', FD_TYPES, 'required'),
      req(2, 'id', 'uint32'),
      msg(3, 'reg', 'reg_file_entry'),
      msg(4, 'isk', 'inet_sk_entry'),
      msg(5, 'nsf', 'ns_file_entry'),
      msg(6, 'psk', 'packet_sock_entry'),
      msg(7, 'nlsk', 'netlink_sk_entry'),
      msg(8, 'efd', 'eventfd_file_entry'),
      msg(9, 'epfd', 'eventpoll_file_entry'),
      msg(10, 'sgfd', 'signalfd_entry'),
      msg(11, 'tunf', 'tunfile_entry'),
      msg(12, 'tfd', 'timerfd_entry'),
      msg(13, 'ify', 'inotify_file_entry'),
      msg(14, 'ffy', 'fanotify_file_entry'),
      msg(15, 'ext', 'ext_file_entry'),
      msg(16, 'usk', 'unix_sk_entry'),
      msg(17, 'fifo', 'fifo_entry'),
      msg(18, 'pipe', 'pipe_entry'),
      msg(19, 'tty', 'tty_file_entry'),
      msg(20, 'memfd', 'memfd_file_entry'),
    ],
  },
  inet_sk_entry: { name: 'inet_sk_entry', fields: [] },
  ns_file_entry: { name: 'ns_file_entry', fields: [] },
  packet_sock_entry: { name: 'packet_sock_entry', fields: [] },
  netlink_sk_entry: { name: 'netlink_sk_entry', fields: [] },
  eventfd_file_entry: { name: 'eventfd_file_entry', fields: [] },
  eventpoll_file_entry: { name: 'eventpoll_file_entry', fields: [] },
  signalfd_entry: { name: 'signalfd_entry', fields: [] },
  tunfile_entry: { name: 'tunfile_entry', fields: [] },
  timerfd_entry: { name: 'timerfd_entry', fields: [] },
  inotify_file_entry: { name: 'inotify_file_entry', fields: [] },
  fanotify_file_entry: { name: 'fanotify_file_entry', fields: [] },
  ext_file_entry: { name: 'ext_file_entry', fields: [] },
  unix_sk_entry: { name: 'unix_sk_entry', fields: [] },
  fifo_entry: { name: 'fifo_entry', fields: [] },
  pipe_entry: { name: 'pipe_entry', fields: [] },
  tty_file_entry: { name: 'tty_file_entry', fields: [] },
  memfd_file_entry: { name: 'memfd_file_entry', fields: [] },
  reg_file_entry: {
    name: 'reg_file_entry',
    fields: [
      req(1, 'id', 'uint32'),
      req(2, 'flags', 'uint32', { flags: 'openFlags' }),
      req(3, 'pos', 'uint64'),
      msg(5, 'fown', 'fown_entry', 'required'),
      req(6, 'name', 'string'),
      opt(7, 'mnt_id', 'sint32'),
      opt(8, 'size', 'uint64'),
      opt(9, 'ext', 'bool'),
      opt(10, 'mode', 'uint32', 'octal'),
      rep(11, 'build_id', 'uint32', 'hex'),
      opt(12, 'checksum', 'uint32', 'hex'),
      opt(13, 'checksum_config', 'uint32'),
      opt(14, 'checksum_parameter', 'uint32'),
    ],
  },
  fown_entry: {
    name: 'fown_entry',
    fields: [
      req(1, 'uid', 'uint32'),
      req(2, 'euid', 'uint32'),
      req(3, 'signum', 'uint32'),
      req(4, 'pid_type', 'uint32'),
      req(5, 'pid', 'uint32'),
    ],
  },
  stats_entry: {
    name: 'stats_entry',
    fields: [msg(1, 'dump', 'dump_stats_entry'), msg(2, 'restore', 'restore_stats_entry')],
  },
  dump_stats_entry: {
    name: 'dump_stats_entry',
    fields: [
      req(1, 'freezing_time', 'uint32'),
      req(2, 'frozen_time', 'uint32'),
      req(3, 'memdump_time', 'uint32'),
      req(4, 'memwrite_time', 'uint32'),
      req(5, 'pages_scanned', 'uint64'),
      req(6, 'pages_skipped_parent', 'uint64'),
      req(7, 'pages_written', 'uint64'),
      opt(8, 'irmap_resolve', 'uint32'),
      req(9, 'pages_lazy', 'uint64'),
    ],
  },
  restore_stats_entry: {
    name: 'restore_stats_entry',
    fields: [
      req(1, 'pages_compared', 'uint64'),
      req(2, 'pages_skipped_cow', 'uint64'),
      req(3, 'forking_time', 'uint32'),
      req(4, 'restore_time', 'uint32'),
      opt(5, 'pages_restored', 'uint64'),
    ],
  },
  pipe_data_entry: {
    name: 'pipe_data_entry',
    fields: [req(1, 'pipe_id', 'uint32'), req(2, 'bytes', 'uint32'), opt(3, 'size', 'uint32')],
  },
  sk_packet_entry: {
    name: 'sk_packet_entry',
    fields: [req(1, 'id_for', 'uint32'), req(2, 'length', 'uint32')],
  },
  tcp_stream_entry: {
    name: 'tcp_stream_entry',
    fields: [
      req(1, 'inq_len', 'uint32'),
      req(2, 'inq_seq', 'uint32'),
      req(3, 'outq_len', 'uint32'),
      req(4, 'outq_seq', 'uint32'),
      req(5, 'opt_mask', 'uint32', 'hex'),
      req(6, 'snd_wscale', 'uint32'),
      req(7, 'mss_clamp', 'uint32'),
      opt(8, 'rcv_wscale', 'uint32'),
      opt(9, 'timestamp', 'uint32'),
    ],
  },
  /** What an image of a kind this library does not describe holds: every field is unknown. */
  unknown_entry: { name: 'unknown_entry', fields: [] },
} as const satisfies Record<string, MessageSpec>;

export type MessageName = keyof typeof MESSAGES;

/** The descriptor of the message called `name`, or undefined when this library has none. */
export function messageSpec(name: string): MessageSpec | undefined {
  return Object.hasOwn(MESSAGES, name) ? MESSAGES[name as MessageName] : undefined;
}
