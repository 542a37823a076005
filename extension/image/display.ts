/**
 * How field values read to a person: capability names, flag bit names, addresses in hex.
 * Shared by the field tree, the CLI and the viewers.
 */
import { CAP_LAST_CAP } from './model';

/** Linux capability names by number, 0..CAP_LAST_CAP (40). */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** The names of the capabilities in a set; unknown bits read `bit<n>`. */
export function capabilityNames(set: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; set >> BigInt(bit) !== 0n && bit < 64; bit++) {
    if (((set >> BigInt(bit)) & 1n) === 1n) {
      names.push(bit <= CAP_LAST_CAP ? (CAPABILITY_NAMES[bit] ?? `bit${bit}`) : `bit${bit}`);
    }
  }
  return names;
}

/** A capability set as a person reads it: `(none)`, `ALL` (0..40), or the names. */
export function displayCapabilities(set: bigint): string {
  if (set === 0n) return '(none)';
  if (set === (1n << BigInt(CAP_LAST_CAP + 1)) - 1n)
    return `ALL (${CAP_LAST_CAP + 1} capabilities)`;
  return capabilityNames(set).join(' | ');
}

/** Named bits of the format's flag fields. */
export const FLAG_NAMES = {
  head: { 0x1: 'CKPT', 0x2: 'SUBTREE', 0x4: 'SELF', 0x8: 'SIGNED' },
  task: { 0x1: 'DUMPABLE', 0x2: 'SUPERPRIV' },
  tree: { 0x1: 'NS_INIT' },
  prot: { 0x1: 'PROT_READ', 0x2: 'PROT_WRITE', 0x4: 'PROT_EXEC' },
  vm: { 0x1: 'VM_READ', 0x2: 'VM_WRITE', 0x4: 'VM_EXEC', 0x8: 'VM_SHARED', 0x100: 'VM_GROWSDOWN' },
  fmode: { 0x1: 'FMODE_READ', 0x2: 'FMODE_WRITE' },
  securebits: {
    0x1: 'SECURE_NOROOT',
    0x2: 'SECURE_NOROOT_LOCKED',
    0x4: 'SECURE_NO_SETUID_FIXUP',
    0x8: 'SECURE_NO_SETUID_FIXUP_LOCKED',
    0x10: 'SECURE_KEEP_CAPS',
    0x20: 'SECURE_KEEP_CAPS_LOCKED',
  },
} as const satisfies Record<string, Record<number, string>>;

/** Bit names of `value` from `names`; unknown bits as hex; `0` when no bit is set. */
export function flagNames(value: number, names: Readonly<Record<number, string>>): string {
  if (value === 0) return '0';
  const parts: string[] = [];
  let rest = value;
  for (const [bit, name] of Object.entries(names)) {
    const mask = Number(bit);
    if (value % (mask * 2) >= mask) {
      parts.push(name);
      rest -= mask;
    }
  }
  if (rest !== 0) parts.push(`0x${rest.toString(16)}`);
  return parts.join(' | ');
}

/** FD_DATA.f_flags: the access mode, then the flag bits. */
export function displayOpenFlags(flags: number): string {
  const access = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE(3)'][flags & 3] ?? '';
  const rest = flags - (flags & 3);
  const bits = flagNames(rest, { 0x40: 'O_CREAT', 0x200: 'O_TRUNC', 0x400: 'O_APPEND' });
  return rest === 0 ? access : `${access} | ${bits}`;
}

/** An address or other u64 in hex. */
export function hexValue(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
