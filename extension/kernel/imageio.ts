/**
 * The kernel's only door to the image layer: encode a decoded image (signing it with the
 * machine key when asked) and judge bytes with the machine key as the one key the kernel holds.
 * The key goes to the HMAC and nowhere else.
 */
import type { CheckpointImage, ReadResult } from '../image/index';
import { ImageEncoder, readImage, readImageSlices } from '../image/index';

/** The key id of the machine's sealed key in SIGN records. */
export const MACHINE_KEY_ID = 'machine';

/**
 * Encodes a decoded image (signing it with the machine key when one is given), a slice at a
 * time: concatenated, the slices are writeImage's bytes (see ImageEncoder).
 */
export function imageEncoder(image: CheckpointImage, signingKey: Uint8Array | null): ImageEncoder {
  return signingKey === null
    ? new ImageEncoder(image)
    : new ImageEncoder(image, { signingKey: { keyId: MACHINE_KEY_ID, key: signingKey } });
}

/** {@link decodeImage} a slice at a time (see readImageSlices): yields the offset judged. */
export function decodeImageSlices(
  bytes: Uint8Array,
  machineKey: Uint8Array,
): Generator<number, ReadResult, void> {
  return readImageSlices(bytes, { keys: { [MACHINE_KEY_ID]: machineKey }, pageRuns: true });
}

/**
 * Judges an image as the kernel does. Its pages come a PGARR at a time (`VmaRecord.pageRuns`):
 * a restart keeps them where they are, with no object per page.
 */
export function decodeImage(bytes: Uint8Array, machineKey: Uint8Array): ReadResult {
  return readImage(bytes, { keys: { [MACHINE_KEY_ID]: machineKey }, pageRuns: true });
}

export type { ImageEncoder, ReadResult };
