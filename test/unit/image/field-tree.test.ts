/** The per-record field tree: offsets, types and displays from the debug-mode parser. */
import assert from 'node:assert/strict';
import {
  capabilityNames,
  displayCapabilities,
  displayOpenFlags,
  flagNames,
  FLAG_NAMES,
} from '../../../extension/image/display';
import { recordFieldTree, type FieldNode } from '../../../extension/image/field-tree';
import { writeImage } from '../../../extension/image/writer';
import { HDR, find, setS16 } from './craft';
import { sampleImage } from './fixtures';

function byPath(node: FieldNode, path: string): FieldNode {
  if (node.path === path) return node;
  for (const child of node.children ?? []) {
    const found = findPath(child, path);
    if (found) return found;
  }
  throw new Error(`no field ${path}`);
}
function findPath(node: FieldNode, path: string): FieldNode | null {
  if (node.path === path) return node;
  for (const child of node.children ?? []) {
    const found = findPath(child, path);
    if (found) return found;
  }
  return null;
}

function treeOf(bytes: Uint8Array, name: string, nth = 0): ReturnType<typeof recordFieldTree> {
  const rec = find(bytes, name, nth);
  return recordFieldTree(bytes.subarray(rec.offset, rec.end), rec.offset);
}

describe('image field tree', () => {
  const image = sampleImage();
  const t = image.tasks[0];
  if (t === undefined) throw new Error('fixture');
  t.cred.cap_permitted = (1n << 7n) | (1n << 21n);
  t.cred.cap_effective = 1n << 7n;
  const bytes = writeImage(image);

  it('gives absolute offsets and sizes of header and payload fields', () => {
    const vma = find(bytes, 'VMA', 1);
    const tree = treeOf(bytes, 'VMA', 1);
    assert.equal(tree.error, null);
    assert.equal(tree.root.name, 'VMA');
    assert.equal(tree.root.offset, vma.offset);
    assert.equal(tree.root.size, HDR + 48);
    const len = byPath(tree.root, 'hdr.len');
    assert.deepEqual([len.offset, len.size, len.value, len.type], [vma.offset + 2, 2, 48, 's16']);
    const end = byPath(tree.root, 'VMA.vm_end');
    assert.deepEqual(
      [end.offset, end.size, end.value, end.display, end.type],
      [vma.offset + HDR + 16, 8, 0x604000, '0x604000', 'u64'],
    );
    const type = byPath(tree.root, 'VMA.vma_type');
    assert.deepEqual([type.type, type.display], ['enum VmaType', 'ANON (1)']);
    assert.equal(byPath(tree.root, 'VMA.vm_page_prot').display, 'PROT_READ | PROT_WRITE');
    assert.equal(byPath(tree.root, 'VMA._pad').value, 0);
    assert.ok((end.doc ?? '').length > 0 || end.doc === undefined);
  });

  it('shows capability names, char arrays, flags and arrays', () => {
    const cred = treeOf(bytes, 'CRED').root;
    assert.equal(byPath(cred, 'CRED.cap_effective').display, 'CAP_SETUID');
    assert.equal(byPath(cred, 'CRED.cap_permitted').display, 'CAP_SETUID | CAP_SYS_ADMIN');
    assert.match(byPath(cred, 'CRED.cap_bset').display, /^ALL/);
    const head = treeOf(bytes, 'HEAD').root;
    const release = byPath(head, 'HEAD.release');
    assert.deepEqual(
      [release.type, release.value, release.offset, release.size],
      ['char[64]', '2.6.27-crlab', HDR + 32, 64],
    );
    assert.equal(byPath(head, 'HEAD.flags').display, 'CKPT | SUBTREE | SELF');
    const tree = treeOf(bytes, 'TREE').root;
    const nspid = byPath(tree, 'TREE.tasks[0].nspid');
    assert.equal(nspid.offset, find(bytes, 'TREE').offset + HDR + 8 + 12);
    const cpu = treeOf(bytes, 'CPU').root;
    const regs = byPath(cpu, 'CPU.regs');
    assert.equal(regs.children?.length, 16);
    assert.equal(byPath(cpu, 'CPU.regs[0]').value, -11);
    const fdData = treeOf(bytes, 'FD_DATA', 1).root;
    assert.equal(byPath(fdData, 'FD_DATA.f_flags').display, 'O_RDONLY | O_APPEND');
    assert.equal(byPath(fdData, 'FD_DATA.f_mode').display, 'FMODE_READ');
  });

  it('includes the page arrays of a PGARR', () => {
    const pgarr = find(bytes, 'PGARR', 2);
    const tree = treeOf(bytes, 'PGARR', 2).root;
    assert.equal(tree.size, pgarr.end - pgarr.offset);
    const addr = byPath(tree, 'PGARR.addrs[1]');
    assert.deepEqual([addr.offset, addr.display], [pgarr.offset + HDR + 8 + 8, '0x602000']);
    const page = byPath(tree, 'PGARR.pages[1]');
    assert.deepEqual(
      [page.offset, page.size, page.display],
      [pgarr.offset + HDR + 8 + 16 + 4096, 4096, '4096 bytes'],
    );
  });

  it('keeps the fields read before damage and says what stopped it', () => {
    const damaged = bytes.slice();
    const tree = find(bytes, 'TASK');
    setS16(damaged, tree.offset, 777);
    const result = recordFieldTree(damaged.subarray(tree.offset, tree.end), tree.offset);
    assert.notEqual(result.error, null);
    assert.equal(byPath(result.root, 'hdr.type').display, 'unknown (777)');
    const cut = recordFieldTree(bytes.subarray(tree.offset, tree.offset + 12), tree.offset);
    assert.notEqual(cut.error, null);
    assert.equal(byPath(cut.root, 'hdr.parent').value, 42);
  });

  it('display helpers', () => {
    assert.deepEqual(capabilityNames((1n << 0n) | (1n << 40n) | (1n << 45n)), [
      'CAP_CHOWN',
      'CAP_CHECKPOINT_RESTORE',
      'bit45',
    ]);
    assert.equal(displayCapabilities(0n), '(none)');
    assert.equal(flagNames(0x10b, FLAG_NAMES.vm), 'VM_READ | VM_WRITE | VM_SHARED | VM_GROWSDOWN');
    assert.equal(flagNames(0x21, FLAG_NAMES.tree), 'NS_INIT | 0x20');
    assert.equal(displayOpenFlags(0x242), 'O_RDWR | O_CREAT | O_TRUNC');
  });
});
