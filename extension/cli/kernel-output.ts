/** How the CLI prints check records and restored tasks (the JSON shapes of docs/cli.md). */
import type { CheckRecord, CredIds, KernelApi, TaskInfo, WorldSpec } from '../kernel/index';
import { credIds, orFlags } from '../kernel/index';
import { formatCheck, vocabulary } from '../lab/index';
import { CliError } from './errors';

export interface CheckJson {
  id: string;
  result: 'pass' | 'fail' | 'skip';
  errno: string | null;
  reason: string;
  offset: number | null;
}

export function checkJson(check: CheckRecord): CheckJson {
  return {
    id: check.id,
    result: check.result,
    errno: check.errno,
    reason: check.reason,
    offset: check.offset,
  };
}

export interface TaskJson extends CredIds {
  vpid: number;
  comm: string;
  groups: number[];
  caps: { effective: string; permitted: string; inheritable: string; bset: string };
  pc: number;
}

const hex = (set: bigint): string => `0x${set.toString(16)}`;

/**
 * A restored task as JSON. `vpid` is its pid in the namespace the restored root lives in, i.e.
 * the pid the image's TREE gave it when the restart recreated the namespace.
 */
export function taskJson(task: TaskInfo, rootDepth: number): TaskJson {
  const cred = task.cred;
  return {
    vpid: task.nsPids[rootDepth] ?? task.pid,
    comm: task.comm,
    ...credIds(cred),
    groups: [...cred.groups],
    caps: {
      effective: hex(cred.capEffective),
      permitted: hex(cred.capPermitted),
      inheritable: hex(cred.capInheritable),
      bset: hex(cred.capBset),
    },
    pc: task.pc,
  };
}

export function restoredTasks(kernel: KernelApi, pids: readonly number[]): TaskJson[] {
  const tasks = pids.map((pid) => kernel.task(pid)).filter((t): t is TaskInfo => t !== null);
  const rootDepth = (tasks[0]?.nsPids.length ?? 1) - 1;
  return tasks.map((task) => taskJson(task, rootDepth));
}

export function checkLines(checks: readonly CheckRecord[]): string[] {
  return checks.map((check) => `  ${formatCheck(check)}`);
}

/** `--as USER|UID`: a user of the world, by name or uid. */
export function resolveUser(
  world: WorldSpec,
  text: string | undefined,
  command: string,
): string | number {
  if (text === undefined) throw new CliError(`${command}: --as USER is required`);
  if (/^[0-9]+$/.test(text)) {
    const uid = Number(text);
    if (!world.users.some((u) => u.uid === uid))
      throw new CliError(`${command}: no user with uid ${uid}`);
    return uid;
  }
  if (!world.users.some((u) => u.name === text)) {
    throw new CliError(
      `${command}: unknown user ${text} (users: ${world.users.map((u) => u.name).join(', ')})`,
    );
  }
  return text;
}

/** `--flags N`: a number (0x.. allowed) or flag names joined by `,` or `|`. */
export function parseFlags(text: string | undefined, command: string): number {
  if (text === undefined) return 0;
  if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) return Number(text);
  let flags = 0;
  for (const name of text.split(/[,|]/)) {
    const bit = vocabulary.FLAG_NAMES[name.trim()];
    if (bit === undefined)
      throw new CliError(
        `${command}: --flags: unknown flag ${name} (a number, or SUBTREE, TASKSELF, FROZEN, KEEP_LSM)`,
      );
    flags = orFlags(flags, bit);
  }
  return flags;
}

/** `--sysctl NAME=VALUE`, checked against the sysctls of kernel.md. */
export function parseSysctl(
  text: string,
  command: string,
): { name: string; value: string | number } {
  const eq = text.indexOf('=');
  if (eq < 0) throw new CliError(`${command}: --sysctl takes NAME=VALUE, not ${text}`);
  const name = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const spec = vocabulary.SYSCTLS[name];
  if (spec === undefined) throw new CliError(`${command}: unknown sysctl ${name}`);
  const value = typeof spec[0] === 'number' ? Number(raw) : raw;
  if (raw === '' || !spec.includes(value))
    throw new CliError(`${command}: ${name} takes one of ${spec.join(', ')}, not ${raw}`);
  return { name, value };
}
