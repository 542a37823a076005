/**
 * The answer to "who may restart this dump?" as text: one line per user, then what the mapping
 * dropped or assumed per task, then what it cannot know. Shared by the CLI and the editor's
 * report document.
 */
import type { CheckRecord } from '../kernel/index';
import type { RestartMatrix, RestartVerdict } from './who-may-restart';

const marks: Readonly<Record<CheckRecord['result'], string>> = { pass: '✓', fail: '✗', skip: '–' };

/** One check as the transcript prints it: `✗ restart.creds.uid EPERM: reason`. */
export function checkLine(check: CheckRecord): string {
  return `${marks[check.result]} ${check.id}${check.errno === null ? '' : ` ${check.errno}`}: ${check.reason}`;
}

/** A verdict in one line. */
export function verdictLine(row: RestartVerdict): string {
  const who = `${row.user} (uid ${row.uid})`;
  if (row.allowed) return `${who}: may restart it`;
  if (row.refusedBy === null) return `${who}: not judged: ${row.reason ?? 'unknown'}`;
  const at = row.source
    ? ` [${row.source.file} at 0x${row.source.offset.toString(16)}, ${row.source.field}]`
    : '';
  const standIn = row.standIn ? ` (judged on the stand-in ${row.standIn})` : '';
  return `${who}: refused by ${row.refusedBy.id} ${row.refusedBy.errno ?? ''}${at}${standIn}: ${row.refusedBy.reason}`;
}

/** The whole report; `checks` adds every check of every user. */
export function formatRestartMatrix(
  matrix: RestartMatrix,
  title: string,
  checks = false,
): string[] {
  const lines = [
    `Who may restart ${title}? sys_restart in a fresh kernel of ${matrix.worldName}, flags 0x${matrix.flags.toString(16)}, as each of its users`,
    '',
  ];
  if (matrix.error !== null) return [...lines, `No answer: ${matrix.error}.`];
  lines.push(...matrix.rows.map(verdictLine), '');
  if (checks) {
    for (const row of matrix.rows) {
      lines.push(`Checks as ${row.user}, in the order the kernel made them:`);
      lines.push(...row.checks.map((check) => `  ${checkLine(check)}`), '');
    }
  }
  if (matrix.standIns.length > 0) {
    lines.push('Stand-ins (paths of the dump the world lacks):');
    lines.push(
      ...matrix.standIns.map((s) => `  ${s.path} ${s.kind} 0${s.mode.toString(8)}: ${s.why}`),
      '',
    );
  }
  if (matrix.notes.length > 0) {
    lines.push('What the mapping left out or assumed:');
    lines.push(
      ...matrix.notes.map((note) => {
        const at = note.source
          ? ` [${note.source.file} at 0x${note.source.offset.toString(16)}]`
          : '';
        return `  ${note.subject}: ${note.text}${at}`;
      }),
      '',
    );
  }
  lines.push('What the mapping cannot know:', ...matrix.limits.map((limit) => `  ${limit}`));
  return lines;
}
