/**
 * The flags of sys_checkpoint and sys_restart are an `unsigned long`: 64 bits (kernel.md,
 * **Flags**). JavaScript's `&`, `|` and `~` work on 32 bits and would drop bit 32 and above (and
 * print bit 31 as a negative number), so flag values are only ever looked at through these
 * helpers, which work on BigInt.
 */

const TWO_POW_64 = 1n << 64n;

/**
 * The flag bits a call does not know, as a BigInt. A value that is not a whole number between 0
 * and 2^64 - 1 is not an `unsigned long` at all: every bit of it counts as unknown (returned as
 * -1n), so the call fails with EINVAL like any other unknown flag.
 */
export function unknownFlags(flags: number, known: number): bigint {
  if (!Number.isInteger(flags) || flags < 0) return -1n;
  const value = BigInt(flags);
  if (value >= TWO_POW_64) return -1n;
  return value & ~BigInt(known);
}

/** Whether `bit` (a single known flag) is set in `flags`, whatever the value's other bits. */
export function hasFlag(flags: number, bit: number): boolean {
  if (!Number.isInteger(flags) || flags < 0) return false;
  return (BigInt(flags) & BigInt(bit)) !== 0n;
}

/** `0x80000000`, `0x100000001`: the value as hex, never negative, never truncated. */
export function flagsHex(flags: number | bigint): string {
  if (typeof flags === 'number' && (!Number.isInteger(flags) || flags < 0)) return String(flags);
  return `0x${BigInt(flags).toString(16)}`;
}

/**
 * The reason of a refused flags value: `unknown checkpoint flags 0x100000000: only ...`.
 * `unknown` is what {@link unknownFlags} returned for it.
 */
export function unknownFlagsReason(
  call: 'checkpoint' | 'restart',
  flags: number,
  unknown: bigint,
  defined: string,
): string {
  const what =
    unknown < 0n
      ? `flags ${String(flags)} are not a 64-bit unsigned value`
      : `unknown ${call} flags ${flagsHex(unknown)}`;
  return `${what}: only ${defined} ${defined.includes(' and ') ? 'are' : 'is'} defined`;
}

/** `a | b` for 64-bit flag values (hosts building a flags word from names). */
export function orFlags(a: number, b: number): number {
  return Number(BigInt(a) | BigInt(b));
}
