/**
 * The CRIU dump view (`crlab.criuDump`): a read-only custom editor on a dump directory's
 * `inventory.img`, showing the whole directory — the tree by process, each entry's fields with
 * type, value, file and offset, the hex of the selected row's file, memory pages from pagemap +
 * pages, and who may restart the dump under the 2008 design. The host owns the files (positioned
 * reads through `extension/criu`); the webview (`webview/criu-viewer`) asks for rows and bytes.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import {
  isCriuViewerToHostMessage,
  type CriuDumpView,
  type CriuMatrixView,
  type CriuNodeView,
  type HostToCriuViewerMessage,
} from '../../webview/criu-protocol';
import { encodeBytes } from '../../webview/protocol';
import {
  DumpTree,
  fsDumpDirectory,
  readDump,
  whoMayRestart,
  type CriuDump,
  type DumpDirectory,
  type DumpNode,
  type RestartMatrix,
} from '../criu/index';
import { visibleText } from '../image/index';
import { defaultWorld } from '../kernel/index';
import { messageGate, type GateLog } from '../webviewGate';
import { readImageViewerSettings } from './imageEditorProvider';
import { imageViewerHtml, imageViewerOptions } from './imageViewerHtml';

/** The custom editor's view type, as contributed in package.json. */
export const criuDumpViewType = 'crlab.criuDump';

/** At most this many problems go to the view and to the Problems panel. */
const maxShownProblems = 1000;

/**
 * Dumps of at most this many processes get their restart answer for the default world as soon
 * as they are shown (a kernel per user restarts the whole tree, synchronously); larger ones when
 * asked (Who May Restart This CRIU Dump?). 64 is the default world's RLIMIT_NPROC.
 */
export const autoMatrixProcesses = 64;

/**
 * A row as the view shows it: text from the dump (comm, paths, strings of unknown fields) with its
 * invisible and reordering characters written as ⟨U+XXXX⟩, as the image editor shows them; the
 * key and file stay as they are, since the view sends them back.
 */
function toNodeView(node: DumpNode): CriuNodeView {
  return {
    ...node,
    label: visibleText(node.label),
    value: visibleText(node.value),
    type: visibleText(node.type),
    problem: node.problem === null ? null : visibleText(node.problem),
  };
}

/** The matrix as the view shows it. */
export function matrixView(matrix: RestartMatrix): CriuMatrixView {
  return {
    world: matrix.worldName,
    rows: matrix.rows.map((row) => ({
      user: visibleText(row.user),
      uid: row.uid,
      allowed: row.allowed,
      check: row.refusedBy?.id ?? null,
      errno: row.errno,
      reason: row.allowed
        ? vscode.l10n.t('every restart check passes')
        : visibleText(row.refusedBy?.reason ?? row.reason ?? ''),
      source: row.source,
    })),
    notes: matrix.notes.map((note) => visibleText(`${note.subject}: ${note.text}`)),
    limits: matrix.limits.map(visibleText),
    error: matrix.error === null ? null : visibleText(matrix.error),
  };
}

/** One dump directory, opened through its inventory.img. */
export class CriuDumpDocument implements vscode.CustomDocument {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the dump was read again or its restart answer changed. */
  readonly onDidChange = this.changed.event;
  source: DumpDirectory;
  dump: CriuDump;
  tree: DumpTree;
  /** The restart answer shown, or null until it is worked out. */
  matrix: RestartMatrix | null = null;
  /** Counts reads of the directory: bytes of an older read are dropped by the view. */
  version = 0;

  private constructor(
    readonly uri: vscode.Uri,
    readonly directory: string,
  ) {
    this.source = fsDumpDirectory(directory, fs, path.join);
    this.dump = readDump(this.source);
    this.tree = new DumpTree(this.dump);
  }

  /** Works out the default world's answer when the dump is small enough and none is shown. */
  answerIfSmall(): void {
    if (this.matrix !== null || this.dump.processes.length > autoMatrixProcesses) return;
    this.setMatrix(
      whoMayRestart(this.dump, {
        world: defaultWorld(),
        worldName: vscode.l10n.t('the default world'),
      }),
    );
  }

  /** Opens the dump whose inventory (or any file) is `uri`: its directory is the dump. */
  static open(uri: vscode.Uri): CriuDumpDocument {
    return new CriuDumpDocument(uri, path.dirname(uri.fsPath));
  }

  /** Reads the directory again (it changed on disk). */
  reload(): void {
    this.source = fsDumpDirectory(this.directory, fs, path.join);
    this.dump = readDump(this.source);
    this.tree = new DumpTree(this.dump);
    this.matrix = null;
    this.version++;
    this.changed.fire();
  }

  /** Shows another world's answer (from "Who May Restart This CRIU Dump?"). */
  setMatrix(matrix: RestartMatrix): void {
    this.matrix = matrix;
    this.changed.fire();
  }

  /** The children of the row `key` as the view is sent them (none for an unknown key). */
  childViews(key: string): CriuNodeView[] {
    return (this.tree.children(key) ?? []).map(toNodeView);
  }

  /** What the view shows first. */
  view(): CriuDumpView {
    const dump = this.dump;
    const pages = dump.processes.reduce((sum, p) => sum + (p.pagemap?.presentPages ?? 0), 0);
    const threads = dump.processes.reduce((sum, p) => sum + p.threads.length, 0);
    const arch = [...new Set(dump.processes.map((p) => p.arch).filter((a) => a !== null))];
    const summary = [
      { name: vscode.l10n.t('Directory'), value: this.directory },
      {
        name: vscode.l10n.t('Images'),
        value:
          dump.inventory?.imgVersion === 1
            ? vscode.l10n.t('img_version 1 (no common magic)')
            : dump.inventory?.imgVersion === 2
              ? vscode.l10n.t('img_version 2 (images v1.1)')
              : vscode.l10n.t('unknown version'),
      },
      { name: vscode.l10n.t('Processes'), value: String(dump.processes.length) },
      { name: vscode.l10n.t('Threads'), value: String(threads) },
      { name: vscode.l10n.t('Files'), value: String(this.source.files.length) },
      {
        name: vscode.l10n.t('Pages'),
        value: vscode.l10n.t('{0} ({1} KiB)', pages, pages * 4),
      },
      ...(arch.length > 0 ? [{ name: vscode.l10n.t('Arch'), value: arch.join(', ') }] : []),
      ...(dump.inventory?.lsmType
        ? [{ name: vscode.l10n.t('LSM'), value: dump.inventory.lsmType }]
        : []),
    ];
    return {
      title: visibleText(path.basename(this.directory)),
      summary: summary.map((item) => ({ ...item, value: visibleText(item.value) })),
      files: this.source.files.map((file) => ({ name: file.name, size: file.size })),
      problems: dump.problems.slice(0, maxShownProblems).map((problem) => ({
        ...problem,
        field: visibleText(problem.field),
        message: visibleText(problem.message),
      })),
      roots: this.tree.roots().map(toNodeView),
      matrix: this.matrix === null ? null : matrixView(this.matrix),
      version: this.version,
    };
  }

  /** Disposed with the document (its watcher, its Problems). */
  readonly disposables: vscode.Disposable[] = [];

  dispose(): void {
    this.disposables.forEach((disposable) => disposable.dispose());
    this.changed.dispose();
  }
}

/** One webview showing a dump. */
interface OpenView {
  readonly panel: vscode.WebviewPanel;
  /** True once the view said `ready` and was sent the dump. */
  shown: boolean;
}

/**
 * The provider of `crlab.criuDump`: one {@link CriuDumpDocument} per dump, one webview per
 * editor tab; the dump's problems go to the Problems panel on the files they are in.
 */
export class CriuDumpEditorProvider implements vscode.CustomReadonlyEditorProvider<CriuDumpDocument> {
  private readonly documents = new Map<string, CriuDumpDocument>();
  private readonly views = new Map<CriuDumpDocument, Set<OpenView>>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('crlab.criu');

  /** `log` hears of every message from a view that is dropped (see extension/webviewGate.ts). */
  static register(
    context: vscode.ExtensionContext,
    log: GateLog = () => undefined,
  ): {
    provider: CriuDumpEditorProvider;
    registration: vscode.Disposable;
  } {
    const provider = new CriuDumpEditorProvider(context, log);
    const registration = vscode.Disposable.from(
      vscode.window.registerCustomEditorProvider(criuDumpViewType, provider, {
        supportsMultipleEditorsPerDocument: true,
        webviewOptions: { retainContextWhenHidden: false },
      }),
      provider.diagnostics,
    );
    return { provider, registration };
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: GateLog,
  ) {}

  /** The open dump of `uri` (its inventory.img), if a CRIU view shows it. */
  documentOf(uri: vscode.Uri): CriuDumpDocument | undefined {
    return this.documents.get(uri.toString());
  }

  /** The dump of the active tab, if the active tab is a CRIU view. */
  activeDocument(): CriuDumpDocument | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputCustom && input.viewType === criuDumpViewType)
      return this.documentOf(input.uri);
    return undefined;
  }

  /** How many views of `document` have been sent the dump (tests wait for it). */
  shownViews(document: CriuDumpDocument): number {
    return [...(this.views.get(document) ?? [])].filter((view) => view.shown).length;
  }

  openCustomDocument(uri: vscode.Uri): CriuDumpDocument {
    const document = CriuDumpDocument.open(uri);
    const key = uri.toString();
    this.documents.set(key, document);
    this.publishProblems(document);
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(document.directory), '*'),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reload = (): void => {
      // A dump is written file by file: read it again once the writes have settled.
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        document.reload();
        this.publishProblems(document);
      }, 300);
    };
    document.disposables.push(
      watcher,
      watcher.onDidChange(reload),
      watcher.onDidCreate(reload),
      watcher.onDidDelete(reload),
      new vscode.Disposable(() => {
        if (timer !== undefined) clearTimeout(timer);
        if (this.documents.get(key) === document) this.documents.delete(key);
        for (const file of document.source.files)
          this.diagnostics.delete(vscode.Uri.file(path.join(document.directory, file.name)));
      }),
    );
    return document;
  }

  /** The dump's problems on the files they are in (line 0: the files are binary). */
  private publishProblems(document: CriuDumpDocument): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problem of document.dump.problems.slice(0, maxShownProblems)) {
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(0, 0, 0, 0),
        `0x${problem.offset.toString(16)} (${problem.field}): ${problem.message}`,
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = 'crlab criu';
      const list = byFile.get(problem.file) ?? [];
      list.push(diagnostic);
      byFile.set(problem.file, list);
    }
    for (const file of document.source.files)
      this.diagnostics.set(
        vscode.Uri.file(path.join(document.directory, file.name)),
        byFile.get(file.name) ?? [],
      );
  }

  resolveCustomEditor(document: CriuDumpDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = imageViewerOptions(this.context.extensionUri);
    let ready = false;
    const view: OpenView = { panel, shown: false };
    const views = this.views.get(document) ?? new Set<OpenView>();
    views.add(view);
    this.views.set(document, views);
    const send = (message: HostToCriuViewerMessage): void => {
      if (ready) void webview.postMessage(message);
    };
    const showDump = (): void => {
      send({ type: 'criuShowDump', view: document.view(), settings: readImageViewerSettings() });
      view.shown = ready;
    };
    const sendChildren = (key: string): void => {
      send({ type: 'criuChildren', key, children: document.childViews(key) });
    };
    const subscriptions: vscode.Disposable[] = [
      webview.onDidReceiveMessage(
        messageGate(
          'CRIU viewer',
          isCriuViewerToHostMessage,
          (message) => {
            switch (message.type) {
              case 'ready':
                ready = true;
                showDump();
                // The tree first; the restart answer (a kernel per user) right after.
                setTimeout(() => document.answerIfSmall(), 0);
                break;
              case 'criuRequestChildren':
                for (const key of message.keys) sendChildren(key);
                break;
              case 'criuRequestBytes': {
                if (message.version !== document.version) return;
                const size = document.source.files.find((f) => f.name === message.file)?.size;
                if (size === undefined) return;
                const offset = Math.min(message.offset, size);
                const length = Math.min(message.length, size - offset);
                const data =
                  document.source.read(message.file, offset, length) ?? new Uint8Array(0);
                send({
                  type: 'criuBytes',
                  file: message.file,
                  offset,
                  data: encodeBytes(data),
                  version: message.version,
                });
                break;
              }
              case 'criuLocate': {
                const found = document.tree.locate(message.file, message.offset);
                if (found === null) return;
                for (const key of found.slice(0, -1)) sendChildren(key);
                send({
                  type: 'criuReveal',
                  path: found,
                  file: message.file,
                  offset: message.offset,
                });
                break;
              }
              case 'criuAskWorld':
                void vscode.commands.executeCommand('crlab.criu.whoMayRestart', document.uri);
                break;
            }
          },
          this.log,
        ),
      ),
      document.onDidChange(() => {
        showDump();
        setTimeout(() => document.answerIfSmall(), 0);
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('crlab.imageEditor')) showDump();
      }),
    ];
    panel.onDidDispose(() => {
      subscriptions.forEach((subscription) => subscription.dispose());
      views.delete(view);
      if (views.size === 0) this.views.delete(document);
    });
    // The page is set last so that the ready message cannot arrive before we listen for it.
    webview.html = imageViewerHtml(webview, this.context.extensionUri, {
      bundle: 'criu-viewer',
      title: vscode.l10n.t('CRIU dump'),
      loading: vscode.l10n.t('Reading the dump…'),
    });
  }
}
