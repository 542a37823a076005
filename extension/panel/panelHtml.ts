import * as vscode from 'vscode';
import { escapeAttribute } from '../editor/imageViewerHtml';

/** Folder of the built webview bundles, relative to the extension root. */
const webviewDist = ['dist', 'webview'] as const;

function nonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The panel's page: a strict CSP (our bundle by nonce, nothing else), no inline script or style,
 * resources only from `dist/webview`. No lab data is in the page: it is posted after `ready`
 * and set with textContent.
 */
export function labPanelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const token = nonce();
  const dist = vscode.Uri.joinPath(extensionUri, ...webviewDist);
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'lab-panel.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'lab-panel.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${token}'`,
    // The toolkit (FAST) writes its component and grid styles inline at run time, without a
    // nonce. Styles only: scripts stay nonce-only and no lab text reaches markup or a style.
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Checkpoint/Restart</title>
</head>
<body data-l10n="${escapeAttribute(JSON.stringify(vscode.l10n.bundle ?? {}))}">
<main id="app" aria-busy="true"><p class="loading">Starting the lab…</p></main>
<script nonce="${token}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** Scripts on; nothing readable outside `dist/webview`. */
export function labPanelOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, ...webviewDist)],
  };
}
