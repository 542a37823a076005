/**
 * The one door through which a webview's messages reach the host. A webview is a page that shows
 * hostile text (an image's comm, paths and labels); were a script ever to run in it, its messages
 * are all it could use against the host. So every message is checked with the type guard declared
 * beside its type in webview/protocol.ts, and one that does not pass is dropped and logged (briefly,
 * and at most a few times a minute per view), never acted on.
 *
 * No `vscode` import: the log is a function, so this is tested in plain Node.
 */

/** Where dropped messages are reported (a LogOutputChannel's `warn` in the extension). */
export type GateLog = (line: string) => void;

/** How many drops a gate reports per minute before it only counts them. */
export const maxReportsPerMinute = 10;

const summaryLength = 80;

/** A short, safe description of whatever arrived: its type tag and shape, never its contents. */
export function describeMessage(message: unknown): string {
  try {
    return shapeOf(message);
  } catch {
    return 'an object that cannot be read';
  }
}

function shapeOf(message: unknown): string {
  if (message === null) return 'null';
  if (Array.isArray(message)) return `an array of ${message.length}`;
  if (typeof message !== 'object') return `a ${typeof message}`;
  const record = message as Record<string, unknown>;
  const type = record['type'];
  const keys = Object.keys(record).slice(0, 8).join(', ');
  const tag =
    typeof type === 'string'
      ? JSON.stringify(type.length > summaryLength ? `${type.slice(0, summaryLength)}…` : type)
      : `a ${type === null ? 'null' : typeof type}`;
  return `type ${tag} with {${keys.length > summaryLength ? `${keys.slice(0, summaryLength)}…` : keys}}`;
}

/**
 * A message handler for `webview.onDidReceiveMessage`: passes messages that `guard` accepts to
 * `handle`, drops the rest with a line in `log` naming the surface.
 */
export function messageGate<T>(
  surface: string,
  guard: (message: unknown) => message is T,
  handle: (message: T) => void,
  log: GateLog,
  now: () => number = Date.now,
): (message: unknown) => void {
  let windowStart = -Infinity;
  let reported = 0;
  let silenced = 0;
  return (message: unknown): void => {
    let valid: boolean;
    try {
      valid = guard(message);
    } catch {
      // A guard that throws (a getter, a proxy) has not accepted the message.
      valid = false;
    }
    if (valid) {
      handle(message as T);
      return;
    }
    const time = now();
    if (time - windowStart >= 60_000) {
      if (silenced > 0)
        log(`${surface}: ${silenced} more malformed messages were dropped without a report`);
      windowStart = time;
      reported = 0;
      silenced = 0;
    }
    if (reported < maxReportsPerMinute) {
      reported++;
      log(`${surface}: dropped a malformed message (${describeMessage(message)})`);
    } else {
      silenced++;
    }
  };
}
