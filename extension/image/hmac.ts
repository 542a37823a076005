/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) in plain TypeScript, so that signing and
 * verifying images needs no `node:crypto` and runs unchanged in a webview.
 */

const ROUND_CONSTANTS = Uint32Array.of(
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
);

const INITIAL_STATE = Uint32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

const BLOCK_SIZE = 64;

/** An incremental SHA-256: feed any number of chunks, then `digest()` once. */
export class Sha256 {
  private readonly state = Uint32Array.from(INITIAL_STATE);
  private readonly block = new Uint8Array(BLOCK_SIZE);
  private readonly schedule = new Uint32Array(64);
  private blockFill = 0;
  private totalBytes = 0;
  private finished = false;

  /** Adds bytes to the message. */
  update(data: Uint8Array): this {
    if (this.finished) throw new Error('Sha256: update after digest');
    let pos = 0;
    this.totalBytes += data.length;
    if (this.blockFill > 0) {
      const take = Math.min(BLOCK_SIZE - this.blockFill, data.length);
      this.block.set(data.subarray(0, take), this.blockFill);
      this.blockFill += take;
      pos = take;
      if (this.blockFill === BLOCK_SIZE) {
        this.compress(this.block, 0);
        this.blockFill = 0;
      }
    }
    // Whole blocks straight from the input: no copy for the bulk of a large image.
    while (data.length - pos >= BLOCK_SIZE) {
      this.compress(data, pos);
      pos += BLOCK_SIZE;
    }
    if (pos < data.length) {
      this.block.set(data.subarray(pos), 0);
      this.blockFill = data.length - pos;
    }
    return this;
  }

  /** Finishes the hash and returns the 32-byte digest. */
  digest(): Uint8Array {
    if (this.finished) throw new Error('Sha256: digest called twice');
    const bitLength = this.totalBytes * 8;
    const padding = new Uint8Array(
      (this.blockFill < 56 ? 56 - this.blockFill : 120 - this.blockFill) + 8,
    );
    padding[0] = 0x80;
    const view = new DataView(padding.buffer);
    // The message length in bits as a big-endian u64; exact below 2^53.
    view.setUint32(padding.length - 8, Math.floor(bitLength / 0x1_0000_0000));
    view.setUint32(padding.length - 4, bitLength >>> 0);
    this.update(padding);
    this.finished = true;
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setUint32(i * 4, this.state[i] ?? 0);
    return out;
  }

  private compress(data: Uint8Array, at: number): void {
    const w = this.schedule;
    for (let i = 0; i < 16; i++) {
      const p = at + i * 4;
      w[i] =
        (((data[p] ?? 0) << 24) |
          ((data[p + 1] ?? 0) << 16) |
          ((data[p + 2] ?? 0) << 8) |
          (data[p + 3] ?? 0)) >>>
        0;
    }
    for (let i = 16; i < 64; i++) {
      const w15 = w[i - 15] ?? 0;
      const w2 = w[i - 2] ?? 0;
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      w[i] = ((w[i - 16] ?? 0) + s0 + (w[i - 7] ?? 0) + s1) >>> 0;
    }
    const s = this.state;
    let a = s[0] ?? 0;
    let b = s[1] ?? 0;
    let c = s[2] ?? 0;
    let d = s[3] ?? 0;
    let e = s[4] ?? 0;
    let f = s[5] ?? 0;
    let g = s[6] ?? 0;
    let h = s[7] ?? 0;
    for (let i = 0; i < 64; i++) {
      const sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const choice = (e & f) ^ (~e & g);
      const t1 = (h + sum1 + choice + (ROUND_CONSTANTS[i] ?? 0) + (w[i] ?? 0)) >>> 0;
      const sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (sum0 + majority) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    s[0] = ((s[0] ?? 0) + a) >>> 0;
    s[1] = ((s[1] ?? 0) + b) >>> 0;
    s[2] = ((s[2] ?? 0) + c) >>> 0;
    s[3] = ((s[3] ?? 0) + d) >>> 0;
    s[4] = ((s[4] ?? 0) + e) >>> 0;
    s[5] = ((s[5] ?? 0) + f) >>> 0;
    s[6] = ((s[6] ?? 0) + g) >>> 0;
    s[7] = ((s[7] ?? 0) + h) >>> 0;
  }
}

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}

/** An incremental HMAC-SHA256: feed the message in any number of chunks, then `digest()` once. */
export class HmacSha256 {
  private readonly inner = new Sha256();
  private readonly outerPad: Uint8Array;

  constructor(key: Uint8Array) {
    const blockKey = new Uint8Array(BLOCK_SIZE);
    blockKey.set(key.length > BLOCK_SIZE ? sha256(key) : key);
    this.inner.update(blockKey.map((byte) => byte ^ 0x36));
    this.outerPad = blockKey.map((byte) => byte ^ 0x5c);
  }

  update(data: Uint8Array): this {
    this.inner.update(data);
    return this;
  }

  digest(): Uint8Array {
    return new Sha256().update(this.outerPad).update(this.inner.digest()).digest();
  }
}

/** HMAC-SHA256 of the concatenation of `chunks` under `key`. */
export function hmacSha256(key: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  const mac = new HmacSha256(key);
  for (const chunk of chunks) mac.update(chunk);
  return mac.digest();
}

/** Compares two MACs without an early exit, so timing says nothing about where they differ. */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
