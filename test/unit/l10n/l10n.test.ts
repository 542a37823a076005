/**
 * Localisation, kept mechanical: every user-facing string of package.json is a `%key%` of
 * package.nls.json; l10n/bundle.l10n.json holds exactly the strings the extension and its webviews
 * pass to `vscode.l10n.t` / `l10n.t` (so every key used exists); translations, when there are
 * any, translate only known keys and keep their placeholders; the VS Code views pass no plain
 * string to a message, a picker or an input box; and a webview reads the bundle the host gives it.
 * `npm run l10n` fixes the first two after new commands or strings.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Window } from 'happy-dom';
// @ts-expect-error: a build script in JavaScript, without declarations.
import { extractBundle, manifestStrings, sourceFiles } from '../../../scripts/l10n.mjs';

const ROOT = path.join(__dirname, '..', '..', '..');
const read = (...parts: string[]): unknown =>
  JSON.parse(readFileSync(path.join(ROOT, ...parts), 'utf8'));

interface ManifestString {
  at: string[];
  value: string;
  key: string;
}

const manifest = read('package.json') as Record<string, unknown>;
const nls = read('package.nls.json') as Record<string, string>;
const bundleFile = path.join(ROOT, 'l10n', 'bundle.l10n.json');

/** `{0}`, `{name}` placeholders of a message, sorted. */
function placeholders(message: string): string[] {
  return [...message.matchAll(/\{[^{}]+\}/g)].map((match) => match[0]).sort();
}

describe('localisation', () => {
  it('package.json: every user-facing string is a %key% of package.nls.json, and every key is used', () => {
    const strings = manifestStrings(manifest) as ManifestString[];
    assert.ok(strings.length > 10, 'the manifest walk finds the command titles and settings');
    const plain = strings.filter((found) => !/^%[^%]+%$/.test(found.value));
    assert.deepEqual(
      plain.map((found) => `${found.at.join('.')}: ${found.value}`),
      [],
      'run `npm run l10n` to move these to package.nls.json',
    );
    const used = new Set(strings.map((found) => found.value.slice(1, -1)));
    for (const key of used) assert.ok(Object.hasOwn(nls, key), `package.nls.json has no ${key}`);
    assert.deepEqual(
      Object.keys(nls).filter((key) => !used.has(key)),
      [],
      'keys nothing uses',
    );
  });

  it('l10n/bundle.l10n.json holds exactly the strings the sources translate', async function () {
    this.timeout(60_000);
    assert.equal(manifest['l10n'], './l10n');
    const committed = JSON.parse(readFileSync(bundleFile, 'utf8')) as Record<string, string>;
    const used = (await extractBundle()) as Record<string, string>;
    assert.ok(Object.keys(used).length > 20, 'the extraction finds the strings');
    const missing = Object.keys(used).filter((key) => !Object.hasOwn(committed, key));
    assert.deepEqual(missing, [], 'strings used but not in the bundle: run `npm run l10n`');
    const unused = Object.keys(committed).filter((key) => !Object.hasOwn(used, key));
    assert.deepEqual(unused, [], 'strings in the bundle nothing uses: run `npm run l10n`');
  });

  it('translations translate known keys only, keeping their placeholders', () => {
    const english: Array<[string, Record<string, string>]> = [
      ['package.nls', nls],
      ['l10n/bundle.l10n', read('l10n', 'bundle.l10n.json') as Record<string, string>],
    ];
    for (const [base, strings] of english) {
      const folder = path.join(ROOT, path.dirname(base));
      const prefix = `${path.basename(base)}.`;
      for (const file of readdirSync(folder).filter(
        (f) => f.startsWith(prefix) && f.endsWith('.json'),
      )) {
        const translated = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as Record<
          string,
          string
        >;
        for (const [key, message] of Object.entries(translated)) {
          assert.ok(Object.hasOwn(strings, key), `${file}: unknown key ${key}`);
          assert.deepEqual(
            placeholders(message),
            placeholders(strings[key] ?? ''),
            `${file}: ${key}`,
          );
        }
      }
    }
  });

  it('the VS Code views pass no plain string to a message, a picker, an input box or a dialog', () => {
    const views = (sourceFiles() as string[]).filter(
      (file) =>
        !/[\\/]extension[\\/](kernel|image|lab|criu|cli)[\\/]/.test(file) &&
        !file.includes(`${path.sep}webview${path.sep}`),
    );
    const plain = [
      /\bshow(?:Information|Warning|Error)Message\(\s*['"`]/,
      /\b(?:title|placeHolder|prompt|openLabel|detail)\s*:\s*['"`]/,
    ];
    const offenders: string[] = [];
    for (const file of views) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.includes('l10n-exempt')) return;
          if (plain.some((pattern) => pattern.test(line)))
            offenders.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(offenders, [], 'wrap these in vscode.l10n.t(...), then `npm run l10n`');
  });

  it('the webviews put no plain string on screen and call l10n.t by the name the extractor sees', () => {
    const surfaces = (sourceFiles() as string[]).filter(
      (file) => file.includes(`${path.sep}webview${path.sep}`) && !file.endsWith('l10n.ts'),
    );
    const plain = [
      /setAttribute\(\s*'(?:aria-label|placeholder|title)',\s*['"`][A-Za-z]/,
      /\b(?:button|badge|textField|dropdown)\(\s*['"`][A-Za-z]/,
      /\belement\(\s*'[a-z0-9]+',\s*'[^']*',\s*['"`][A-Za-z]/,
      /\bspan\(\s*'[^']*',\s*['"`][A-Za-z]/,
      /\.textContent\s*=\s*['"`][A-Za-z]/,
      /\breason:\s*['"`][A-Za-z]/,
      // `t` re-exported under another name is invisible to @vscode/l10n-dev: its strings would
      // be missing from the bundle.
      /import\s*\{[^}]*\bt\b[^}]*\}\s*from\s*'[./]*l10n'/,
    ];
    const offenders: string[] = [];
    for (const file of surfaces) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.includes('l10n-exempt')) return;
          if (plain.some((pattern) => pattern.test(line)))
            offenders.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.ok(surfaces.length > 10, `read the webview sources (${surfaces.length})`);
    assert.deepEqual(offenders, [], 'wrap these in l10n.t(...), then `npm run l10n`');
  });

  it('a webview reads the bundle the host writes on <body data-l10n>', async () => {
    const window = new Window();
    try {
      const { loadStrings, t } = await import('../../../webview/l10n');
      const l10n = await import('@vscode/l10n');
      window.document.body.dataset['l10n'] = JSON.stringify({
        'Reading the image…': 'Lecture de l’image…',
        '{0} records': '{0} enregistrements',
      });
      loadStrings(window.document.body);
      assert.equal(t('Reading the image…'), 'Lecture de l’image…');
      assert.equal(t('{0} records', 3), '3 enregistrements');
      assert.equal(t('Untranslated'), 'Untranslated');
      l10n.config({ contents: {} });
      window.document.body.dataset['l10n'] = '<not json>';
      loadStrings(window.document.body);
      assert.equal(t('{0} records', 3), '3 records');
    } finally {
      await window.happyDOM.close();
    }
  });

  it('the package ships the manifest strings and the bundle', () => {
    const ignore = readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    assert.match(ignore, /^!package\.nls\*\.json$/m);
    assert.match(ignore, /^!l10n\/\*\.json$/m);
    assert.ok(existsSync(bundleFile));
  });
});
