import * as vscode from 'vscode';
import { host } from '../host/index';
import { readWholeFile } from '../host/workspaceFiles';
import { defaultMachineKey } from '../kernel/index';
import { LAB_TURN_BUDGET_MS } from '../lab/session-turns';
import {
  SAVE_CHUNK_BYTES,
  saveAtomicallyInTurns,
  type ChunkReader,
  type FileStamp,
  type SaveFileSystem,
} from '../host/atomicSave';
import { ByteOverlay, type ByteEdit } from './byteOverlay';
import { isTrusted, restrictedEditReason } from '../trust';
import type { DocumentSafety } from './documentSafety';
import { openFileSource, type OpenFile } from './fileSource';
import { ImageModel, memorySource, type ImageSource } from './imageModel';

/** The key id the lab's kernel signs with, and the key it holds under that id. */
export const machineKeyId = 'machine';

/** Keys the editor verifies signatures with: only the lab's default machine key. */
export function editorKeys(): Record<string, Uint8Array> {
  return { [machineKeyId]: defaultMachineKey() };
}

/** A backup's JSON: the changed bytes over the file as it was (hot exit). */
interface BackupJson {
  format: 'crlab-image-backup';
  version: 1;
  /** The file's size when backed up: a file of another size is not the one the edits fit. */
  size: number;
  runs: { offset: number; hex: string }[];
}

/** True when two stamps describe the same version of a file. */
function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  return a !== null && b !== null && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * An image at least this large is saved under a progress notification the user can cancel: its
 * save lasts beyond a moment (257 MiB took 0.4–1.5 s here, flushed to disk).
 */
const saveProgressBytes = 32 * 1024 * 1024;

/**
 * What a save reads `image` with: chunk after chunk into one buffer when the source can (each
 * chunk is written before the next is read), else a new array each.
 */
function chunkReader(image: ImageSource): ChunkReader {
  const readInto = image.readInto;
  if (readInto === undefined) return (offset, length) => image.read(offset, length);
  const buffer = new Uint8Array(Math.min(image.size, SAVE_CHUNK_BYTES));
  return (offset, length) => buffer.subarray(0, readInto(offset, buffer.subarray(0, length)));
}

function fileNameOf(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** True when both sources are small and hold the same bytes (a watcher event for our own save). */
function sameBytes(a: ImageSource, b: ImageSource): boolean {
  if (!a.bytes || !b.bytes || a.size !== b.size) return false;
  const left = a.bytes;
  const right = b.bytes;
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return false;
  return true;
}

/** The runs of a backup file, or null when it is not one of ours. */
function parseBackup(text: string, size: number): { offset: number; bytes: Uint8Array }[] | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const backup = json as Partial<BackupJson>;
  if (backup.format !== 'crlab-image-backup' || !Array.isArray(backup.runs)) return null;
  if (backup.size !== size) return null;
  const runs: { offset: number; bytes: Uint8Array }[] = [];
  for (const run of backup.runs as unknown[]) {
    if (typeof run !== 'object' || run === null) return null;
    const { offset, hex } = run as { offset?: unknown; hex?: unknown };
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || typeof hex !== 'string')
      return null;
    const bytes = fromHex(hex);
    if (!bytes || offset < 0 || offset + bytes.length > size) return null;
    runs.push({ offset, bytes });
  }
  return runs;
}

/**
 * A `.crimg` file opened in the image editor. It reads the file with positioned reads (a large
 * image is never loaded whole), lays the user's edits over those bytes (see {@link ByteOverlay}),
 * and rebuilds the model after every change. VS Code owns the undo stack: an edit is applied
 * here and handed to VS Code as a pure pair of writes (its `after` bytes, its `before` bytes).
 */
export class ImageDocument implements vscode.CustomDocument {
  private readonly changed = new vscode.EventEmitter<ImageModel>();
  private readonly disposed = new vscode.EventEmitter<void>();
  private readonly watcher: vscode.FileSystemWatcher | undefined;
  private readonly overlay = new ByteOverlay();
  private currentModel: ImageModel;
  private changeCount = 0;
  /**
   * Saves of this document to its own file under way, so the watcher does not reload it: a count,
   * since VS Code may start a save while the last one is still being cancelled.
   */
  private ownSaves = 0;
  /** The file as it was when last read or saved here: a different one was changed by others. */
  private diskStamp: FileStamp | null;
  /** A change on disk the user chose to keep their edits over (saving still asks). */
  private acceptedStamp: FileStamp | null = null;
  /** True while the user is being asked about a change on disk (one question at a time). */
  private askingAboutDisk = false;

  /** Fires with the new model after every change: edit, undo, redo, revert, save, reload. */
  readonly onDidChange = this.changed.event;
  /** Fires once when VS Code disposes of the document (its last editor closed). */
  readonly onDidDispose = this.disposed.event;

  private constructor(
    readonly uri: vscode.Uri,
    private base: ImageSource,
    private file: OpenFile | null,
    private readonly safety: DocumentSafety,
    private readonly revertInEditor: (document: ImageDocument) => Thenable<void>,
  ) {
    this.diskStamp = this.currentStamp();
    this.currentModel = this.buildModel();
    if (uri.scheme === 'file') {
      const folder = vscode.Uri.joinPath(uri, '..');
      this.watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(folder, fileNameOf(uri)),
      );
      this.watcher.onDidChange(() => void this.reloadFromDisk());
      this.watcher.onDidCreate(() => void this.reloadFromDisk());
    }
  }

  /**
   * Reads `uri` and builds its model; with `backupId`, lays the backed-up edits over it. A file
   * that cannot be read throws; an invalid image does not.
   */
  static async open(
    uri: vscode.Uri,
    backupId: string | undefined,
    safety: DocumentSafety,
    revertInEditor: (document: ImageDocument) => Thenable<void>,
  ): Promise<ImageDocument> {
    const { source, file } = await ImageDocument.read(uri);
    const document = new ImageDocument(uri, source, file, safety, revertInEditor);
    if (backupId !== undefined) await document.restoreBackup(vscode.Uri.parse(backupId));
    return document;
  }

  private static async read(
    uri: vscode.Uri,
  ): Promise<{ source: ImageSource; file: OpenFile | null }> {
    if (uri.scheme === 'file' && host.localFiles) {
      const file = openFileSource(host.localFiles.open(uri.fsPath));
      return { source: file.source, file };
    }
    // Other file systems (remote, virtual) and the web worker have no positioned reads: whole.
    const bytes = await readWholeFile(uri);
    return { source: memorySource(bytes), file: null };
  }

  /** The model of the image as it reads now, edits included. */
  get model(): ImageModel {
    return this.currentModel;
  }

  /** Counts changes; the viewer drops answers computed for an older version. */
  get version(): number {
    return this.changeCount;
  }

  /** True when the image as edited differs from the file (undoing every edit makes it false). */
  get hasEdits(): boolean {
    return !this.overlay.isEmpty && this.overlay.differsFrom(this.base);
  }

  /** Bytes `[offset, offset + length)` as they read now, edits included. */
  read(offset: number, length: number): Uint8Array {
    return this.currentModel.source.read(offset, length);
  }

  /** Every byte of the image as it reads now (for restart, JSON, diff: they need it whole). */
  readAll(): Uint8Array {
    const source = this.currentModel.source;
    return source.bytes ?? source.read(0, source.size);
  }

  /** Makes an edit from the bytes now at `offset`, or null when `after` changes nothing. */
  editAt(offset: number, after: Uint8Array, label: string): ByteEdit | null {
    const before = this.read(offset, after.length).slice();
    if (before.length !== after.length) return null;
    if (before.every((byte, i) => byte === after[i])) return null;
    return { offset, before, after: after.slice(), label };
  }

  /** Lays `bytes` over the image at `offset` and rebuilds the model: applies, undoes or redoes. */
  write(offset: number, bytes: Uint8Array): void {
    this.overlay.write(offset, bytes);
    this.rebuild();
  }

  /** The stamp of the file on disk now (null for other file systems or no file). */
  private currentStamp(): FileStamp | null {
    const files = this.safety.fileSystem;
    return this.uri.scheme === 'file' && files !== null ? files.stamp(this.uri.fsPath) : null;
  }

  /**
   * True when the file on disk is not the one read or saved here (`unlessKept`: nor the change
   * the user already chose to keep their edits over, which is not asked about again until save).
   */
  private changedOnDisk(unlessKept = false): boolean {
    const now = this.currentStamp();
    if (now === null || this.diskStamp === null || sameStamp(now, this.diskStamp)) return false;
    return !(unlessKept && sameStamp(now, this.acceptedStamp));
  }

  /**
   * Writes the image, edits included, to `uri` (the document's own file on save): to a temporary
   * file beside it, renamed over it once whole, so that a failure (full disk, read-only folder,
   * I/O error) leaves the file as it was and the edits unsaved. Saving over a file that another
   * program changed since it was read asks first; declining cancels the save.
   *
   * The image is written between turns of the host's loop (a large one under a progress
   * notification that can cancel it), as it reads when the write starts. VS Code counts every
   * edit, undo or redo made until the save ends as saved, so one made meanwhile is written too:
   * the image is written again until a write ends with no change during it.
   */
  async saveTo(uri: vscode.Uri, cancellation?: vscode.CancellationToken): Promise<void> {
    const own = uri.toString() === this.uri.toString();
    if (own && this.changedOnDisk()) {
      const answer = await this.safety.prompts.overwriteChanged(fileNameOf(uri));
      if (answer !== 'overwrite') throw new vscode.CancellationError();
    }
    if (own) this.ownSaves++;
    try {
      for (let version = -1; version !== this.changeCount;) {
        version = this.changeCount;
        const image = this.overlay.copy().over(this.base);
        const files = this.safety.fileSystem;
        if (uri.scheme === 'file' && files !== null) {
          const saved = await this.saveToDisk(uri, image, files, cancellation);
          if (!saved) throw new vscode.CancellationError();
        } else {
          await this.saveThroughWorkspace(uri, image);
        }
      }
      if (own) await this.reread();
    } finally {
      if (own) this.ownSaves--;
    }
  }

  /**
   * A file on this host's disk, written a chunk at a time between turns of the loop and flushed
   * in the background (a synchronous save of 257 MiB held the extension host 1.15 s in the
   * bench's save stage). False when the save was cancelled (the file as it was).
   */
  private async saveToDisk(
    uri: vscode.Uri,
    image: ImageSource,
    files: SaveFileSystem,
    cancellation: vscode.CancellationToken | undefined,
  ): Promise<boolean> {
    const write = (
      progress?: vscode.Progress<{ message?: string; increment?: number }>,
      token?: vscode.CancellationToken,
    ): Promise<boolean> => {
      let percent = 0;
      return saveAtomicallyInTurns(uri.fsPath, image.size, chunkReader(image), files, {
        // Writing between two turns of the host's loop for as long as a lab call's slices run.
        budgetMs: LAB_TURN_BUDGET_MS,
        now: () => performance.now(),
        nextTurn: () => new Promise((resolve) => host.nextTurn(resolve)),
        cancelled: () =>
          cancellation?.isCancellationRequested === true || token?.isCancellationRequested === true,
        onProgress: ({ done, total, waitFor }) => {
          const now = total === 0 ? 100 : Math.floor((done / total) * 100);
          progress?.report({
            increment: now - percent,
            // The save waits only for its flush.
            ...(waitFor === undefined ? {} : { message: vscode.l10n.t('flushing to disk') }),
          });
          percent = now;
        },
      });
    };
    if (image.size < saveProgressBytes) return write();
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Saving {0}', fileNameOf(uri)),
        cancellable: true,
      },
      (progress, token) => write(progress, token),
    );
  }

  /**
   * Other file systems (remote, virtual) through VS Code's API: a temporary file beside the
   * target, renamed over it, as on disk.
   */
  private async saveThroughWorkspace(uri: vscode.Uri, image: ImageSource): Promise<void> {
    const temporary = uri.with({
      path: `${uri.path.slice(0, uri.path.lastIndexOf('/') + 1)}.${fileNameOf(uri)}.crlab-save`,
    });
    try {
      await vscode.workspace.fs.writeFile(temporary, image.bytes ?? image.read(0, image.size));
      await vscode.workspace.fs.rename(temporary, uri, { overwrite: true });
    } catch (error) {
      await Promise.resolve(vscode.workspace.fs.delete(temporary)).catch(() => undefined);
      throw error;
    }
  }

  /** Drops every edit and reads the file again (Revert File). */
  async revert(): Promise<void> {
    await this.reread();
  }

  /** Writes the edits (not the whole image) to `destination`, for hot exit. */
  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    const json: BackupJson = {
      format: 'crlab-image-backup',
      version: 1,
      size: this.base.size,
      runs: this.overlay.runs().map((run) => ({ offset: run.offset, hex: toHex(run.bytes) })),
    };
    await vscode.workspace.fs.writeFile(
      destination,
      new TextEncoder().encode(JSON.stringify(json)),
    );
    return {
      id: destination.toString(),
      delete: async () => {
        try {
          await vscode.workspace.fs.delete(destination);
        } catch {
          // Already gone: nothing to clean up.
        }
      },
    };
  }

  private async restoreBackup(backup: vscode.Uri): Promise<void> {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(backup));
    const runs = parseBackup(text, this.base.size);
    if (!runs) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'The unsaved edits of {0} were not restored: the file changed since they were backed up.',
          fileNameOf(this.uri),
        ),
      );
      return;
    }
    for (const run of runs) this.overlay.write(run.offset, run.bytes);
    this.rebuild();
  }

  private buildModel(): ImageModel {
    const readOnly = isTrusted() ? null : restrictedEditReason();
    return new ImageModel(
      fileNameOf(this.uri),
      this.overlay.over(this.base),
      editorKeys(),
      readOnly,
    );
  }

  /** Builds the model again (its views follow): when workspace trust is granted, say. */
  refresh(): void {
    this.rebuild();
  }

  private rebuild(): void {
    this.changeCount++;
    this.currentModel = this.buildModel();
    this.changed.fire(this.currentModel);
  }

  /** Reads the file again and drops the edits. */
  private async reread(): Promise<void> {
    const { source, file } = await ImageDocument.read(this.uri);
    this.replaceBase(source, file);
  }

  private replaceBase(source: ImageSource, file: OpenFile | null): void {
    this.file?.close();
    this.file = file;
    this.base = source;
    this.diskStamp = this.currentStamp();
    this.acceptedStamp = null;
    this.overlay.clear();
    this.rebuild();
  }

  /**
   * The file changed on disk while it has unsaved edits: asks whether to reload it (through VS
   * Code's revert, which also clears its dirty state and undo stack) or to keep the edits.
   */
  private async askAboutDiskChange(): Promise<void> {
    if (this.askingAboutDisk || !this.changedOnDisk(true)) return;
    this.askingAboutDisk = true;
    try {
      const seen = this.currentStamp();
      const answer = await this.safety.prompts.changedOnDisk(fileNameOf(this.uri));
      if (answer === 'reload') await this.revertInEditor(this);
      else this.acceptedStamp = seen;
    } finally {
      this.askingAboutDisk = false;
    }
  }

  private async reloadFromDisk(): Promise<void> {
    // Our own save rereads the file itself; unsaved edits are not thrown away without asking.
    if (this.ownSaves > 0) return;
    // The file is the one read or saved here (the event of our own save, arriving after it):
    // reading and comparing 16 MiB for it held the extension host 0.2 s.
    if (sameStamp(this.currentStamp(), this.diskStamp)) return;
    if (this.hasEdits) {
      await this.askAboutDiskChange();
      return;
    }
    const versionBefore = this.changeCount;
    let read: { source: ImageSource; file: OpenFile | null };
    try {
      read = await ImageDocument.read(this.uri);
    } catch {
      // The file is being replaced or was removed; the next change event reads it again.
      return;
    }
    // An edit, undo or save while the file was read wins: the event was ours or is stale.
    const changedMeanwhile = this.ownSaves > 0 || this.changeCount !== versionBefore;
    if (changedMeanwhile || sameBytes(read.source, this.base)) {
      read.file?.close();
      return;
    }
    this.replaceBase(read.source, read.file);
  }

  dispose(): void {
    this.disposed.fire();
    this.disposed.dispose();
    this.watcher?.dispose();
    this.changed.dispose();
    this.file?.close();
  }
}
