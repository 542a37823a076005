import * as vscode from 'vscode';
import {
  encodeBytes,
  isImageViewerToHostMessage,
  type EditFieldMessage,
  type FieldView,
  type HostToImageViewerMessage,
  type ImageViewerSettings,
} from '../../webview/protocol';
import { encodeFieldValue } from '../image/field-edit';
import { resignImage } from '../image/resign';
import { fromVisibleText } from '../image/visible-text';
import { defaultMachineKey } from '../kernel/index';
import type { ByteEdit } from './byteOverlay';
import { isTrusted, restrictedEditReason } from '../trust';
import { messageGate, type GateLog } from '../webviewGate';
import { defaultSafety, type DocumentSafety } from './documentSafety';
import { ImageDocument, machineKeyId } from './imageDocument';
import { imageViewerHtml, imageViewerOptions } from './imageViewerHtml';

/** The custom editor's view type, as contributed in package.json. */
export const imageEditorViewType = 'crlab.imageEditor';

/** Reads the `crlab.imageEditor.*` settings, falling back to the contributed defaults. */
export function readImageViewerSettings(): ImageViewerSettings {
  const config = vscode.workspace.getConfiguration('crlab.imageEditor');
  const radix = config.get<string>('offsetRadix');
  const expand = config.get<number>('expandRecordsUpTo');
  return {
    offsetRadix: radix === 'decimal' ? 'decimal' : 'hex',
    expandRecordsUpTo:
      typeof expand === 'number' && Number.isSafeInteger(expand) && expand >= 0 ? expand : 8,
  };
}

/** The outcome of an edit request: applied, or why not (shown to the user as is). */
export interface EditOutcome {
  readonly ok: boolean;
  readonly message: string;
}

/** A field edit as the viewer (or a command) asks for it. */
export type FieldEditRequest = Pick<
  EditFieldMessage,
  'recordIndex' | 'fieldPath' | 'offset' | 'size' | 'input'
>;

function findLeaf(fields: readonly FieldView[], path: string, offset: number): FieldView | null {
  for (const field of fields) {
    if (field.children.length === 0 && field.path === path && field.offset === offset) return field;
    const inner = findLeaf(field.children, path, offset);
    if (inner) return inner;
  }
  return null;
}

/** One webview showing a document. */
interface OpenView {
  readonly panel: vscode.WebviewPanel;
  /** The document version the view was last sent, or -1 before its `ready`. */
  shownVersion: number;
  send(message: HostToImageViewerMessage): void;
  /** An offset to go to asked for before the view was ready (sent after its first image). */
  pendingOffset?: number;
}

/** Every field of `fields`, depth first. */
function leaves(fields: readonly FieldView[]): FieldView[] {
  return fields.flatMap((field) =>
    field.children.length === 0 ? [field] : leaves(field.children),
  );
}

/**
 * The editor for `.crimg` checkpoint images: one {@link ImageDocument} per file, one webview per
 * editor tab. Edits are validated and encoded here, applied to the document, and handed to VS
 * Code (undo, redo, dirty state, save, hot exit); every view of a document follows its changes,
 * and its problems go to the Problems panel.
 */
export class ImageEditorProvider implements vscode.CustomEditorProvider<ImageDocument> {
  private readonly edits = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<ImageDocument>>();
  private readonly documents = new Map<string, ImageDocument>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('crlab.image');
  /** The open views of each document, with the version each was last shown. */
  private readonly views = new Map<ImageDocument, Set<OpenView>>();

  /** VS Code listens here for edits (undo stack, dirty state). */
  readonly onDidChangeCustomDocument = this.edits.event;

  /**
   * What documents ask before losing work (a file changed on disk, a save over such a file) and
   * the file system they save through. Tests replace either to script answers or fail a save.
   */
  readonly safety: DocumentSafety = defaultSafety();

  /** Creates the provider and registers it; `subscriptions` receives every disposable. */
  static register(
    context: vscode.ExtensionContext,
    log: GateLog = () => undefined,
  ): {
    provider: ImageEditorProvider;
    registration: vscode.Disposable;
  } {
    const provider = new ImageEditorProvider(context, log);
    const registration = vscode.Disposable.from(
      // Trust granted: images become editable (their fields get edit controls again).
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        for (const document of provider.documents.values()) document.refresh();
      }),
      vscode.window.registerCustomEditorProvider(imageEditorViewType, provider, {
        supportsMultipleEditorsPerDocument: true,
        webviewOptions: { retainContextWhenHidden: false },
      }),
      provider.diagnostics,
      provider.edits,
    );
    return { provider, registration };
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: GateLog,
  ) {}

  /** The open document of `uri`, if an image editor shows it. */
  documentOf(uri: vscode.Uri): ImageDocument | undefined {
    return this.documents.get(uri.toString());
  }

  /** The document of the active image editor tab, if the active tab is one. */
  activeDocument(): ImageDocument | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom && input.viewType === imageEditorViewType)
      return this.documentOf(input.uri);
    return undefined;
  }

  async openCustomDocument(
    uri: vscode.Uri,
    openContext: vscode.CustomDocumentOpenContext,
    _cancellation?: vscode.CancellationToken,
  ): Promise<ImageDocument> {
    const document = await ImageDocument.open(uri, openContext.backupId, this.safety, (doc) =>
      this.revertInEditor(doc),
    );
    const key = uri.toString();
    this.documents.set(key, document);
    this.publishProblems(document);
    document.onDidChange(() => this.publishProblems(document));
    document.onDidDispose(() => {
      if (this.documents.get(key) === document) this.documents.delete(key);
      this.diagnostics.delete(uri);
    });
    return document;
  }

  /** The version each open view of `document` was last sent (-1: not ready yet). */
  shownVersions(document: ImageDocument): number[] {
    return [...(this.views.get(document) ?? [])].map((view) => view.shownVersion);
  }

  /**
   * Asks the views of `document` to select the field (or page) holding `offset`: the active view
   * when there is one, else every view.
   */
  revealOffset(document: ImageDocument, offset: number): boolean {
    const views = [...(this.views.get(document) ?? [])];
    const active = views.filter((view) => view.panel.active);
    const targets = active.length > 0 ? active : views;
    for (const view of targets) {
      // A view that is still loading would drop the message: it gets it once it is ready.
      if (view.shownVersion < 0) view.pendingOffset = offset;
      else view.send({ type: 'selectOffset', offset });
    }
    return targets.length > 0;
  }

  /** Applies `edit` to `document` and hands VS Code its undo and redo. */
  applyEdit(document: ImageDocument, edit: ByteEdit): void {
    const { offset, before, after } = edit;
    document.write(offset, after);
    this.edits.fire({
      document,
      label: edit.label,
      undo: () => document.write(offset, before),
      redo: () => document.write(offset, after),
    });
  }

  /**
   * Validates `request.input` for the field it names (which must still be where the request
   * says), encodes it and applies it as an undoable edit.
   */
  editField(document: ImageDocument, request: FieldEditRequest): EditOutcome {
    if (!isTrusted()) return { ok: false, message: restrictedEditReason() };
    const fields = document.model.fields(request.recordIndex);
    const field = fields ? findLeaf(fields.fields, request.fieldPath, request.offset) : null;
    if (!field || field.size !== request.size)
      return {
        ok: false,
        message: vscode.l10n.t(
          '{0} is not at 0x{1} of record {2} any more',
          request.fieldPath,
          request.offset.toString(16),
          request.recordIndex,
        ),
      };
    // Text is shown (and so edited) with its invisible characters written out: take them back.
    const encoded = encodeFieldValue(field, fromVisibleText(request.input));
    if (!encoded.ok) return { ok: false, message: encoded.message };
    const edit = document.editAt(field.offset, encoded.bytes, vscode.l10n.t('Set {0}', field.path));
    if (!edit) return { ok: true, message: vscode.l10n.t('{0} is unchanged', field.path) };
    this.applyEdit(document, edit);
    const now = findLeaf(
      document.model.fields(request.recordIndex)?.fields ?? [],
      field.path,
      field.offset,
    );
    return { ok: true, message: `${field.path} = ${now?.value ?? request.input}` };
  }

  /**
   * Edits the first field named `fieldPath` (e.g. `CRED.euid`), optionally the `occurrence`-th
   * one in record order: the form commands and tests use.
   */
  editFieldByPath(
    document: ImageDocument,
    fieldPath: string,
    input: string,
    occurrence = 0,
  ): EditOutcome {
    let seen = 0;
    for (const record of document.model.view.records) {
      const fields = document.model.fields(record.index);
      for (const field of leaves(fields?.fields ?? [])) {
        if (field.path !== fieldPath) continue;
        if (seen++ < occurrence) continue;
        return this.editField(document, {
          recordIndex: record.index,
          fieldPath,
          offset: field.offset,
          size: field.size,
          input,
        });
      }
    }
    return { ok: false, message: vscode.l10n.t('the image has no field {0}', fieldPath) };
  }

  /** Re-computes the SIGN MAC with the lab's machine key, as an undoable edit. */
  signWithMachineKey(document: ImageDocument): EditOutcome {
    if (!isTrusted()) return { ok: false, message: restrictedEditReason() };
    const size = document.model.view.byteLength;
    const result = resignImage(
      (offset, length) => document.read(offset, length),
      size,
      defaultMachineKey(),
    );
    if (!result.ok)
      return { ok: false, message: vscode.l10n.t('Cannot sign: {0}', result.message) };
    if (result.slot.keyId !== machineKeyId)
      return {
        ok: false,
        message: vscode.l10n.t(
          'Cannot sign: SIGN.key_id names `{0}`, not the machine key `{1}`',
          result.slot.keyId,
          machineKeyId,
        ),
      };
    const edit = document.editAt(
      result.slot.offset,
      result.signature,
      vscode.l10n.t('Sign with Machine Key'),
    );
    if (edit) this.applyEdit(document, edit);
    return {
      ok: true,
      message: edit
        ? vscode.l10n.t('Signed with the machine key.')
        : vscode.l10n.t('The signature was already valid.'),
    };
  }

  async saveCustomDocument(
    document: ImageDocument,
    cancellation: vscode.CancellationToken,
  ): Promise<void> {
    await document.saveTo(document.uri, cancellation);
  }

  async saveCustomDocumentAs(
    document: ImageDocument,
    destination: vscode.Uri,
    cancellation: vscode.CancellationToken,
  ): Promise<void> {
    await document.saveTo(destination, cancellation);
  }

  /**
   * Reverts `document` through VS Code, so that its dirty state and undo stack go with the edits:
   * VS Code's revert acts on the active editor, so the document's editor is shown first.
   */
  private async revertInEditor(document: ImageDocument): Promise<void> {
    await vscode.commands.executeCommand('vscode.openWith', document.uri, imageEditorViewType, {
      preview: false,
    });
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }

  async revertCustomDocument(document: ImageDocument): Promise<void> {
    await document.revert();
  }

  backupCustomDocument(
    document: ImageDocument,
    context: vscode.CustomDocumentBackupContext,
    _cancellation?: vscode.CancellationToken,
  ): Thenable<vscode.CustomDocumentBackup> {
    return document.backup(context.destination);
  }

  /** The image's problems in the Problems panel: a binary document has no lines, so line 0. */
  private publishProblems(document: ImageDocument): void {
    const problems = document.model.view.problems.map((problem) => {
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(0, 0, 0, 0),
        `${problem.errno} at 0x${problem.offset.toString(16)} (${problem.field}): ${problem.message}`,
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = 'crlab image';
      diagnostic.code = problem.errno;
      return diagnostic;
    });
    if (document.model.signature === 'invalid' && !problems.some((d) => d.code === 'EBADMSG')) {
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(0, 0, 0, 0),
        vscode.l10n.t(
          'The signature cannot be verified: the image changed after it was signed (Sign with Machine Key re-signs it).',
        ),
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'crlab image';
      problems.push(diagnostic);
    }
    this.diagnostics.set(document.uri, problems);
  }

  resolveCustomEditor(document: ImageDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = imageViewerOptions(this.context.extensionUri);
    let ready = false;
    const send = (message: HostToImageViewerMessage): void => {
      if (ready) void webview.postMessage(message);
    };
    const view: OpenView = { panel, shownVersion: -1, send };
    const views = this.views.get(document) ?? new Set<OpenView>();
    views.add(view);
    this.views.set(document, views);
    const showImage = (): void => {
      if (ready) view.shownVersion = document.version;
      send({
        type: 'showImage',
        view: {
          ...document.model.view,
          version: document.version,
          signature: document.model.signature,
          dirty: document.hasEdits,
        },
        settings: readImageViewerSettings(),
      });
    };
    const subscriptions: vscode.Disposable[] = [
      webview.onDidReceiveMessage(
        messageGate(
          'image viewer',
          isImageViewerToHostMessage,
          (message) => {
            switch (message.type) {
              case 'ready':
                ready = true;
                showImage();
                if (view.pendingOffset !== undefined) {
                  send({ type: 'selectOffset', offset: view.pendingOffset });
                  delete view.pendingOffset;
                }
                break;
              case 'requestFields':
                for (const index of message.indexes) {
                  const fields = document.model.fields(index);
                  if (fields) send({ type: 'recordFields', fields });
                }
                break;
              case 'requestBytes': {
                const size = document.model.view.byteLength;
                const offset = Math.min(message.offset, size);
                const length = Math.min(message.length, size - offset);
                send({
                  type: 'bytes',
                  offset,
                  data: encodeBytes(document.read(offset, length)),
                  version: message.version,
                });
                break;
              }
              case 'editField': {
                const outcome =
                  message.version !== document.version
                    ? {
                        ok: false,
                        message: vscode.l10n.t(
                          'The image changed meanwhile: look again and retry.',
                        ),
                      }
                    : this.editField(document, message);
                send({ type: 'editResult', requestId: message.requestId, ...outcome });
                break;
              }
            }
          },
          this.log,
        ),
      ),
      document.onDidChange(showImage),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('crlab.imageEditor')) showImage();
      }),
    ];
    panel.onDidDispose(() => {
      subscriptions.forEach((subscription) => subscription.dispose());
      views.delete(view);
      if (views.size === 0) this.views.delete(document);
    });
    // The page is set last so that the ready message cannot arrive before we listen for it.
    webview.html = imageViewerHtml(webview, this.context.extensionUri);
  }
}
