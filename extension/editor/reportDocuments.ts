import * as vscode from 'vscode';

/** The scheme of the editor's read-only reports (restart checks, comparisons). */
export const reportScheme = 'crlab-report';

/**
 * Read-only text documents the image editor's actions write their results to: a person reads
 * them beside the image, and a test reads their text. Each report gets a fresh URI, so an older
 * report stays as it was.
 */
export class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly reports = new Map<string, string>();
  private count = 0;

  /** Registers the provider for {@link reportScheme}. */
  register(): vscode.Disposable {
    return vscode.workspace.registerTextDocumentContentProvider(reportScheme, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.toString()) ?? '';
  }

  /** Stores `text` under a new URI named `title` and opens it beside the active editor. */
  async show(title: string, text: string): Promise<vscode.TextDocument> {
    this.count++;
    const safeTitle = title.replace(/[/\\?#]/g, '_');
    const uri = vscode.Uri.from({ scheme: reportScheme, path: `/${this.count}/${safeTitle}` });
    this.reports.set(uri.toString(), text);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: false,
      preserveFocus: true,
    });
    return document;
  }
}
