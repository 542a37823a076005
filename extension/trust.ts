/**
 * Workspace trust (package.json `capabilities.untrustedWorkspaces`: limited). In Restricted Mode
 * the extension shows images and scenarios but changes and runs nothing: images open read-only,
 * scenarios do not run, and the lab and debugging ask for trust first (VS Code itself asks before
 * any debug session in Restricted Mode). Views ask through {@link requireTrust}.
 */
import * as vscode from 'vscode';

/** Why an image cannot be edited in Restricted Mode (shown by the inspector and in refusals). */
export function restrictedEditReason(): string {
  return vscode.l10n.t(
    'Restricted Mode: images open read-only. Trust this workspace to edit them.',
  );
}

/** True when the workspace is trusted (always, when workspace trust is off). */
export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

/**
 * True when the workspace is trusted. Otherwise says that `what` needs trust, with a button to
 * manage workspace trust, and returns false at once (the caller then does nothing; the message
 * stays until it is answered or closed).
 */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = vscode.l10n.t('Manage Workspace Trust');
  void vscode.window
    .showWarningMessage(
      vscode.l10n.t(
        '{0} needs a trusted workspace: in Restricted Mode, Checkpoint/Restart Lab only shows images and scenarios.',
        what,
      ),
      manage,
    )
    .then((answer) => {
      if (answer === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}
