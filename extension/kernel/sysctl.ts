/** The sysctl table of kernel.md, with its defaults and value validation. */
import type { SysctlName, Sysctls } from './world';
import { DEFAULT_SYSCTLS } from './world';

const ALLOWED: { [K in SysctlName]: readonly Sysctls[K][] } = {
  'kernel.ckpt_unpriv_allowed': [0, 1],
  'kernel.ckpt_ptrace_mode': ['read', 'attach'],
  'kernel.ckpt_restore_creds': ['caller', 'authorized', 'signed'],
  'kernel.ckpt_sign_images': [0, 1],
  'kernel.ckpt_require_signed': [0, 1],
};

export function isSysctlName(name: string): name is SysctlName {
  return Object.hasOwn(ALLOWED, name);
}

/** The values a sysctl accepts (for hosts' completion and validation). */
export function sysctlValues<K extends SysctlName>(name: K): readonly Sysctls[K][] {
  return ALLOWED[name];
}

export class SysctlTable {
  private readonly values: Sysctls;

  constructor(initial: Partial<Sysctls> = {}) {
    this.values = { ...DEFAULT_SYSCTLS };
    for (const name of Object.keys(initial) as SysctlName[]) {
      const value = initial[name];
      if (value !== undefined) this.set(name, value);
    }
  }

  get<K extends SysctlName>(name: K): Sysctls[K] {
    return this.values[name];
  }

  /** @throws RangeError for a value the sysctl does not take. */
  set<K extends SysctlName>(name: K, value: Sysctls[K]): void {
    if (!(ALLOWED[name] as readonly unknown[]).includes(value)) {
      throw new RangeError(`${name}: ${String(value)} is not one of ${ALLOWED[name].join(', ')}`);
    }
    this.values[name] = value;
  }

  snapshot(): Sysctls {
    return { ...this.values };
  }
}
