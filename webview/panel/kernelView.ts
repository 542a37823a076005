/**
 * The kernel: its sysctls (editable), the LSM policy (editable), the images in its files, and
 * the console transcript (the kernel log).
 */
import * as l10n from '@vscode/l10n';
import type { LabConsoleLineView, LabImageView, LabStateView } from '../protocol';
import { button, dropdown, textArea } from '../ui/index';
import { element } from './dom';

export interface KernelCallbacks {
  setSysctl(name: string, value: string): void;
  setLsm(policy: 'none' | 'dummy' | 'label', lines: string[]): void;
  imageAction(action: 'restart' | 'whoMayRestart' | 'open', path: string): void;
}

const sysctlHelp: Record<string, string> = {
  'kernel.ckpt_unpriv_allowed': '0: both calls need CAP_SYS_ADMIN',
  'kernel.ckpt_ptrace_mode': 'read: the RFC v7 check; attach: the stricter later one',
  'kernel.ckpt_restore_creds':
    'caller: the caller’s credentials; authorized: the image’s, each change authorised; signed: a verified signature restores them as saved',
  'kernel.ckpt_sign_images': '1: checkpoint appends a SIGN record',
  'kernel.ckpt_require_signed': '1: restart refuses unsigned images',
};

function imageList(images: readonly LabImageView[], callbacks: KernelCallbacks): HTMLElement {
  const section = element('section', 'kernel-images');
  section.setAttribute('aria-label', l10n.t('Images in the kernel'));
  section.append(element('h3', '', l10n.t('Images in the kernel ({0})', images.length)));
  if (images.length === 0) {
    section.append(element('p', 'hint', l10n.t('No checkpoint image in the kernel’s files yet.')));
    return section;
  }
  const list = element('ul', 'image-list');
  for (const image of images) {
    const item = element('li', 'image-item');
    item.dataset['path'] = image.path;
    const signature =
      image.signature === null
        ? `not valid: ${image.problem ?? ''}`
        : image.signature === 'none'
          ? 'not signed'
          : image.signature === 'valid'
            ? 'signed, verifies'
            : 'signed, does NOT verify';
    item.append(
      element('code', 'image-path', image.path),
      element(
        'span',
        'image-facts',
        `${image.tasks === null ? '?' : image.tasks} task${image.tasks === 1 ? '' : 's'} · ${signature} · ${image.size} bytes`,
      ),
    );
    const actions = element('span', 'image-actions');
    const restart = button(
      'Restart…',
      () => callbacks.imageAction('restart', image.path),
      'secondary',
    );
    restart.dataset['action'] = 'restart';
    restart.setAttribute('aria-label', l10n.t('Restart {0}…', image.path));
    const who = button(
      'Who may restart?',
      () => callbacks.imageAction('whoMayRestart', image.path),
      'secondary',
    );
    who.dataset['action'] = 'who-may-restart';
    who.setAttribute('aria-label', l10n.t('Who may restart {0}?', image.path));
    const open = button(
      l10n.t('Open'),
      () => callbacks.imageAction('open', image.path),
      'secondary',
    );
    open.dataset['action'] = 'open';
    open.setAttribute('aria-label', l10n.t('Open {0} in the image editor', image.path));
    actions.append(restart, who, open);
    item.append(actions);
    list.append(item);
  }
  section.append(list);
  return section;
}

function consoleLog(lines: readonly LabConsoleLineView[], total: number): HTMLElement {
  const section = element('section', 'kernel-console');
  section.setAttribute('aria-label', l10n.t('Console'));
  section.append(
    element(
      'h3',
      '',
      total > lines.length
        ? `Console (the last ${lines.length} of ${total} lines)`
        : `Console (${total} lines)`,
    ),
  );
  const log = element('pre', 'console-lines');
  log.setAttribute('role', 'log');
  log.tabIndex = 0;
  log.textContent =
    lines.length === 0
      ? '(nothing printed yet)'
      : lines.map((line) => `[${line.comm} ${line.pid}] ${line.text}`).join('\n');
  section.append(log);
  return section;
}

export function kernelView(state: LabStateView, callbacks: KernelCallbacks): HTMLElement {
  const root = element('div', 'kernel-view');
  const settings = element('section', 'kernel-settings');
  settings.setAttribute('aria-label', l10n.t('Sysctls'));
  settings.append(element('h3', '', l10n.t('Sysctls')));
  for (const sysctl of state.sysctls) {
    const row = element('div', 'sysctl');
    row.dataset['sysctl'] = sysctl.name;
    const label = element('span', 'sysctl-name', sysctl.name);
    const control = dropdown(
      sysctl.name,
      sysctl.values.map((value) => ({ value, text: value })),
      sysctl.value,
      (value) => {
        if (value !== sysctl.value) callbacks.setSysctl(sysctl.name, value);
      },
    );
    row.append(
      label,
      control.element,
      element('span', 'sysctl-help', sysctlHelp[sysctl.name] ?? ''),
    );
    settings.append(row);
  }
  root.append(settings);

  const lsm = element('section', 'kernel-lsm');
  lsm.setAttribute('aria-label', l10n.t('LSM policy'));
  lsm.append(element('h3', '', l10n.t('LSM: {0}', state.lsm.name)));
  const current = state.lsm.lines.find((line) => /^(none|dummy|label)$/.test(line));
  const policy = dropdown(
    'LSM policy',
    ['none', 'dummy', 'label'].map((value) => ({ value, text: value })),
    current ?? state.lsm.name,
  );
  const rules = textArea(
    'LSM rules, one per line',
    state.lsm.lines.filter((line) => !/^(none|dummy|label)$/.test(line)).join('\n'),
    3,
  );
  rules.element.setAttribute('placeholder', 'deny checkpoint domain passwd_t'); // l10n-exempt: an example rule of the language
  const apply = button(
    'Apply and replay',
    () => {
      const chosen = policy.read();
      const lines = rules.read().split('\n');
      callbacks.setLsm(chosen === 'dummy' || chosen === 'label' ? chosen : 'none', lines);
    },
    'secondary',
  );
  apply.dataset['action'] = 'apply-lsm';
  lsm.append(
    element(
      'p',
      'hint',
      'The policy is part of the world the kernel boots with: applying it replays the session from boot and writes each action’s expected outcome anew.',
    ),
    policy.element,
    rules.element,
    apply,
  );
  root.append(lsm);
  root.append(imageList(state.images, callbacks));
  root.append(consoleLog(state.console, state.consoleTotal));
  return root;
}
