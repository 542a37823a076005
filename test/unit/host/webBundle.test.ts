import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import {
  findNodeGlobals,
  reviewedGlobalUses,
  webExtensionBundle,
  webPlatformPlugin,
} from '../../../scripts/build-web.mjs';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const extensionEntry = path.join(root, 'extension', 'extension.ts');

describe('the web extension bundle (scripts/build-web.mjs)', function () {
  this.timeout(60_000);
  const folder = mkdtempSync(path.join(tmpdir(), 'crlab-web-bundle-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  /** Writes a one-file entry point with `source` and returns its path. */
  function entry(name: string, source: string): string {
    const file = path.join(folder, name);
    writeFileSync(file, source);
    return file;
  }

  it('holds the web platform, not the Node.js one, and no Node.js built-in module', async () => {
    const result = await esbuild.build({
      entryPoints: [extensionEntry],
      bundle: true,
      platform: 'browser',
      format: 'cjs',
      absWorkingDir: root,
      external: ['vscode'],
      plugins: [webPlatformPlugin],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.includes('extension/host/web.ts'), 'extension/host/web.ts is in');
    assert.ok(!inputs.includes('extension/host/node.ts'), 'extension/host/node.ts is not');
    assert.deepEqual(
      inputs.filter((input) => input.startsWith('node:') || !input.includes('/')),
      [],
      'every input is a file',
    );
  });

  it('names Node.js globals only in reviewed library code, none in ours', async () => {
    const uses = await findNodeGlobals(extensionEntry);
    assert.deepEqual(
      uses.filter((use) => !use.module.startsWith('node_modules/')),
      [],
      'extension/ and webview/ name no Node.js global',
    );
    for (const use of uses) assert.ok(use.why, `${use.global} in ${use.module} is reviewed`);
    // Every reviewed use still exists: a stale entry would hide nothing, but says what is not so.
    for (const reviewed of reviewedGlobalUses)
      assert.ok(
        uses.some((use) => use.module === reviewed.module && use.global === reviewed.global),
        `${reviewed.global} is still named in ${reviewed.module}`,
      );
  });

  it('fails the build on a Node.js built-in module, naming it', async () => {
    const file = entry(
      'uses-fs.ts',
      "import { readFileSync } from 'node:fs';\nreadFileSync('x');\n",
    );
    await assert.rejects(
      webExtensionBundle({ entry: file, outfile: path.join(folder, 'out-fs.js') }),
      /"node:fs" is a Node\.js built-in module/,
    );
    const bare = entry('uses-path.ts', "import path from 'path';\nconsole.log(path.sep);\n");
    await assert.rejects(
      webExtensionBundle({ entry: bare, outfile: path.join(folder, 'out-path.js') }),
      /"path" is a Node\.js built-in module/,
    );
  });

  it('fails the build on a Node.js global in our code, naming the global and the module', async () => {
    const file = entry(
      'uses-globals.ts',
      'export const pid = process.pid;\nsetImmediate(() => Buffer.from([1]));\n',
    );
    const attempt = webExtensionBundle({ entry: file, outfile: path.join(folder, 'out-g.js') });
    await assert.rejects(attempt, (error: Error) => {
      assert.match(error.message, /may not use Node\.js globals/);
      for (const global of ['process', 'setImmediate', 'Buffer'])
        assert.match(error.message, new RegExp(`${global} in .*uses-globals\\.ts`));
      return true;
    });
  });

  it('builds a bundle free of them and tells its size', async () => {
    const file = entry('clean.ts', 'export const answer = globalThis.crypto !== undefined;\n');
    const bytes = await webExtensionBundle({ entry: file, outfile: path.join(folder, 'ok.js') });
    assert.ok(bytes > 0 && bytes < 1024, `${bytes} bytes`);
  });
});
