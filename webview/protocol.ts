/**
 * Every message between the extension host and its webviews, typed once and imported by both
 * sides. The host never posts before the webview has said `ready`; both sides check what they
 * receive with the guards below, since a message is just `unknown` data at run time.
 *
 * This module must stay free of DOM and `vscode` imports: the host bundle and the webview bundle
 * both include it.
 */

/** One field of a record, with where its bytes are in the file. */
export interface FieldView {
  /** The field's name as the image format names it, e.g. `euid` or `tasks[2]`. */
  readonly name: string;
  /** Absolute byte offset of the field in the image file. */
  readonly offset: number;
  /** Size of the field in bytes. */
  readonly size: number;
  /** The value as a person reads it (decoded enum or flag names included), or '' for a group. */
  readonly value: string;
  /** Nested fields (array elements, sub-structures); empty for a leaf. */
  readonly children: readonly FieldView[];
}

/** One record of the image's record stream. */
export interface RecordView {
  /** Position in the record stream, from 0. */
  readonly index: number;
  /** The record type's name (`HEAD`, `CRED`, ...) or `type N` for an unknown type. */
  readonly name: string;
  /** Absolute offset of the record header. */
  readonly offset: number;
  /** Header plus payload plus any raw bytes that belong to it (page data after PGARR). */
  readonly size: number;
  /** The header's `parent` (owner vpid or objref). */
  readonly parent: number;
  readonly fields: readonly FieldView[];
}

/** A reason the image is invalid, where it was found. */
export interface ProblemView {
  /** Byte offset the problem is about. */
  readonly offset: number;
  /** `RECORD.field`, e.g. `VMA.vm_end`. */
  readonly field: string;
  /** Errno the kernel's restart would fail with, e.g. `EINVAL`. */
  readonly errno: string;
  readonly message: string;
}

/** What the image editor shows for one file. */
export interface ImageView {
  readonly fileName: string;
  readonly byteLength: number;
  readonly records: readonly RecordView[];
  readonly problems: readonly ProblemView[];
}

/** Settings the image viewer follows (`crlab.imageEditor.*`). */
export interface ImageViewerSettings {
  readonly offsetRadix: 'hex' | 'decimal';
  readonly expandRecordsUpTo: number;
}

/** Host → image viewer: the whole document to show (sent after `ready` and after each change). */
export interface ShowImageMessage {
  readonly type: 'showImage';
  readonly view: ImageView;
  readonly settings: ImageViewerSettings;
}

/** Webview → host: the script is loaded and listening; the host may post now. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** Webview → host: a record was selected (the host uses it to report what is shown). */
export interface RecordSelectedMessage {
  readonly type: 'recordSelected';
  readonly index: number;
}

export type HostToImageViewerMessage = ShowImageMessage;
export type ImageViewerToHostMessage = ReadyMessage | RecordSelectedMessage;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isFieldView(value: unknown, depth: number): value is FieldView {
  return (
    depth < 64 &&
    isObject(value) &&
    typeof value['name'] === 'string' &&
    isNonNegativeInteger(value['offset']) &&
    isNonNegativeInteger(value['size']) &&
    typeof value['value'] === 'string' &&
    Array.isArray(value['children']) &&
    value['children'].every((child) => isFieldView(child, depth + 1))
  );
}

function isRecordView(value: unknown): value is RecordView {
  return (
    isObject(value) &&
    isNonNegativeInteger(value['index']) &&
    typeof value['name'] === 'string' &&
    isNonNegativeInteger(value['offset']) &&
    isNonNegativeInteger(value['size']) &&
    isNonNegativeInteger(value['parent']) &&
    Array.isArray(value['fields']) &&
    value['fields'].every((field) => isFieldView(field, 0))
  );
}

function isProblemView(value: unknown): value is ProblemView {
  return (
    isObject(value) &&
    isNonNegativeInteger(value['offset']) &&
    typeof value['field'] === 'string' &&
    typeof value['errno'] === 'string' &&
    typeof value['message'] === 'string'
  );
}

function isImageView(value: unknown): value is ImageView {
  return (
    isObject(value) &&
    typeof value['fileName'] === 'string' &&
    isNonNegativeInteger(value['byteLength']) &&
    Array.isArray(value['records']) &&
    value['records'].every(isRecordView) &&
    Array.isArray(value['problems']) &&
    value['problems'].every(isProblemView)
  );
}

function isImageViewerSettings(value: unknown): value is ImageViewerSettings {
  return (
    isObject(value) &&
    (value['offsetRadix'] === 'hex' || value['offsetRadix'] === 'decimal') &&
    isNonNegativeInteger(value['expandRecordsUpTo'])
  );
}

/** True when `message` is a well-formed message from the host to the image viewer. */
export function isHostToImageViewerMessage(message: unknown): message is HostToImageViewerMessage {
  return (
    isObject(message) &&
    message['type'] === 'showImage' &&
    isImageView(message['view']) &&
    isImageViewerSettings(message['settings'])
  );
}

/** True when `message` is a well-formed message from the image viewer to the host. */
export function isImageViewerToHostMessage(message: unknown): message is ImageViewerToHostMessage {
  if (!isObject(message)) return false;
  switch (message['type']) {
    case 'ready':
      return true;
    case 'recordSelected':
      return isNonNegativeInteger(message['index']);
    default:
      return false;
  }
}
