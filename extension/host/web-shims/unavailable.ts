/**
 * What the build maps `zlib` and `iconv-lite` to in the web bundle. kaitai-struct requires them
 * only for `process: zlib` and for text encodings other than UTF-8/UTF-16, neither of which the
 * image format (extension/image/crimg.ksy) uses; should that change, this says why it fails.
 */
function unavailable(what: string): never {
  throw new Error(
    `${what} is not available in the web extension host (kaitai-struct asked for it: the .ksy now uses a compression or text encoding the web bundle does not carry)`,
  );
}

export function inflateSync(): never {
  return unavailable('zlib');
}

export function decode(): never {
  return unavailable('iconv-lite');
}
