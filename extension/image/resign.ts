/**
 * Re-signing an image in place: the new HMAC-SHA256 of its SIGN record, computed over the bytes
 * before the signature (image-format.md, SIGN) with positioned reads, so that an editor can
 * re-sign a large image without holding it whole and can apply the result as an ordinary edit.
 *
 * Pure: no I/O, no `node:`.
 */
import { recordFieldTree, type FieldNode } from './field-tree';
import { createHmacSha256 } from './hmac';
import { indexRecords, type PositionedReader, type RecordIndexEntry } from './record-index';

/** Where an image's signature is and the key id it names. */
export interface SignatureSlot {
  /** Absolute offset of `SIGN.sig`, the first byte the MAC does not cover. */
  readonly offset: number;
  readonly size: number;
  readonly keyId: string;
}

/** The bytes to write at `slot.offset`, or why the image cannot be signed. */
export type ResignResult =
  | { readonly ok: true; readonly slot: SignatureSlot; readonly signature: Uint8Array }
  | { readonly ok: false; readonly message: string };

const CHUNK = 1 << 20;

function findField(nodes: readonly FieldNode[], path: string): FieldNode | undefined {
  return nodes.find((node) => node.path === path);
}

/** The SIGN record's signature field, or why there is none to fill. */
export function findSignatureSlot(
  read: PositionedReader,
  size: number,
): SignatureSlot | { readonly message: string } {
  const index = indexRecords(read, size);
  const sign = index.entries.find(
    (entry): entry is RecordIndexEntry => entry.kind === 'record' && entry.name === 'SIGN',
  );
  if (!sign) {
    return {
      message: index.damage
        ? `the image has no readable SIGN record (${index.damage.message})`
        : 'the image has no SIGN record: set HEAD.flags SIGNED when checkpointing to sign it',
    };
  }
  const tree = recordFieldTree(read(sign.offset, sign.end - sign.offset), sign.offset);
  const fields = tree.root.children ?? [];
  const sig = findField(fields, 'SIGN.sig');
  const keyId = findField(fields, 'SIGN.key_id');
  if (!sig || tree.error !== null)
    return { message: `the SIGN record is damaged: ${tree.error ?? 'no sig'}` };
  if (sig.size !== 32)
    return { message: `SIGN.sig is ${sig.size} bytes, not the 32 of HMAC-SHA256` };
  return {
    offset: sig.offset,
    size: sig.size,
    keyId: typeof keyId?.value === 'string' ? keyId.value : '',
  };
}

/** HMAC-SHA256 under `key` of bytes `[0, end)` read in chunks. */
export function hmacOfPrefix(read: PositionedReader, end: number, key: Uint8Array): Uint8Array {
  const mac = createHmacSha256(key);
  for (let offset = 0; offset < end; offset += CHUNK) {
    const chunk = read(offset, Math.min(CHUNK, end - offset));
    mac.update(chunk);
    if (chunk.length === 0) break;
  }
  return mac.digest();
}

/**
 * The signature `key` gives the image as it reads now. The key id the record names is kept:
 * the caller decides whether `key` is the key that id stands for.
 */
export function resignImage(read: PositionedReader, size: number, key: Uint8Array): ResignResult {
  const slot = findSignatureSlot(read, size);
  if ('message' in slot) return { ok: false, message: slot.message };
  return { ok: true, slot, signature: hmacOfPrefix(read, slot.offset, key) };
}
