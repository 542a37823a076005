// Builds everything the extension, the CLI and the tests need:
//   1. the Kaitai Struct parser generated from extension/image/crimg.ksy (scripts/build-ksy.mjs);
//   2. the esbuild bundles (extension host, CLI, webviews) into dist/.
// `--ksy-only` stops after step 1 (unit tests run the TypeScript sources directly).
import { buildKsy } from './build-ksy.mjs';

const ksyOnly = process.argv.includes('--ksy-only');

await buildKsy();
if (!ksyOnly) {
  const { buildBundles } = await import('./build-bundles.mjs');
  await buildBundles();
}
