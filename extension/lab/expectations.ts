/**
 * Judging `expect` statements against the kernel and the last action: each gives a verdict and,
 * when it fails, what was found instead, in words a person can act on.
 */
import { decodeUtf8Lossy } from '../image/index';
import type { CheckRecord, KernelApi, TaskInfo, WorldSpec } from '../kernel/index';
import { credIds } from '../kernel/index';
import type { ScriptStatement } from './ast';
import type { CallEntry } from './transcript';

/** The result of the last action, as `expect last` and `expect check` see it. */
export interface LastResult {
  ok: boolean;
  errno: string | null;
  /** The last checkpoint/restart call the action made, if any. */
  call: CallEntry | null;
}

/** What an expectation may look at. */
export interface ExpectationContext {
  kernel: KernelApi;
  world: WorldSpec;
  last: LastResult;
  /** The checks of the most recent checkpoint or restart. */
  lastChecks: readonly CheckRecord[];
  findTask(name: string): TaskInfo | null;
  /** The pid a `-> NAME` binding or a container name stands for. */
  boundPid(name: string): number | undefined;
}

export interface Verdict {
  passed: boolean;
  /** Empty when it passed; otherwise what was found. */
  detail: string;
}

function verdict(passed: boolean, detail: string): Verdict {
  return { passed, detail: passed ? '' : detail };
}

function uidOf(context: ExpectationContext, name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) return Number(name);
  return context.world.users.find((u) => u.name === name)?.uid;
}

function gidOf(context: ExpectationContext, name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) return Number(name);
  return context.world.groups.find((g) => g.name === name)?.gid;
}

/** Judges one `expect` statement. */
export function judgeExpectation(statement: ScriptStatement, context: ExpectationContext): Verdict {
  switch (statement.kind) {
    case 'expect-last': {
      const last = context.last;
      const failed = last.call?.checks.find((check) => check.result === 'fail');
      if (statement.ok) {
        return verdict(
          last.ok,
          last.ok
            ? ''
            : `last action failed with ${last.errno ?? 'an error'}${failed ? ` (${failed.id}: ${failed.reason})` : ''}`,
        );
      }
      const errnoHolds = !last.ok && last.errno === statement.errno?.text;
      const checkHolds = statement.check === undefined || failed?.id === statement.check.text;
      const actual = last.ok
        ? 'the last action succeeded'
        : `got ${last.errno ?? 'an error'}${failed ? ` from ${failed.id}` : ''}`;
      return verdict(errnoHolds && checkHolds, errnoHolds && checkHolds ? '' : actual);
    }
    case 'expect-check': {
      const records = context.lastChecks.filter((check) => check.id === statement.check.text);
      const errnoOk = (check: CheckRecord): boolean =>
        statement.errno === undefined || check.errno === statement.errno.text;
      // `fail` holds when any instance failed (per-task checks run once per task); `pass` and
      // `skip` hold when every instance has that result.
      const holds =
        records.length > 0 &&
        (statement.result === 'fail'
          ? records.some((check) => check.result === 'fail' && errnoOk(check))
          : records.every((check) => check.result === statement.result));
      const actual =
        records.length === 0
          ? `the last call did not run ${statement.check.text}`
          : records
              .map(
                (check) =>
                  `${check.result}${check.errno ? ` ${check.errno}` : ''}: ${check.reason}`,
              )
              .join('; ');
      return verdict(holds, holds ? '' : actual);
    }
    case 'expect-task': {
      const task = context.findTask(statement.task.text);
      if (task === null) {
        return verdict(false, `no task \`${statement.task.text}\``);
      }
      const { actual, expected } = taskField(context, task, statement);
      return verdict(
        actual === expected,
        actual === expected ? '' : `${statement.field} is ${actual}`,
      );
    }
    case 'expect-var': {
      const task = context.findTask(statement.task.text);
      const actual = task?.vars[statement.variable.text];
      const holds = actual === statement.value;
      return verdict(
        holds,
        holds
          ? ''
          : task === null
            ? `no task \`${statement.task.text}\``
            : actual === undefined
              ? `no variable ${statement.variable.text}`
              : `${statement.variable.text} is ${actual}`,
      );
    }
    case 'expect-output': {
      const lines = context.kernel.console();
      let pids: Set<number> | null = null;
      if (statement.task !== undefined) {
        const name = statement.task.text;
        const bound = context.boundPid(name);
        pids = new Set(bound !== undefined ? [bound] : []);
        lines.forEach((l) => {
          if (bound === undefined && l.comm === name) pids?.add(l.pid);
        });
      }
      const holds = lines.some(
        (l) => l.text === statement.text.value && (pids === null || pids.has(l.pid)),
      );
      return verdict(
        holds,
        holds
          ? ''
          : `no output line "${statement.text.value}"${statement.task ? ` from ${statement.task.text}` : ''}`,
      );
    }
    case 'expect-file': {
      const stat = context.kernel.stat(statement.path.path);
      if (statement.test === 'exists' || statement.test === 'missing') {
        const holds = (stat !== null) === (statement.test === 'exists');
        return verdict(holds, stat === null ? 'it does not exist' : `it exists (${stat.kind})`);
      }
      if (stat === null) return verdict(false, 'it does not exist');
      if (statement.test === 'mode') {
        const octal = (mode: number): string => `0${mode.toString(8)}`;
        return verdict(stat.mode === statement.mode, `its mode is ${octal(stat.mode)}`);
      }
      if (statement.test === 'owner') {
        const user = statement.owner?.user.text ?? '';
        const group = statement.owner?.group?.text;
        const uidHolds = stat.uid === uidOf(context, user);
        const gidHolds = group === undefined || stat.gid === gidOf(context, group);
        return verdict(uidHolds && gidHolds, `its owner is ${stat.uid}:${stat.gid}`);
      }
      const bytes = context.kernel.readFile(statement.path.path);
      // Compared as bytes: exact, and no string is made of a file that may be gigabytes long.
      const wanted = new TextEncoder().encode(statement.text?.value ?? '');
      const holds = bytes !== null && indexOfBytes(bytes, wanted) >= 0;
      return verdict(
        holds,
        holds
          ? ''
          : bytes === null
            ? 'the file does not exist'
            : `the file holds ${JSON.stringify(decodeUtf8Lossy(bytes.subarray(0, 80)))}${bytes.length > 80 ? '…' : ''}`,
      );
    }
    default:
      return { passed: false, detail: `\`${statement.kind}\` is not an expectation` };
  }
}

/** Where `needle` first occurs in `haystack`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0] ?? 0;
  for (let at = haystack.indexOf(first); at >= 0; at = haystack.indexOf(first, at + 1)) {
    if (at + needle.length > haystack.length) return -1;
    let k = 1;
    while (k < needle.length && haystack[at + k] === needle[k]) k++;
    if (k === needle.length) return at;
  }
  return -1;
}

function taskField(
  context: ExpectationContext,
  task: TaskInfo,
  statement: ScriptStatement & { kind: 'expect-task' },
): { actual: string; expected: string } {
  const value = statement.value;
  const raw =
    typeof value === 'number' ? String(value) : 'text' in value ? value.text : value.value;
  const cred = task.cred;
  const ids: Record<string, number> = { ...credIds(cred) };
  const field = statement.field;
  if (field in ids) {
    const lookup = field.includes('gid') ? gidOf(context, raw) : uidOf(context, raw);
    return { actual: String(ids[field]), expected: String(lookup ?? raw) };
  }
  switch (field) {
    case 'state': {
      const state = task.state === 'zombie' && raw === 'exited' ? 'exited' : task.state;
      return { actual: state, expected: raw };
    }
    case 'pc':
      return { actual: String(task.pc), expected: raw };
    case 'comm':
      return { actual: task.comm, expected: raw };
    case 'dumpable':
      return {
        actual: task.dumpable ? 'yes' : 'no',
        expected: raw === '1' ? 'yes' : raw === '0' ? 'no' : raw,
      };
    case 'exit':
      return { actual: task.exitCode === null ? 'none' : String(task.exitCode), expected: raw };
    case 'groups':
      return {
        actual: [...cred.groups].sort((a, b) => a - b).join(','),
        expected: raw
          .split(/[,\s]+/)
          .filter(Boolean)
          .map((g) => String(gidOf(context, g) ?? g))
          .sort((a, b) => Number(a) - Number(b))
          .join(','),
      };
    case 'caps':
      return {
        actual: `0x${cred.capEffective.toString(16)}`,
        expected: `0x${BigInt(raw).toString(16)}`,
      };
    default:
      return { actual: '?', expected: raw };
  }
}
