/**
 * One call's security checks as a document a person can keep or paste: Markdown (a table) or
 * JSON (the same fields the CLI's `--json` uses for checks, plus the call's context).
 */
import type { CheckRecord } from '../kernel/index';
import { flagsText, type LabCall } from './session';
import { SIGNED_REPLAY_WARNING } from './restart-matrix';
import { isExternalLabCall } from './session-external';

export type ReportFormat = 'markdown' | 'json';

const MARKS = { pass: '✓ pass', fail: '✗ fail', skip: '– skip' } as const;

/** `|` and line breaks would break a Markdown table cell; backticks are kept literal. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function offsetText(check: CheckRecord): string {
  if (check.offset === null) return '';
  return `0x${check.offset.toString(16)}${check.field !== undefined ? ` (${check.field})` : ''}`;
}

/** What the verdict of a call was, in words. */
export function verdictOf(call: Pick<LabCall, 'call' | 'errno' | 'checks'>): string {
  if (call.errno === null) return `${call.call} succeeded`;
  const failed = call.checks.find((check) => check.result === 'fail');
  return `${call.call} failed with ${call.errno}${failed !== undefined ? ` in ${failed.id}` : ''}`;
}

/** A check with every field present: `field` and `line` null where the record has none. */
export type CheckFields = Omit<CheckRecord, 'field' | 'line'> & {
  field: string | null;
  line: number | null;
};

/** `check`'s fields as the report's JSON and the panel's table list them, in that order. */
export function checkFields(check: CheckRecord): CheckFields {
  return {
    id: check.id,
    models: check.models,
    subject: check.subject,
    object: check.object,
    result: check.result,
    errno: check.errno,
    reason: check.reason,
    offset: check.offset,
    field: check.field ?? null,
    line: check.line ?? null,
  };
}

/** Whether a call ran under `signed` and so carries the replay caveat. */
export function signedReplayApplies(call: Pick<LabCall, 'call' | 'restoreCreds'>): boolean {
  return call.call === 'restart' && call.restoreCreds === 'signed';
}

/** The report of `call` (`title` names it, e.g. `Call 3` or a matrix cell). */
export function callReport(call: LabCall, format: ReportFormat, title: string): string {
  const flags = call.flags === 0 ? '0' : flagsText(call.call, call.flags);
  if (format === 'json') {
    return `${JSON.stringify(
      {
        title,
        call: call.call,
        statement: call.statement,
        line: call.line,
        debugSource: isExternalLabCall(call) ? call.source : null,
        by: call.by,
        user: call.user,
        callerPid: call.callerPid,
        target: call.target,
        image: call.image,
        flags,
        restoreCreds: call.restoreCreds,
        ret: call.ret,
        errno: call.errno,
        restored: call.restored,
        signedReplay: signedReplayApplies(call) ? SIGNED_REPLAY_WARNING : null,
        checks: call.checks.map(checkFields),
      },
      null,
      2,
    )}\n`;
  }
  const lines = [
    `# ${title}: ${verdictOf(call)}`,
    '',
    `- Statement: \`${call.statement}\` (line ${call.line} of ${isExternalLabCall(call) ? `\`${call.source}\`, in a debugging session` : 'the session log'})`,
    `- Caller: ${call.user} (pid ${call.callerPid}, ${call.by === 'script' ? 'a task of the script' : call.by === 'debugger' ? 'the debugger' : "the task's own program"})`,
    ...(call.image !== null ? [`- Image: \`${call.image}\``] : []),
    `- Flags: ${flags}; kernel.ckpt_restore_creds: ${call.restoreCreds ?? 'not known'}`,
    ...(call.restored.length > 0
      ? [`- Restored: ${call.restored.map((pid) => `pid ${pid}`).join(', ')}`]
      : []),
    ...(signedReplayApplies(call) ? ['', `> ${SIGNED_REPLAY_WARNING}`] : []),
    '',
    '| # | Check | Result | Errno | Object | Reason | Models | Image offset |',
    '|---|---|---|---|---|---|---|---|',
    ...call.checks.map(
      (check, index) =>
        `| ${index + 1} | \`${check.id}\` | ${MARKS[check.result]} | ${check.errno ?? ''} | ${cell(check.object)} | ${cell(check.reason)} | ${cell(check.models)} | ${offsetText(check)} |`,
    ),
    '',
    `Subject (the caller's credentials): ${cell(call.checks[0]?.subject ?? '')}`,
    '',
  ];
  return lines.join('\n');
}
