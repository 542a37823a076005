/**
 * Shared builders for the kernel tests: worlds with extra programs, and the compact form of a
 * call's checks that the tests compare against kernel.md's tables.
 */
import type {
  CheckRecord,
  KernelApi,
  ProgramSource,
  SourceItem,
  WorldSpec,
} from '../../../extension/kernel/index';
import { createKernel, defaultWorld, imm, v } from '../../../extension/kernel/index';

/** A fixed emulated time for HEAD.time. */
export const CLOCK = (): number => 1_224_000_000;

/** [id, result, errno] of each check, in order. */
export type CheckRow = [string, 'pass' | 'fail' | 'skip', string | null];

export function rows(checks: readonly CheckRecord[]): CheckRow[] {
  return checks.map((check) => [check.id, check.result, check.errno]);
}

/** The checks of one id. */
export function only(checks: readonly CheckRecord[], id: string): CheckRecord[] {
  return checks.filter((check) => check.id === id);
}

/** Add a program and an executable file that runs it (0755 root unless told otherwise). */
export function withProgram(
  world: WorldSpec,
  path: string,
  items: SourceItem[],
  options: { mode?: number; uid?: number; gid?: number; label?: string } = {},
): WorldSpec {
  const name = path.split('/').at(-1) ?? path;
  const source: ProgramSource = { name, items };
  world.programs = world.programs.filter((program) => program.name !== name);
  world.programs.push(source);
  world.files = world.files.filter((file) => file.path !== path);
  world.files.push({
    path,
    kind: 'file',
    mode: options.mode ?? 0o755,
    uid: options.uid ?? 0,
    gid: options.gid ?? 0,
    contents: `#!crlab ${name}\n`,
    runs: name,
    ...(options.label !== undefined ? { label: options.label } : {}),
  });
  return world;
}

/** Items that idle forever (a sleeping loop). */
export function idle(label = 'idle'): SourceItem[] {
  return [
    { op: 'label', name: label },
    { op: 'sleep', ticks: imm(1) },
    { op: 'jump', target: label },
  ];
}

/** The scenario-1 passwd: open /etc/shadow read-write, checkpoint itself, then idle. */
export function passwdItems(imagePath = '/tmp/passwd.crimg'): SourceItem[] {
  return [
    { op: 'open', path: '/etc/shadow', flags: 2, dst: 'shadow' },
    { op: 'checkpoint', pid: imm(0), flags: 0, path: imagePath, dst: 'crid' },
    { op: 'print', parts: [{ text: 'checkpoint returned ' }, { value: v('crid') }] },
    ...idle(),
  ];
}

export function boot(world: WorldSpec = defaultWorld()): KernelApi {
  return createKernel({ world, clock: CLOCK });
}

/** Spawn or fail the test. */
export function spawn(
  kernel: KernelApi,
  user: string,
  exe: string,
  extra: { parent?: number; newPidNamespace?: boolean } = {},
): number {
  const result = kernel.spawn({ user, exe, ...extra });
  if (!result.ok) throw new Error(`spawn ${exe} as ${user}: ${result.errno} ${result.reason}`);
  return result.pid;
}

/** Run a task until it has executed a system call `op` (or fail). */
export function runUntil(kernel: KernelApi, pid: number, op: string): void {
  const outcome = kernel.run(pid, { untilSyscall: op, steps: 100_000 });
  if (outcome.stopped !== 'syscall')
    throw new Error(`task ${pid} stopped (${outcome.stopped}) before ${op}`);
}

export function bytesOf(kernel: KernelApi, path: string): Uint8Array {
  const bytes = kernel.readFile(path);
  if (bytes === null) throw new Error(`no file ${path}`);
  return bytes;
}
