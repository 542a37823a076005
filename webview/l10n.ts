/**
 * Strings of the webviews, translated with @vscode/l10n: the host writes the extension's bundle
 * for VS Code's display language (`vscode.l10n.bundle`) on `<body data-l10n>`, and each surface
 * calls {@link loadStrings} before it renders. Without a bundle (English), `t` returns the text it
 * is given. `npm run l10n` collects every `l10n.t('…')` into l10n/bundle.l10n.json: surfaces call
 * `l10n.t` of `@vscode/l10n` by that name (the extractor sees only `l10n.t(…)` calls), not `t`.
 */
import * as l10n from '@vscode/l10n';

/**
 * Loads the bundle the host put on the page (`loadStrings(document.body)`); anything unreadable
 * leaves the English text.
 */
export function loadStrings(body: { readonly dataset: Record<string, string | undefined> }): void {
  const text = body.dataset['l10n'];
  if (!text) return;
  try {
    const contents: unknown = JSON.parse(text);
    if (typeof contents === 'object' && contents !== null && !Array.isArray(contents))
      l10n.config({ contents: contents as Record<string, string> });
  } catch {
    // Not JSON: the page keeps its English text.
  }
}

/** `t('{0} records', n)`: the text in the display language, with its arguments in place. */
export const t = l10n.t;
