import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  encodeFieldValue,
  fieldControl,
  parseInteger,
  type EditableField,
} from '../../../extension/image/field-edit';
import {
  hmacSha256,
  indexRecords,
  memoryReader,
  readImage,
  recordFieldTree,
  type FieldNode,
} from '../../../extension/image/index';
import { hmacOfPrefix, resignImage } from '../../../extension/image/resign';
import { defaultMachineKey } from '../../../extension/kernel/index';

function bytesOf(field: EditableField, input: string): number[] {
  const result = encodeFieldValue(field, input);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return [...result.bytes];
}

function refusal(field: EditableField, input: string): string {
  const result = encodeFieldValue(field, input);
  assert.equal(result.ok, false, `${field.path} = ${input} was accepted`);
  return result.ok ? '' : result.message;
}

describe('field edits (extension/image/field-edit.ts)', () => {
  const euid: EditableField = { path: 'CRED.euid', type: 'u32', size: 4 };
  const regs: EditableField = { path: 'CPU.regs[0]', type: 's64', size: 8 };

  it('parses decimal, hex, signs and separators', () => {
    assert.equal(parseInteger('500'), 500n);
    assert.equal(parseInteger(' 0x1F4 '), 500n);
    assert.equal(parseInteger('-13'), -13n);
    assert.equal(parseInteger('1_000'), 1000n);
    assert.equal(parseInteger('12a'), null);
    assert.equal(parseInteger(''), null);
  });

  it('encodes integers little-endian within their type range', () => {
    assert.deepEqual(bytesOf(euid, '500'), [0xf4, 0x01, 0, 0]);
    assert.deepEqual(bytesOf(euid, '4294967295'), [255, 255, 255, 255]);
    assert.match(refusal(euid, '4294967296'), /outside u32 \(0\.\.4294967295\)/);
    assert.match(refusal(euid, '-1'), /outside u32/);
    assert.deepEqual(bytesOf(regs, '-1'), [255, 255, 255, 255, 255, 255, 255, 255]);
    assert.match(refusal(regs, '0x8000000000000000'), /outside s64/);
    assert.match(refusal(euid, 'root'), /not a number/);
  });

  it('encodes enums by name, by number and in the viewer form, members only', () => {
    const vmaType: EditableField = { path: 'VMA.vma_type', type: 'enum VmaType', size: 4 };
    assert.deepEqual(bytesOf(vmaType, 'anon'), [1, 0, 0, 0]);
    assert.deepEqual(bytesOf(vmaType, 'FILE (2)'), [2, 0, 0, 0]);
    assert.deepEqual(bytesOf(vmaType, '2'), [2, 0, 0, 0]);
    assert.match(refusal(vmaType, '3'), /not a VmaType \(ANON \(1\), FILE \(2\)\)/);
    const state: EditableField = { path: 'TASK.state', type: 'enum TaskState', size: 4 };
    assert.deepEqual(bytesOf(state, 'FROZEN'), [8, 0, 0, 0]);
  });

  it('encodes flags by name or number and refuses unknown bits', () => {
    const head: EditableField = { path: 'HEAD.flags', type: 'u64', size: 8 };
    assert.deepEqual(bytesOf(head, 'CKPT | SIGNED'), [9, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(bytesOf(head, '9'), [9, 0, 0, 0, 0, 0, 0, 0]);
    assert.match(refusal(head, '0x10'), /unknown flag bits 0x10/);
    assert.match(refusal(head, 'CKPT|NOPE'), /unknown flag NOPE/);
    const prot: EditableField = { path: 'VMA.vm_page_prot', type: 'u64', size: 8 };
    assert.deepEqual(bytesOf(prot, 'PROT_READ, PROT_EXEC'), [5, 0, 0, 0, 0, 0, 0, 0]);
    const openFlags: EditableField = { path: 'FD_DATA.f_flags', type: 'u32', size: 4 };
    assert.deepEqual(bytesOf(openFlags, 'O_WRONLY | O_APPEND'), [0x01, 0x04, 0, 0]);
    assert.match(refusal(openFlags, 'O_RDWR | O_WRONLY'), /two access modes/);
    const caps: EditableField = { path: 'CRED.cap_effective', type: 'u64', size: 8 };
    assert.deepEqual(bytesOf(caps, 'CAP_SETUID | setgid'), [0xc0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(bytesOf(caps, '(none)'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.match(refusal(caps, '0x20000000000'), /above CAP_LAST_CAP/);
  });

  it('keeps text within its char array with a final NUL', () => {
    const release: EditableField = { path: 'HEAD.release', type: 'char[8]', size: 8 };
    assert.deepEqual(bytesOf(release, 'abc'), [97, 98, 99, 0, 0, 0, 0, 0]);
    assert.deepEqual(bytesOf(release, '1234567'), [49, 50, 51, 52, 53, 54, 55, 0]);
    assert.match(
      refusal(release, '12345678'),
      /must fit in 7 bytes \(char\[8\] keeps a final NUL\)/,
    );
    assert.match(refusal(release, 'a\0b'), /cannot contain NUL/);
  });

  it('keeps STRING and FNAME lengths and the path rules', () => {
    const exe: EditableField = { path: 'FNAME.value', type: 'char[10]', size: 10 };
    assert.deepEqual(bytesOf(exe, '/bin/echo'), [...new TextEncoder().encode('/bin/echo'), 0]);
    assert.match(
      refusal(exe, '/bin/sh'),
      /new path must be exactly 9 bytes like the old one, not 7/,
    );
    assert.match(refusal(exe, 'bin/echoo'), /is not absolute/);
    assert.match(refusal(exe, '/bin/../e'), /'\.\.' component/);
    const comm: EditableField = { path: 'STRING.value', type: 'char[4]', size: 4 };
    assert.deepEqual(bytesOf(comm, 'cat'), [99, 97, 116, 0]);
    assert.match(refusal(comm, 'ca'), /new text must be exactly 3 bytes/);
  });

  it('leaves the record framing and the signature record alone', () => {
    assert.match(refusal({ path: 'hdr.len', type: 's16', size: 2 }, '8'), /not editable/);
    assert.match(
      refusal({ path: 'hdr.type', type: 'enum RecordType', size: 2 }, '1'),
      /not editable/,
    );
    assert.match(
      refusal({ path: 'SIGN.sig', type: 'u8[32]', size: 32 }, '00'),
      /Sign with Machine Key/,
    );
    assert.equal(fieldControl({ path: 'hdr.len', type: 's16', size: 2 }).kind, 'readonly');
  });

  it('encodes byte arrays from hex of their exact size', () => {
    const magic: EditableField = { path: 'HEAD.magic', type: 'u8[4]', size: 4 };
    assert.deepEqual(bytesOf(magic, '00 d2 a2 c0'), [0, 0xd2, 0xa2, 0xc0]);
    assert.match(refusal(magic, '00d2'), /exactly 4 bytes, not 2/);
  });

  it('describes the control of each kind of field', () => {
    assert.deepEqual(fieldControl({ path: 'CRED.euid', type: 'u32', size: 4 }), {
      kind: 'number',
      min: 0,
      max: 4294967295,
    });
    const vmaType = fieldControl({ path: 'VMA.vma_type', type: 'enum VmaType', size: 4 });
    assert.deepEqual(vmaType, {
      kind: 'enum',
      options: [
        { value: 1, name: 'ANON' },
        { value: 2, name: 'FILE' },
      ],
    });
    const flags = fieldControl({ path: 'TASK.flags', type: 'u32', size: 4 });
    assert.deepEqual(flags, {
      kind: 'flags',
      bits: [
        { mask: 1, name: 'DUMPABLE' },
        { mask: 2, name: 'SUPERPRIV' },
      ],
    });
    assert.deepEqual(fieldControl({ path: 'HEAD.machine', type: 'char[64]', size: 64 }), {
      kind: 'text',
      maxBytes: 63,
      exact: false,
    });
    assert.deepEqual(fieldControl({ path: 'FNAME.value', type: 'char[34]', size: 34 }), {
      kind: 'text',
      maxBytes: 33,
      exact: true,
    });
  });
});

describe('re-signing (extension/image/resign.ts)', () => {
  const signed = new Uint8Array(readFileSync('examples/images/passwd-signed.crimg'));
  const tampered = new Uint8Array(readFileSync('examples/images/passwd-signed-tampered.crimg'));
  const key = defaultMachineKey();

  it('computes the same MAC as the one-shot HMAC, in chunks', () => {
    const read = memoryReader(signed);
    assert.deepEqual(hmacOfPrefix(read, 1000, key), hmacSha256(key, signed.subarray(0, 1000)));
  });

  it('finds the signature of a signed image and reproduces it', () => {
    const result = resignImage(memoryReader(signed), signed.length, key);
    assert.ok(result.ok);
    assert.equal(result.slot.keyId, 'machine');
    assert.deepEqual(
      result.signature,
      signed.subarray(result.slot.offset, result.slot.offset + result.slot.size),
    );
  });

  it('re-signs a tampered image so that the reader verifies it', () => {
    const result = resignImage(memoryReader(tampered), tampered.length, key);
    assert.ok(result.ok);
    const fixed = tampered.slice();
    fixed.set(result.signature, result.slot.offset);
    const verdict = readImage(fixed, { keys: { machine: key } });
    assert.ok(verdict.ok);
    assert.equal(verdict.signature, 'verified');
  });

  it('says why an unsigned image cannot be signed', () => {
    const unsigned = new Uint8Array(readFileSync('examples/images/passwd.crimg'));
    const result = resignImage(memoryReader(unsigned), unsigned.length, key);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, /no SIGN record/);
  });
});

describe('field edits round-trip every editable field of the example images', () => {
  const images = readdirSync('examples/images').filter((name) => name.endsWith('.crimg'));

  for (const name of images) {
    it(`${name}: writing each field's own value back gives its own bytes`, () => {
      const bytes = new Uint8Array(readFileSync(`examples/images/${name}`));
      let editable = 0;
      for (const entry of indexRecords(memoryReader(bytes), bytes.length).entries) {
        if (entry.kind !== 'record') continue;
        const tree = recordFieldTree(bytes.subarray(entry.offset, entry.end), entry.offset);
        const walk = (node: FieldNode): void => {
          if (node.children !== undefined && node.children.length > 0) {
            node.children.forEach(walk);
            return;
          }
          const control = fieldControl(node);
          if (control.kind === 'readonly' || node.value === null) return;
          editable++;
          const encoded = encodeFieldValue(node, String(node.value));
          assert.ok(encoded.ok, `${node.path}: ${encoded.ok ? '' : encoded.message}`);
          assert.deepEqual(
            encoded.bytes,
            bytes.subarray(node.offset, node.offset + node.size),
            `${node.path} at 0x${node.offset.toString(16)}`,
          );
        };
        walk(tree.root);
      }
      assert.ok(editable > 20, `${name} has editable fields`);
    });
  }
});
