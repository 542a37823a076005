/**
 * Every message between the extension host and the CRIU dump viewer (`crlab.criuDump`, a
 * read-only view of a `criu dump` directory), typed once and imported by both sides, with the
 * guards each side checks what it receives with. The image viewer's protocol is
 * `protocol.ts`; this one shares its settings, ready message, byte encoding and limits.
 *
 * No DOM and no `vscode` imports: the host bundle and the webview bundle both include it.
 */
import { maxBytesRequest, type ImageViewerSettings, type ReadyMessage } from './protocol';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isImageViewerSettings(value: unknown): value is ImageViewerSettings {
  return (
    isObject(value) &&
    (value['offsetRadix'] === 'hex' || value['offsetRadix'] === 'decimal') &&
    isNonNegativeInteger(value['expandRecordsUpTo'])
  );
}

/** One row of a CRIU dump's tree (extension/criu/view.ts builds them, as its `DumpNode`). */
export interface CriuNodeView {
  /**
   * Stable across rebuilds of the same dump: `p:4242`, `file:core-4242.img`,
   * `f:mm-4242.img#0:mm_entry.vmas[1].start`.
   */
  readonly key: string;
  readonly label: string;
  readonly value: string;
  readonly type: string;
  /** The file of the dump whose bytes this row shows, or null for a section. */
  readonly file: string | null;
  readonly offset: number;
  readonly size: number;
  /** Its children are sent on request (`criuRequestChildren`). */
  readonly hasChildren: boolean;
  /** False for a field our schema does not describe (shown as such, never dropped). */
  readonly known: boolean;
  /** The first problem in this row's bytes, as one line, or null. */
  readonly problem: string | null;
}

/** A problem of the dump, where it is. */
export interface CriuProblemView {
  readonly file: string;
  readonly offset: number;
  readonly field: string;
  readonly message: string;
}

/** One user's answer to "who may restart this dump?". */
export interface CriuVerdictView {
  readonly user: string;
  readonly uid: number;
  readonly allowed: boolean;
  /** The refusing check's id (`restart.creds.uid`), or null. */
  readonly check: string | null;
  readonly errno: string | null;
  readonly reason: string;
  /** Where in the dump the refused object is, or null. */
  readonly source: {
    readonly file: string;
    readonly offset: number;
    readonly field: string;
  } | null;
}

/** The answer for one world, with what the mapping cannot know. */
export interface CriuMatrixView {
  readonly world: string;
  readonly rows: readonly CriuVerdictView[];
  /** What the mapping dropped or assumed, one line each. */
  readonly notes: readonly string[];
  readonly limits: readonly string[];
  readonly error: string | null;
}

/** What the CRIU viewer shows first. */
export interface CriuDumpView {
  /** The directory's name, as the title. */
  readonly title: string;
  readonly summary: readonly { readonly name: string; readonly value: string }[];
  /** Every file of the directory with its size: the hex view pages through the selected one. */
  readonly files: readonly { readonly name: string; readonly size: number }[];
  readonly problems: readonly CriuProblemView[];
  readonly roots: readonly CriuNodeView[];
  readonly matrix: CriuMatrixView | null;
  /** Counts reloads (the directory changed on disk): bytes of an older one are dropped. */
  readonly version: number;
}

/** Host → CRIU viewer: the dump (after `ready`, and again after the directory changed). */
export interface CriuShowDumpMessage {
  readonly type: 'criuShowDump';
  readonly view: CriuDumpView;
  readonly settings: ImageViewerSettings;
}

/** Host → CRIU viewer: the children of a row. */
export interface CriuChildrenMessage {
  readonly type: 'criuChildren';
  readonly key: string;
  readonly children: readonly CriuNodeView[];
}

/** Host → CRIU viewer: bytes of one file of the dump (base64, see {@link encodeBytes}). */
export interface CriuBytesMessage {
  readonly type: 'criuBytes';
  readonly file: string;
  readonly offset: number;
  readonly data: string;
  readonly version: number;
}

/**
 * Host → CRIU viewer: show the row at the end of `path` (keys from a root down; the children on
 * the way were sent before) and byte `offset` of `file`.
 */
export interface CriuRevealMessage {
  readonly type: 'criuReveal';
  readonly path: readonly string[];
  readonly file: string;
  readonly offset: number;
}

/** CRIU viewer → host: send the children of these rows. */
export interface CriuRequestChildrenMessage {
  readonly type: 'criuRequestChildren';
  readonly keys: readonly string[];
}

/** CRIU viewer → host: send `length` bytes of `file` from `offset`. */
export interface CriuRequestBytesMessage {
  readonly type: 'criuRequestBytes';
  readonly file: string;
  readonly offset: number;
  readonly length: number;
  readonly version: number;
}

/** CRIU viewer → host: which row holds byte `offset` of `file`? (answered by `criuReveal`). */
export interface CriuLocateMessage {
  readonly type: 'criuLocate';
  readonly file: string;
  readonly offset: number;
}

/** CRIU viewer → host: run "Who May Restart This Dump?" for another world (a command). */
export interface CriuAskWorldMessage {
  readonly type: 'criuAskWorld';
}

export type HostToCriuViewerMessage =
  CriuShowDumpMessage | CriuChildrenMessage | CriuBytesMessage | CriuRevealMessage;
export type CriuViewerToHostMessage =
  | ReadyMessage
  | CriuRequestChildrenMessage
  | CriuRequestBytesMessage
  | CriuLocateMessage
  | CriuAskWorldMessage;

/** At most this many rows' children are asked for in one message; keys are at most this long. */
export const maxCriuChildrenRequest = 1000;
const maxCriuKey = 4096;

function isCriuNodeView(value: unknown): value is CriuNodeView {
  return (
    isObject(value) &&
    typeof value['key'] === 'string' &&
    typeof value['label'] === 'string' &&
    typeof value['value'] === 'string' &&
    typeof value['type'] === 'string' &&
    (value['file'] === null || typeof value['file'] === 'string') &&
    isNonNegativeInteger(value['offset']) &&
    isNonNegativeInteger(value['size']) &&
    typeof value['hasChildren'] === 'boolean' &&
    typeof value['known'] === 'boolean' &&
    (value['problem'] === null || typeof value['problem'] === 'string')
  );
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isCriuSource(value: unknown): boolean {
  return (
    value === null ||
    (isObject(value) &&
      typeof value['file'] === 'string' &&
      isNonNegativeInteger(value['offset']) &&
      typeof value['field'] === 'string')
  );
}

function isCriuMatrixView(value: unknown): value is CriuMatrixView {
  return (
    isObject(value) &&
    typeof value['world'] === 'string' &&
    Array.isArray(value['rows']) &&
    value['rows'].every(
      (row) =>
        isObject(row) &&
        typeof row['user'] === 'string' &&
        typeof row['uid'] === 'number' &&
        typeof row['allowed'] === 'boolean' &&
        (row['check'] === null || typeof row['check'] === 'string') &&
        (row['errno'] === null || typeof row['errno'] === 'string') &&
        typeof row['reason'] === 'string' &&
        isCriuSource(row['source']),
    ) &&
    isStringList(value['notes']) &&
    isStringList(value['limits']) &&
    (value['error'] === null || typeof value['error'] === 'string')
  );
}

function isCriuDumpView(value: unknown): value is CriuDumpView {
  return (
    isObject(value) &&
    typeof value['title'] === 'string' &&
    Array.isArray(value['summary']) &&
    value['summary'].every(
      (item) =>
        isObject(item) && typeof item['name'] === 'string' && typeof item['value'] === 'string',
    ) &&
    Array.isArray(value['files']) &&
    value['files'].every(
      (file) =>
        isObject(file) && typeof file['name'] === 'string' && isNonNegativeInteger(file['size']),
    ) &&
    Array.isArray(value['problems']) &&
    value['problems'].every(
      (problem) =>
        isObject(problem) &&
        typeof problem['file'] === 'string' &&
        isNonNegativeInteger(problem['offset']) &&
        typeof problem['field'] === 'string' &&
        typeof problem['message'] === 'string',
    ) &&
    Array.isArray(value['roots']) &&
    value['roots'].every(isCriuNodeView) &&
    (value['matrix'] === null || isCriuMatrixView(value['matrix'])) &&
    isNonNegativeInteger(value['version'])
  );
}

/** True when `message` is a well-formed message from the host to the CRIU viewer. */
export function isHostToCriuViewerMessage(message: unknown): message is HostToCriuViewerMessage {
  if (!isObject(message)) return false;
  switch (message['type']) {
    case 'criuShowDump':
      return isCriuDumpView(message['view']) && isImageViewerSettings(message['settings']);
    case 'criuChildren':
      return (
        typeof message['key'] === 'string' &&
        Array.isArray(message['children']) &&
        message['children'].every(isCriuNodeView)
      );
    case 'criuBytes':
      return (
        typeof message['file'] === 'string' &&
        isNonNegativeInteger(message['offset']) &&
        typeof message['data'] === 'string' &&
        isNonNegativeInteger(message['version'])
      );
    case 'criuReveal':
      return (
        isStringList(message['path']) &&
        typeof message['file'] === 'string' &&
        isNonNegativeInteger(message['offset'])
      );
    default:
      return false;
  }
}

/** True when `message` is a well-formed message from the CRIU viewer to the host. */
export function isCriuViewerToHostMessage(message: unknown): message is CriuViewerToHostMessage {
  if (!isObject(message)) return false;
  const shortName = (value: unknown): boolean =>
    typeof value === 'string' && value.length > 0 && value.length <= maxCriuKey;
  switch (message['type']) {
    case 'ready':
    case 'criuAskWorld':
      return true;
    case 'criuRequestChildren':
      return (
        Array.isArray(message['keys']) &&
        message['keys'].length <= maxCriuChildrenRequest &&
        message['keys'].every(shortName)
      );
    case 'criuRequestBytes':
      return (
        shortName(message['file']) &&
        isNonNegativeInteger(message['offset']) &&
        isNonNegativeInteger(message['length']) &&
        message['length'] <= maxBytesRequest &&
        isNonNegativeInteger(message['version'])
      );
    case 'criuLocate':
      return shortName(message['file']) && isNonNegativeInteger(message['offset']);
    default:
      return false;
  }
}
