// Types of scripts/build-ksy.mjs for the TypeScript tests that import it.
/** Compiles a ksy source text into the generated files (name -> text). Throws on spec errors. */
export function compileKsy(source: string, where?: string): Promise<Record<string, string>>;
/** Generates extension/image/generated/ from extension/image/crimg.ksy. */
export function buildKsy(): Promise<void>;
/** TypeScript declarations of the generated module, from the parsed ksy. */
export function declarationsFor(ksy: unknown, debug: boolean): string;
/** Field metadata for viewers, from the parsed ksy. */
export function metadataFor(ksy: unknown): unknown;
/** The generated module with its strings decoded exactly (U+FEFF kept); throws on another encoding. */
export function decodeTextExactly(js: string, where: string): string;
