/**
 * Task credentials and the Linux rules for changing them (setresuid, setresgid, setgroups,
 * capset, exec of setuid/setgid files), plus the restart-time authorisation of saved credentials
 * against the caller's (cred_setresuid & co. evaluated with the caller's privileges).
 */
import {
  CAP_EMPTY_SET,
  CAP_FULL_SET,
  CAP_LAST_CAP,
  Cap,
  capBit,
  capHex,
  hasCap,
  isSubset,
} from './caps';
import type { Errno } from './errno';

/** The eight ids of a credential: real, effective, saved and filesystem; user, then group. */
export interface CredIds {
  uid: number;
  euid: number;
  suid: number;
  fsuid: number;
  gid: number;
  egid: number;
  sgid: number;
  fsgid: number;
}

/**
 * `cred`'s eight ids alone, in the order of {@link CredIds} (the JSON forms of tasks and
 * images list them so). Takes the kernel's credentials and an image's CRED record alike.
 */
export function credIds(cred: CredIds): CredIds {
  return {
    uid: cred.uid,
    euid: cred.euid,
    suid: cred.suid,
    fsuid: cred.fsuid,
    gid: cred.gid,
    egid: cred.egid,
    sgid: cred.sgid,
    fsgid: cred.fsgid,
  };
}

export interface Cred extends CredIds {
  /** Supplementary groups, strictly ascending. */
  groups: number[];
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  capBset: bigint;
  securebits: number;
}

export function copyCred(cred: Cred): Cred {
  return { ...cred, groups: [...cred.groups] };
}

/** A login's credentials: root holds every capability, others none, all with the full bset. */
export function loginCred(uid: number, gid: number, groups: readonly number[]): Cred {
  const all = uid === 0 ? CAP_FULL_SET : CAP_EMPTY_SET;
  return {
    uid,
    euid: uid,
    suid: uid,
    fsuid: uid,
    gid,
    egid: gid,
    sgid: gid,
    fsgid: gid,
    groups: [...new Set(groups)].sort((a, b) => a - b),
    capInheritable: CAP_EMPTY_SET,
    capPermitted: all,
    capEffective: all,
    capBset: CAP_FULL_SET,
    securebits: 0,
  };
}

/** capable(cap): the effective set holds it. */
export function capable(cred: Cred, cap: number): boolean {
  return hasCap(cred.capEffective, cap);
}

/** in_group_p: the fsgid or a supplementary group. */
export function inGroup(cred: Cred, gid: number): boolean {
  return cred.fsgid === gid || cred.groups.includes(gid);
}

/** in_egroup_p: the egid or a supplementary group. */
export function inEgroup(cred: Cred, gid: number): boolean {
  return cred.egid === gid || cred.groups.includes(gid);
}

/** One-line summary of a caller, the `subject` of check records. */
export function credSummary(cred: Cred): string {
  return (
    `uid=${cred.uid} euid=${cred.euid} suid=${cred.suid} fsuid=${cred.fsuid} ` +
    `gid=${cred.gid} egid=${cred.egid} groups=${cred.groups.join(',') || '-'} cap_eff=${capHex(cred.capEffective)}`
  );
}

export type CredChange = { ok: true; cred: Cred } | { ok: false; errno: Errno; reason: string };

/** The largest uid or gid: ids are uid_t/gid_t (u32), and (uid_t)-1 means "no change". */
export const MAX_ID = 0xffff_fffe;

/** Whether `id` is a uid or gid, as a task or an image may hold it. */
export function validId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= MAX_ID;
}

/** EINVAL for an id that is neither -1 nor a uid_t (no id may wrap into another one). */
function badId(names: readonly (readonly [string, number])[]): CredChange | null {
  const bad = names.find(([, id]) => id !== -1 && !validId(id));
  return bad === undefined
    ? null
    : {
        ok: false,
        errno: 'EINVAL',
        reason: `${bad[0]} ${bad[1]} is not an id (0..${MAX_ID} or -1)`,
      };
}

/**
 * The refusal of a sys_setresuid or sys_setresgid call, or null: each new id must be an id or -1
 * (EINVAL), and without `capName` one of the `current` three (EPERM).
 */
function refuseIds(
  ids: readonly (readonly [string, number])[],
  current: readonly number[],
  privileged: boolean,
  capName: string,
): CredChange | null {
  const invalid = badId(ids);
  if (invalid !== null) return invalid;
  const foreign = ids.find(([, id]) => id !== -1 && !privileged && !current.includes(id));
  if (foreign === undefined) return null;
  return {
    ok: false,
    errno: 'EPERM',
    reason: `${foreign[0]} ${foreign[1]} is not one of ${current.join('/')} and ${capName} is missing`,
  };
}

/**
 * sys_setresuid with cap_task_fix_setuid: without CAP_SETUID each new id must be one of the
 * current uid/euid/suid; -1 keeps an id. Dropping every 0 uid clears permitted and effective;
 * leaving euid 0 clears effective; gaining euid 0 restores effective from permitted.
 */
export function setresuid(cred: Cred, ruid: number, euid: number, suid: number): CredChange {
  const current = [cred.uid, cred.euid, cred.suid];
  const privileged = capable(cred, Cap.SETUID);
  const ids = [
    ['ruid', ruid],
    ['euid', euid],
    ['suid', suid],
  ] as const;
  const refused = refuseIds(ids, current, privileged, 'CAP_SETUID');
  if (refused !== null) return refused;
  const next = copyCred(cred);
  if (ruid !== -1) next.uid = ruid;
  if (euid !== -1) next.euid = euid;
  if (suid !== -1) next.suid = suid;
  next.fsuid = next.euid;
  const hadRoot = cred.uid === 0 || cred.euid === 0 || cred.suid === 0;
  const hasRoot = next.uid === 0 || next.euid === 0 || next.suid === 0;
  if (hadRoot && !hasRoot) {
    next.capPermitted = CAP_EMPTY_SET;
    next.capEffective = CAP_EMPTY_SET;
  }
  if (cred.euid === 0 && next.euid !== 0) next.capEffective = CAP_EMPTY_SET;
  if (cred.euid !== 0 && next.euid === 0) next.capEffective = next.capPermitted;
  return { ok: true, cred: next };
}

/** sys_setresgid: without CAP_SETGID each new id must be one of the current gid/egid/sgid. */
export function setresgid(cred: Cred, rgid: number, egid: number, sgid: number): CredChange {
  const current = [cred.gid, cred.egid, cred.sgid];
  const privileged = capable(cred, Cap.SETGID);
  const ids = [
    ['rgid', rgid],
    ['egid', egid],
    ['sgid', sgid],
  ] as const;
  const refused = refuseIds(ids, current, privileged, 'CAP_SETGID');
  if (refused !== null) return refused;
  const next = copyCred(cred);
  if (rgid !== -1) next.gid = rgid;
  if (egid !== -1) next.egid = egid;
  if (sgid !== -1) next.sgid = sgid;
  next.fsgid = next.egid;
  return { ok: true, cred: next };
}

/** NGROUPS_MAX of the era. */
export const NGROUPS_MAX = 65536;

/** sys_setgroups: CAP_SETGID. */
export function setgroups(cred: Cred, groups: readonly number[]): CredChange {
  if (!capable(cred, Cap.SETGID))
    return { ok: false, errno: 'EPERM', reason: 'setgroups needs CAP_SETGID' };
  if (groups.length > NGROUPS_MAX) return { ok: false, errno: 'EINVAL', reason: 'too many groups' };
  const invalid = badId(groups.map((gid) => ['group', gid] as [string, number]));
  if (invalid !== null || groups.includes(-1))
    return invalid ?? { ok: false, errno: 'EINVAL', reason: 'group -1 is not a gid' };
  const next = copyCred(cred);
  next.groups = [...new Set(groups)].sort((a, b) => a - b);
  return { ok: true, cred: next };
}

/**
 * sys_capset on oneself (cap_capset_check): permitted may only shrink, effective stays within the
 * new permitted, inheritable within the old inheritable ∪ permitted (∪ bset with CAP_SETPCAP).
 */
export function capset(
  cred: Cred,
  effective: bigint,
  permitted: bigint,
  inheritable: bigint,
): CredChange {
  if (!isSubset(permitted, cred.capPermitted)) {
    return {
      ok: false,
      errno: 'EPERM',
      reason: `permitted ${capHex(permitted)} is not within ${capHex(cred.capPermitted)}`,
    };
  }
  if (!isSubset(effective, permitted)) {
    return {
      ok: false,
      errno: 'EPERM',
      reason: `effective ${capHex(effective)} is not within permitted ${capHex(permitted)}`,
    };
  }
  const inheritableLimit =
    cred.capInheritable | (capable(cred, Cap.SETPCAP) ? cred.capBset : cred.capPermitted);
  if (!isSubset(inheritable, inheritableLimit)) {
    return {
      ok: false,
      errno: 'EPERM',
      reason: `inheritable ${capHex(inheritable)} is not within ${capHex(inheritableLimit)}`,
    };
  }
  const next = copyCred(cred);
  next.capEffective = effective;
  next.capPermitted = permitted;
  next.capInheritable = inheritable;
  return { ok: true, cred: next };
}

/** SECURE_NOROOT, SECURE_NO_SETUID_FIXUP, SECURE_KEEP_CAPS (bits 0, 2, 4). */
export const SECURE_ALL_BITS = 0x15;
/** Their locks (bits 1, 3, 5): a locked bit may not change, and a lock may not be cleared. */
export const SECURE_ALL_LOCKS = 0x2a;

/**
 * Whether a task with `cred` may set its securebits to `bits`: cap_prctl's PR_SET_SECUREBITS
 * rules of 2.6.27, in its order. Null when allowed, else why not (EPERM).
 */
export function securebitsDenial(cred: Cred, bits: number): string | null {
  const old = cred.securebits;
  const hex = (value: number): string => `0x${value.toString(16)}`;
  if ((((old & SECURE_ALL_LOCKS) >> 1) & (old ^ bits)) !== 0)
    return `securebits ${hex(bits)} change a bit the caller has locked (its securebits are ${hex(old)})`;
  if ((old & SECURE_ALL_LOCKS & ~bits) !== 0)
    return `securebits ${hex(bits)} clear a lock the caller holds (its securebits are ${hex(old)})`;
  if ((bits & ~(SECURE_ALL_LOCKS | SECURE_ALL_BITS)) !== 0)
    return `securebits ${hex(bits)} have bits no securebit names`;
  if (!capable(cred, Cap.SETPCAP))
    return `securebits ${hex(bits)} differ from the caller's ${hex(old)} and the caller lacks CAP_SETPCAP`;
  return null;
}

/** prctl(PR_SET_SECUREBITS, bits). */
export function setSecurebits(cred: Cred, bits: number): CredChange {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff)
    return { ok: false, errno: 'EPERM', reason: `securebits ${String(bits)} are not a u32` };
  const denial = securebitsDenial(cred, bits);
  if (denial !== null) return { ok: false, errno: 'EPERM', reason: denial };
  return { ok: true, cred: { ...copyCred(cred), securebits: bits } };
}

/** prctl(PR_CAPBSET_DROP, cap) for each cap: CAP_SETPCAP, valid capability numbers (EINVAL). */
export function capbsetDrop(cred: Cred, caps: readonly number[]): CredChange {
  if (!capable(cred, Cap.SETPCAP))
    return {
      ok: false,
      errno: 'EPERM',
      reason: 'dropping from the bounding set needs CAP_SETPCAP',
    };
  if (caps.some((cap) => !Number.isInteger(cap) || cap < 0 || cap > CAP_LAST_CAP))
    return { ok: false, errno: 'EINVAL', reason: `a capability is not one of 0..${CAP_LAST_CAP}` };
  const next = copyCred(cred);
  for (const cap of caps) next.capBset &= ~capBit(cap);
  return { ok: true, cred: next };
}

/** What executing a file does to the credentials (2.6.27's prepare_binprm + cap_bprm_apply_creds). */
export interface ExecCredResult {
  cred: Cred;
  /** False when the exec gained privilege (the dumpable flag is cleared). */
  dumpable: boolean;
}

/**
 * exec: a setuid file sets euid, suid and fsuid to its owner, a setgid file (with group exec)
 * the gids to its group. Capabilities follow the legacy root rules: when the new uid or euid is
 * 0 the file counts as having every capability, so permitted = inheritable | bset, and effective
 * = permitted if the new euid is 0; otherwise permitted = effective = 0 (no file capabilities in
 * this model). Gaining ids or capabilities clears dumpable.
 */
export function execCred(
  cred: Cred,
  file: { mode: number; uid: number; gid: number },
): ExecCredResult {
  const next = copyCred(cred);
  if ((file.mode & 0o4000) !== 0) next.euid = file.uid;
  if ((file.mode & 0o2000) !== 0 && (file.mode & 0o010) !== 0) next.egid = file.gid;
  next.suid = next.euid;
  next.fsuid = next.euid;
  next.sgid = next.egid;
  next.fsgid = next.egid;
  if (next.uid === 0 || next.euid === 0) {
    next.capPermitted = (next.capInheritable | next.capBset) & CAP_FULL_SET;
    next.capEffective = next.euid === 0 ? next.capPermitted : CAP_EMPTY_SET;
  } else {
    next.capPermitted = CAP_EMPTY_SET;
    next.capEffective = CAP_EMPTY_SET;
  }
  const gained =
    next.euid !== next.uid ||
    next.egid !== next.gid ||
    !isSubset(next.capPermitted, cred.capPermitted);
  return { cred: next, dumpable: !gained };
}
