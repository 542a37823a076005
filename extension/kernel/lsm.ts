/**
 * The LSM hook interface and its three policies: `none` (no labels, allows all), `dummy`
 * (labels everything "dummy", allows all — like the patchset's test LSM) and `label`, a small
 * SELinux-like policy over task domains and file labels whose rules deny, plus the domain
 * transitions it allows (none by default, as in SELinux).
 */
import type { LabelPolicy, LsmSpec, UserSpec } from './world';

/** A denial: null when allowed. */
export type LsmVerdict = string | null;

export interface Lsm {
  /** The name LSM_INFO records (`none`, `dummy`, `label`). */
  readonly name: 'none' | 'dummy' | 'label';
  /** The label of a login task of `user`. */
  loginLabel(user: UserSpec | null, uid: number): string | null;
  /** The label a file gets (its VFS label under `label`). */
  fileLabel(vfsLabel: string): string | null;
  /** The domain after executing a file with label `fileLabel`. */
  execLabel(domain: string | null, fileLabel: string): string | null;
  /** security_ptrace_may_access. */
  ptrace(tracerDomain: string | null, targetDomain: string | null): LsmVerdict;
  /** security_checkpoint_obj for a task. */
  checkpointTask(domain: string | null): LsmVerdict;
  /** security_checkpoint_obj for an open file. */
  checkpointFile(label: string | null): LsmVerdict;
  /** security_may_restart / security_restore_obj: may `callerDomain` create an object labelled so. */
  restoreObject(callerDomain: string | null, label: string | null): LsmVerdict;
  /**
   * Whether a policy rule lets a task in `from` enter domain `to` (SELinux's `process { transition
   * }`); denied unless a rule allows it. Being in one's own domain needs no rule.
   */
  allowsTransition(from: string | null, to: string | null): boolean;
}

const allowAll = {
  ptrace: (): LsmVerdict => null,
  checkpointTask: (): LsmVerdict => null,
  checkpointFile: (): LsmVerdict => null,
  restoreObject: (): LsmVerdict => null,
  // No policy, no rules: only the caller's own domain is ever entered.
  allowsTransition: (): boolean => false,
};

const noneLsm: Lsm = {
  name: 'none',
  loginLabel: () => null,
  fileLabel: () => null,
  execLabel: () => null,
  ...allowAll,
};

const dummyLsm: Lsm = {
  name: 'dummy',
  loginLabel: () => 'dummy',
  fileLabel: () => 'dummy',
  execLabel: () => 'dummy',
  ...allowAll,
};

function labelLsm(policy: LabelPolicy): Lsm {
  return {
    name: 'label',
    loginLabel: (user, uid) => user?.domain ?? (uid === 0 ? 'unconfined_t' : 'user_t'),
    fileLabel: (vfsLabel) => vfsLabel,
    execLabel: (domain, fileLabel) => {
      const transition = (policy.transitions ?? []).find(
        (rule) => rule.exec === fileLabel && (rule.from === undefined || rule.from === domain),
      );
      return transition?.to ?? domain;
    },
    ptrace: (_tracer, target) => {
      const rule = policy.rules.find((r) => r.deny === 'ptrace' && r.domain === target);
      return rule !== undefined ? `label policy: domain ${target} may not be ptraced` : null;
    },
    checkpointTask: (domain) => {
      const rule = policy.rules.find(
        (r) => r.deny === 'checkpoint' && 'domain' in r && r.domain === domain,
      );
      return rule !== undefined ? `label policy: domain ${domain} may not be checkpointed` : null;
    },
    checkpointFile: (label) => {
      const rule = policy.rules.find(
        (r) => r.deny === 'checkpoint' && 'label' in r && r.label === label,
      );
      return rule !== undefined
        ? `label policy: files labelled ${label} may not be checkpointed`
        : null;
    },
    restoreObject: (callerDomain, label) => {
      const rule = policy.rules.find(
        (r) =>
          r.deny === 'restore' &&
          r.label === label &&
          (r.domain === undefined || r.domain === callerDomain),
      );
      return rule !== undefined
        ? `label policy: label ${label} may not be restored by domain ${callerDomain}`
        : null;
    },
    allowsTransition: (from, to) =>
      (policy.allowedTransitions ?? []).some((rule) => rule.from === from && rule.to === to),
  };
}

export function createLsm(spec: LsmSpec): Lsm {
  switch (spec.name) {
    case 'none':
      return noneLsm;
    case 'dummy':
      return dummyLsm;
    case 'label':
      return labelLsm(spec.policy);
  }
}
