/**
 * ptrace_may_access(t, mode), once: what checkpoint.ptrace asks for every task of the tree and
 * what sys_ptrace(PTRACE_ATTACH) asks for its target. The caller itself passes; else the
 * caller's fsuid (mode `read`) or uid (mode `attach`) must equal t's uid, euid and suid, likewise
 * for the gids, and t must be dumpable; otherwise only CAP_SYS_PTRACE passes; then the LSM's
 * ptrace hook (kernel.md, checkpoint.ptrace).
 */
import { Cap } from './caps';
import { capable } from './creds';
import type { Machine } from './machine';
import type { Task } from './task';
import type { PtraceMode } from './world';

export type PtraceVerdict = { allowed: true; reason: string } | { allowed: false; reason: string };

export function ptraceMayAccess(
  machine: Machine,
  caller: Task,
  target: Task,
  mode: PtraceMode,
): PtraceVerdict {
  if (target === caller) return { allowed: true, reason: 'a task may always access itself' };
  const cred = caller.cred;
  const uid = mode === 'read' ? cred.fsuid : cred.uid;
  const gid = mode === 'read' ? cred.fsgid : cred.gid;
  const uidName = mode === 'read' ? 'fsuid' : 'uid';
  const gidName = mode === 'read' ? 'fsgid' : 'gid';
  const t = target.cred;
  const sameUids = uid === t.uid && uid === t.euid && uid === t.suid;
  const sameGids = gid === t.gid && gid === t.egid && gid === t.sgid;
  const ptraceCap = capable(cred, Cap.SYS_PTRACE);
  if (!(sameUids && sameGids) && !ptraceCap) {
    const mismatch = !sameUids
      ? `caller ${uidName} ${uid} does not match the target's uid/euid/suid ${t.uid}/${t.euid}/${t.suid}`
      : `caller ${gidName} ${gid} does not match the target's gid/egid/sgid ${t.gid}/${t.egid}/${t.sgid}`;
    return {
      allowed: false,
      reason: `ptrace ${mode} denied: ${mismatch} and CAP_SYS_PTRACE is missing`,
    };
  }
  if (!target.dumpable && !ptraceCap) {
    return {
      allowed: false,
      reason:
        'ptrace denied: the target is not dumpable (it gained privilege through a setuid/setgid exec) and CAP_SYS_PTRACE is missing',
    };
  }
  const denial = machine.lsm.ptrace(caller.label, target.label);
  if (denial !== null) return { allowed: false, reason: denial };
  return {
    allowed: true,
    reason:
      sameUids && sameGids
        ? `caller ${uidName} and ${gidName} match the target's ids and the target is dumpable`
        : 'the caller has CAP_SYS_PTRACE',
  };
}
