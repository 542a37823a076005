/** The image diff of the image layer (image/diff.ts): differences by meaning, pure. */
import assert from 'node:assert/strict';
import { diffImages } from '../../../extension/image/index';
import { page, sampleImage } from './fixtures';

describe('image/diff', () => {
  it('finds nothing between equal images', () => {
    assert.deepEqual(diffImages(sampleImage(), sampleImage()), []);
  });

  it('names credentials, a file label, a mapping, a page and the signature that differ', () => {
    const a = sampleImage();
    const b = sampleImage();
    const task = b.tasks[0];
    const file = b.openFiles[1];
    const vma = task?.vmas[1];
    assert.ok(task && file && vma);
    task.cred.euid = 0;
    file.label = 'shadow_t';
    vma.vm_page_prot = 7;
    vma.pages[0] = page(0x600000, 99);
    b.sign = { alg: 1, key_id: 'machine', sig: Uint8Array.of(0xab, 0xcd) };
    const differences = diffImages(a, b);
    assert.deepEqual(
      differences.map((d) => d.path),
      [
        'task 42 cred.euid',
        'task 42 vma 0x600000 vm_page_prot',
        'task 42 page 0x600000',
        'task 42 fd 3',
        'sign',
      ],
    );
    assert.deepEqual(differences[0], { path: 'task 42 cred.euid', a: 500, b: 0 });
    assert.match(String(differences[3]?.a), /label etc_t/);
    assert.match(String(differences[3]?.b), /label shadow_t/);
    assert.equal(differences[4]?.b, 'machine abcd');
  });
});
