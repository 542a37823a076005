/**
 * The top of the viewer: a summary of the image (kernel, time, flags, signature, task and page
 * counts, problems) and the list of problems, each a link to the record and field it blames.
 * Every string from the image is set with textContent.
 */
import * as l10n from '@vscode/l10n';
import type { ImageView, ImageViewerSettings, ProblemView, RecordFieldsView } from '../protocol';
import { badge, tag } from '../ui/index';
import { element, makeLink } from '../shared/dom';
import { formatOffset, formatSize } from './format';
import { numericValue } from './names';
import { imageCounts } from './tree';

/** A function, not a table: the strings are read after the page loaded its bundle. */
function signatureText(signature: NonNullable<ImageView['signature']>): string {
  switch (signature) {
    case 'none':
      return l10n.t('not signed');
    case 'valid':
      return l10n.t('signed, verifies');
    case 'invalid':
      return l10n.t('signed, does NOT verify');
    case 'unverified':
      return l10n.t('signed, not verified');
  }
}

/** The HEAD facts the summary shows, once record 0's fields are known. */
function headFacts(head: RecordFieldsView | undefined): {
  kernel: string;
  time: string;
  flags: string;
} {
  const find = (name: string) => head?.fields.find((field) => field.name === name);
  const major = find('major')?.value;
  const minor = find('minor')?.value;
  const patch = find('patch')?.value;
  const release = find('release')?.value;
  const kernel =
    major === undefined
      ? '…'
      : `${major}.${minor ?? '?'}.${patch ?? '?'}${release ? ` (${release})` : ''}`;
  const timeField = find('time');
  const seconds = timeField ? numericValue(timeField) : null;
  const time =
    seconds === null
      ? '…'
      : Number.isFinite(seconds * 1000) && Math.abs(seconds) < 8.64e12
        ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
        : String(seconds);
  return { kernel, time, flags: find('flags')?.value ?? '…' };
}

/** The summary header. `head` is the HEAD record's fields when known. */
export function summaryHeader(
  view: ImageView,
  head: RecordFieldsView | undefined,
  settings: ImageViewerSettings,
): HTMLElement {
  const root = element('header', 'image-header');
  const title = element('h1', 'file-name', view.fileName);
  root.append(title);
  if (view.dirty === true) root.append(element('span', 'dirty-mark', l10n.t('modified')));
  const { tasks, pages } = imageCounts(view);
  const { kernel, time, flags } = headFacts(head);
  const items: [string, string, string][] = [
    ['kernel', l10n.t('Kernel'), kernel],
    ['time', l10n.t('Time'), time],
    ['flags', l10n.t('Flags'), flags],
    [
      'signature',
      l10n.t('Signature'),
      view.signature ? signatureText(view.signature) : l10n.t('unknown'),
    ],
    ['tasks', l10n.t('Tasks'), String(tasks)],
    ['pages', l10n.t('Pages'), String(pages)],
    ['records', l10n.t('Records'), String(view.records.length)],
    [
      'size',
      l10n.t('Size'),
      `${formatSize(view.byteLength)} (${formatOffset(view.byteLength, settings.offsetRadix)})`,
    ],
  ];
  const list = element('dl', 'summary');
  for (const [key, term, value] of items) {
    const item = element('div', `summary-item summary-${key}`);
    item.dataset['summary'] = key;
    item.append(element('dt', 'summary-name', term), element('dd', 'summary-value', value));
    list.append(item);
  }
  root.append(list);
  const problems = view.problems.length;
  root.append(
    badge(
      problems === 0
        ? l10n.t('valid')
        : problems === 1
          ? l10n.t('1 problem')
          : l10n.t('{0} problems', problems),
      l10n.t('{0} problems', problems),
    ),
  );
  if (view.signature === 'invalid') root.classList.add('signature-invalid');
  return root;
}

/** The problem list; choosing a problem calls `open` with its offset. */
export function problemList(
  problems: readonly ProblemView[],
  settings: ImageViewerSettings,
  open: (offset: number) => void,
): HTMLElement {
  const section = element('section', 'problems');
  section.setAttribute('aria-label', l10n.t('Problems'));
  if (problems.length === 0) {
    const ok = element('p', 'no-problems', l10n.t('No problems found: the image reads as valid.'));
    ok.setAttribute('role', 'status');
    section.append(ok);
    return section;
  }
  const list = element('ul', 'problem-list');
  list.setAttribute('role', 'alert');
  for (const problem of problems) {
    const item = element('li', 'problem');
    item.dataset['offset'] = String(problem.offset);
    item.setAttribute(
      'aria-label',
      l10n.t(
        '{0} at {1} ({2}): {3}. Go to it.',
        problem.errno,
        formatOffset(problem.offset, settings.offsetRadix),
        problem.field,
        problem.message,
      ),
    );
    item.append(tag(problem.errno));
    item.append(
      element('span', 'problem-offset', formatOffset(problem.offset, settings.offsetRadix)),
    );
    item.append(element('code', 'problem-field', problem.field));
    item.append(element('span', 'problem-message', problem.message));
    makeLink(item, () => open(problem.offset));
    list.append(item);
  }
  section.append(list);
  return section;
}
