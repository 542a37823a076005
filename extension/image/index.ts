/**
 * The image format layer's public API: the decoded model, the writer, the reader (the judge
 * of image-format.md), the record index for large files, the per-record field tree for
 * viewers, the lossless JSON codec, the image diff, display helpers and HMAC-SHA256. Pure: bytes in, bytes out, no I/O, no `node:`.
 *
 * @example
 * ```ts
 * const bytes = writeImage(image, { signingKey: { keyId: 'machine', key } });
 * const result = readImage(bytes, { keys: { machine: key } });
 * if (!result.ok) console.log(formatImageError(result.error));
 * ```
 */
import type { ImageError } from './model';

export * from './model';
export {
  ImageEncoder,
  writeImage,
  writeFailedImage,
  PAGES_PER_PGARR,
  type SigningKey,
  type WriteOptions,
} from './writer';
export {
  readImage,
  readImageSlices,
  recordName,
  EXPECTED_KERNEL,
  RECORD_NAMES,
  type ReadOptions,
  type ReadResult,
  type SignatureStatus,
} from './reader';
export {
  indexRecords,
  memoryReader,
  type PositionedReader,
  type RecordIndex,
  type RecordIndexDamage,
  type RecordIndexEntry,
} from './record-index';
export { recordFieldTree, type FieldNode, type RecordFieldTree } from './field-tree';
export {
  CAPABILITY_NAMES,
  FLAG_NAMES,
  capabilityNames,
  displayCapabilities,
  displayOpenFlags,
  flagNames,
  hexValue,
} from './display';
export {
  createHmacSha256,
  createSha256,
  sha256,
  hmacSha256,
  macEquals,
  type IncrementalDigest,
} from './hmac';
export { checkPath, checkText, checkCharArray, decodeUtf8Lossy, isUtf8 } from './text-rules';
export { fromVisibleText, visibleText } from './visible-text';
export {
  decodeImageJson,
  encodeImageJson,
  ImageJsonError,
  IMAGE_JSON_FORMAT,
  IMAGE_JSON_VERSION,
  type ImageJson,
  type JsonField,
  type JsonRecord,
} from './image-json';
export { diffImages, type Difference } from './diff';
export { fromBase64, fromHex, toBase64, toHex } from './byte-text';

/**
 * One line for a person: `EINVAL at 0x1a40 (VMA.vm_end): 0x800000001000 is above TASK_SIZE`.
 */
export function formatImageError(err: ImageError): string {
  return `${err.errno} at 0x${err.offset.toString(16)} (${err.field}): ${err.message}`;
}
