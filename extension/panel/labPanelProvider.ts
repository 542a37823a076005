/**
 * The Checkpoint/Restart panel: a webview view in the panel area showing the lab session — its
 * pid namespaces and tasks, the security checks of each call, who may restart an image, the
 * kernel's settings and console — and sending what the person asks for back as commands.
 *
 * The host owns everything: the view gets a full snapshot after its `ready` and after every
 * change, and asks; every message from it is checked with the protocol's guard and a malformed
 * one is dropped and logged.
 */
import * as vscode from 'vscode';
import { LabError, parseLsmRule, type LsmRule } from '../lab/session';
import { isExternalLabCall } from '../lab/session-external';
import { kernelFileUri } from '../session/labFiles';
import { messageGate } from '../webviewGate';
import type { LabService } from '../session/labService';
import {
  isLabPanelToHostMessage,
  type HostToLabPanelMessage,
  type LabPanelToHostMessage,
} from '../../webview/protocol';
import { labStateView, shownCallOf } from './labState';
import { checkLink, openLine, openLink } from './links';
import { labPanelHtml, labPanelOptions } from './panelHtml';

export const labPanelViewId = 'crlab.lab.panel';

export class LabPanelProvider implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private version = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly lab: LabService,
  ) {}

  /** Registers the view and its updates. */
  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.window.registerWebviewViewProvider(labPanelViewId, this),
      this.lab.onDidChange((change) => {
        this.postState();
        if (change.reveal !== undefined) {
          this.post({ type: 'reveal', section: change.reveal });
          if (this.view !== undefined && !this.view.visible && change.background !== true)
            this.view.show(true);
        }
      }),
    );
  }

  /** Brings the panel into view (resolving it first when it never was). */
  async reveal(preserveFocus: boolean): Promise<void> {
    if (this.view !== undefined) {
      this.view.show(preserveFocus);
      return;
    }
    await vscode.commands.executeCommand(`${labPanelViewId}.focus`);
  }

  /** Whether the view is resolved, ready and visible (for tests and the status bar). */
  get isShowing(): boolean {
    return this.view?.visible === true && this.ready;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = labPanelOptions(this.extensionUri);
    // Through the one gate: a malformed message is dropped and logged by its shape, never its
    // contents (extension/webviewGate.ts).
    view.webview.onDidReceiveMessage(
      messageGate(
        'panel',
        isLabPanelToHostMessage,
        (message) => {
          void this.handle(message).catch((error: unknown) => {
            const text = error instanceof Error ? error.message : String(error);
            if (!(error instanceof vscode.CancellationError))
              void vscode.window.showErrorMessage(
                error instanceof LabError ? text : vscode.l10n.t('Lab: {0}', text),
              );
          });
        },
        (line) => this.lab.log.warn(line),
      ),
    );
    view.onDidDispose(() => {
      if (this.view === view) {
        this.view = undefined;
        this.ready = false;
      }
    });
    // Set last, so that the ready message cannot come before we listen.
    view.webview.html = labPanelHtml(view.webview, this.extensionUri);
  }

  private post(message: HostToLabPanelMessage): void {
    if (this.view !== undefined && this.ready) void this.view.webview.postMessage(message);
  }

  private postState(): void {
    if (this.view === undefined || !this.ready) return;
    this.version++;
    this.post({ type: 'labState', state: labStateView(this.lab, this.version) });
  }

  private async handle(message: LabPanelToHostMessage): Promise<void> {
    const run = (command: string, ...args: unknown[]): Thenable<unknown> =>
      vscode.commands.executeCommand(command, ...args);
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.lab.ready;
        this.postState();
        return;
      case 'sessionAction':
        await run(`crlab.lab.${message.action}`);
        return;
      case 'taskAction':
        if (message.action === 'step') await run('crlab.lab.run', message.pid, 'step');
        else await run(`crlab.lab.${message.action}`, message.pid);
        return;
      case 'imageAction':
        if (message.action === 'open')
          await run('vscode.openWith', kernelFileUri(message.path), 'crlab.imageEditor');
        else await run(`crlab.lab.${message.action}`, message.path);
        return;
      case 'selectCall':
        if (message.debugger === true) this.lab.showExternalCallById(message.id);
        else this.lab.showCall(message.id);
        return;
      case 'selectMatrixCell':
        this.lab.showMatrixCell(message.user, message.mode);
        return;
      case 'openCheck': {
        const shown = shownCallOf(this.lab);
        const check = shown?.call.checks[message.index];
        if (shown === null || check === undefined) return;
        const call = shown.call;
        if (isExternalLabCall(call)) {
          const line = check.line ?? call.line;
          if (line > 0) await openLine(vscode.Uri.file(call.source), line);
          return;
        }
        const link = checkLink(
          this.lab.session,
          check,
          call.image === null
            ? null
            : {
                path: call.image,
                bytes: call.imageBytes,
                callId: shown.probe === null ? call.id : null,
              },
        );
        if (link !== null) await openLink(link);
        return;
      }
      case 'exportReport': {
        const shown = shownCallOf(this.lab);
        if (shown === null) return;
        // A debugging session's call is numbered apart: it is exported as the call shown.
        const which =
          shown.probe !== null
            ? 'probe'
            : isExternalLabCall(shown.call)
              ? undefined
              : shown.call.id;
        await run('crlab.lab.exportReport', which, message.format);
        return;
      }
      case 'setSysctl': {
        const value = /^[0-9]+$/.test(message.value) ? Number(message.value) : message.value;
        await this.lab.setSysctl(message.name, value);
        return;
      }
      case 'setLsm': {
        const rules: LsmRule[] = [];
        for (const line of message.lines) {
          if (line.trim() === '') continue;
          const rule = parseLsmRule(line);
          if (rule === null) {
            throw new LabError(
              vscode.l10n.t(
                'Not an LSM rule: "{0}" (write e.g. "deny checkpoint domain passwd_t" or "transition exec passwd_exec_t to passwd_t")',
                line,
              ),
            );
          }
          rules.push(rule);
        }
        await this.lab.setLsm(message.policy, rules);
        return;
      }
    }
  }
}
