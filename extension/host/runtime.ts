/**
 * What the JavaScript runtime the extension was loaded into is, observed rather than assumed:
 * the bundle says which platform it was built with (`host.kind`), this says where it actually
 * runs. The activation line (extension.ts) prints both; the e2e tests read it to prove which
 * extension host ran the code.
 */

/** Where the code runs: Node.js (with its version), a web worker, or another JavaScript host. */
export type RuntimeKind = 'nodejs' | 'web-worker' | 'other';

export interface RuntimeDescription {
  readonly kind: RuntimeKind;
  /** Node.js's version, when `kind` is `nodejs`. */
  readonly nodeVersion: string | null;
}

/** Looks at the global object: Node.js has `process.versions.node`, a worker is a WorkerGlobalScope. */
export function describeRuntime(scope: object = globalThis): RuntimeDescription {
  const probe = scope as {
    process?: { versions?: { node?: unknown } };
    WorkerGlobalScope?: unknown;
  };
  const node = probe.process?.versions?.node;
  if (typeof node === 'string') return { kind: 'nodejs', nodeVersion: node };
  const workerScope = probe.WorkerGlobalScope;
  if (typeof workerScope === 'function' && scope instanceof workerScope)
    return { kind: 'web-worker', nodeVersion: null };
  return { kind: 'other', nodeVersion: null };
}

/**
 * The line the extension logs when it activates: which bundle (`node` or `web`) runs, and in
 * what runtime, e.g. `Checkpoint/Restart Lab: the web bundle is active in a web worker`. VS Code
 * shows it in the extension host's log (and the browser console, for the web worker host).
 */
export function activationLine(bundle: string, runtime = describeRuntime()): string {
  const where =
    runtime.kind === 'nodejs'
      ? `Node.js ${runtime.nodeVersion ?? ''}`.trim()
      : runtime.kind === 'web-worker'
        ? 'a web worker'
        : 'a JavaScript host without Node.js';
  return `Checkpoint/Restart Lab: the ${bundle} bundle is active in ${where}`;
}
