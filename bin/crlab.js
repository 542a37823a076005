#!/usr/bin/env node
// The `crlab` command: a shim over the esbuild bundle of extension/cli/main.ts (npm run build).
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS bin by design
process.exitCode = require('../dist/cli.js').main(process.argv.slice(2));
