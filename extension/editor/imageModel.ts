import type {
  FieldView,
  ImageView,
  ProblemView,
  RecordFieldsView,
  RecordView,
} from '../../webview/protocol';
import {
  indexRecords,
  memoryReader,
  readImage,
  recordFieldTree,
  type FieldNode,
  type RecordIndexEntry,
} from '../image/index';

/** Field trees are nested at most this deep in the view (the format's own nesting is 3). */
const maxFieldDepth = 16;

function toFieldView(node: FieldNode, depth: number): FieldView {
  const children = depth < maxFieldDepth ? (node.children ?? []) : [];
  return {
    name: node.name,
    path: node.path,
    type: node.type,
    offset: node.offset,
    size: node.size,
    value: node.display,
    children: children.map((child) => toFieldView(child, depth + 1)),
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

  constructor(
    fileName: string,
    private readonly bytes: Uint8Array,
  ) {
    const index = indexRecords(memoryReader(bytes), bytes.byteLength);
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
    const verdict = readImage(bytes);
    if (!verdict.ok) problems.push({ ...verdict.error });
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
    this.view = { fileName, byteLength: bytes.byteLength, records, problems, notice: null };
  }

  /** The fields of record `index` (parsed once, then cached), or undefined for no such record. */
  fields(index: number): RecordFieldsView | undefined {
    const cached = this.fieldCache.get(index);
    if (cached) return cached;
    const entry = this.entries[index];
    if (!entry) return undefined;
    let result: RecordFieldsView;
    try {
      const tree = recordFieldTree(this.bytes.subarray(entry.offset, entry.end), entry.offset);
      result = {
        index,
        fields: (tree.root.children ?? []).map((node) => toFieldView(node, 0)),
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
