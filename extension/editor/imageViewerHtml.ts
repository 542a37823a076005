import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Folder of the built webview bundles, relative to the extension root. */
export const webviewDistFolder = ['dist', 'webview'] as const;

/**
 * The image viewer's page: a strict CSP (nothing but our own bundle, by nonce), no inline
 * script or style, resources only from `dist/webview`. Image data never appears here; it is
 * posted after the ready handshake and rendered with textContent. The extension's translated
 * strings for the display language ride on `<body data-l10n>` (webview/l10n.ts reads them).
 */
export function imageViewerHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  surface: { bundle: string; title: string; loading: string } = {
    bundle: 'image-viewer',
    title: vscode.l10n.t('Checkpoint image'),
    loading: vscode.l10n.t('Reading the image…'),
  },
): string {
  const nonce = randomBytes(16).toString('base64');
  const distUri = vscode.Uri.joinPath(extensionUri, ...webviewDistFolder);
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(distUri, `${surface.bundle}.js`));
  const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(distUri, `${surface.bundle}.css`));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The toolkit (FAST) writes component styles and grid column styles inline at run time,
    // with no way to give them a nonce. Styles only: scripts stay nonce-only, and no image data
    // ever reaches markup or a style (it is set with textContent).
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeAttribute(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri.toString()}">
<title>${escapeHtml(surface.title)}</title>
</head>
<body data-l10n="${escapeAttribute(JSON.stringify(vscode.l10n.bundle ?? {}))}">
<main id="app" aria-busy="true"><p class="loading">${escapeHtml(surface.loading)}</p></main>
<script nonce="${nonce}" src="${scriptUri.toString()}"></script>
</body>
</html>`;
}

/** `text` safe inside a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/** Text for markup: the surface's title and loading line are ours, escaped all the same. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Webview options for the image viewer: scripts on, and nothing readable outside `dist/webview`. */
export function imageViewerOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, ...webviewDistFolder)],
  };
}
