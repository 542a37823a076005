import * as l10n from '@vscode/l10n';
import type {
  FieldView,
  ImageView,
  ProblemView,
  RecordFieldsView,
  RecordView,
  SignatureState,
} from '../../webview/protocol';
import { fieldControl } from '../image/field-edit';
import {
  indexRecords,
  memoryReader,
  readImage,
  recordFieldTree,
  visibleText,
  type FieldNode,
  type PositionedReader,
  type RecordIndexEntry,
  type SignatureStatus,
} from '../image/index';

/** Images up to this size are read whole and judged by the full reader; larger ones are not. */
export const fullValidationLimit = 64 * 1024 * 1024;

/** Where the model reads an image from: positioned reads, and the whole bytes when small. */
export interface ImageSource {
  readonly size: number;
  readonly read: PositionedReader;
  /**
   * Up to `target.length` bytes from `offset` into `target`, returning how many: a source over a
   * file has it, so that a save reads its chunks into one buffer instead of a new one each (the
   * garbage of 257 new MiB cost a save 14 collections).
   */
  readonly readInto?: (offset: number, target: Uint8Array) => number;
  /** The whole file when it is at most {@link fullValidationLimit} bytes, else null. */
  readonly bytes: Uint8Array | null;
}

/** An image source over bytes in memory. */
export function memorySource(bytes: Uint8Array): ImageSource {
  const whole = bytes.byteLength <= fullValidationLimit ? bytes : null;
  return { size: bytes.byteLength, read: memoryReader(bytes), bytes: whole };
}

/** How far the editor trusts an image's signature, under the keys it holds. */
export type SignatureSummary = SignatureState;

const summaryOfReader: Readonly<Record<SignatureStatus, SignatureSummary>> = {
  none: 'none',
  verified: 'valid',
  unverified: 'unverified',
};

/** Field trees are nested at most this deep in the view (the format's own nesting is 3). */
const maxFieldDepth = 16;

/**
 * @param readOnly why no field may be edited (Restricted Mode), or null: each leaf then gets the
 *   edit control its type allows.
 */
function toFieldView(node: FieldNode, depth: number, readOnly: string | null): FieldView {
  const children = depth < maxFieldDepth ? (node.children ?? []) : [];
  return {
    name: node.name,
    path: node.path,
    type: node.type,
    offset: node.offset,
    size: node.size,
    // What the viewer shows: invisible and reordering characters made visible (raw keeps them).
    value: visibleText(node.display),
    children: children.map((child) => toFieldView(child, depth + 1, readOnly)),
    raw: node.value,
    ...(children.length === 0 && node.children === undefined
      ? { editor: readOnly === null ? fieldControl(node) : { kind: 'readonly', reason: readOnly } }
      : {}),
  };
}

/**
 * One image as the editor sees it: the record index (headers only) and the verdict of the
 * image reader, with field trees parsed per record when the viewer asks for them. Building
 * it never throws on a hostile file: what parsed is shown and the rest becomes problems.
 */
export class ImageModel {
  private readonly entries: readonly RecordIndexEntry[];
  private readonly fieldCache = new Map<number, RecordFieldsView>();

  /** The summary the viewer shows first: records, problems, sizes. */
  readonly view: ImageView;
  /** `valid` when the SIGN MAC verifies under a key held, `invalid` when it does not. */
  readonly signature: SignatureSummary;
  /** How many TASK records the image holds. */
  readonly taskCount: number;

  /**
   * @param keys the keys signatures are verified with, by key id (the lab's machine key).
   * @param readOnly why the image may not be edited (Restricted Mode), or null.
   */
  constructor(
    fileName: string,
    readonly source: ImageSource,
    keys: Readonly<Record<string, Uint8Array>> = {},
    readonly readOnly: string | null = null,
  ) {
    const index = indexRecords(source.read, source.size);
    this.entries = index.entries.filter(
      (entry): entry is RecordIndexEntry => entry.kind === 'record',
    );
    const records: RecordView[] = this.entries.map((entry, position) => ({
      index: position,
      name: entry.name,
      offset: entry.offset,
      size: entry.end - entry.offset,
      parent: entry.parent,
    }));
    const problems: ProblemView[] = [];
    let notice: string | null = null;
    const signed = this.entries.some((entry) => entry.name === 'SIGN');
    this.taskCount = this.entries.filter((entry) => entry.name === 'TASK').length;
    let signature: SignatureSummary = signed ? 'unverified' : 'none';
    if (source.bytes) {
      const verdict = readImage(source.bytes, { keys: { ...keys } });
      if (!verdict.ok) {
        problems.push({ ...verdict.error, message: visibleText(verdict.error.message) });
        if (signed) signature = 'invalid';
      } else {
        signature = summaryOfReader[verdict.signature];
      }
    } else {
      const mib = Math.floor(fullValidationLimit / (1024 * 1024));
      notice = l10n.t(
        'This image is larger than {0} MiB: its record framing was checked, not every field.',
        mib,
      );
    }
    const damage = index.damage;
    // The reader's verdict and the index usually name the same damage: show it once.
    if (damage && !problems.some((p) => p.offset === damage.offset)) {
      problems.push({
        offset: damage.offset,
        field: damage.field,
        errno: damage.errno,
        message: damage.message,
      });
    }
    this.signature = signature;
    this.view = {
      fileName: visibleText(fileName),
      byteLength: source.size,
      records,
      problems,
      notice,
    };
  }

  /** The fields of record `index` (parsed once, then cached), or undefined for no such record. */
  fields(index: number): RecordFieldsView | undefined {
    const cached = this.fieldCache.get(index);
    if (cached) return cached;
    const entry = this.entries[index];
    if (!entry) return undefined;
    let result: RecordFieldsView;
    try {
      const recordBytes = this.source.read(entry.offset, entry.end - entry.offset);
      const tree = recordFieldTree(recordBytes, entry.offset);
      result = {
        index,
        fields: (tree.root.children ?? []).map((node) => toFieldView(node, 0, this.readOnly)),
        error: tree.error,
      };
    } catch (error) {
      // The field tree reports damage itself; this is the last line against a parser bug.
      result = { index, fields: [], error: error instanceof Error ? error.message : String(error) };
    }
    this.fieldCache.set(index, result);
    return result;
  }
}
