/**
 * The platform the extension runs on (see platform.ts). This module exports the Node.js one; in
 * the web bundle the build replaces `./node` by `./web`, so code that imports `host` from here
 * gets the right one in either bundle and never names a Node built-in itself.
 */
export { host } from './node';
export type { HostKind, HostPlatform, LocalFile, LocalFiles } from './platform';
