/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for signing and verifying images, from
 * `@noble/hashes`: an audited implementation with no dependencies that runs unchanged in Node, a
 * browser and a webview (no `node:crypto`). This module only adapts it to the image layer's
 * shapes; the one piece of our own is {@link macEquals}, the comparison of a MAC read from an image
 * with the one computed.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** An incremental hash or MAC: feed any number of chunks, then `digest()` once. */
export interface IncrementalDigest {
  update(data: Uint8Array): IncrementalDigest;
  digest(): Uint8Array;
}

/** An incremental SHA-256. */
export function createSha256(): IncrementalDigest {
  return nobleSha256.create();
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/**
 * An incremental HMAC-SHA256 under `key`: what streams a large image's prefix through the MAC
 * without holding it whole (extension/image/resign.ts).
 */
export function createHmacSha256(key: Uint8Array): IncrementalDigest {
  return hmac.create(nobleSha256, key);
}

/** An incremental SHA-256 as a class: `new Sha256().update(a).update(b).digest()`. */
export class Sha256 {
  private readonly hash = createSha256();

  update(data: Uint8Array): this {
    this.hash.update(data);
    return this;
  }

  digest(): Uint8Array {
    return this.hash.digest();
  }
}

/** An incremental HMAC-SHA256 as a class: feed the message in chunks, then `digest()` once. */
export class HmacSha256 {
  private readonly mac: IncrementalDigest;

  constructor(key: Uint8Array) {
    this.mac = createHmacSha256(key);
  }

  update(data: Uint8Array): this {
    this.mac.update(data);
    return this;
  }

  digest(): Uint8Array {
    return this.mac.digest();
  }
}

/** HMAC-SHA256 of the concatenation of `chunks` under `key`. */
export function hmacSha256(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  const mac = createHmacSha256(key);
  for (const chunk of chunks) mac.update(chunk);
  return mac.digest();
}

/**
 * Compares two MACs in constant time for a given length: every byte is looked at whatever the
 * first difference, so how long a comparison takes says nothing about how much of a forged MAC
 * was right. Lengths are public (a SIGN record's `sig_len`), so a length mismatch returns at once.
 */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
