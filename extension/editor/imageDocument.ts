import * as vscode from 'vscode';
import { openFileSource, type OpenFile } from './fileSource';
import { ImageModel, memorySource } from './imageModel';

/**
 * A `.crimg` file opened in the image editor. Read-only for now: it indexes the file with
 * positioned reads (a large image is never loaded whole), keeps the model built from it, and
 * rebuilds it when the file changes on disk.
 */
export class ImageDocument implements vscode.CustomDocument {
  private readonly changed = new vscode.EventEmitter<ImageModel>();
  private readonly watcher: vscode.FileSystemWatcher | undefined;

  /** Fires with the new model when the file changed on disk and was read again. */
  readonly onDidChange = this.changed.event;

  private constructor(
    readonly uri: vscode.Uri,
    private currentModel: ImageModel,
    private file: OpenFile | null,
  ) {
    if (uri.scheme === 'file') {
      const folder = vscode.Uri.joinPath(uri, '..');
      const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
      this.watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(folder, name),
      );
      this.watcher.onDidChange(() => void this.reload());
      this.watcher.onDidCreate(() => void this.reload());
    }
  }

  /** Reads `uri` and builds its view. A file that cannot be read throws; an invalid image does not. */
  static async open(uri: vscode.Uri): Promise<ImageDocument> {
    const { model, file } = await ImageDocument.read(uri);
    return new ImageDocument(uri, model, file);
  }

  /** The model of the file as last read. */
  get model(): ImageModel {
    return this.currentModel;
  }

  private static async read(
    uri: vscode.Uri,
  ): Promise<{ model: ImageModel; file: OpenFile | null }> {
    const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    if (uri.scheme === 'file') {
      const file = openFileSource(uri.fsPath);
      return { model: new ImageModel(name, file.source), file };
    }
    // Other file systems (remote, virtual) have no positioned reads in the API: read whole.
    const bytes = await vscode.workspace.fs.readFile(uri);
    return { model: new ImageModel(name, memorySource(bytes)), file: null };
  }

  private async reload(): Promise<void> {
    try {
      const { model, file } = await ImageDocument.read(this.uri);
      this.file?.close();
      this.file = file;
      this.currentModel = model;
      this.changed.fire(this.currentModel);
    } catch {
      // The file is being replaced or was removed; the next change event reads it again.
    }
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
    this.file?.close();
  }
}
