/**
 * The inspector beside the tree: what the selected row is (path, type, offset, size, value,
 * user or group name, the problem blamed on it), and for a field the control that edits it.
 * An edit is only sent to the host (`editField`); the host validates it, and its refusal is
 * shown under the control. Every string from the image is set with textContent.
 */
import * as l10n from '@vscode/l10n';
import type { FieldEditor, FieldView, ImageViewerSettings, ProblemView } from '../protocol';
import { button, checkbox, dropdown, tag, textField, type Control } from '../ui/index';
import { element } from '../shared/dom';
import { checkedBits, editorFor, flagsValue, initialInput } from './editors';
import { formatOffset, formatSize } from './format';
import { identityName, numericValue } from './names';
import type { TreeRow } from './tree';

/** Where an edit of the selected field stands. */
export interface EditStatus {
  readonly key: string;
  readonly state: 'pending' | 'refused' | 'applied';
  readonly message: string;
}

/** What the inspector reports to main.ts. */
export interface InspectorCallbacks {
  readonly edit: (row: Extract<TreeRow, { kind: 'field' }>, input: string) => void;
}

function facts(entries: readonly (readonly [string, string])[]): HTMLElement {
  const list = element('dl', 'inspector-facts');
  for (const [term, description] of entries) {
    list.append(element('dt', 'fact-name', term), element('dd', 'fact-value', description));
  }
  return list;
}

function problemNote(problem: ProblemView, settings: ImageViewerSettings): HTMLElement {
  const note = element('div', 'inspector-problem');
  note.setAttribute('role', 'alert');
  note.append(tag(problem.errno));
  const where = `${formatOffset(problem.offset, settings.offsetRadix)} (${problem.field})`;
  note.append(
    element('span', 'problem-where', where),
    element('span', 'problem-message', problem.message),
  );
  return note;
}

/** The control for `editor`, and how to read the input to send from it. */
function editControl(
  field: FieldView,
  editor: Exclude<FieldEditor, { kind: 'readonly' }>,
  apply: () => void,
): Control<string> {
  switch (editor.kind) {
    case 'number':
      return textField(l10n.t('New value of {0}', field.path), initialInput(field, editor), apply);
    case 'text':
      return textField(l10n.t('New text of {0}', field.path), initialInput(field, editor), apply);
    case 'enum': {
      const current = numericValue(field);
      const options = editor.options.map((option) => ({
        value: String(option.value),
        text: `${option.name} (${option.value})`,
      }));
      return dropdown(
        l10n.t('New value of {0}', field.path),
        options,
        current === null ? '' : String(current),
      );
    }
    case 'flags': {
      const box = element('div', 'flag-boxes');
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', l10n.t('Bits of {0}', field.path));
      const states = checkedBits(numericValue(field) ?? 0, editor.bits);
      const boxes = editor.bits.map((bit, index) =>
        checkbox(bit.name, states[index] ?? false, () => {
          states[index] = boxes[index]?.read() ?? false;
        }),
      );
      for (const control of boxes) box.append(control.element);
      return {
        element: box,
        read: () =>
          String(
            flagsValue(
              editor.bits,
              boxes.map((control) => control.read()),
            ),
          ),
      };
    }
  }
}

function editSection(
  row: Extract<TreeRow, { kind: 'field' }>,
  status: EditStatus | null,
  callbacks: InspectorCallbacks,
): HTMLElement {
  const section = element('section', 'inspector-edit');
  section.setAttribute('aria-label', l10n.t('Edit {0}', row.field.path));
  const editor = editorFor(row.field);
  if (editor.kind === 'readonly') {
    section.append(element('p', 'edit-readonly', editor.reason));
    return section;
  }
  // The control calls `apply` on Enter, and `apply` reads the control: a late-bound reference.
  const holder: { control?: Control<string> } = {};
  const apply = (): void => {
    if (holder.control) callbacks.edit(row, holder.control.read());
  };
  const control = editControl(row.field, editor, apply);
  holder.control = control;
  control.element.classList.add('edit-control');
  const limits =
    editor.kind === 'number'
      ? l10n.t('{0} … {1}; decimal or 0x hex', editor.min, editor.max)
      : editor.kind === 'text'
        ? editor.exact
          ? l10n.t('exactly {0} bytes, the length it has', editor.maxBytes)
          : l10n.t('at most {0} bytes', editor.maxBytes)
        : editor.kind === 'flags'
          ? l10n.t('tick the bits to set')
          : l10n.t('choose a value');
  section.append(
    element('label', 'edit-label', l10n.t('New value ({0})', limits)),
    control.element,
  );
  const applyButton = button(l10n.t('Apply'), apply);
  applyButton.classList.add('edit-apply');
  section.append(applyButton);
  const feedback = element('p', 'edit-status');
  feedback.setAttribute('role', 'status');
  feedback.setAttribute('aria-live', 'polite');
  if (status && status.key === row.key) {
    feedback.textContent = status.state === 'pending' ? l10n.t('Applying…') : status.message;
    feedback.classList.add(`edit-${status.state}`);
    if (status.state === 'refused') feedback.setAttribute('role', 'alert');
  }
  section.append(feedback);
  return section;
}

/** Replaces `container`'s content with what `row` is (nothing selected: a hint). */
export function renderInspector(
  container: HTMLElement,
  row: TreeRow | null,
  taskLabel: string | undefined,
  settings: ImageViewerSettings,
  status: EditStatus | null,
  callbacks: InspectorCallbacks,
): void {
  const at = (offset: number): string => formatOffset(offset, settings.offsetRadix);
  const parts: HTMLElement[] = [];
  if (!row) {
    parts.push(
      element('p', 'inspector-hint', l10n.t('Select a record or field, or click a byte.')),
    );
  } else if (row.kind === 'task') {
    parts.push(
      element(
        'h2',
        'inspector-title',
        taskLabel
          ? l10n.t('Task {0} {1}', row.task.vpid, taskLabel)
          : l10n.t('Task {0}', row.task.vpid),
      ),
    );
    parts.push(
      facts([
        ['vpid', String(row.task.vpid)],
        [l10n.t('First record'), at(row.task.first.offset)],
        [l10n.t('Child tasks'), String(row.task.children.length)],
      ]),
    );
  } else if (row.kind === 'record') {
    const { record } = row;
    parts.push(
      element('h2', 'inspector-title', l10n.t('{0} record {1}', record.name, record.index)),
    );
    parts.push(
      facts([
        [l10n.t('Offset'), at(record.offset)],
        [l10n.t('Size'), l10n.t('{0} ({1} bytes)', formatSize(record.size), record.size)],
        [l10n.t('Parent'), String(record.parent)],
      ]),
    );
    if (row.problem) parts.push(problemNote(row.problem, settings));
  } else if (row.kind === 'field') {
    const { field } = row;
    parts.push(element('h2', 'inspector-title', field.path));
    const entries: [string, string][] = [
      [l10n.t('Type'), field.type],
      [l10n.t('Offset'), at(field.offset)],
      [l10n.t('Size'), l10n.t('{0} bytes', field.size)],
      [l10n.t('Value'), field.value],
    ];
    const name = identityName(field);
    if (name !== null)
      entries.push([/uid$/.test(field.path) ? l10n.t('User') : l10n.t('Group'), name]);
    parts.push(facts(entries));
    if (row.problem) parts.push(problemNote(row.problem, settings));
    parts.push(editSection(row, status, callbacks));
  } else if (row.kind === 'damage') {
    parts.push(element('h2', 'inspector-title', l10n.t('Damaged bytes')));
    parts.push(
      facts([
        [l10n.t('Offset'), at(row.offset)],
        [l10n.t('Size'), l10n.t('{0} bytes', row.size)],
      ]),
    );
    parts.push(
      element(
        'p',
        'inspector-hint',
        l10n.t('These bytes are not part of any whole record: the image ends or breaks here.'),
      ),
    );
    if (row.problem) parts.push(problemNote(row.problem, settings));
  } else {
    parts.push(element('p', row.tone === 'error' ? 'record-error' : 'inspector-hint', row.text));
  }
  container.replaceChildren(...parts);
}
