// Types of scripts/build-web.mjs for the TypeScript tests that import it.
import type { Plugin } from 'esbuild';

/** Where the web extension bundle is written: dist/web/extension.js. */
export const webBundlePath: string;
/** The Node.js globals the check looks for. */
export const nodeGlobals: readonly string[];
/** Library uses of Node.js globals, each with the reason it never runs in the web worker. */
export const reviewedGlobalUses: readonly { module: string; global: string; why: string }[];
/** Swaps extension/host/node.ts for web.ts, maps three library imports, refuses Node built-ins. */
export const webPlatformPlugin: Plugin;
/** Every Node.js global the web bundle of `entry` names, by module; `why` is null when unreviewed. */
export function findNodeGlobals(
  entry: string,
): Promise<{ module: string; global: string; why: string | null }[]>;
/** Checks and builds a web bundle; resolves with its size in bytes. */
export function webExtensionBundle(options?: { entry?: string; outfile?: string }): Promise<number>;
