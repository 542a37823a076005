/**
 * The images the fuzzer mutates: every example image (examples/images), the image layer's test
 * fixtures, and the images the editor's browser tests open (one task, hostile text). For each,
 * its records and its fields as the field tree names them, so that mutations can aim at record
 * boundaries, fields, counts, lengths and parents.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  indexRecords,
  memoryReader,
  recordFieldTree,
  writeFailedImage,
  writeImage,
  type FieldNode,
  type RecordIndexEntry,
} from '../../extension/image/index';
import { hostileImage, oneTaskImage } from '../e2e/fixtureImages';
import {
  MACHINE_KEY,
  containerImage,
  head,
  sampleImage,
  signedImage,
} from '../unit/image/fixtures';

/** The repository (a bundled worker runs from elsewhere and is told where it is). */
export const REPO_ROOT = process.env['CRLAB_FUZZ_ROOT'] ?? path.join(__dirname, '..', '..');

/** The default world's machine key (kernel.md), with which signed images are re-signed. */
export const MACHINE = MACHINE_KEY;

/** One leaf field of a base image: where it is, how wide, and what the format calls it. */
export interface BaseField {
  readonly record: number;
  readonly path: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

/** One image the fuzzer starts from. */
export interface BaseImage {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The image has a SIGN record: its mutants are re-signed with the machine key. */
  readonly signed: boolean;
  readonly records: readonly RecordIndexEntry[];
  /** Every leaf field, in stream order (page contents excluded: they are plain data). */
  readonly fields: readonly BaseField[];
  /** The fields that count or size what follows (`nr_tasks`, `ngroups`, `hdr.len`, ...). */
  readonly counts: readonly BaseField[];
  /** The `hdr.parent` fields. */
  readonly parents: readonly BaseField[];
  /** The text fields (STRING, FNAME, SECURITY, char arrays). */
  readonly texts: readonly BaseField[];
  /** PGARR records followed by page data. */
  readonly pageArrays: readonly RecordIndexEntry[];
}

const COUNT_FIELD =
  /(^hdr\.len$|\.nr_tasks$|\.ngroups$|\.map_count$|\.nfds$|\.nr_pages$|\.task_comm_len$|\.key_id_len$|\.sig_len$)/;

function leaves(node: FieldNode, into: FieldNode[]): void {
  if (node.children === undefined || node.children.length === 0) into.push(node);
  else for (const child of node.children) leaves(child, into);
}

/** Describes `bytes` (a valid image) as a base for mutation. */
export function describeBase(name: string, bytes: Uint8Array): BaseImage {
  const index = indexRecords(memoryReader(bytes), bytes.length);
  if (index.damage) throw new Error(`fuzz base ${name} is damaged: ${index.damage.message}`);
  const records = index.entries.filter(
    (entry): entry is RecordIndexEntry => entry.kind === 'record',
  );
  const fields: BaseField[] = [];
  records.forEach((entry, record) => {
    const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
    const nodes: FieldNode[] = [];
    leaves(tree.root, nodes);
    for (const node of nodes) {
      if (node.size === 0 || /^pages\[|\.pages\[/.test(node.path)) continue;
      fields.push({
        record,
        path: node.path,
        type: node.type,
        offset: node.offset,
        size: node.size,
      });
    }
  });
  // Tampered examples count too: their MAC is wrong, re-signing makes it right again.
  const signed = records.some((entry) => entry.name === 'SIGN');
  return {
    name,
    bytes,
    signed,
    records,
    fields,
    counts: fields.filter((field) => COUNT_FIELD.test(field.path)),
    parents: fields.filter((field) => field.path === 'hdr.parent'),
    texts: fields.filter((field) => field.type.startsWith('char[') || field.type === 'str'),
    pageArrays: records.filter((entry) => (entry.pageCount ?? 0) > 0),
  };
}

let cached: readonly BaseImage[] | null = null;

/** Every base image, in a fixed order (the order is part of what a seed reproduces). */
export function baseImages(): readonly BaseImage[] {
  if (cached) return cached;
  const examples = path.join(REPO_ROOT, 'examples', 'images');
  const bases: BaseImage[] = readdirSync(examples)
    .filter((file) => file.endsWith('.crimg'))
    .sort()
    .map((file) =>
      describeBase(
        `examples/images/${file}`,
        new Uint8Array(readFileSync(path.join(examples, file))),
      ),
    );
  const signing = { signingKey: { keyId: 'machine', key: MACHINE } };
  bases.push(
    describeBase('fixture:sample', writeImage(sampleImage())),
    describeBase('fixture:container', writeImage(containerImage())),
    describeBase('fixture:signed', writeImage(signedImage(), signing)),
    describeBase('fixture:failed', writeFailedImage(head(), 'checkpoint failed: EBUSY')),
    describeBase('e2e:one-task', writeImage(oneTaskImage())),
    describeBase('e2e:hostile', writeImage(hostileImage())),
  );
  cached = bases;
  return bases;
}
