/**
 * Capabilities as bigint sets (bit n = capability n, 0..CAP_LAST_CAP), with Linux's numbers.
 */
export const CAP_LAST_CAP = 40;

export const Cap = {
  CHOWN: 0,
  DAC_OVERRIDE: 1,
  DAC_READ_SEARCH: 2,
  FOWNER: 3,
  FSETID: 4,
  KILL: 5,
  SETGID: 6,
  SETUID: 7,
  SETPCAP: 8,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  CHECKPOINT_RESTORE: 40,
} as const;

/** Every capability 0..40. */
export const CAP_FULL_SET: bigint = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;
export const CAP_EMPTY_SET = 0n;

export function capBit(cap: number): bigint {
  return 1n << BigInt(cap);
}

export function hasCap(set: bigint, cap: number): boolean {
  return (set & capBit(cap)) !== 0n;
}

/** A set from capability numbers; numbers outside 0..40 are ignored by the caller's validation. */
export function capSetOf(caps: readonly number[]): bigint {
  let set = 0n;
  for (const cap of caps) set |= capBit(cap);
  return set;
}

export function isSubset(inner: bigint, outer: bigint): boolean {
  return (inner & ~outer) === 0n;
}

/** `0x1fffffffff` style, as the panel and reasons show sets. */
export function capHex(set: bigint): string {
  return `0x${set.toString(16)}`;
}
