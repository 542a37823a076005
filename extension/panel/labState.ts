/**
 * The lab state as the panel shows it: the session's tasks, images, settings, console and
 * history, mapped to the plain shapes of `webview/protocol.ts`. Pure mapping, no VS Code calls
 * beyond reading the service.
 */
import { CAP_LAST_CAP, Prot, VmFlag, capabilityNames, displayOpenFlags } from '../image/index';
import { credIds, sysctlValues, type CheckRecord } from '../kernel/index';
import type { RestartMatrix } from '../lab/restart-matrix';
import { SIGNED_REPLAY_WARNING, matrixCellCall } from '../lab/restart-matrix';
import { flagsText, type LabCall, type LabSession, type LabTask } from '../lab/session';
import { checkFields, signedReplayApplies } from '../lab/session-report';
import { isExternalLabCall } from '../lab/session-external';
import type { LabService } from '../session/labService';
import type {
  LabCallSummaryView,
  LabCallView,
  LabCheckLink,
  LabMatrixView,
  LabStateView,
  LabTaskView,
} from '../../webview/protocol';

/** Mappings shown per task; the rest are counted. */
const maxVmas = 64;
/** Console lines sent; the rest are counted. */
const maxConsole = 200;

const fullBounding = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;

function taskView(task: LabTask): LabTaskView {
  const cred = task.cred;
  const state = task.state === 'zombie' ? 'exited' : task.state;
  return {
    pid: task.pid,
    nsPids: task.nsPids,
    ppid: task.ppid,
    comm: task.comm,
    exe: task.exe,
    program: task.program,
    pc: task.pc,
    state,
    exitCode: task.exitCode,
    user: task.user,
    name: task.name,
    cred: {
      ...credIds(cred),
      groups: cred.groups,
      effective: capabilityNames(cred.capEffective),
      permitted: capabilityNames(cred.capPermitted),
      inheritable: capabilityNames(cred.capInheritable),
      bounding: cred.capBset === fullBounding ? ['all'] : capabilityNames(cred.capBset),
      securebits: cred.securebits,
    },
    dumpable: task.dumpable,
    label: task.label,
    fds: task.fds.map((fd) => ({
      fd: fd.fd,
      path: fd.path,
      mode: ['r', 'w', 'rw', '?'][fd.flags & 3] ?? '?',
      flags: displayOpenFlags(fd.flags),
      offset: fd.pos,
      closeOnExec: fd.closeOnExec,
    })),
    vmas: task.vmas.slice(0, maxVmas).map((vma) => ({
      start: `0x${vma.start.toString(16)}`,
      end: `0x${vma.end.toString(16)}`,
      perms: `${vma.prot & Prot.READ ? 'r' : '-'}${vma.prot & Prot.WRITE ? 'w' : '-'}${vma.prot & Prot.EXEC ? 'x' : '-'}${vma.flags & VmFlag.SHARED ? 's' : 'p'}`,
      file: vma.file,
      residentPages: vma.residentPages,
    })),
    vmaCount: task.vmas.length,
    vars: Object.entries(task.vars).map(([name, value]) => ({ name, value })),
    namespaceInit: task.namespaceInit,
    nsLevel: task.nsLevel,
    nsInit: task.nsInit,
    container: task.container,
  };
}

function linkOf(check: CheckRecord, call: LabCall): LabCheckLink {
  // A debugging session's call: its lines are in the file it debugs; its images are not the lab's.
  if (isExternalLabCall(call)) return (check.line ?? call.line) > 0 ? 'line' : null;
  if (check.offset !== null && call.image !== null) return 'image';
  if (check.line !== undefined && check.line !== null && check.line > 0) return 'line';
  return null;
}

function summaryOf(call: LabCall): LabCallSummaryView {
  return {
    id: call.id,
    call: call.call,
    statement: call.statement,
    user: call.user,
    errno: call.errno,
    deciding: call.checks.find((check) => check.result === 'fail')?.id ?? null,
  };
}

/** A call and its checks, as the check table shows them. */
export function callView(
  call: LabCall,
  probe: { user: number; mode: number } | null,
  replayWarning: string,
): LabCallView {
  return {
    ...summaryOf(call),
    line: call.line,
    by: call.by,
    callerPid: call.callerPid,
    image: call.image,
    flags: call.flags === 0 ? '0' : flagsText(call.call, call.flags),
    restoreCreds: call.restoreCreds,
    debugSource: isExternalLabCall(call)
      ? (call.source.split(/[\\/]/).at(-1) ?? call.source)
      : null,
    restored: call.restored,
    checks: call.checks.map((check) => ({ ...checkFields(check), link: linkOf(check, call) })),
    replayWarning: signedReplayApplies(call) ? replayWarning : null,
    probe,
  };
}

function matrixView(session: LabSession, matrix: RestartMatrix): LabMatrixView {
  const image = session.images().find((entry) => entry.path === matrix.path);
  return {
    image: matrix.path,
    flags: matrix.flags === 0 ? '0' : flagsText('restart', matrix.flags),
    users: matrix.users.map((user) => user.name),
    modes: [...matrix.modes],
    cells: matrix.cells.map((row) =>
      row.map((cell) => ({
        allowed: cell.allowed,
        errno: cell.errno,
        check: cell.check,
        reason: cell.reason,
      })),
    ),
    currentMode: matrix.currentMode,
    signature: image?.signature ?? null,
    replayWarning: matrix.replayWarning,
  };
}

/** The call the panel shows: the chosen one of the history, or a matrix cell's probe. */
export function shownCallOf(
  lab: LabService,
): { call: LabCall; probe: { user: number; mode: number } | null } | null {
  const probe = lab.shownProbe;
  if (probe !== null) {
    const call = matrixCellCall(
      probe.matrix,
      probe.user,
      probe.mode,
      lab.session.kernel.readFile(probe.matrix.path),
    );
    return call === null ? null : { call, probe: { user: probe.user, mode: probe.mode } };
  }
  const call = lab.shownCall;
  return call === null ? null : { call, probe: null };
}

/** The whole state the panel shows, numbered `version`. */
export function labStateView(lab: LabService, version: number): LabStateView {
  const session = lab.session;
  const kernel = session.kernel;
  const consoleLines = kernel.console();
  const shown = shownCallOf(lab);
  const matrix = lab.matrix;
  return {
    version,
    origin:
      session.origin === null ? null : decodeURIComponent(session.origin.split('/').at(-1) ?? ''),
    actions: session.actionCount,
    failedExpectations: session.failedExpectations,
    tasks: session.tasks().map(taskView),
    images: session.images(),
    users: session.users().map((user) => user.name),
    sysctls: (
      [
        'kernel.ckpt_unpriv_allowed',
        'kernel.ckpt_ptrace_mode',
        'kernel.ckpt_restore_creds',
        'kernel.ckpt_sign_images',
        'kernel.ckpt_require_signed',
      ] as const
    ).map((name) => ({
      name,
      value: String(kernel.sysctl(name)),
      values: (sysctlValues(name) as readonly (string | number)[]).map(String),
    })),
    lsm: { name: session.world.lsm.name, lines: session.lsmLines.map((line) => line.slice(4)) },
    console: consoleLines.slice(-maxConsole).map((line) => ({ ...line })),
    consoleTotal: consoleLines.length,
    history: session.history.map(summaryOf),
    debuggerHistory: lab.externalCalls.map(summaryOf),
    call: shown === null ? null : callView(shown.call, shown.probe, SIGNED_REPLAY_WARNING),
    matrix: matrix === null ? null : matrixView(session, matrix),
    busy: lab.busy,
  };
}
