// Generates the image parser from extension/image/crimg.ksy, the single source of truth for
// reading images:
//   extension/image/generated/Crimg.js        the parser (kaitai-struct-compiler, normal mode)
//   extension/image/generated/CrimgDebug.js   the same parser in debug mode (field offsets)
//   extension/image/generated/Crimg.d.ts, CrimgDebug.d.ts   declarations generated here from the ksy
//   extension/image/generated/crimg-meta.json   field names, contract types, enums and docs for viewers
// Any spec error fails the build: buildKsy() throws, and run directly the script exits non-zero.
import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ksyPath = join(root, 'extension', 'image', 'crimg.ksy');
const outDir = join(root, 'extension', 'image', 'generated');

/** Kaitai's own name mangling for JavaScript: `fd_ent` -> `FdEnt`, `vm_start` -> `vmStart`. */
function upperCamel(id) {
  return id
    .split('_')
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
function lowerCamel(id) {
  const upper = upperCamel(id);
  return upper.length === 0 ? id : upper[0].toLowerCase() + upper.slice(1);
}

const integerTypes = /^[us][1248](le|be)?$/;
const floatTypes = /^f[48](le|be)?$/;

/** The TypeScript type of one seq attribute (before repetition). */
function attrType(attr, typeNames, where) {
  if (attr.contents !== undefined) return 'Uint8Array';
  const t = attr.type;
  if (t === undefined) return 'Uint8Array';
  if (typeof t === 'object' && t !== null) {
    const cases = t.cases ?? {};
    const members = new Set();
    for (const caseType of Object.values(cases))
      members.add(attrType({ type: caseType }, typeNames, where));
    // Without a matching case a sized switch keeps its raw bytes.
    if (attr.size !== undefined || attr['size-eos'] === true || !('_' in cases))
      members.add('Uint8Array');
    return [...members].sort().join(' | ');
  }
  if (typeof t !== 'string') throw new Error(`${where}: unsupported type ${JSON.stringify(t)}`);
  if (integerTypes.test(t) || floatTypes.test(t)) return 'number';
  if (t === 'str' || t === 'strz') return 'string';
  if (!typeNames.has(t)) throw new Error(`${where}: unknown type '${t}'`);
  return `Crimg.${upperCamel(t)}`;
}

/** The TypeScript type of a value instance, from the shape of its expression. */
function instanceType(expr) {
  const text = String(expr);
  if (/(==|!=|<=|>=|\band\b|\bor\b|\bnot\b|<|>)/.test(text) && !/\?/.test(text)) return 'boolean';
  return 'number';
}

function emitEnum(name, values) {
  const entries = Object.entries(values).map(([value, id]) => {
    const label = typeof id === 'object' && id !== null ? id.id : id;
    return { value: Number(value), label: String(label).toUpperCase() };
  });
  const byName = entries.map((e) => `readonly ${e.label}: ${e.value};`).join(' ');
  return `  static readonly ${upperCamel(name)}: { ${byName} readonly [value: number]: string | undefined };`;
}

function docComment(doc, indent) {
  if (typeof doc !== 'string' || doc.trim() === '') return '';
  const lines = doc.trim().replaceAll('*/', '*\\/').split('\n');
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

/** Emits one class body (fields and instances) for a ksy type. */
function emitMembers(spec, typeNames, where, debug) {
  const out = [];
  out.push('    constructor(io: KaitaiStream, parent?: unknown, root?: unknown);');
  out.push('    _read(): void;');
  out.push('    _io: KaitaiStream;');
  if (debug) out.push('    _debug: { [field: string]: CrimgDebugEntry | undefined };');
  for (const [index, attr] of (spec.seq ?? []).entries()) {
    if (typeof attr.id !== 'string') throw new Error(`${where}/seq/${index}: attribute without id`);
    let tsType = attrType(attr, typeNames, `${where}/seq/${index}`);
    if (attr.repeat !== undefined) tsType = `Array<${tsType}>`;
    const optional = attr.if !== undefined ? '?' : '';
    out.push(docComment(attr.doc, '    ') + `    ${lowerCamel(attr.id)}${optional}: ${tsType};`);
  }
  for (const [id, inst] of Object.entries(spec.instances ?? {})) {
    if (inst.value === undefined)
      throw new Error(`${where}/instances/${id}: only value instances are supported`);
    out.push(
      docComment(inst.doc, '    ') + `    readonly ${lowerCamel(id)}: ${instanceType(inst.value)};`,
    );
  }
  return out.filter((l) => l !== '').join('\n');
}

/** TypeScript declarations for the generated module, derived from the ksy itself. */
export function declarationsFor(ksy, debug) {
  const types = ksy.types ?? {};
  const typeNames = new Set(Object.keys(types));
  const rootName = upperCamel(ksy.meta.id);
  if (rootName !== 'Crimg') throw new Error(`meta/id must be crimg, got ${ksy.meta.id}`);
  const lines = [];
  lines.push('// Generated by scripts/build-ksy.mjs from extension/image/crimg.ksy. Do not edit.');
  lines.push("import KaitaiStream from 'kaitai-struct/KaitaiStream';");
  if (debug) {
    lines.push('/** Where a field was read (debug mode): positions relative to its stream. */');
    lines.push('export interface CrimgDebugEntry {');
    lines.push('  start: number;');
    lines.push('  end?: number;');
    lines.push('  ioOffset: number;');
    lines.push('  enumName?: string;');
    lines.push('  arr?: Array<{ start: number; end?: number; ioOffset: number }>;');
    lines.push('  validationError?: Error;');
    lines.push('}');
  }
  lines.push(docComment(ksy.doc, '') + 'export declare class Crimg {');
  lines.push(
    emitMembers(ksy, typeNames, '', debug).replaceAll('\n    ', '\n  ').replace(/^ {4}/, '  '),
  );
  for (const [name, values] of Object.entries(ksy.enums ?? {})) lines.push(emitEnum(name, values));
  lines.push('}');
  lines.push('export declare namespace Crimg {');
  for (const name of Object.keys(types).sort()) {
    const spec = types[name];
    lines.push(docComment(spec.doc, '  ') + `  class ${upperCamel(name)} {`);
    lines.push(emitMembers(spec, typeNames, `/types/${name}`, debug));
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

const contractIntegers = {
  u1: 'u8',
  u2: 'u16',
  u4: 'u32',
  u8: 'u64',
  s1: 's8',
  s2: 's16',
  s4: 's32',
  s8: 's64',
};

/** The contract's spelling of an attribute's type (`u32`, `char[64]`, `u8[8]`, `TreeEntry`). */
function contractType(attr) {
  const size = attr['size-eos'] === true ? '' : (attr.size ?? '');
  if (attr.contents !== undefined) return `u8[${attr.contents.length}]`;
  const t = attr.type;
  if (t === undefined) return `u8[${size}]`;
  if (typeof t === 'object') return 'switch';
  const integer = contractIntegers[t.replace(/(le|be)$/, '')];
  if (integer !== undefined) return integer;
  if (t === 'str' || t === 'strz') return `char[${size}]`;
  return upperCamel(t);
}

/**
 * Field metadata for viewers, generated from the ksy: per type, its fields in order with the
 * contract's names and types, enum names and docs; and the enums.
 */
export function metadataFor(ksy) {
  const describe = (spec) =>
    (spec.seq ?? []).map((attr) => {
      const field = { id: attr.id, js: lowerCamel(attr.id), type: contractType(attr) };
      if (
        typeof attr.type === 'string' &&
        !contractIntegers[attr.type] &&
        !/^strz?$/.test(attr.type)
      ) {
        field.user = attr.type;
      }
      if (typeof attr.type === 'object' && attr.type !== null) {
        field.switchOn = String(attr.type['switch-on']);
        field.cases = Object.fromEntries(
          Object.entries(attr.type.cases ?? {}).map(([key, type]) => [
            String(key).replace(/^.*::/, ''),
            type,
          ]),
        );
      }
      if (attr.enum !== undefined) field.enum = attr.enum;
      if (attr.repeat !== undefined) field.repeat = String(attr['repeat-expr'] ?? attr.repeat);
      if (attr.doc !== undefined) field.doc = String(attr.doc).trim();
      return field;
    });
  const types = { crimg: { doc: String(ksy.doc ?? '').trim(), seq: describe(ksy) } };
  for (const [name, spec] of Object.entries(ksy.types ?? {})) {
    types[name] = { doc: String(spec.doc ?? '').trim(), seq: describe(spec) };
  }
  const enums = {};
  for (const [name, values] of Object.entries(ksy.enums ?? {})) {
    enums[name] = Object.fromEntries(
      Object.entries(values).map(([v, id]) => [v, typeof id === 'object' ? id.id : id]),
    );
  }
  return { types, enums };
}

/** Where the generated module's factory begins: the text decoder is declared right after it. */
const FACTORY_START =
  /\}\)\(typeof self !== 'undefined' \? self : this, function \(Crimg_, KaitaiStream\) \{\n/;

/**
 * Text is exactly its bytes. The Kaitai runtime decodes strings with `new TextDecoder(encoding)`,
 * which strips a leading EF BB BF as a byte-order mark, so `EF BB BF lab64` would read as `lab64`.
 * The generated parser gets its own decoder instead, with `ignoreBOM: true` (U+FEFF is a character
 * like any other). It is not `fatal`: invalid UTF-8 reads as U+FFFD so a viewer still shows the
 * rest of the record, and the reader judges text on its raw bytes (image/text-rules.ts), never on
 * this decoding. Only UTF-8 text is expected; any other encoding fails the build.
 */
export function decodeTextExactly(js, where) {
  const calls = [...js.matchAll(/KaitaiStream\.bytesToStr\(/g)].length;
  const utf8 = [...js.matchAll(/KaitaiStream\.bytesToStr\((.*), "UTF-8"\)/g)].length;
  if (calls !== utf8)
    throw new Error(`${where}: ${calls - utf8} string(s) with an encoding other than UTF-8`);
  if (!FACTORY_START.test(js))
    throw new Error(
      `${where}: the generated module has an unexpected shape; cannot add the text decoder`,
    );
  return js
    .replace(
      FACTORY_START,
      (start) =>
        start +
        '// Added by scripts/build-ksy.mjs: text is exactly its bytes (U+FEFF is not stripped).\n' +
        "var crimgUtf8 = new TextDecoder('utf-8', { ignoreBOM: true, fatal: false });\n",
    )
    .replace(/KaitaiStream\.bytesToStr\((.*), "UTF-8"\)/g, 'crimgUtf8.decode($1)');
}

/**
 * Compiles a ksy source text into the generated files, by name. Pure apart from the compiler;
 * throws on a YAML error, a spec the compiler refuses, or a spec this generator cannot type.
 */
export async function compileKsy(source, where = 'crimg.ksy') {
  let ksy;
  try {
    ksy = parse(source, { prettyErrors: true });
  } catch (err) {
    throw new Error(
      `${where}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (ksy === null || typeof ksy !== 'object' || typeof ksy.meta?.id !== 'string') {
    throw new Error(`${where}: not a Kaitai Struct spec (meta/id missing)`);
  }
  const compiler = require('kaitai-struct-compiler');
  const out = {};
  for (const debug of [false, true]) {
    let files;
    try {
      // Each run gets its own copy of the spec: the compiler is not promised to leave it alone.
      files = await compiler.compile('javascript', structuredClone(ksy), null, debug);
    } catch (err) {
      const detail =
        err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
      throw new Error(`${where}: kaitai-struct-compiler failed: ${detail}`);
    }
    const js = files['Crimg.js'];
    if (typeof js !== 'string') {
      throw new Error(`${where}: compiler produced ${Object.keys(files).join(', ')}, not Crimg.js`);
    }
    const base = debug ? 'CrimgDebug' : 'Crimg';
    out[`${base}.js`] = decodeTextExactly(js, `${where} (${base}.js)`);
    out[`${base}.d.ts`] = declarationsFor(ksy, debug);
  }
  out['crimg-meta.json'] = JSON.stringify(metadataFor(ksy), null, 1) + '\n';
  return out;
}

/** Generates extension/image/generated/ from crimg.ksy. Throws on any spec error. */
export async function buildKsy() {
  const files = await compileKsy(await readFile(ksyPath, 'utf8'), ksyPath);
  await mkdir(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const target = join(outDir, name);
    // Unchanged outputs are left alone, so watchers and bundlers see no spurious change.
    const previous = await readFile(target, 'utf8').catch(() => null);
    if (previous !== text) await writeFile(target, text);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildKsy().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
