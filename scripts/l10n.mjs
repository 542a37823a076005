// `npm run l10n`: the extension's localisation, made mechanical.
//
// 1. Every user-facing string of package.json (command titles and categories, settings, the
//    walkthrough, editors, views, debuggers, capabilities...) becomes a `%key%` whose English text
//    is in package.nls.json. Strings already `%key%` are left; a plain string is moved with a key
//    derived from where it is (`command.crlab.lab.spawn.title`), so that merging another helper's
//    contributions and running this once localises them.
// 2. l10n/bundle.l10n.json is regenerated with @vscode/l10n-dev from every `vscode.l10n.t(...)`
//    (extension host) and `l10n.t(...)` (webviews, @vscode/l10n) in extension/ and webview/.
//
// `npm run l10n -- --check` changes nothing and exits 1 when either would change: the unit test
// test/unit/l10n runs the same checks.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getL10nJson } from '@vscode/l10n-dev';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where package.json holds text a person reads, as [path pattern, key maker]. A pattern is a list
 * of property names, `*` for every array item or object property.
 */
export const manifestTexts = [
  [['displayName'], () => 'displayName'],
  [['description'], () => 'description'],
  [['contributes', 'commands', '*', 'title'], (p, m) => `command.${item(m, p, 2).command}.title`],
  [
    ['contributes', 'commands', '*', 'shortTitle'],
    (p, m) => `command.${item(m, p, 2).command}.shortTitle`,
  ],
  [['contributes', 'commands', '*', 'category'], () => 'command.category'],
  [
    ['contributes', 'customEditors', '*', 'displayName'],
    (p, m) => `customEditor.${item(m, p, 2).viewType}.displayName`,
  ],
  [['contributes', 'configuration', 'title'], () => 'configuration.title'],
  ...['description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage'].map(
    (field) => [
      ['contributes', 'configuration', 'properties', '*', field],
      (p) => `configuration.${p[3]}.${field}`,
    ],
  ),
  ...['enumDescriptions', 'markdownEnumDescriptions'].map((field) => [
    ['contributes', 'configuration', 'properties', '*', field, '*'],
    (p, m) => `configuration.${p[3]}.${field}.${item(m, p, 3).enum?.[p[5]] ?? p[5]}`,
  ]),
  [
    ['contributes', 'walkthroughs', '*', 'title'],
    (p, m) => `walkthrough.${item(m, p, 2).id}.title`,
  ],
  [
    ['contributes', 'walkthroughs', '*', 'description'],
    (p, m) => `walkthrough.${item(m, p, 2).id}.description`,
  ],
  [
    ['contributes', 'walkthroughs', '*', 'steps', '*', 'title'],
    (p, m) => `walkthrough.${item(m, p, 4).id}.title`,
  ],
  [
    ['contributes', 'walkthroughs', '*', 'steps', '*', 'description'],
    (p, m) => `walkthrough.${item(m, p, 4).id}.description`,
  ],
  [
    ['contributes', 'walkthroughs', '*', 'steps', '*', 'media', 'altText'],
    (p, m) => `walkthrough.${item(m, p, 4).id}.altText`,
  ],
  [
    ['contributes', 'viewsContainers', '*', '*', 'title'],
    (p, m) => `viewsContainer.${item(m, p, 3).id}.title`,
  ],
  [['contributes', 'views', '*', '*', 'name'], (p, m) => `view.${item(m, p, 3).id}.name`],
  [
    ['contributes', 'views', '*', '*', 'contextualTitle'],
    (p, m) => `view.${item(m, p, 3).id}.contextualTitle`,
  ],
  [
    ['contributes', 'viewsWelcome', '*', 'contents'],
    (p, m) => `viewsWelcome.${item(m, p, 2).view}.${p[2]}.contents`,
  ],
  [['contributes', 'submenus', '*', 'label'], (p, m) => `submenu.${item(m, p, 2).id}.label`],
  [['contributes', 'debuggers', '*', 'label'], (p, m) => `debugger.${item(m, p, 2).type}.label`],
  ...['description', 'markdownDescription'].map((field) => [
    ['contributes', 'debuggers', '*', 'configurationAttributes', '*', 'properties', '*', field],
    (p, m) => `debugger.${item(m, p, 2).type}.${p[4]}.${p[6]}.${field}`,
  ]),
  ...['enumDescriptions', 'markdownEnumDescriptions'].map((field) => [
    [
      'contributes',
      'debuggers',
      '*',
      'configurationAttributes',
      '*',
      'properties',
      '*',
      field,
      '*',
    ],
    (p, m) =>
      `debugger.${item(m, p, 2).type}.${p[4]}.${p[6]}.${field}.${item(m, p, 6).enum?.[p[8]] ?? p[8]}`,
  ]),
  [
    ['contributes', 'debuggers', '*', 'configurationSnippets', '*', 'label'],
    (p, m) => `debugger.${item(m, p, 2).type}.snippet.${p[4]}.label`,
  ],
  [
    ['contributes', 'debuggers', '*', 'configurationSnippets', '*', 'description'],
    (p, m) => `debugger.${item(m, p, 2).type}.snippet.${p[4]}.description`,
  ],
  [
    ['contributes', 'taskDefinitions', '*', 'properties', '*', 'description'],
    (p, m) => `task.${item(m, p, 2).type}.${p[4]}.description`,
  ],
  [
    ['capabilities', 'untrustedWorkspaces', 'description'],
    () => 'capabilities.untrustedWorkspaces',
  ],
  [['capabilities', 'virtualWorkspaces', 'description'], () => 'capabilities.virtualWorkspaces'],
];

/** The object at the first `depth` steps of `pathTo` in `manifest`. */
function item(manifest, pathTo, depth) {
  return pathTo.slice(0, depth + 1).reduce((node, step) => node?.[step], manifest) ?? {};
}

/** Every [path, value] of `node` matching `pattern` (a list of names and `*`). */
function matches(node, pattern, at = []) {
  if (pattern.length === 0) return [[at, node]];
  if (node === null || typeof node !== 'object') return [];
  const [head, ...rest] = pattern;
  const keys = head === '*' ? Object.keys(node) : Object.hasOwn(node, head) ? [head] : [];
  return keys.flatMap((key) => matches(node[key], rest, [...at, key]));
}

/** Each user-facing string of `manifest`: where it is, its value, and the key it gets. */
export function manifestStrings(manifest) {
  const found = [];
  for (const [pattern, makeKey] of manifestTexts) {
    for (const [at, value] of matches(manifest, pattern)) {
      if (typeof value === 'string') found.push({ at, value, key: makeKey(at, manifest) });
    }
  }
  return found;
}

const KEY = /^%([^%]+)%$/;

/** Moves plain strings of `manifest` into `nls` (both changed); returns what moved. */
export function localizeManifest(manifest, nls) {
  const moved = [];
  for (const { at, value, key } of manifestStrings(manifest)) {
    if (KEY.test(value)) continue;
    if (Object.hasOwn(nls, key) && nls[key] !== value)
      throw new Error(
        `package.nls.json already has ${key} = ${JSON.stringify(nls[key])}, not ${JSON.stringify(value)}`,
      );
    nls[key] = value;
    const parent = at.slice(0, -1).reduce((node, step) => node[step], manifest);
    parent[at.at(-1)] = `%${key}%`;
    moved.push(key);
  }
  return moved;
}

/** TypeScript sources of extension/ and webview/ (generated code excluded). */
export function sourceFiles() {
  return ['extension', 'webview'].flatMap((dir) =>
    readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && !name.split(path.sep).includes('generated'))
      .map((name) => path.join(root, dir, name)),
  );
}

/** The bundle @vscode/l10n-dev extracts from the sources, keys sorted. */
export async function extractBundle() {
  const bundle = await getL10nJson(
    sourceFiles().map((file) => ({ contents: readFileSync(file, 'utf8'), extension: '.ts' })),
  );
  return Object.fromEntries(Object.entries(bundle).sort(([a], [b]) => a.localeCompare(b)));
}

function json(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Moves manifest strings and writes the bundle, or (`check`) only says whether either is due. */
async function main(check) {
  const manifestFile = path.join(root, 'package.json');
  const nlsFile = path.join(root, 'package.nls.json');
  const bundleFile = path.join(root, 'l10n', 'bundle.l10n.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const nls = JSON.parse(readFileSync(nlsFile, 'utf8'));
  const moved = localizeManifest(manifest, nls);
  const bundle = await extractBundle();
  const bundleNow = existsSync(bundleFile) ? readFileSync(bundleFile, 'utf8') : '';
  const stale = bundleNow !== json(bundle);
  if (check) {
    if (moved.length > 0)
      console.error(`l10n: package.json strings not in package.nls.json: ${moved.join(', ')}`);
    if (stale)
      console.error('l10n: l10n/bundle.l10n.json is not what the sources use: run `npm run l10n`');
    return moved.length > 0 || stale ? 1 : 0;
  }
  const sortedNls = Object.fromEntries(Object.entries(nls).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(manifestFile, json(manifest));
  writeFileSync(nlsFile, json(sortedNls));
  mkdirSync(path.dirname(bundleFile), { recursive: true });
  writeFileSync(bundleFile, json(bundle));
  console.log(
    `l10n: ${moved.length} manifest strings moved to package.nls.json; ${Object.keys(bundle).length} strings in l10n/bundle.l10n.json`,
  );
  return 0;
}

// No top-level await: the unit tests import this module.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.includes('--check')).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`l10n: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
