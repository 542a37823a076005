/**
 * Nested pid namespaces. A task has a pid in its own namespace and in every ancestor; the first
 * task of a namespace is its init (pid 1). Pids are handed out upward from 1, skipping used ones,
 * so the same sequence of calls always gives the same pids.
 */
import type { Task } from './task';

export const PID_MAX = 32768;

export class PidNamespace {
  readonly tasks = new Map<number, Task>();
  private lastPid = 0;
  init: Task | null = null;

  constructor(
    readonly id: number,
    readonly parent: PidNamespace | null,
  ) {}

  get level(): number {
    return this.parent === null ? 0 : this.parent.level + 1;
  }

  /** This namespace and its ancestors, root first. */
  lineage(): PidNamespace[] {
    return this.parent === null ? [this] : [...this.parent.lineage(), this];
  }

  isAncestorOf(other: PidNamespace): boolean {
    for (let ns: PidNamespace | null = other; ns !== null; ns = ns.parent) {
      if (ns === this) return true;
    }
    return false;
  }

  /** alloc_pid for one level: the next free number after the last one given. */
  allocate(): number | null {
    for (let tries = 0; tries < PID_MAX; tries++) {
      this.lastPid = this.lastPid >= PID_MAX - 1 ? 1 : this.lastPid + 1;
      if (!this.tasks.has(this.lastPid)) return this.lastPid;
    }
    return null;
  }

  /** Where {@link allocate} continues from; probes that must leave no trace put it back. */
  get cursor(): number {
    return this.lastPid;
  }

  set cursor(value: number) {
    this.lastPid = value;
  }

  /** Reserve a specific pid (restart restoring saved pids). */
  reserve(pid: number): boolean {
    if (this.tasks.has(pid) || pid < 1 || pid >= PID_MAX) return false;
    this.lastPid = Math.max(this.lastPid, pid);
    return true;
  }
}
