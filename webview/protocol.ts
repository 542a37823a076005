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
  /**
   * The value as stored: a number (u64 below 2^53 included), a string for text, or null for a
   * group. Lets the inspector preset its controls (dropdown, checkboxes). Optional: without it
   * the inspector starts from `value`.
   */
  readonly raw?: number | string | null;
  /**
   * How the inspector may edit this field, decided by the host (which also validates and
   * encodes what is sent back). Optional: without it the inspector guesses from `type`
   * (numbers and text are editable, groups are not).
   */
  readonly editor?: FieldEditor;
}

/** One named value of an enum field. */
export interface EnumOption {
  readonly value: number;
  readonly name: string;
}

/** One named bit of a flags field; `mask` has exactly one bit set. */
export interface FlagBit {
  readonly mask: number;
  readonly name: string;
}

/**
 * The control the inspector shows for a field. What the view sends back in
 * {@link EditFieldMessage.input}: `number` — the text typed (decimal, `0x` hex, or negative);
 * `enum` and `flags` — the chosen number in decimal; `text` — the text itself.
 */
export type FieldEditor =
  | { readonly kind: 'number'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly options: readonly EnumOption[] }
  | { readonly kind: 'flags'; readonly bits: readonly FlagBit[] }
  /** `exact`: the text fills its whole record and must keep its length (the host refuses others). */
  | { readonly kind: 'text'; readonly maxBytes: number; readonly exact: boolean }
  | { readonly kind: 'readonly'; readonly reason: string };

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

/**
 * Whether the image is signed and whether the signature verifies: `none` (no SIGN record),
 * `valid` (the MAC verifies with the machine key), `invalid` (it does not: EBADMSG),
 * `unverified` (signed, but the structure is broken or the image too large to check).
 */
export type SignatureState = 'none' | 'valid' | 'invalid' | 'unverified';

/** What the image editor shows for one file. */
export interface ImageView {
  readonly fileName: string;
  readonly byteLength: number;
  readonly records: readonly RecordView[];
  readonly problems: readonly ProblemView[];
  /** Why some checks were not made (e.g. an image too large to validate whole), or null. */
  readonly notice: string | null;
  /**
   * Counts document changes (edits, undo, redo, revert, reload from disk): every `showImage`
   * after a change carries a larger number, and the view drops fields and bytes of older
   * versions. Optional so a host without editing still works (treated as 0).
   */
  readonly version?: number;
  /** The signature's state for the summary header. Optional (treated as unknown). */
  readonly signature?: SignatureState;
  /** True when the document has unsaved edits (shown in the header). Optional. */
  readonly dirty?: boolean;
}

/** Settings the image viewer follows (`crlab.imageEditor.*`). */
export interface ImageViewerSettings {
  readonly offsetRadix: 'hex' | 'decimal';
  readonly expandRecordsUpTo: number;
}

/**
 * Host → image viewer: the whole document to show. Sent after `ready` and again after every
 * change of the document (edit, undo, redo, revert, save as, file changed on disk), with a
 * larger {@link ImageView.version}.
 */
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

/**
 * Host → image viewer: bytes of the file the viewer asked for with `requestBytes` (the hex view
 * pages through the file; the host reads only this window). `data` is base64 (see
 * {@link encodeBytes}); it is shorter than asked at the end of the file.
 */
export interface BytesMessage {
  readonly type: 'bytes';
  readonly offset: number;
  readonly data: string;
  /** The {@link ImageView.version} the bytes were read from (echoed from the request). */
  readonly version: number;
}

/**
 * Host → image viewer: go to this offset: select the field (or page) that holds it, scroll the
 * tree and hex view to it. Sent e.g. when a Problem in the Problems panel is opened.
 */
export interface SelectOffsetMessage {
  readonly type: 'selectOffset';
  readonly offset: number;
}

/** Host → image viewer: the answer to an `editField`. */
export interface EditResultMessage {
  readonly type: 'editResult';
  /** The `requestId` of the edit this answers. */
  readonly requestId: number;
  /** True when the edit was applied (a new `showImage` follows). */
  readonly ok: boolean;
  /** Why the value was refused (shown under the control), or a short confirmation. */
  readonly message: string;
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

/**
 * Webview → host: send `length` bytes from `offset` (answered by one `bytes` message). The hex
 * view asks only for the rows it shows, at most {@link maxBytesRequest} at a time.
 */
export interface RequestBytesMessage {
  readonly type: 'requestBytes';
  readonly offset: number;
  readonly length: number;
  /** The {@link ImageView.version} the view shows; the host echoes it in `bytes`. */
  readonly version: number;
}

/**
 * Webview → host: the user set a field to a new value in the inspector. The host validates
 * `input` for that field (see {@link FieldEditor} for its form), encodes it, and applies it as
 * an undoable edit; it answers with `editResult` and, when applied, a new `showImage`. The view
 * never writes bytes itself.
 */
export interface EditFieldMessage {
  readonly type: 'editField';
  /** Chosen by the view, echoed in `editResult`. */
  readonly requestId: number;
  readonly recordIndex: number;
  /** {@link FieldView.path}, e.g. `CRED.euid`. */
  readonly fieldPath: string;
  /** {@link FieldView.offset} and {@link FieldView.size}: the bytes the edit replaces. */
  readonly offset: number;
  readonly size: number;
  readonly input: string;
  /** The {@link ImageView.version} the view showed; the host refuses an edit of a stale view. */
  readonly version: number;
}

export type HostToImageViewerMessage =
  ShowImageMessage | RecordFieldsMessage | BytesMessage | SelectOffsetMessage | EditResultMessage;
export type ImageViewerToHostMessage =
  ReadyMessage | RequestFieldsMessage | RequestBytesMessage | EditFieldMessage;

/** At most this many records' fields are asked for in one message. */
export const maxFieldRequest = 1000;

/** At most this many bytes are asked for in one `requestBytes`. */
export const maxBytesRequest = 64 * 1024;

/** An edit's input text is at most this long (a path or label is at most 4096 bytes). */
export const maxEditInput = 8192;

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Bytes as base64, for {@link BytesMessage.data} (no Buffer or btoa: both sides use it). */
export function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const triple = (a << 16) | (b << 8) | c;
    out += base64Alphabet[(triple >> 18) & 63];
    out += base64Alphabet[(triple >> 12) & 63];
    out += i + 1 < bytes.length ? base64Alphabet[(triple >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? base64Alphabet[triple & 63] : '=';
  }
  return out;
}

/** The bytes of a base64 string, or null when it is not base64. */
export function decodeBytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let written = 0;
  for (let i = 0; i < text.length; i += 4) {
    let triple = 0;
    for (let j = 0; j < 4; j++) {
      const char = text[i + j] ?? '';
      const isPad = char === '=' && i + 4 === text.length && j >= 4 - padding;
      const digit = isPad ? 0 : base64Alphabet.indexOf(char);
      if (digit < 0) return null;
      triple = (triple << 6) | digit;
    }
    for (let k = 16; k >= 0 && written < out.length; k -= 8) out[written++] = (triple >> k) & 255;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isFieldEditor(value: unknown): value is FieldEditor {
  if (!isObject(value)) return false;
  switch (value['kind']) {
    case 'number':
      return typeof value['min'] === 'number' && typeof value['max'] === 'number';
    case 'enum':
      return (
        Array.isArray(value['options']) &&
        value['options'].every(
          (option) =>
            isObject(option) &&
            typeof option['value'] === 'number' &&
            typeof option['name'] === 'string',
        )
      );
    case 'flags':
      return (
        Array.isArray(value['bits']) &&
        value['bits'].every(
          (bit) =>
            isObject(bit) && isNonNegativeInteger(bit['mask']) && typeof bit['name'] === 'string',
        )
      );
    case 'text':
      return isNonNegativeInteger(value['maxBytes']) && typeof value['exact'] === 'boolean';
    case 'readonly':
      return typeof value['reason'] === 'string';
    default:
      return false;
  }
}

function isOptionalRaw(value: unknown): boolean {
  return (
    value === undefined || value === null || typeof value === 'number' || typeof value === 'string'
  );
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
    value['children'].every((child) => isFieldView(child, depth + 1)) &&
    isOptionalRaw(value['raw']) &&
    (value['editor'] === undefined || isFieldEditor(value['editor']))
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
    (value['notice'] === null || typeof value['notice'] === 'string') &&
    (value['version'] === undefined || isNonNegativeInteger(value['version'])) &&
    (value['signature'] === undefined || isSignatureState(value['signature'])) &&
    (value['dirty'] === undefined || typeof value['dirty'] === 'boolean')
  );
}

function isSignatureState(value: unknown): value is SignatureState {
  return value === 'none' || value === 'valid' || value === 'invalid' || value === 'unverified';
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
    case 'bytes':
      return (
        isNonNegativeInteger(message['offset']) &&
        typeof message['data'] === 'string' &&
        isNonNegativeInteger(message['version'])
      );
    case 'selectOffset':
      return isNonNegativeInteger(message['offset']);
    case 'editResult':
      return (
        isNonNegativeInteger(message['requestId']) &&
        typeof message['ok'] === 'boolean' &&
        typeof message['message'] === 'string'
      );
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
    case 'requestBytes':
      return (
        isNonNegativeInteger(message['offset']) &&
        isNonNegativeInteger(message['length']) &&
        message['length'] <= maxBytesRequest &&
        isNonNegativeInteger(message['version'])
      );
    case 'editField':
      return (
        isNonNegativeInteger(message['requestId']) &&
        isNonNegativeInteger(message['recordIndex']) &&
        typeof message['fieldPath'] === 'string' &&
        isNonNegativeInteger(message['offset']) &&
        isNonNegativeInteger(message['size']) &&
        typeof message['input'] === 'string' &&
        message['input'].length <= maxEditInput &&
        isNonNegativeInteger(message['version'])
      );
    default:
      return false;
  }
}

// ---- The Checkpoint/Restart panel ------------------------------------------------------------
//
// The host sends the whole lab state after `ready` and after every change (a hidden view that
// comes back gets a full snapshot, never a delta); the panel sends what the person asked for.
// Every string in these views may come from an image or a scenario: the panel sets it with
// textContent only.

/** A task's credentials, capabilities by name. */
export interface LabCredView {
  readonly uid: number;
  readonly euid: number;
  readonly suid: number;
  readonly fsuid: number;
  readonly gid: number;
  readonly egid: number;
  readonly sgid: number;
  readonly fsgid: number;
  readonly groups: readonly number[];
  readonly effective: readonly string[];
  readonly permitted: readonly string[];
  readonly inheritable: readonly string[];
  /** `all` for the full bounding set, else the names. */
  readonly bounding: readonly string[];
  readonly securebits: number;
}

/** An open descriptor: path, access mode, offset. */
export interface LabFdView {
  readonly fd: number;
  readonly path: string;
  /** `r`, `w` or `rw`. */
  readonly mode: string;
  /** The open flags by name, e.g. `O_RDWR | O_APPEND`. */
  readonly flags: string;
  readonly offset: number;
  readonly closeOnExec: boolean;
}

/** A mapping of the address space. */
export interface LabVmaView {
  /** Hex addresses. */
  readonly start: string;
  readonly end: string;
  /** `rw-p`, `r-xs`... as /proc/PID/maps writes them. */
  readonly perms: string;
  readonly file: string | null;
  readonly residentPages: number;
}

export type LabTaskState = 'running' | 'sleeping' | 'stopped' | 'frozen' | 'exited';

export interface LabTaskView {
  /** Root-namespace pid: the handle every message uses. */
  readonly pid: number;
  /** Pids from the root namespace down to the task's own. */
  readonly nsPids: readonly number[];
  readonly ppid: number;
  readonly comm: string;
  readonly exe: string;
  readonly program: string;
  readonly pc: number;
  readonly state: LabTaskState;
  readonly exitCode: number | null;
  /** The user of the real uid. */
  readonly user: string;
  /** The name the session's log calls it by, or null (the lab cannot act on it). */
  readonly name: string | null;
  readonly cred: LabCredView;
  readonly dumpable: boolean;
  readonly label: string | null;
  readonly fds: readonly LabFdView[];
  /** The first mappings (see {@link vmaCount}). */
  readonly vmas: readonly LabVmaView[];
  readonly vmaCount: number;
  readonly vars: readonly { readonly name: string; readonly value: number }[];
  /** Root pid of the init of the task's own pid namespace (1 for the root namespace). */
  readonly namespaceInit: number;
  readonly nsLevel: number;
  readonly nsInit: boolean;
  /** The container's name when the task is the init of one the log created. */
  readonly container: string | null;
}

export interface LabImageView {
  readonly path: string;
  readonly size: number;
  readonly tasks: number | null;
  readonly signature: 'none' | 'valid' | 'invalid' | null;
  readonly problem: string | null;
}

export interface LabSysctlView {
  readonly name: string;
  readonly value: string;
  readonly values: readonly string[];
}

/** Where a check leads when chosen. */
export type LabCheckLink = 'image' | 'line' | null;

export interface LabCheckView {
  readonly id: string;
  readonly models: string;
  readonly subject: string;
  readonly object: string;
  readonly result: 'pass' | 'fail' | 'skip';
  readonly errno: string | null;
  readonly reason: string;
  readonly offset: number | null;
  readonly field: string | null;
  readonly line: number | null;
  readonly link: LabCheckLink;
}

/** One call of the history, in a line. */
export interface LabCallSummaryView {
  readonly id: number;
  readonly call: 'checkpoint' | 'restart';
  readonly statement: string;
  readonly user: string;
  readonly errno: string | null;
  /** The failing check's id, or null when every check passed. */
  readonly deciding: string | null;
}

/** A call with its checks (a history call, or a matrix cell's probe with `probe` set). */
export interface LabCallView extends LabCallSummaryView {
  readonly line: number;
  readonly by: 'script' | 'program' | 'debugger';
  readonly callerPid: number;
  readonly image: string | null;
  readonly flags: string;
  /** Null when not known (a debugging session's call, made in its own kernel). */
  readonly restoreCreds: string | null;
  /** A debugging session's call: the file it debugs (a name); null for the lab's own calls. */
  readonly debugSource: string | null;
  readonly restored: readonly number[];
  readonly checks: readonly LabCheckView[];
  /** Set under `signed`: a signed image can be replayed (kernel.md). */
  readonly replayWarning: string | null;
  /** For a matrix cell: the cell, and the call was only judged. */
  readonly probe: { readonly user: number; readonly mode: number } | null;
}

export interface LabMatrixCellView {
  readonly allowed: boolean;
  readonly errno: string | null;
  readonly check: string | null;
  readonly reason: string;
}

export interface LabMatrixView {
  readonly image: string;
  readonly flags: string;
  readonly users: readonly string[];
  readonly modes: readonly string[];
  /** `cells[user][mode]`. */
  readonly cells: readonly (readonly LabMatrixCellView[])[];
  readonly currentMode: string;
  readonly signature: 'none' | 'valid' | 'invalid' | null;
  readonly replayWarning: string;
}

export interface LabConsoleLineView {
  readonly pid: number;
  readonly comm: string;
  readonly text: string;
}

export interface LabStateView {
  /** Counts states: the panel ignores an older one. */
  readonly version: number;
  /** The scenario the session was loaded from (a file name), or null for the default world. */
  readonly origin: string | null;
  readonly actions: number;
  readonly failedExpectations: number;
  readonly tasks: readonly LabTaskView[];
  readonly images: readonly LabImageView[];
  readonly users: readonly string[];
  readonly sysctls: readonly LabSysctlView[];
  /** The LSM the kernel runs, and the policy lines the lab added to the world. */
  readonly lsm: { readonly name: string; readonly lines: readonly string[] };
  /** The last lines of the console transcript, and how many there are in all. */
  readonly console: readonly LabConsoleLineView[];
  readonly consoleTotal: number;
  readonly history: readonly LabCallSummaryView[];
  /** Calls made by debugging sessions of this window, in their own kernels (not the lab's). */
  readonly debuggerHistory: readonly LabCallSummaryView[];
  /** The call whose checks are shown. */
  readonly call: LabCallView | null;
  readonly matrix: LabMatrixView | null;
  /** What a long operation is doing (a replay), or null. */
  readonly busy: string | null;
}

/** Host → panel: the whole lab state. */
export interface LabStateMessage {
  readonly type: 'labState';
  readonly state: LabStateView;
}

export type LabSection = 'processes' | 'checks' | 'matrix' | 'kernel';

/** Host → panel: bring a section into view (after a call, "Show Security Checks", a matrix). */
export interface LabRevealMessage {
  readonly type: 'reveal';
  readonly section: LabSection;
}

export type HostToLabPanelMessage = LabStateMessage | LabRevealMessage;

/** Actions on the session as a whole; the host asks for what is missing. */
export type LabSessionAction =
  | 'newSession'
  | 'loadScenario'
  | 'spawn'
  | 'restart'
  | 'whoMayRestart'
  | 'saveAsScenario'
  | 'showLog';

/** Actions on one task. */
export type LabTaskAction = 'step' | 'run' | 'freeze' | 'thaw' | 'checkpoint';

export type LabPanelToHostMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'sessionAction'; readonly action: LabSessionAction }
  | { readonly type: 'taskAction'; readonly action: LabTaskAction; readonly pid: number }
  | {
      readonly type: 'imageAction';
      readonly action: 'restart' | 'whoMayRestart' | 'open';
      readonly path: string;
    }
  /** `debugger`: a call of `debuggerHistory` rather than of the lab's history. */
  | { readonly type: 'selectCall'; readonly id: number; readonly debugger?: boolean }
  | { readonly type: 'selectMatrixCell'; readonly user: number; readonly mode: number }
  /** Follow check `index` of the shown call (its image record and field, or its line). */
  | { readonly type: 'openCheck'; readonly index: number }
  | { readonly type: 'exportReport'; readonly format: 'markdown' | 'json' }
  | { readonly type: 'setSysctl'; readonly name: string; readonly value: string }
  /** `lines`: `deny checkpoint domain passwd_t`, `transition exec L to D`... (label only). */
  | {
      readonly type: 'setLsm';
      readonly policy: 'none' | 'dummy' | 'label';
      readonly lines: readonly string[];
    };

/** At most this many LSM rule lines are sent at once, each at most this long. */
export const maxLsmLines = 64;
export const maxLsmLineLength = 256;

const labSessionActions: readonly string[] = [
  'newSession',
  'loadScenario',
  'spawn',
  'restart',
  'whoMayRestart',
  'saveAsScenario',
  'showLog',
];
const labTaskActions: readonly string[] = ['step', 'run', 'freeze', 'thaw', 'checkpoint'];

function isShortString(value: unknown, max = 4096): value is string {
  return typeof value === 'string' && value.length <= max;
}

/** True when `message` is a well-formed message from the panel to the host. */
export function isLabPanelToHostMessage(message: unknown): message is LabPanelToHostMessage {
  if (!isObject(message)) return false;
  switch (message['type']) {
    case 'ready':
      return true;
    case 'sessionAction':
      return labSessionActions.includes(String(message['action']));
    case 'taskAction':
      return (
        labTaskActions.includes(String(message['action'])) && isNonNegativeInteger(message['pid'])
      );
    case 'imageAction':
      return (
        (message['action'] === 'restart' ||
          message['action'] === 'whoMayRestart' ||
          message['action'] === 'open') &&
        isShortString(message['path']) &&
        message['path'].startsWith('/')
      );
    case 'selectCall':
      return (
        isNonNegativeInteger(message['id']) &&
        (message['debugger'] === undefined || typeof message['debugger'] === 'boolean')
      );
    case 'selectMatrixCell':
      return isNonNegativeInteger(message['user']) && isNonNegativeInteger(message['mode']);
    case 'openCheck':
      return isNonNegativeInteger(message['index']);
    case 'exportReport':
      return message['format'] === 'markdown' || message['format'] === 'json';
    case 'setSysctl':
      return isShortString(message['name'], 64) && isShortString(message['value'], 64);
    case 'setLsm':
      return (
        (message['policy'] === 'none' ||
          message['policy'] === 'dummy' ||
          message['policy'] === 'label') &&
        Array.isArray(message['lines']) &&
        message['lines'].length <= maxLsmLines &&
        message['lines'].every((line) => isShortString(line, maxLsmLineLength))
      );
    default:
      return false;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isLabTaskView(value: unknown): value is LabTaskView {
  return (
    isObject(value) &&
    isNonNegativeInteger(value['pid']) &&
    Array.isArray(value['nsPids']) &&
    typeof value['comm'] === 'string' &&
    typeof value['exe'] === 'string' &&
    typeof value['state'] === 'string' &&
    typeof value['user'] === 'string' &&
    (value['name'] === null || typeof value['name'] === 'string') &&
    isObject(value['cred']) &&
    isStringArray(value['cred']['effective']) &&
    Array.isArray(value['fds']) &&
    Array.isArray(value['vmas']) &&
    Array.isArray(value['vars'])
  );
}

function isLabCheckView(value: unknown): value is LabCheckView {
  return (
    isObject(value) &&
    typeof value['id'] === 'string' &&
    typeof value['models'] === 'string' &&
    typeof value['subject'] === 'string' &&
    typeof value['object'] === 'string' &&
    (value['result'] === 'pass' || value['result'] === 'fail' || value['result'] === 'skip') &&
    (value['errno'] === null || typeof value['errno'] === 'string') &&
    typeof value['reason'] === 'string'
  );
}

function isLabCallView(value: unknown): value is LabCallView {
  return (
    isObject(value) &&
    isNonNegativeInteger(value['id']) &&
    typeof value['statement'] === 'string' &&
    Array.isArray(value['checks']) &&
    value['checks'].every(isLabCheckView)
  );
}

function isLabStateView(value: unknown): value is LabStateView {
  return (
    isObject(value) &&
    isNonNegativeInteger(value['version']) &&
    Array.isArray(value['tasks']) &&
    value['tasks'].every(isLabTaskView) &&
    Array.isArray(value['images']) &&
    isStringArray(value['users']) &&
    Array.isArray(value['sysctls']) &&
    isObject(value['lsm']) &&
    Array.isArray(value['console']) &&
    Array.isArray(value['history']) &&
    Array.isArray(value['debuggerHistory']) &&
    (value['call'] === null || isLabCallView(value['call'])) &&
    (value['matrix'] === null || isObject(value['matrix'])) &&
    (value['busy'] === null || typeof value['busy'] === 'string')
  );
}

/** True when `message` is a well-formed message from the host to the panel. */
export function isHostToLabPanelMessage(message: unknown): message is HostToLabPanelMessage {
  if (!isObject(message)) return false;
  switch (message['type']) {
    case 'labState':
      return isLabStateView(message['state']);
    case 'reveal':
      return (
        message['section'] === 'processes' ||
        message['section'] === 'checks' ||
        message['section'] === 'matrix' ||
        message['section'] === 'kernel'
      );
    default:
      return false;
  }
}
