/**
 * The web worker extension host's platform (see platform.ts): no file system of its own (files
 * come whole through `vscode.workspace.fs`) and no `setImmediate`. Only dist/web/extension.js
 * contains it: the build puts it where `node.ts` is imported.
 */
import type { HostPlatform } from './platform';

/** The part of a browser's `MessageChannel` used here (the type checker sees Node's types). */
interface BrowserMessageChannel {
  readonly port1: { onmessage: (() => void) | null; close(): void };
  readonly port2: { postMessage(message: null): void };
}
const { MessageChannel } = globalThis as unknown as {
  MessageChannel: new () => BrowserMessageChannel;
};

/** Work waiting for its turn, in order; one message on the channel runs one of them. */
const waiting: (() => void)[] = [];
let channel: BrowserMessageChannel | null = null;

/** Runs the first waiting work; closes the channel once none is left (nothing stays open). */
function runNext(): void {
  const work = waiting.shift();
  if (waiting.length === 0) {
    channel?.port1.close();
    channel = null;
  }
  work?.();
}

/**
 * A message to ourselves comes after the messages already queued and is not clamped as nested
 * `setTimeout(0)` calls are (to 4 ms each), which would slow a run sliced into thousands of turns.
 */
function nextTurn(work: () => void): void {
  if (channel === null) {
    channel = new MessageChannel();
    channel.port1.onmessage = runNext;
  }
  waiting.push(work);
  channel.port2.postMessage(null);
}

export const host: HostPlatform = { kind: 'web', localFiles: null, nextTurn };
