/**
 * The in-VS-Code test entry for Restricted Mode (run-vscode-tests.mjs --restricted): the same
 * runner, over the tests of this folder only.
 */
export { run } from '../index';
