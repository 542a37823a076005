/**
 * `url` in the web bundle: `@vscode/debugadapter` imports it for `URL`, which a web worker has
 * as a global. The build maps the bare `url` import here.
 */
export const { URL, URLSearchParams } = globalThis;
