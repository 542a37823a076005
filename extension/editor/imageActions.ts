/**
 * The image editor's actions (editor title and palette): Restart this image…, Verify, Show as
 * JSON, Compare with…, Sign with Machine Key, Edit Field…, and the hidden `describeActive` test
 * hook. Each works on the image of the URI it is given (the editor title passes it) or of the
 * active image editor, with its unsaved edits.
 */
import * as vscode from 'vscode';
import { decodeImageJson, diffImages, formatImageError, readImage } from '../image/index';
import { createKernel, defaultWorld, RestartFlag, type CheckRecord } from '../kernel/index';
import { CLOCK_EPOCH, formatCheck } from '../lab/index';
import { stepOptions } from '../quickInputSteps';
import type { CommandCallback } from './commands';
import { editorKeys } from './imageDocument';
import type { ImageEditorProvider } from './imageEditorProvider';
import type { ReportDocuments } from './reportDocuments';
import type { LabService } from '../session/labService';

/** What the actions need: the provider (open documents, edits), report documents, the lab. */
export interface ImageActionContext {
  readonly images: ImageEditorProvider;
  readonly reports: ReportDocuments;
  readonly lab: LabService;
}

/** Users of the default world a restart may run as (kernel.md, default world). */
export const restartUsers = ['root', 'daemon', 'hallyn', 'oren'] as const;

/** sys_restart flags offered by Restart this image…. */
const restartFlagNames = Object.keys(RestartFlag) as (keyof typeof RestartFlag)[];

function fileName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** The URI an action applies to: its argument, or the active image editor's. */
function targetUri(context: ImageActionContext, argument: unknown): vscode.Uri | undefined {
  if (argument instanceof vscode.Uri) return argument;
  return context.images.activeDocument()?.uri;
}

/** The image's bytes as the editor has them (unsaved edits included), else as on disk. */
async function imageBytes(context: ImageActionContext, uri: vscode.Uri): Promise<Uint8Array> {
  const document = context.images.documentOf(uri);
  return document ? document.readAll() : await vscode.workspace.fs.readFile(uri);
}

/** The image's size as {@link imageBytes} would read it, without reading it. */
async function imageSize(context: ImageActionContext, uri: vscode.Uri): Promise<number> {
  const document = context.images.documentOf(uri);
  return document ? document.model.source.size : (await vscode.workspace.fs.stat(uri)).size;
}

function noImage(): undefined {
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Open a .crimg image in the image editor first.'),
  );
  return undefined;
}

/** The outcome of Restart this image…, as the report shows it. */
export interface RestartReport {
  readonly user: string;
  readonly flags: number;
  readonly errno: string | null;
  readonly checks: readonly CheckRecord[];
  readonly text: string;
}

/** Runs `bytes` through sys_restart in a fresh default-world kernel, as `user`. */
export function restartImage(
  name: string,
  bytes: Uint8Array,
  user: string,
  flags: number,
): RestartReport {
  const kernel = createKernel({ world: defaultWorld(), clock: () => CLOCK_EPOCH });
  const path = `/tmp/${name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'image.crimg'}`;
  kernel.writeFile(path, bytes, { mode: 0o644, uid: 0, gid: 0 });
  const outcome = kernel.restartAs(user, path, flags);
  const flagText =
    restartFlagNames.filter((flag) => (flags & RestartFlag[flag]) !== 0).join(' | ') || '0';
  const verdict =
    outcome.errno === null
      ? vscode.l10n.t('restored {0} task(s)', (outcome.restored ?? []).length)
      : vscode.l10n.t('refused: {0}', outcome.errno);
  const lines = [
    vscode.l10n.t(
      'Restart of {0} as {1}, flags {2}, in a fresh default-world kernel',
      name,
      user,
      flagText,
    ),
    vscode.l10n.t('Result: {0}', verdict),
    ...(outcome.reason ? [vscode.l10n.t('Reason: {0}', outcome.reason)] : []),
    '',
    vscode.l10n.t('Checks, in the order the kernel made them (✓ pass, ✗ fail, – skip):'),
    ...outcome.checks.map((check) => `  ${formatCheck(check)}`),
    '',
  ];
  return { user, flags, errno: outcome.errno, checks: outcome.checks, text: lines.join('\n') };
}

/**
 * `crlab.imageEditor.restart`: Restart this image…, asking for the user and the flags. The image
 * as edited runs in the window's lab session, and its checks show in the Checkpoint/Restart panel.
 */
export function restartCommand(context: ImageActionContext): CommandCallback {
  return async (argument?: unknown, userArgument?: unknown, flagsArgument?: unknown) => {
    const uri = targetUri(context, argument);
    if (!uri) return noImage();
    await context.lab.ready;
    const users = context.lab.session.users();
    const user =
      typeof userArgument === 'string'
        ? userArgument
        : (
            await vscode.window.showQuickPick(
              users.map((entry) => ({
                label: entry.name,
                description: vscode.l10n.t(
                  'uid {0}, groups {1}',
                  entry.uid,
                  entry.groups.join(', '),
                ),
              })),
              {
                title: vscode.l10n.t('Restart {0} as…', fileName(uri)),
                placeHolder: vscode.l10n.t('The user whose sys_restart call restores the image'),
                ...stepOptions,
              },
            )
          )?.label;
    if (user === undefined) return undefined;
    let flags: number;
    if (typeof flagsArgument === 'number') flags = flagsArgument;
    else {
      const picked = await vscode.window.showQuickPick(
        restartFlagNames.map((name) => ({ label: `RESTART_${name}`, name })),
        {
          title: vscode.l10n.t('sys_restart flags'),
          canPickMany: true,
          placeHolder: vscode.l10n.t('None for a plain restart'),
          ...stepOptions,
        },
      );
      if (picked === undefined) return undefined;
      flags = picked.reduce((all, item) => all | RestartFlag[item.name], 0);
    }
    try {
      const refusal = context.lab.session.importRefusal(
        fileName(uri),
        await imageSize(context, uri),
      );
      if (refusal !== null) throw new Error(refusal);
      const path = await context.lab.bringImage(fileName(uri), await imageBytes(context, uri));
      const result = await context.lab.restart(path, user, flags);
      const call = result.calls.at(-1);
      if (call !== undefined) await vscode.commands.executeCommand('crlab.lab.showChecks', call.id);
      return { user, flags, errno: result.errno, checks: call?.checks ?? [], path };
    } catch (error) {
      // Cancelled from the lab's progress notification: nothing happened, nothing to say.
      if (!(error instanceof vscode.CancellationError))
        void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };
}

/** The verdict of Verify, with where the image is wrong. */
export interface VerifyReport {
  readonly valid: boolean;
  readonly signature: 'none' | 'verified' | 'unverified' | null;
  readonly errno: string | null;
  readonly offset: number | null;
  readonly field: string | null;
  readonly message: string;
}

/** Judges `bytes` as restart would, with the lab's machine key for the signature. */
export function verifyImage(name: string, bytes: Uint8Array): VerifyReport {
  const verdict = readImage(bytes, { keys: editorKeys() });
  if (!verdict.ok) {
    const { errno, offset, field } = verdict.error;
    return {
      valid: false,
      signature: null,
      errno,
      offset,
      field,
      message: `${name}: ${formatImageError(verdict.error)}`,
    };
  }
  const signature = verdict.signature;
  const detail = {
    none: vscode.l10n.t('unsigned'),
    verified: vscode.l10n.t('signature verified with the machine key'),
    unverified: vscode.l10n.t('signed with a key the lab does not hold: restart would refuse it'),
  }[signature];
  return {
    valid: signature !== 'unverified',
    signature,
    errno: signature === 'unverified' ? 'EBADMSG' : null,
    offset: signature === 'unverified' ? (verdict.image.sign?.offset ?? null) : null,
    field: signature === 'unverified' ? 'SIGN.key_id' : null,
    message: vscode.l10n.t('{0}: valid, {1}', name, detail),
  };
}

/** `crlab.imageEditor.verify`: an information or error message with errno, offset and field. */
export function verifyCommand(context: ImageActionContext): CommandCallback {
  return async (argument?: unknown) => {
    const uri = targetUri(context, argument);
    if (!uri) return noImage();
    const report = verifyImage(fileName(uri), await imageBytes(context, uri));
    if (report.valid) void vscode.window.showInformationMessage(report.message);
    else void vscode.window.showErrorMessage(report.message);
    return report;
  };
}

/** `crlab.imageEditor.showJson`: the lossless JSON of `crlab image decode` in an untitled editor. */
export function showJsonCommand(context: ImageActionContext): CommandCallback {
  return async (argument?: unknown) => {
    const uri = targetUri(context, argument);
    if (!uri) return noImage();
    let content: string;
    try {
      content = `${JSON.stringify(decodeImageJson(await imageBytes(context, uri)), null, 2)}\n`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(
        vscode.l10n.t('{0} has no JSON form: {1}', fileName(uri), message),
      );
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument({ language: 'json', content });
    await vscode.window.showTextDocument(document, { preview: false });
    return document.uri;
  };
}

/** `crlab.imageEditor.compareWith`: what differs between this image and another, by meaning. */
export function compareWithCommand(context: ImageActionContext): CommandCallback {
  return async (argument?: unknown, otherArgument?: unknown) => {
    const uri = targetUri(context, argument);
    if (!uri) return noImage();
    let other = otherArgument instanceof vscode.Uri ? otherArgument : undefined;
    if (!other) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: vscode.l10n.t('Compare'),
        title: vscode.l10n.t('Compare {0} with…', fileName(uri)),
        filters: { [vscode.l10n.t('Checkpoint images')]: ['crimg'] },
      });
      other = picked?.[0];
    }
    if (!other) return undefined;
    const sides = [
      { uri, bytes: await imageBytes(context, uri) },
      { uri: other, bytes: await imageBytes(context, other) },
    ];
    const images = [];
    for (const side of sides) {
      const verdict = readImage(side.bytes);
      if (!verdict.ok) {
        void vscode.window.showErrorMessage(
          vscode.l10n.t(
            '{0} is not a valid image: {1}',
            fileName(side.uri),
            formatImageError(verdict.error),
          ),
        );
        return undefined;
      }
      images.push(verdict.image);
    }
    const [a, b] = images;
    if (!a || !b) return undefined;
    const differences = diffImages(a, b);
    const title = `${fileName(uri)} ↔ ${fileName(other)}`;
    const lines = [
      vscode.l10n.t(
        'Compare {0} (a) with {1} (b)',
        uri.fsPath || uri.toString(),
        other.fsPath || other.toString(),
      ),
      differences.length === 0
        ? vscode.l10n.t('No differences.')
        : vscode.l10n.t('{0} difference(s), by meaning (path: a -> b):', differences.length),
      ...differences.map((d) => `  ${d.path}: ${d.a ?? '(absent)'} -> ${d.b ?? '(absent)'}`),
      '',
    ];
    await context.reports.show(`${title}.txt`, lines.join('\n'));
    return differences;
  };
}

/** `crlab.imageEditor.signWithMachineKey`: re-signs the image as an undoable edit. */
export function signCommand(context: ImageActionContext): CommandCallback {
  return (argument?: unknown) => {
    const uri = targetUri(context, argument);
    const document = uri ? context.images.documentOf(uri) : undefined;
    if (!document) return noImage();
    const outcome = context.images.signWithMachineKey(document);
    if (outcome.ok) void vscode.window.showInformationMessage(outcome.message);
    else void vscode.window.showErrorMessage(outcome.message);
    return outcome;
  };
}

/**
 * `crlab.imageEditor.editField`: sets a field by its path (`CRED.euid`), asking for the path and
 * value when not given. The webview's inspector is the usual way; this is the keyboard's.
 */
export function editFieldCommand(context: ImageActionContext): CommandCallback {
  return async (
    argument?: unknown,
    pathArgument?: unknown,
    inputArgument?: unknown,
    nth?: unknown,
  ) => {
    const uri = targetUri(context, argument);
    const document = uri ? context.images.documentOf(uri) : undefined;
    if (!document) return noImage();
    const fieldPath =
      typeof pathArgument === 'string'
        ? pathArgument
        : await vscode.window.showInputBox({
            title: vscode.l10n.t('Edit field'),
            prompt: vscode.l10n.t('The field, as errors name it'),
            placeHolder: 'CRED.euid', // l10n-exempt: a field path
            ...stepOptions,
          });
    if (!fieldPath) return undefined;
    const input =
      typeof inputArgument === 'string'
        ? inputArgument
        : await vscode.window.showInputBox({
            title: vscode.l10n.t('New value of {0}', fieldPath),
            ...stepOptions,
          });
    if (input === undefined) return undefined;
    const outcome = context.images.editFieldByPath(
      document,
      fieldPath,
      input,
      typeof nth === 'number' ? nth : 0,
    );
    if (!outcome.ok) void vscode.window.showErrorMessage(outcome.message);
    return outcome;
  };
}

/** `crlab.imageEditor.goToOffset`: selects the field or page holding a byte offset. */
export function goToOffsetCommand(context: ImageActionContext): CommandCallback {
  return async (argument?: unknown, offsetArgument?: unknown) => {
    const uri = targetUri(context, argument);
    const document = uri ? context.images.documentOf(uri) : undefined;
    if (!document) return noImage();
    const size = document.model.view.byteLength;
    const parse = (text: string): number | null => {
      const value = /^\s*(0x[0-9a-f]+|[0-9]+)\s*$/i.test(text) ? Number(text.trim()) : NaN;
      return Number.isSafeInteger(value) && value >= 0 && value < size ? value : null;
    };
    let offset = typeof offsetArgument === 'number' ? offsetArgument : null;
    if (offset === null) {
      const text = await vscode.window.showInputBox({
        title: vscode.l10n.t('Go to offset'),
        prompt: vscode.l10n.t('A byte offset below 0x{0} (decimal or 0x hex)', size.toString(16)),
        validateInput: (value) =>
          parse(value) === null ? vscode.l10n.t('Not an offset in this image') : null,
        ...stepOptions,
      });
      if (text === undefined) return undefined;
      offset = parse(text);
    }
    if (offset === null) return undefined;
    return context.images.revealOffset(document, offset);
  };
}

/** What `describeActive` reports about an open image (a test hook, hidden from the palette). */
export interface ImageDescription {
  readonly uri: string;
  readonly records: number;
  readonly tasks: number;
  readonly byteLength: number;
  readonly problems: readonly string[];
  readonly signature: string;
  readonly version: number;
  readonly hasEdits: boolean;
  /** The version each open view was last sent (-1 before the view said `ready`). */
  readonly views: readonly number[];
}

/** `crlab.imageEditor.describeActive`: counts and state of the active (or given) image. */
export function describeActiveCommand(context: ImageActionContext): CommandCallback {
  return (argument?: unknown): ImageDescription | undefined => {
    const uri = targetUri(context, argument);
    const document = uri ? context.images.documentOf(uri) : undefined;
    if (!document) return undefined;
    const model = document.model;
    return {
      uri: document.uri.toString(),
      records: model.view.records.length,
      tasks: model.taskCount,
      byteLength: model.view.byteLength,
      problems: model.view.problems.map(
        (p) => `${p.errno} at 0x${p.offset.toString(16)} (${p.field}): ${p.message}`,
      ),
      signature: model.signature,
      version: document.version,
      hasEdits: document.hasEdits,
      views: context.images.shownVersions(document),
    };
  };
}
