import * as vscode from 'vscode';
import {
  isImageViewerToHostMessage,
  type HostToImageViewerMessage,
  type ImageViewerSettings,
} from '../../webview/protocol';
import { ImageDocument } from './imageDocument';
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

/**
 * The read-only editor for `.crimg` checkpoint images: one {@link ImageDocument} per file, one
 * webview per editor tab showing its records and fields.
 */
export class ImageEditorProvider implements vscode.CustomReadonlyEditorProvider<ImageDocument> {
  /** Registers the provider; the returned disposable unregisters it. */
  static register(context: vscode.ExtensionContext): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(
      imageEditorViewType,
      new ImageEditorProvider(context),
      {
        supportsMultipleEditorsPerDocument: true,
        webviewOptions: { retainContextWhenHidden: false },
      },
    );
  }

  private constructor(private readonly context: vscode.ExtensionContext) {}

  openCustomDocument(uri: vscode.Uri): Promise<ImageDocument> {
    return ImageDocument.open(uri);
  }

  resolveCustomEditor(document: ImageDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = imageViewerOptions(this.context.extensionUri);
    let ready = false;
    const send = (message: HostToImageViewerMessage): void => {
      if (ready) void webview.postMessage(message);
    };
    const showImage = (): void =>
      send({ type: 'showImage', view: document.model.view, settings: readImageViewerSettings() });
    const subscriptions: vscode.Disposable[] = [
      webview.onDidReceiveMessage((message: unknown) => {
        if (!isImageViewerToHostMessage(message)) return;
        switch (message.type) {
          case 'ready':
            ready = true;
            showImage();
            break;
          case 'requestFields':
            for (const index of message.indexes) {
              const fields = document.model.fields(index);
              if (fields) send({ type: 'recordFields', fields });
            }
            break;
        }
      }),
      document.onDidChange(showImage),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('crlab.imageEditor')) showImage();
      }),
    ];
    panel.onDidDispose(() => subscriptions.forEach((subscription) => subscription.dispose()));
    // The page is set last so that the ready message cannot arrive before we listen for it.
    webview.html = imageViewerHtml(webview, this.context.extensionUri);
  }
}
