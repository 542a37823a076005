/** The manifest is ready to publish: icon, categories, keywords, license, changelog, capabilities. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<
  string,
  unknown
>;

describe('publishing', () => {
  it('has a 128 × 128 PNG icon that the package ships', () => {
    const icon = manifest['icon'];
    assert.equal(icon, 'media/icon.png');
    const png = readFileSync(path.join(ROOT, 'media', 'icon.png'));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual(
      [png.readUInt32BE(16), png.readUInt32BE(20)],
      [128, 128],
      'IHDR width and height',
    );
    assert.match(readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m);
  });

  it('is in the categories that fit and has keywords', () => {
    assert.deepEqual(manifest['categories'], [
      'Debuggers',
      'Visualization',
      'Programming Languages',
      'Testing',
    ]);
    const keywords = manifest['keywords'] as string[];
    assert.ok(keywords.length >= 5 && keywords.length <= 30, 'the Marketplace takes at most 30');
    assert.ok(keywords.includes('checkpoint') && keywords.includes('criu'));
  });

  it('names its license, ships LICENSE and CHANGELOG.md, and invents no repository', () => {
    assert.equal(manifest['license'], 'MIT');
    assert.match(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /MIT License/);
    assert.match(readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'), /^# Changelog/);
    // There is no public repository: no URL is made up (packaging uses --allow-missing-repository).
    assert.equal(manifest['repository'], undefined);
    assert.match(
      readFileSync(path.join(ROOT, 'scripts', 'package.mjs'), 'utf8'),
      /--allow-missing-repository/,
    );
  });

  it('declares what it does in untrusted and virtual workspaces', () => {
    const capabilities = manifest['capabilities'] as Record<
      string,
      { supported: unknown; description: string }
    >;
    assert.equal(capabilities['untrustedWorkspaces']?.supported, 'limited');
    assert.equal(capabilities['virtualWorkspaces']?.supported, 'limited');
    for (const capability of Object.values(capabilities))
      assert.match(capability.description, /^%capabilities\.\w+%$/);
    assert.ok(existsSync(path.join(ROOT, 'package.nls.json')));
  });
});
