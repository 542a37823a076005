/**
 * What a scenario run produced, entry by entry, and its plain-text rendering (the CLI's `run`
 * output; the editor shows the same entries in its own way).
 */
import type { CheckRecord } from '../kernel/index';

/** One checkpoint or restart call, made by the script or by a program, with its checks. */
export interface CallEntry {
  call: 'checkpoint' | 'restart';
  /** Root-namespace pid of the calling task (a transient task for script actions). */
  caller: number;
  /** The flags argument, as the kernel received it. */
  flags: number;
  ret: number;
  errno: string | null;
  checks: CheckRecord[];
  restored?: number[];
}

export type TranscriptEntry =
  | {
      kind: 'action';
      line: number;
      /** The statement as written. */
      text: string;
      ok: boolean;
      errno: string | null;
      /** What happened, in a few words: `pid 3`, `12 steps, stopped at checkpoint`. */
      summary: string;
      calls: CallEntry[];
    }
  | { kind: 'output'; line: number | null; pid: number; comm: string; text: string }
  | { kind: 'expect'; line: number; text: string; passed: boolean; detail: string }
  | { kind: 'error'; line: number; text: string; message: string };

const MARKS = { pass: '✓', fail: '✗', skip: '–' } as const;

export function formatCheck(check: CheckRecord): string {
  const errno = check.errno === null ? '' : ` ${check.errno}`;
  const offset = check.offset === null ? '' : ` @0x${check.offset.toString(16)}`;
  return `${MARKS[check.result]} ${check.id}${errno}${offset}: ${check.reason}`;
}

/** A call's result line and its checks, indented under the action that made it. */
export function formatCall(call: CallEntry): string[] {
  const result =
    call.errno !== null
      ? `failed ${call.errno}`
      : call.call === 'checkpoint'
        ? `crid ${call.ret}`
        : `restored ${(call.restored ?? []).map((pid) => `pid ${pid}`).join(', ') || 'ok'}`;
  return [
    `    ${call.call} by pid ${call.caller}: ${result}`,
    ...call.checks.map((check) => `      ${formatCheck(check)}`),
  ];
}

/** The transcript as lines of text, `line: statement -> result` style. */
export function formatTranscript(entries: readonly TranscriptEntry[]): string[] {
  const lines: string[] = [];
  for (const entry of entries) {
    switch (entry.kind) {
      case 'action': {
        const result = entry.ok
          ? `ok${entry.summary ? `, ${entry.summary}` : ''}`
          : `${entry.errno ?? 'failed'}${entry.summary ? `, ${entry.summary}` : ''}`;
        lines.push(`${String(entry.line).padStart(4)}  ${entry.text}  => ${result}`);
        entry.calls.forEach((call) => lines.push(...formatCall(call)));
        break;
      }
      case 'output':
        lines.push(`      [${entry.comm} ${entry.pid}] ${entry.text}`);
        break;
      case 'expect':
        lines.push(
          `${String(entry.line).padStart(4)}  ${entry.text}  ${entry.passed ? '✓' : `✗ ${entry.detail}`}`,
        );
        break;
      case 'error':
        lines.push(`${String(entry.line).padStart(4)}  ${entry.text}  ✗ error: ${entry.message}`);
        break;
    }
  }
  return lines;
}
