/** The spec build: deterministic output, declarations derived from the ksy, spec errors fail. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileKsy, decodeTextExactly } from '../../../scripts/build-ksy.mjs';

const ksyPath = join(__dirname, '..', '..', '..', 'extension', 'image', 'crimg.ksy');
const source = readFileSync(ksyPath, 'utf8');

describe('image spec build (scripts/build-ksy.mjs)', function () {
  this.timeout(60_000);

  let first: Record<string, string> = {};
  before(async () => {
    first = await compileKsy(source);
  });

  it('generates the same files twice, equal to those in extension/image/generated', async () => {
    const second = await compileKsy(source);
    assert.deepEqual(Object.keys(first).sort(), [
      'Crimg.d.ts',
      'Crimg.js',
      'CrimgDebug.d.ts',
      'CrimgDebug.js',
      'crimg-meta.json',
    ]);
    assert.deepEqual(first, second);
    const generated = join(__dirname, '..', '..', '..', 'extension', 'image', 'generated');
    for (const [name, text] of Object.entries(first)) {
      assert.equal(
        readFileSync(join(generated, name), 'utf8'),
        text,
        `${name} is stale: run node scripts/build.mjs --ksy-only`,
      );
    }
  });

  it('decodes text exactly: no string goes through the runtime decoder that strips U+FEFF', () => {
    for (const name of ['Crimg.js', 'CrimgDebug.js']) {
      const js = first[name] ?? '';
      assert.doesNotMatch(js, /KaitaiStream\.bytesToStr\(/, name);
      assert.match(js, /new TextDecoder\('utf-8', \{ ignoreBOM: true, fatal: false \}\)/, name);
      assert.ok((js.match(/crimgUtf8\.decode\(/g) ?? []).length >= 8, name);
    }
    assert.throws(
      () => decodeTextExactly('KaitaiStream.bytesToStr(x, "ASCII")', 'test'),
      /other than UTF-8/,
    );
  });

  it('declares a class for every type of the ksy, with its fields', async () => {
    const ksy = parse(source) as { types: Record<string, { seq?: Array<{ id: string }> }> };
    const files = first;
    const dts = files['Crimg.d.ts'] ?? '';
    for (const [name, spec] of Object.entries(ksy.types)) {
      const className = name.replace(/(^|_)([a-z0-9])/g, (_m, _s: string, c: string) =>
        c.toUpperCase(),
      );
      assert.match(dts, new RegExp(`class ${className} \\{`), className);
      for (const attr of spec.seq ?? []) {
        const js = attr.id.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
        assert.match(dts, new RegExp(`\\b${js}\\??: `), `${className}.${js}`);
      }
    }
    assert.match(files['CrimgDebug.d.ts'] ?? '', /_debug: /);
    assert.doesNotMatch(dts, /_debug: /);
  });

  it('fails on a spec error', async () => {
    await assert.rejects(
      compileKsy(source.replace('type: record_header', 'type: no_such_type')),
      /no_such_type|kaitai-struct-compiler failed|unknown type/,
    );
    await assert.rejects(compileKsy('meta: [unclosed'), /YAML|Kaitai/);
    await assert.rejects(compileKsy('seq: []\n'), /meta\/id/);
  });
});
