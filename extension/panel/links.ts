/**
 * Where a check leads: the image record (and field) it is about, opened in the checkpoint image
 * editor with that field selected, or the scenario line that caused it. The image editor is
 * reached through its commands only (`vscode.openWith`, `crlab.imageEditor.goToOffset`), never
 * by importing it.
 */
import * as vscode from 'vscode';
import {
  indexRecords,
  memoryReader,
  recordFieldTree,
  type FieldNode,
  type RecordIndexEntry,
} from '../image/index';
import type { CheckRecord } from '../kernel/index';
import type { LabSession } from '../lab/session';
import { callImageUri, kernelFileUri, sessionLogUri } from '../session/labFiles';

const imageEditorViewType = 'crlab.imageEditor';

/**
 * The offset to select for a check: the field it names inside the record at its offset (e.g.
 * `CRED.euid`), else the record itself.
 */
export function checkTargetOffset(bytes: Uint8Array, check: CheckRecord): number | null {
  if (check.offset === null) return null;
  if (check.field === undefined) return check.offset;
  let entry: RecordIndexEntry | undefined;
  for (const candidate of indexRecords(memoryReader(bytes), bytes.length).entries) {
    if (candidate.kind === 'record' && candidate.offset === check.offset) entry = candidate;
  }
  if (entry === undefined) return check.offset;
  const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
  const walk = (node: FieldNode): FieldNode | undefined =>
    node.path === check.field
      ? node
      : (node.children ?? []).map(walk).find((found) => found !== undefined);
  return walk(tree.root)?.offset ?? check.offset;
}

/** What a check links to, if anything. */
export type CheckLink =
  | { kind: 'image'; uri: vscode.Uri; offset: number }
  | { kind: 'line'; uri: vscode.Uri; line: number };

/**
 * The link of `check`, made by a call that read or wrote `image` (`callId` null for a probe,
 * which saw the kernel's file as it is now).
 */
export function checkLink(
  session: LabSession,
  check: CheckRecord,
  image: { path: string; bytes: Uint8Array | null; callId: number | null } | null,
): CheckLink | null {
  if (check.offset !== null && image !== null) {
    const bytes = image.bytes ?? session.kernel.readFile(image.path);
    if (bytes !== null) {
      const offset = checkTargetOffset(bytes, check) ?? check.offset;
      const uri =
        image.callId !== null && image.bytes !== null
          ? callImageUri(image.callId, image.path)
          : kernelFileUri(image.path);
      return { kind: 'image', uri, offset };
    }
  }
  const line = check.line ?? null;
  if (line !== null && line > 0) {
    const inOrigin = session.originLine(line);
    if (inOrigin !== null && session.origin !== null)
      return { kind: 'line', uri: vscode.Uri.parse(session.origin), line: inOrigin };
    return { kind: 'line', uri: sessionLogUri(), line };
  }
  return null;
}

/** Follows a link: the image editor with the field selected, or the line in its scenario. */
export async function openLink(link: CheckLink): Promise<void> {
  if (link.kind === 'image') {
    await vscode.commands.executeCommand('vscode.openWith', link.uri, imageEditorViewType);
    await vscode.commands.executeCommand('crlab.imageEditor.goToOffset', link.uri, link.offset);
    return;
  }
  await openLine(link.uri, link.line);
}

/** Opens a scenario (or the session log) with `line` (from 1) selected and in view. */
export async function openLine(uri: vscode.Uri, line: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const at = Math.max(0, Math.min(line - 1, document.lineCount - 1));
  const range = document.lineAt(at).range;
  await vscode.window.showTextDocument(document, {
    selection: range,
    preview: true,
  });
}
