// The web extension: dist/web/extension.js (package.json `browser`), the same extension/extension.ts
// bundled for VS Code's web worker extension host, where there is no Node.js.
//
// - extension/host/node.ts is replaced by extension/host/web.ts (the one place the two differ);
// - the bare imports of three libraries are mapped to small browser modules (web-shims/);
// - any other Node.js built-in module fails the build, naming the file that imports it;
// - a Node.js global (process, Buffer, setImmediate, ...) fails the build when our own code uses
//   it, or a library does where no reviewed reason below says why that code never runs here.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fromRoot = (...parts) => path.join(root, ...parts);

export const webBundlePath = fromRoot('dist', 'web', 'extension.js');

const hostFolder = fromRoot('extension', 'host');
const shimFolder = path.join(hostFolder, 'web-shims');

/** Bare imports of libraries in the bundle, and the browser module each gets instead. */
const webShims = {
  // @vscode/debugadapter: ProtocolServer extends EventEmitter; `URL` for file paths.
  events: path.join(shimFolder, 'events.ts'),
  url: path.join(shimFolder, 'url.ts'),
  // kaitai-struct: only for `process: zlib` and legacy text encodings, which crimg.ksy never uses.
  zlib: path.join(shimFolder, 'unavailable.ts'),
  'iconv-lite': path.join(shimFolder, 'unavailable.ts'),
};

const nodeBuiltins = new Set(builtinModules.map((name) => name.replace(/^node:/, '')));

/** Node.js globals a web worker does not have. */
export const nodeGlobals = [
  'process',
  'Buffer',
  'global',
  'setImmediate',
  'clearImmediate',
  '__dirname',
  '__filename',
];

/**
 * Library code that names a Node.js global, with the reason it never runs in the web worker
 * host. A use not listed here (a new library version, a new dependency) fails the build.
 */
export const reviewedGlobalUses = [
  {
    module: 'node_modules/kaitai-struct/KaitaiStream.js',
    global: 'Buffer',
    why: 'only where TextDecoder is missing (Node.js < 11) and in processZlib, which crimg.ksy never uses',
  },
  {
    module: 'node_modules/@vscode/debugadapter/lib/protocol.js',
    global: 'Buffer',
    why: 'the stream transport of an adapter in its own process; the inline adapter passes message objects',
  },
  {
    module: 'node_modules/@vscode/debugadapter/lib/debugSession.js',
    global: 'process',
    why: 'process.exit in shutdown() of a non-inline adapter; process.platform in path conversions, which the crlab session never asks for',
  },
  {
    module: 'node_modules/@bufbuild/protobuf/dist/esm/proto-int64.js',
    global: 'process',
    why: 'behind `typeof process == "object"` (the BUF_BIGINT_DISABLE switch)',
  },
];

/** The esbuild plugin that makes a bundle a web worker one (see the top of this file). */
export const webPlatformPlugin = {
  name: 'crlab-web-platform',
  setup(build) {
    build.onResolve({ filter: /^\.\/node$/ }, (args) =>
      path.dirname(args.importer) === hostFolder
        ? { path: path.join(hostFolder, 'web.ts') }
        : undefined,
    );
    build.onResolve({ filter: /.*/ }, (args) => {
      const shim = Object.hasOwn(webShims, args.path) ? webShims[args.path] : undefined;
      if (shim) return { path: shim };
      const bare = args.path.replace(/^node:/, '');
      if (!args.path.startsWith('node:') && !nodeBuiltins.has(bare)) return undefined;
      return {
        errors: [
          {
            text: `"${args.path}" is a Node.js built-in module, and the web worker extension host has none: reach Node.js only through extension/host (see docs/web-extension.md)`,
          },
        ],
      };
    });
  },
};

/** esbuild options of a web bundle of `entry` (with `overrides`). */
function webOptions(entry, overrides = {}) {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'es2022',
    absWorkingDir: root,
    external: ['vscode'],
    plugins: [webPlatformPlugin],
    logLevel: 'warning',
    ...overrides,
  };
}

/**
 * Every Node.js global the web bundle of `entry` names, with the module naming it (its path
 * from the repository root) and, for a library, the reviewed reason it is harmless (else null).
 * The bundle is built unminified in memory, each global defined as a marker, and each marker
 * attributed to the module esbuild's `// path` comment says it is in.
 */
export async function findNodeGlobals(entry) {
  const marker = '__crlab_node_global__';
  const result = await esbuild.build(
    webOptions(entry, {
      write: false,
      minify: false,
      define: Object.fromEntries(nodeGlobals.map((name) => [name, `${marker}${name}`])),
    }),
  );
  const text = result.outputFiles[0]?.text ?? '';
  const found = new Map();
  let module = '(bundle)';
  for (const line of text.split('\n')) {
    const header = /^\/\/ (\S+)$/.exec(line);
    if (header) module = header[1];
    for (const match of line.matchAll(new RegExp(`${marker}(\\w+)`, 'g'))) {
      const global = match[1];
      const reviewed = module.startsWith('node_modules/')
        ? reviewedGlobalUses.find((use) => use.module === module && use.global === global)
        : undefined;
      found.set(`${module} ${global}`, { module, global, why: reviewed?.why ?? null });
    }
  }
  return [...found.values()];
}

/**
 * Builds dist/web/extension.js (or `outfile` from `entry`), minified, after checking it: rejects
 * when a Node.js built-in module or an unreviewed Node.js global would be in it. Resolves with
 * the bundle's size in bytes.
 */
export async function webExtensionBundle({
  entry = fromRoot('extension', 'extension.ts'),
  outfile = webBundlePath,
} = {}) {
  const globals = await findNodeGlobals(entry);
  const unreviewed = globals.filter((use) => use.why === null);
  if (unreviewed.length > 0) {
    throw new Error(
      `the web bundle may not use Node.js globals (the web worker extension host has none); reach Node.js only through extension/host:\n${unreviewed
        .map((use) => `  ${use.global} in ${use.module}`)
        .join('\n')}`,
    );
  }
  const result = await esbuild.build(
    webOptions(entry, { outfile, minify: true, sourcemap: 'linked', metafile: true }),
  );
  const output = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('.js'));
  return output?.[1].bytes ?? 0;
}
