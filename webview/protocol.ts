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
  /** The name errors use, e.g. `CRED.euid`, `TREE.tasks[2].nspid`, `hdr.len`. */
  readonly path: string;
  /** The format's type of the field, e.g. `u32`, `char[64]`, `enum VmaType`. */
  readonly type: string;
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

/** The fields of one record, parsed when the viewer first shows them. */
export interface RecordFieldsView {
  readonly index: number;
  readonly fields: readonly FieldView[];
  /** What stopped the parse of a damaged record (the fields before it are listed), or null. */
  readonly error: string | null;
}

/** What the image editor shows for one file. */
export interface ImageView {
  readonly fileName: string;
  readonly byteLength: number;
  readonly records: readonly RecordView[];
  readonly problems: readonly ProblemView[];
  /** Why some checks were not made (e.g. an image too large to validate whole), or null. */
  readonly notice: string | null;
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

/** Host → image viewer: the fields of a record the viewer asked for. */
export interface RecordFieldsMessage {
  readonly type: 'recordFields';
  readonly fields: RecordFieldsView;
}

/** Webview → host: the script is loaded and listening; the host may post now. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** Webview → host: send the fields of these records (they are being expanded). */
export interface RequestFieldsMessage {
  readonly type: 'requestFields';
  readonly indexes: readonly number[];
}

export type HostToImageViewerMessage = ShowImageMessage | RecordFieldsMessage;
export type ImageViewerToHostMessage = ReadyMessage | RequestFieldsMessage;

/** At most this many records' fields are asked for in one message. */
export const maxFieldRequest = 1000;

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
    typeof value['path'] === 'string' &&
    typeof value['type'] === 'string' &&
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
    isNonNegativeInteger(value['parent'])
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
    value['problems'].every(isProblemView) &&
    (value['notice'] === null || typeof value['notice'] === 'string')
  );
}

function isImageViewerSettings(value: unknown): value is ImageViewerSettings {
  return (
    isObject(value) &&
    (value['offsetRadix'] === 'hex' || value['offsetRadix'] === 'decimal') &&
    isNonNegativeInteger(value['expandRecordsUpTo'])
  );
}

function isRecordFieldsView(value: unknown): value is RecordFieldsView {
  return (
    isObject(value) &&
    isNonNegativeInteger(value['index']) &&
    Array.isArray(value['fields']) &&
    value['fields'].every((field) => isFieldView(field, 0)) &&
    (value['error'] === null || typeof value['error'] === 'string')
  );
}

/** True when `message` is a well-formed message from the host to the image viewer. */
export function isHostToImageViewerMessage(message: unknown): message is HostToImageViewerMessage {
  if (!isObject(message)) return false;
  switch (message['type']) {
    case 'showImage':
      return isImageView(message['view']) && isImageViewerSettings(message['settings']);
    case 'recordFields':
      return isRecordFieldsView(message['fields']);
    default:
      return false;
  }
}

/** True when `message` is a well-formed message from the image viewer to the host. */
export function isImageViewerToHostMessage(message: unknown): message is ImageViewerToHostMessage {
  if (!isObject(message)) return false;
  switch (message['type']) {
    case 'ready':
      return true;
    case 'requestFields':
      return (
        Array.isArray(message['indexes']) &&
        message['indexes'].length <= maxFieldRequest &&
        message['indexes'].every(isNonNegativeInteger)
      );
    default:
      return false;
  }
}
