/**
 * The layering of architecture.md, checked on the sources: views share logic through the
 * libraries, never by importing one another, so nothing outside extension/cli/ imports the command
 * line tool; and the libraries the CLI and the editor share (kernel/, image/, lab/) stay pure.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ROOT } from './run-crlab';

/** Every TypeScript source under `dir`, generated code excluded. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.split(sep).includes('generated'))
    .map((name) => join(ROOT, dir, name));
}

/** The module specifiers a source imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) if (match[1] !== undefined) found.push(match[1]);
  }
  return found;
}

const cliDir = resolve(ROOT, 'extension', 'cli');

describe('layering (architecture.md)', () => {
  it('nothing outside extension/cli/ imports the command line tool', () => {
    const offenders: string[] = [];
    for (const file of [...sources('extension'), ...sources('webview')]) {
      if (file.startsWith(cliDir + sep)) continue;
      for (const specifier of specifiers(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier);
        if (target === cliDir || target.startsWith(cliDir + sep))
          offenders.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('kernel/, image/ and lab/ import nothing from vscode, node: or the DOM, and use no Buffer', () => {
    const offenders: string[] = [];
    for (const layer of ['kernel', 'image', 'lab']) {
      for (const file of sources(join('extension', layer))) {
        const name = relative(ROOT, file);
        for (const specifier of specifiers(file)) {
          const local = specifier.startsWith('.');
          const target = local ? relative(ROOT, resolve(dirname(file), specifier)) : specifier;
          const allowed = local
            ? /^extension[\\/](kernel|image|lab)\b/.test(target)
            : /^(kaitai-struct|@noble\/hashes)(\/|$)/.test(specifier);
          if (!allowed) offenders.push(`${name} imports ${specifier}`);
        }
        if (/\bBuffer\.|\bdocument\.|\bwindow\./.test(readFileSync(file, 'utf8')))
          offenders.push(`${name} uses a Node or DOM global`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
