/**
 * The task structure: identity in each pid namespace, credentials, the program with its pc and
 * registers, the address space, the fd table and the freezer/run state.
 */
import type { Cred } from './creds';
import type { FdTable } from './files';
import type { AddressSpace } from './mm';
import type { PidNamespace } from './pidns';
import type { Program } from './program';

export type RunState = 'running' | 'sleeping' | 'stopped';

/** A task's number in one namespace. */
export interface PidLink {
  ns: PidNamespace;
  nr: number;
}

export const NREGS = 16;

export interface Task {
  /** Pids from the root namespace down to the task's own (its active namespace). */
  pids: PidLink[];
  parent: Task | null;
  children: Task[];
  comm: string;
  runState: RunState;
  frozen: boolean;
  zombie: boolean;
  exitCode: number | null;
  cred: Cred;
  dumpable: boolean;
  /** PF_SUPERPRIV: the task used a superuser privilege (kept as saved across restart). */
  superpriv: boolean;
  /** The LSM label of the task's cred, or null under `none`. */
  label: string | null;
  program: Program | null;
  pc: number;
  regs: number[];
  mm: AddressSpace;
  files: FdTable;
  sleepTicks: number;
  /** After unshare(CLONE_NEWPID): the namespace the next child is born into as its init. */
  childPidNamespacePending: boolean;
  /** The task tracing this one (sys_ptrace PTRACE_ATTACH), or null. */
  tracer: Task | null;
  /** A transient caller made by checkpointAs/restartAs; reaped after the call. */
  transient: boolean;
}

/** The pid in the root namespace: the handle hosts use. */
export function globalPid(task: Task): number {
  return task.pids[0]?.nr ?? 0;
}

/** The task's own (innermost) namespace. */
export function activeNs(task: Task): PidNamespace {
  const last = task.pids.at(-1);
  if (last === undefined) throw new Error('task without a pid');
  return last.ns;
}

/** The task's pid as seen from `ns`, or null if it is not visible there. */
export function pidIn(task: Task, ns: PidNamespace): number | null {
  return task.pids.find((link) => link.ns === ns)?.nr ?? null;
}

/** Whether the task is the init of its own namespace. */
export function isNsInit(task: Task): boolean {
  return activeNs(task).init === task;
}

/** The task and its descendants, depth first, children in creation order: the tree order. */
export function subtree(root: Task): Task[] {
  const out: Task[] = [];
  const visit = (task: Task): void => {
    out.push(task);
    for (const child of task.children) visit(child);
  };
  visit(root);
  return out;
}

/** `task 7 (passwd)`, with the pid inside its namespace when it differs: `task 9 (sh, pid 1 in its namespace)`. */
export function describeTask(task: Task): string {
  const own = task.pids.at(-1)?.nr ?? 0;
  const global = globalPid(task);
  return own === global
    ? `task ${global} (${task.comm})`
    : `task ${global} (${task.comm}, pid ${own} in its namespace)`;
}
