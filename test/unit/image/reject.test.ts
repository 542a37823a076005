/**
 * The reject table of image-format.md, row by row: each case writes a valid image, damages it
 * at an offset computed from the layout, and asserts errno, offset and field exactly.
 */
import assert from 'node:assert/strict';
import { HeadFlag, RecordType, type CheckpointImage } from '../../../extension/image/model';
import { readImage } from '../../../extension/image/reader';
import { writeFailedImage, writeImage } from '../../../extension/image/writer';
import {
  HDR,
  expectReject,
  find,
  getU32,
  payload,
  recordsOf,
  setS16,
  setU16,
  setU32,
  setU64,
  setU8,
  splice,
} from './craft';
import { MACHINE_KEY, bigImage, containerImage, head, sampleImage, signedImage } from './fixtures';

const sample = (): Uint8Array => writeImage(sampleImage());
const signed = (keyId = 'machine'): Uint8Array =>
  writeImage(signedImage(), { signingKey: { keyId, key: MACHINE_KEY } });
/** Writes a variant of the sample image made by `edit`. */
const variant = (edit: (image: CheckpointImage) => void, base = sampleImage()): Uint8Array => {
  edit(base);
  return writeImage(base);
};

describe('image reader: the reject table', () => {
  it('accepts the fixtures it is tested against', () => {
    for (const bytes of [
      sample(),
      writeImage(containerImage()),
      signed(),
      writeImage(bigImage(3000)),
    ]) {
      const result = readImage(bytes, { keys: { machine: MACHINE_KEY } });
      assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.error));
    }
  });

  describe('HEAD', () => {
    it('first record not HEAD', () => {
      const bytes = sample();
      setS16(bytes, 0, RecordType.STRING); // len 224 is in STRING's range: only the place is wrong
      expectReject(bytes, 'EINVAL', 0, 'hdr.type');
    });
    it('ERROR as the first record', () => {
      const bytes = writeFailedImage(head(), 'boom').subarray(232);
      expectReject(bytes, 'EINVAL', 0, 'hdr.type');
    });
    it('bad magic', () => {
      const bytes = sample();
      setU8(bytes, HDR + 1, 0xd3);
      expectReject(bytes, 'EINVAL', 0, 'HEAD.magic');
    });
    for (const [field, at, value] of [
      ['major', 8, 3],
      ['minor', 10, 4],
      ['patch', 12, 28],
      ['rev', 14, 2],
    ] as const) {
      it(`${field} mismatch`, () => {
        const bytes = sample();
        setU16(bytes, HDR + at, value);
        expectReject(bytes, 'EINVAL', 0, `HEAD.${field}`);
      });
    }
    it('time at or above 2^53', () => {
      const bytes = sample();
      setU64(bytes, HDR + 16, 1n << 53n);
      expectReject(bytes, 'EINVAL', 0, 'HEAD.time');
    });
    it('flags without CKPT', () => {
      const bytes = sample();
      setU64(bytes, HDR + 24, BigInt(HeadFlag.SUBTREE));
      expectReject(bytes, 'EINVAL', 0, 'HEAD.flags');
    });
    it('flags with an unknown bit', () => {
      const bytes = sample();
      setU64(bytes, HDR + 24, BigInt(HeadFlag.CKPT | HeadFlag.SUBTREE | 0x10));
      expectReject(bytes, 'EINVAL', 0, 'HEAD.flags');
    });
    it('flags with a bit above 32', () => {
      const bytes = sample();
      setU64(bytes, HDR + 24, (1n << 40n) | 3n);
      expectReject(bytes, 'EINVAL', 0, 'HEAD.flags');
    });
    it('SELF without SUBTREE (SELF implies SUBTREE)', () => {
      const bytes = writeImage(containerImage()); // a whole container: root with NS_INIT
      setU64(bytes, HDR + 24, BigInt(HeadFlag.CKPT + HeadFlag.SELF));
      const error = expectReject(bytes, 'EINVAL', 0, 'HEAD.flags');
      assert.match(error.message, /SELF/);
      setU64(bytes, HDR + 24, BigInt(HeadFlag.CKPT + HeadFlag.SELF + HeadFlag.SUBTREE));
      assert.equal(readImage(bytes).ok, true);
    });
    it('machine mismatch', () => {
      const bytes = variant((image) => {
        image.head.machine = 'x86_64';
      });
      expectReject(bytes, 'EINVAL', 0, 'HEAD.machine');
    });
    it('char array without NUL', () => {
      const bytes = sample();
      bytes.fill(0x41, HDR + 32, HDR + 96);
      expectReject(bytes, 'EINVAL', 0, 'HEAD.release');
    });
    it('char array with junk after its NUL', () => {
      const bytes = sample();
      setU8(bytes, HDR + 96 + 60, 0x41);
      expectReject(bytes, 'EINVAL', 0, 'HEAD.version');
    });
    it('char array that is not UTF-8', () => {
      const bytes = sample();
      setU8(bytes, HDR + 32, 0xc0); // an overlong lead byte
      expectReject(bytes, 'EINVAL', 0, 'HEAD.release');
    });
  });

  describe('record headers', () => {
    it('unknown record type', () => {
      const bytes = sample();
      const tree = find(bytes, 'TREE').offset;
      setS16(bytes, tree, 999);
      expectReject(bytes, 'EINVAL', tree, 'hdr.type');
    });
    it('wrong fixed len', () => {
      const bytes = sample();
      const task = find(bytes, 'TASK').offset;
      setS16(bytes, task + 2, 25);
      expectReject(bytes, 'EINVAL', task, 'hdr.len');
    });
    it('negative len', () => {
      const bytes = sample();
      const cred = find(bytes, 'CRED').offset;
      setS16(bytes, cred + 2, -1);
      expectReject(bytes, 'EINVAL', cred, 'hdr.len');
    });
    it('len outside the range of a variable-size record', () => {
      const bytes = sample();
      const str = find(bytes, 'STRING').offset;
      setS16(bytes, str + 2, 0);
      expectReject(bytes, 'EINVAL', str, 'hdr.len');
      const tree = find(sample(), 'TREE').offset;
      const bytes2 = sample();
      setS16(bytes2, tree + 2, 33); // not 8 + 24 n
      expectReject(bytes2, 'EINVAL', tree, 'hdr.len');
    });
    it('a record where the stream does not allow it', () => {
      const bytes = sample();
      const task = find(bytes, 'TASK').offset;
      setS16(bytes, task, RecordType.FD_DATA); // same len (24), wrong place
      expectReject(bytes, 'EINVAL', task, 'hdr.type');
    });
    it('a PGARR replaced by FILES inside a VMA', () => {
      const bytes = sample();
      const pgarr = find(bytes, 'PGARR').offset;
      setS16(bytes, pgarr, RecordType.FILES);
      expectReject(bytes, 'EINVAL', pgarr, 'hdr.type');
    });
    it('parent not as the tables say', () => {
      const bytes = sample();
      const cred = find(bytes, 'CRED').offset;
      setU32(bytes, cred + 4, 43);
      expectReject(bytes, 'EINVAL', cred, 'hdr.parent');
      const bytes2 = sample();
      const fdData = find(bytes2, 'FD_DATA').offset;
      setU32(bytes2, fdData + 4, 42); // the vpid, not the objref
      expectReject(bytes2, 'EINVAL', fdData, 'hdr.parent');
      const bytes3 = sample();
      setU32(bytes3, find(bytes3, 'TREE').offset + 4, 1);
      expectReject(bytes3, 'EINVAL', find(bytes3, 'TREE').offset, 'hdr.parent');
    });
  });

  describe('counts', () => {
    it('MM.map_count larger than the VMAs that follow', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'MM') + 4, 4);
      expectReject(bytes, 'EINVAL', find(bytes, 'FILES').offset, 'MM.map_count');
    });
    it('MM.map_count smaller than the VMAs that follow', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'MM') + 4, 2);
      expectReject(bytes, 'EINVAL', find(bytes, 'VMA', 2).offset, 'MM.map_count');
    });
    it('MM.map_count above 1024', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'MM') + 4, 1025);
      expectReject(bytes, 'EINVAL', find(bytes, 'MM').offset, 'MM.map_count');
    });
    it('FILES.nfds larger than the FD_ENTs that follow', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'FILES') + 4, 6);
      expectReject(bytes, 'EINVAL', find(bytes, 'CPU').offset, 'FILES.nfds');
    });
    it('FILES.nfds smaller than the FD_ENTs that follow', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'FILES') + 4, 4);
      expectReject(bytes, 'EINVAL', find(bytes, 'FD_ENT', 4).offset, 'FILES.nfds');
    });
    it('TREE.nr_tasks disagreeing with its len', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'TREE'), 2);
      expectReject(bytes, 'EINVAL', find(bytes, 'TREE').offset, 'TREE.nr_tasks');
    });
    it('fewer tasks follow than TREE lists', () => {
      const image = containerImage();
      image.tasks.pop();
      const bytes = writeImage(image);
      expectReject(bytes, 'EINVAL', find(bytes, 'TAIL').offset, 'TREE.nr_tasks');
    });
    it('more tasks follow than TREE lists', () => {
      const image = containerImage();
      image.tree.pop();
      const bytes = writeImage(image);
      expectReject(bytes, 'EINVAL', find(bytes, 'TASK', 2).offset, 'TREE.nr_tasks');
    });
    it('CRED.ngroups without its GROUPINFO', () => {
      const bytes = variant((image) => {
        const t = image.tasks[0];
        if (t) t.cred.groups = [];
      });
      setU32(bytes, payload(bytes, 'CRED') + 68, 2);
      expectReject(bytes, 'EINVAL', find(bytes, 'SECURITY').offset, 'CRED.ngroups');
    });
    it('GROUPINFO when CRED.ngroups is 0', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'CRED') + 68, 0);
      expectReject(bytes, 'EINVAL', find(bytes, 'GROUPINFO').offset, 'CRED.ngroups');
    });
    it('GROUPINFO.ngroups other than CRED.ngroups', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'CRED') + 68, 3);
      expectReject(bytes, 'EINVAL', find(bytes, 'GROUPINFO').offset, 'GROUPINFO.ngroups');
    });
    it('SIGNED without SIGN', () => {
      const bytes = sample();
      setU64(bytes, HDR + 24, BigInt(sampleImage().head.flags | HeadFlag.SIGNED));
      expectReject(bytes, 'EINVAL', find(bytes, 'TAIL').offset, 'HEAD.flags');
    });
    it('SIGN without SIGNED', () => {
      const bytes = signed();
      setU64(bytes, HDR + 24, BigInt(sampleImage().head.flags));
      expectReject(bytes, 'EINVAL', find(bytes, 'SIGN').offset, 'HEAD.flags');
    });
  });

  describe('field values', () => {
    it('enums outside their values', () => {
      const cases: Array<[string, number, string, number]> = [
        ['TASK', 0, 'TASK.state', 2],
        ['VMA', 0, 'VMA.vma_type', 3],
        ['SECURITY', 0, 'SECURITY.sectype', 5],
      ];
      for (const [rec, at, field, value] of cases) {
        const bytes = sample();
        setU32(bytes, payload(bytes, rec) + at, value);
        expectReject(bytes, 'EINVAL', find(bytes, rec).offset, field);
      }
      const bytes = sample();
      setU16(bytes, payload(bytes, 'FD_DATA'), 3);
      expectReject(bytes, 'EINVAL', find(bytes, 'FD_DATA').offset, 'FD_DATA.fd_type');
    });
    it('non-zero _pad', () => {
      for (const [rec, at] of [
        ['TREE', 4],
        ['GROUPINFO', 4],
        ['SECURITY', 4],
        ['VMA', 4],
        ['FD_ENT', 12],
      ] as const) {
        const bytes = sample();
        setU32(bytes, payload(bytes, rec) + at, 1);
        expectReject(bytes, 'EINVAL', find(bytes, rec).offset, `${rec}._pad`);
      }
      const bytes = signed();
      setU16(bytes, payload(bytes, 'SIGN') + 6, 1);
      expectReject(bytes, 'EINVAL', find(bytes, 'SIGN').offset, 'SIGN._pad');
    });
    it('TASK exit fields and flags', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'TASK') + 8, 1);
      expectReject(bytes, 'EINVAL', find(bytes, 'TASK').offset, 'TASK.exit_code');
      const bytes2 = sample();
      setU32(bytes2, payload(bytes2, 'TASK') + 20, 4);
      expectReject(bytes2, 'EINVAL', find(bytes2, 'TASK').offset, 'TASK.flags');
    });
    it('comm STRING whose len is not task_comm_len + 1', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'TASK') + 16, 3);
      expectReject(bytes, 'EINVAL', find(bytes, 'STRING').offset, 'hdr.len');
    });
    it('LSM_INFO naming an unknown LSM', () => {
      const bytes = variant((image) => {
        image.lsm = 'selinux';
      });
      expectReject(bytes, 'EINVAL', find(bytes, 'LSM_INFO').offset, 'LSM_INFO.lsm_name');
    });
    it('securebits above bit 5', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'CRED') + 64, 0x40);
      expectReject(bytes, 'EINVAL', find(bytes, 'CRED').offset, 'CRED.securebits');
    });
    it('TAIL with a bad magic', () => {
      const bytes = sample();
      setU8(bytes, payload(bytes, 'TAIL') + 3, 0);
      expectReject(bytes, 'EINVAL', find(bytes, 'TAIL').offset, 'TAIL.magic');
    });
    it('MM objref 0, and FILES reusing the MM objref', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'MM'), 0);
      expectReject(bytes, 'EINVAL', find(bytes, 'MM').offset, 'MM.objref');
      const bytes2 = sample();
      setU32(bytes2, payload(bytes2, 'FILES'), getU32(bytes2, payload(bytes2, 'MM')));
      expectReject(bytes2, 'EINVAL', find(bytes2, 'FILES').offset, 'FILES.objref');
    });
  });

  describe('text and paths', () => {
    it('STRING that is not UTF-8', () => {
      const bytes = sample();
      setU8(bytes, payload(bytes, 'STRING') + 1, 0xff);
      expectReject(bytes, 'EINVAL', find(bytes, 'STRING').offset, 'STRING.value');
    });
    it('STRING with a NUL before its end', () => {
      const bytes = sample();
      setU8(bytes, payload(bytes, 'STRING') + 2, 0);
      expectReject(bytes, 'EINVAL', find(bytes, 'STRING').offset, 'STRING.value');
    });
    it('STRING without its final NUL', () => {
      const bytes = sample();
      const str = find(bytes, 'STRING');
      setU8(bytes, str.offset + HDR + str.len - 1, 0x41);
      expectReject(bytes, 'EINVAL', str.offset, 'STRING.value');
    });
    it('SECURITY label that is not UTF-8', () => {
      const bytes = sample();
      setU8(bytes, payload(bytes, 'SECURITY') + 8, 0xe0);
      expectReject(bytes, 'EINVAL', find(bytes, 'SECURITY').offset, 'SECURITY.label');
    });
    const badPaths: Array<[string, string]> = [
      ['relative path', 'usr/bin/counter'],
      ['a .. component', '/usr/../bin/counter'],
      ['a . component', '/usr/./counter'],
      ['an empty component', '/usr//counter'],
      ['a trailing /', '/usr/bin/'],
      ['a component over 255 bytes', `/usr/${'x'.repeat(256)}`],
    ];
    for (const [what, path] of badPaths) {
      it(`FNAME with ${what}`, () => {
        const bytes = variant((image) => {
          const t = image.tasks[0];
          if (t) t.mm.exe = path;
        });
        expectReject(bytes, 'EINVAL', find(bytes, 'FNAME').offset, 'FNAME.value');
      });
    }
    it('accepts / and a component of exactly 255 bytes', () => {
      const bytes = variant((image) => {
        const t = image.tasks[0];
        if (t) t.mm.exe = `/usr/${'é'.repeat(127)}x`;
      });
      assert.equal(readImage(bytes).ok, true);
    });
  });

  describe('numbers', () => {
    it('u64 at or above 2^53', () => {
      const bytes = sample();
      setU64(bytes, payload(bytes, 'MM') + 8, 1n << 53n);
      expectReject(bytes, 'EINVAL', find(bytes, 'MM').offset, 'MM.start_code');
      const bytes2 = sample();
      setU64(bytes2, payload(bytes2, 'FD_DATA') + 8, (1n << 64n) - 1n);
      expectReject(bytes2, 'EINVAL', find(bytes2, 'FD_DATA').offset, 'FD_DATA.f_pos');
      const bytes3 = sample();
      const pgarr = find(bytes3, 'PGARR').offset;
      setU64(bytes3, pgarr + HDR, 1n << 60n);
      expectReject(bytes3, 'EINVAL', pgarr, 'PGARR.nr_pages');
    });
    it('accepts 2^53 - 1', () => {
      const bytes = sample();
      setU64(bytes, payload(bytes, 'MM') + 8, (1n << 53n) - 1n);
      assert.equal(readImage(bytes).ok, true);
    });
    it('register outside ±2^53', () => {
      const bytes = sample();
      setU64(bytes, payload(bytes, 'CPU') + 32 + 3 * 8, 1n << 53n);
      expectReject(bytes, 'EINVAL', find(bytes, 'CPU').offset, 'CPU.regs[3]');
      const bytes2 = sample();
      setU64(bytes2, payload(bytes2, 'CPU') + 32 + 15 * 8, -(1n << 53n));
      expectReject(bytes2, 'EINVAL', find(bytes2, 'CPU').offset, 'CPU.regs[15]');
      const bytes3 = sample();
      setU64(bytes3, payload(bytes3, 'CPU') + 32, -(1n << 53n) + 1n);
      assert.equal(readImage(bytes3).ok, true, 'regs[0] = -(2^53 - 1) is inside the range');
    });
    it('capability bit above 40', () => {
      const bytes = sample();
      setU64(bytes, payload(bytes, 'CRED') + 40, 1n << 41n);
      expectReject(bytes, 'EINVAL', find(bytes, 'CRED').offset, 'CRED.cap_permitted');
    });
    it('effective not within permitted', () => {
      const bytes = variant((image) => {
        const t = image.tasks[0];
        if (t) t.cred.cap_effective = 1n << 7n;
      });
      expectReject(bytes, 'EINVAL', find(bytes, 'CRED').offset, 'CRED.cap_effective');
    });
  });

  describe('TREE rules', () => {
    const treeCase = (edit: (image: CheckpointImage) => void, field: string): void => {
      const image = containerImage();
      edit(image);
      const bytes = writeImage(image);
      expectReject(bytes, 'EINVAL', find(bytes, 'TREE').offset, field);
    };
    const entry = (image: CheckpointImage, i: number): CheckpointImage['tree'][number] => {
      const e = image.tree[i];
      if (e === undefined) throw new Error('no entry');
      return e;
    };
    it('nr_tasks 0', () => {
      const bytes = sample();
      const tree = find(bytes, 'TREE');
      setS16(bytes, tree.offset + 2, 8);
      const cut = splice(bytes, tree.offset + HDR + 8, 24);
      setU32(cut, tree.offset + HDR, 0);
      expectReject(cut, 'EINVAL', tree.offset, 'hdr.len');
    });
    it('vpid below 1', () => treeCase((im) => (entry(im, 0).vpid = 0), 'TREE.tasks[0].vpid'));
    it('vpid twice', () => treeCase((im) => (entry(im, 2).vpid = 2), 'TREE.tasks[2].vpid'));
    it('root vppid not 0', () => treeCase((im) => (entry(im, 0).vppid = 5), 'TREE.tasks[0].vppid'));
    it('vppid naming no earlier entry', () =>
      treeCase((im) => (entry(im, 1).vppid = 3), 'TREE.tasks[1].vppid'));
    it('vppid 0 on a non-root entry', () =>
      treeCase((im) => (entry(im, 1).vppid = 0), 'TREE.tasks[1].vppid'));
    it('vtgid not vpid', () => treeCase((im) => (entry(im, 1).vtgid = 1), 'TREE.tasks[1].vtgid'));
    it('nspid below 1', () => treeCase((im) => (entry(im, 2).nspid = 0), 'TREE.tasks[2].nspid'));
    it('root nsdepth not 0', () =>
      treeCase((im) => (entry(im, 0).nsdepth = 1), 'TREE.tasks[0].nsdepth'));
    it('nsdepth two below the parent', () =>
      treeCase((im) => (entry(im, 2).nsdepth = 2), 'TREE.tasks[2].nsdepth'));
    it('NS_INIT in the parent namespace', () =>
      treeCase((im) => (entry(im, 1).flags = 1), 'TREE.tasks[1].flags'));
    it('a nested namespace without NS_INIT', () =>
      treeCase((im) => (entry(im, 2).flags = 0), 'TREE.tasks[2].flags'));
    it('unknown flag bits', () =>
      treeCase((im) => (entry(im, 1).flags = 4), 'TREE.tasks[1].flags'));
    it('a whole container whose root lacks NS_INIT', () =>
      treeCase((im) => (entry(im, 0).flags = 0), 'TREE.tasks[0].flags'));
    it('NS_INIT with nspid other than 1', () =>
      treeCase((im) => (entry(im, 2).nspid = 2), 'TREE.tasks[2].nspid'));
    it('nspid other than vpid at depth 0', () =>
      treeCase((im) => (entry(im, 1).nspid = 7), 'TREE.tasks[1].nspid'));
    it('nspid twice in one namespace', () =>
      treeCase((im) => {
        im.tree.push({ vpid: 4, vppid: 3, vtgid: 4, nspid: 1, nsdepth: 1, flags: 0 });
      }, 'TREE.tasks[3].nspid'));
    it('accepts a nested namespace reusing a pid of its parent namespace', () => {
      const image = containerImage();
      image.tree.push({ vpid: 4, vppid: 3, vtgid: 4, nspid: 2, nsdepth: 1, flags: 0 });
      const bytes = writeImage(image);
      const result = readImage(bytes);
      // The TREE is sound; the fourth task is simply missing from the stream.
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.error.field, 'TREE.nr_tasks');
    });
  });

  describe('VMA rules', () => {
    const vmaCase = (
      edit: (vma: CheckpointImage['tasks'][number]['vmas']) => void,
      nth: number,
      field: string,
    ): void => {
      const bytes = variant((image) => {
        const t = image.tasks[0];
        if (t) edit(t.vmas);
      });
      expectReject(bytes, 'EINVAL', find(bytes, 'VMA', nth).offset, field);
    };
    const at = (
      vmas: CheckpointImage['tasks'][number]['vmas'],
      i: number,
    ): CheckpointImage['tasks'][number]['vmas'][number] => {
      const v = vmas[i];
      if (v === undefined) throw new Error('no vma');
      return v;
    };
    it('vm_start not page aligned', () =>
      vmaCase((v) => (at(v, 1).vm_start = 0x600010), 1, 'VMA.vm_start'));
    it('vm_end not page aligned', () =>
      vmaCase((v) => (at(v, 1).vm_end = 0x604001), 1, 'VMA.vm_end'));
    it('vm_end above TASK_SIZE', () => {
      const bytes = variant((image) => {
        const t = image.tasks[0];
        if (t) at(t.vmas, 2).vm_end = 0x800000001000;
      });
      const error = expectReject(bytes, 'EINVAL', find(bytes, 'VMA', 2).offset, 'VMA.vm_end');
      assert.equal(error.message, '0x800000001000 is above TASK_SIZE');
    });
    it('vm_end not above vm_start', () =>
      vmaCase((v) => (at(v, 1).vm_end = 0x600000), 1, 'VMA.vm_end'));
    it('overlapping the previous VMA', () =>
      vmaCase((v) => (at(v, 1).vm_start = 0x401000), 1, 'VMA.vm_start'));
    it('out of address order', () =>
      vmaCase(
        (v) => {
          const [a, b] = [at(v, 0), at(v, 1)];
          v[0] = b;
          v[1] = a;
        },
        1,
        'VMA.vm_start',
      ));
    it('vm_pgoff on an ANON mapping', () =>
      vmaCase((v) => (at(v, 1).vm_pgoff = 1), 1, 'VMA.vm_pgoff'));
    it('vm_flags disagreeing with vm_page_prot', () =>
      vmaCase((v) => (at(v, 1).vm_flags = 1), 1, 'VMA.vm_flags'));
    it('unknown vm_flags bit', () => vmaCase((v) => (at(v, 1).vm_flags = 0x13), 1, 'VMA.vm_flags'));
    it('unknown vm_page_prot bit', () =>
      vmaCase((v) => (at(v, 1).vm_page_prot = 8), 1, 'VMA.vm_page_prot'));
  });

  describe('PGARR rules', () => {
    /** Offset of address `i` of the `nth` PGARR. */
    const addrAt = (bytes: Uint8Array, nth: number, i: number): number => {
      const pgarr = find(bytes, 'PGARR', nth);
      return pgarr.offset + HDR + 8 + 8 * i;
    };
    it('address not page aligned', () => {
      const bytes = sample();
      setU64(bytes, addrAt(bytes, 0, 0), 0x400010n);
      expectReject(bytes, 'EINVAL', find(bytes, 'PGARR', 0).offset, 'PGARR.addrs[0]');
    });
    it('address outside the VMA', () => {
      const bytes = sample();
      // PGARR #2 is the first chunk of the second VMA (0x600000-0x604000), two pages.
      setU64(bytes, addrAt(bytes, 2, 1), 0x604000n);
      expectReject(bytes, 'EINVAL', find(bytes, 'PGARR', 2).offset, 'PGARR.addrs[1]');
    });
    it('addresses not ascending within a chunk', () => {
      const bytes = sample();
      setU64(bytes, addrAt(bytes, 2, 1), 0x600000n);
      expectReject(bytes, 'EINVAL', find(bytes, 'PGARR', 2).offset, 'PGARR.addrs[1]');
    });
    it('addresses not ascending across chunks', () => {
      const bytes = writeImage(bigImage(4000)); // 1334 pages a VMA, every 7th zero: two chunks
      const vma = find(bytes, 'VMA', 0);
      const chunks = recordsOf(bytes).filter((r) => r.name === 'PGARR' && r.offset > vma.offset);
      const second = chunks[1];
      if (second === undefined || second.pageCount === 0) throw new Error('expected two chunks');
      setU64(bytes, second.offset + HDR + 8, BigInt(0x10000000));
      expectReject(bytes, 'EINVAL', second.offset, 'PGARR.addrs[0]');
    });
    it('nr_pages above 1024', () => {
      const bytes = sample();
      const pgarr = find(bytes, 'PGARR', 0).offset;
      setU64(bytes, pgarr + HDR, 1025n);
      expectReject(bytes, 'EINVAL', pgarr, 'PGARR.nr_pages');
    });
    it('accepts an all-zero page', () => {
      const bytes = sample();
      const pgarr = find(bytes, 'PGARR', 0);
      bytes.fill(0, pgarr.offset + HDR + 16, pgarr.offset + HDR + 16 + 4096);
      assert.equal(readImage(bytes).ok, true);
    });
  });

  describe('FD_ENT and FD_DATA rules', () => {
    it('fd not ascending', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'FD_ENT', 2) + 4, 1);
      expectReject(bytes, 'EINVAL', find(bytes, 'FD_ENT', 2).offset, 'FD_ENT.fd');
    });
    it('fd above 1023', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'FD_ENT', 4) + 4, 1024);
      expectReject(bytes, 'EINVAL', find(bytes, 'FD_ENT', 4).offset, 'FD_ENT.fd');
    });
    it('close_on_exec other than 0 or 1', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'FD_ENT', 1) + 8, 2);
      expectReject(bytes, 'EINVAL', find(bytes, 'FD_ENT', 1).offset, 'FD_ENT.close_on_exec');
    });
    it('objref 0', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'FD_ENT', 1), 0);
      expectReject(bytes, 'EINVAL', find(bytes, 'FD_ENT', 1).offset, 'FD_ENT.objref');
    });
    const fdDataCase = (
      edit: (file: CheckpointImage['openFiles'][number]) => void,
      nth: number,
      field: string,
    ): void => {
      const bytes = variant((image) => {
        const file = image.openFiles[nth];
        if (file) edit(file);
      });
      expectReject(bytes, 'EINVAL', find(bytes, 'FD_DATA', nth).offset, field);
    };
    it('f_mode 0', () => fdDataCase((f) => (f.f_mode = 0), 0, 'FD_DATA.f_mode'));
    it('f_mode disagreeing with the access mode', () =>
      fdDataCase((f) => (f.f_mode = 2), 1, 'FD_DATA.f_mode'));
    it('unknown f_mode bits', () => fdDataCase((f) => (f.f_mode = 5), 1, 'FD_DATA.f_mode'));
    it('access mode 3', () => fdDataCase((f) => (f.f_flags = 3), 0, 'FD_DATA.f_flags'));
    it('unknown f_flags bits', () => fdDataCase((f) => (f.f_flags = 0x800), 1, 'FD_DATA.f_flags'));
    it('a directory not opened O_RDONLY', () =>
      fdDataCase(
        (f) => {
          f.f_flags = 2;
          f.f_mode = 3;
        },
        2,
        'FD_DATA.f_flags',
      ));
    it('FD_DATA appearing again for an objref', () => {
      const bytes = sample();
      const data = find(bytes, 'FD_DATA', 0);
      const fname = recordsOf(bytes).find((r) => r.offset === data.end);
      if (fname === undefined) throw new Error('no FNAME after FD_DATA');
      const again = bytes.slice(data.offset, fname.end);
      const second = find(bytes, 'FD_ENT', 1);
      const crafted = splice(bytes, second.end, 0, again);
      expectReject(crafted, 'EINVAL', second.end, 'hdr.type');
    });
    it('an FD_ENT with a new objref not followed by its FD_DATA', () => {
      const bytes = sample();
      const data = find(bytes, 'FD_DATA', 0);
      const fname = recordsOf(bytes).find((r) => r.offset === data.end);
      if (fname === undefined) throw new Error('no FNAME after FD_DATA');
      const crafted = splice(bytes, data.offset, fname.end - data.offset);
      expectReject(crafted, 'EINVAL', data.offset, 'hdr.type');
    });
    it('a file label where a cred label belongs', () => {
      const bytes = sample();
      setU32(bytes, payload(bytes, 'SECURITY', 0), 2);
      expectReject(bytes, 'EINVAL', find(bytes, 'SECURITY', 0).offset, 'SECURITY.sectype');
    });
  });

  describe('GROUPINFO', () => {
    it('groups not strictly ascending', () => {
      const bytes = variant((image) => {
        const t = image.tasks[0];
        if (t) t.cred.groups = [500, 500];
      });
      expectReject(bytes, 'EINVAL', find(bytes, 'GROUPINFO').offset, 'GROUPINFO.groups[1]');
    });
  });

  describe('SIGN', () => {
    it('unknown alg', () => {
      const bytes = signed();
      setU16(bytes, payload(bytes, 'SIGN'), 2);
      expectReject(bytes, 'EINVAL', find(bytes, 'SIGN').offset, 'SIGN.alg');
    });
    it('wrong sig_len', () => {
      const bytes = signed();
      setU16(bytes, payload(bytes, 'SIGN') + 4, 31);
      expectReject(bytes, 'EINVAL', find(bytes, 'SIGN').offset, 'SIGN.sig_len');
    });
    it('wrong key_id_len', () => {
      const bytes = signed();
      setU16(bytes, payload(bytes, 'SIGN') + 2, 0);
      expectReject(bytes, 'EINVAL', find(bytes, 'SIGN').offset, 'SIGN.key_id_len');
      const bytes2 = signed();
      setU16(bytes2, payload(bytes2, 'SIGN') + 2, 8); // 'machine' is 7 bytes: len disagrees
      expectReject(bytes2, 'EINVAL', find(bytes2, 'SIGN').offset, 'hdr.len');
    });
    it('a MAC that does not verify is EBADMSG at SIGN', () => {
      const bytes = signed();
      const pgarr = find(bytes, 'PGARR', 0);
      setU8(bytes, pgarr.offset + HDR + 16 + 100, (bytes[pgarr.offset + HDR + 16 + 100] ?? 0) ^ 1);
      expectReject(bytes, 'EBADMSG', find(bytes, 'SIGN').offset, 'SIGN.sig', {
        keys: { machine: MACHINE_KEY },
      });
      const bytes2 = signed();
      const sign = find(bytes2, 'SIGN');
      setU8(bytes2, sign.end - 1, (bytes2[sign.end - 1] ?? 0) ^ 0x80);
      expectReject(bytes2, 'EBADMSG', sign.offset, 'SIGN.sig', { keys: { machine: MACHINE_KEY } });
      const wrongKey = new TextEncoder().encode('another-key');
      expectReject(signed(), 'EBADMSG', sign.offset, 'SIGN.sig', { keys: { machine: wrongKey } });
    });
    it('structure is judged before the MAC', () => {
      const bytes = signed();
      setU32(bytes, find(bytes, 'CRED').offset + 4, 7);
      expectReject(bytes, 'EINVAL', find(bytes, 'CRED').offset, 'hdr.parent', {
        keys: { machine: MACHINE_KEY },
      });
    });
    it('verified with the key, unverified without it or with an unknown key id', () => {
      const withKey = readImage(signed(), { keys: { machine: MACHINE_KEY } });
      assert.equal(withKey.ok && withKey.signature, 'verified');
      const noKeys = readImage(signed());
      assert.equal(noKeys.ok && noKeys.signature, 'unverified');
      const otherId = readImage(signed('tpm0'), { keys: { machine: MACHINE_KEY } });
      assert.equal(otherId.ok && otherId.signature, 'unverified');
      if (otherId.ok) assert.equal(otherId.image.sign?.key_id, 'tpm0');
      const unsigned = readImage(sample(), { keys: { machine: MACHINE_KEY } });
      assert.equal(unsigned.ok && unsigned.signature, 'none');
    });
  });

  describe('truncation (EPIPE)', () => {
    it('inside a record header', () => {
      const bytes = sample();
      const cred = find(bytes, 'CRED').offset;
      expectReject(bytes.subarray(0, cred + 1), 'EPIPE', cred, 'hdr.type');
      expectReject(bytes.subarray(0, cred + 3), 'EPIPE', cred, 'hdr.len');
      expectReject(bytes.subarray(0, cred + 7), 'EPIPE', cred, 'hdr.parent');
    });
    it('inside a payload', () => {
      const bytes = sample();
      const vma = find(bytes, 'VMA', 1).offset;
      expectReject(bytes.subarray(0, vma + HDR + 20), 'EPIPE', vma, 'VMA.vm_end');
      expectReject(bytes.subarray(0, 100), 'EPIPE', 0, 'HEAD.release');
      const str = find(bytes, 'STRING').offset;
      expectReject(bytes.subarray(0, str + HDR + 2), 'EPIPE', str, 'STRING.value');
      const cpu = find(bytes, 'CPU').offset;
      expectReject(bytes.subarray(0, cpu + HDR + 32 + 3 * 8 + 5), 'EPIPE', cpu, 'CPU.regs[3]');
      const tree = find(bytes, 'TREE').offset;
      expectReject(bytes.subarray(0, tree + HDR + 8 + 13), 'EPIPE', tree, 'TREE.tasks[0].nspid');
      const groups = find(bytes, 'GROUPINFO').offset;
      expectReject(bytes.subarray(0, groups + HDR + 9), 'EPIPE', groups, 'GROUPINFO.groups[0]');
      const sec = find(bytes, 'SECURITY').offset;
      expectReject(bytes.subarray(0, sec + HDR + 4), 'EPIPE', sec, 'SECURITY._pad');
    });
    it('judges each page address as soon as its 8 bytes are there, before a cut is EPIPE', () => {
      const bytes = sample();
      const pgarr = find(bytes, 'PGARR', 2); // two pages of the VMA 0x600000-0x604000
      const addrs = pgarr.offset + HDR + 8;
      setU64(bytes, addrs, 0x700000n); // outside the VMA
      // Cut inside the pages, inside the second address, right after the first address.
      for (const end of [addrs + 16 + 4096 + 5, addrs + 12, addrs + 8]) {
        expectReject(bytes.subarray(0, end), 'EINVAL', pgarr.offset, 'PGARR.addrs[0]');
      }
      // A good first address and a bad second one, cut inside the pages: the second is judged.
      setU64(bytes, addrs, 0x600000n);
      setU64(bytes, addrs + 8, 0x600001n);
      expectReject(bytes.subarray(0, addrs + 16 + 10), 'EINVAL', pgarr.offset, 'PGARR.addrs[1]');
      // Cut before the first address is whole: EPIPE naming it.
      expectReject(bytes.subarray(0, addrs + 3), 'EPIPE', pgarr.offset, 'PGARR.addrs[0]');
    });
    it('inside page data', () => {
      const bytes = sample();
      const pgarr = find(bytes, 'PGARR', 2); // two pages
      expectReject(
        bytes.subarray(0, pgarr.offset + HDR + 8 + 12),
        'EPIPE',
        pgarr.offset,
        'PGARR.addrs[1]',
      );
      expectReject(
        bytes.subarray(0, pgarr.offset + HDR + 8 + 16 + 4096 + 5),
        'EPIPE',
        pgarr.offset,
        'PGARR.pages[1]',
      );
    });
    it('between records, before TAIL', () => {
      const bytes = sample();
      const tail = find(bytes, 'TAIL').offset;
      expectReject(bytes.subarray(0, tail), 'EPIPE', tail, 'TAIL');
      const cpu = find(bytes, 'CPU').offset;
      expectReject(bytes.subarray(0, cpu), 'EPIPE', cpu, 'CPU');
    });
    it('an empty stream', () => {
      expectReject(new Uint8Array(0), 'EPIPE', 0, 'HEAD');
    });
    it('before the STRING that follows ERROR', () => {
      const bytes = writeFailedImage(head(), 'checkpoint failed: EBUSY');
      const error = find(bytes, 'ERROR');
      expectReject(bytes.subarray(0, error.end), 'EPIPE', error.end, 'STRING');
    });
  });

  describe('ERROR and the end of the image', () => {
    it('a well-formed ERROR and its STRING is EIO with the message', () => {
      const bytes = writeFailedImage(head(), 'checkpoint.frozen: task 7 is not frozen');
      const error = expectReject(bytes, 'EIO', find(bytes, 'ERROR').offset, 'ERROR');
      assert.equal(error.message, 'checkpoint.frozen: task 7 is not frozen');
    });
    it('ERROR after some records of a task', () => {
      const full = sample();
      const mm = find(full, 'MM').offset;
      const partial = full.subarray(232, mm);
      const bytes = writeFailedImage(sampleImage().head, 'out of memory', partial);
      const result = readImage(bytes);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.deepEqual(
          [result.error.errno, result.error.offset, result.error.field],
          ['EIO', mm, 'ERROR'],
        );
        assert.ok(
          result.records.some((r) => r.name === 'CRED'),
          'records before ERROR are listed',
        );
      }
    });
    it('ERROR where SIGN would go, but not after SIGN', () => {
      const bytes = signed();
      const sign = find(bytes, 'SIGN').offset;
      const failed = writeFailedImage(
        signedImage().head,
        'signing failed',
        bytes.subarray(232, sign),
      );
      expectReject(failed, 'EIO', sign, 'ERROR');
      const tail = find(bytes, 'TAIL').offset;
      const afterSign = splice(bytes, tail, 8, writeFailedImage(head(), 'late').subarray(232));
      expectReject(afterSign, 'EINVAL', tail, 'hdr.type');
    });
    it('ERROR with a bad STRING is judged as text', () => {
      const bytes = writeFailedImage(head(), 'abc');
      setU8(bytes, payload(bytes, 'STRING') + 1, 0xff);
      expectReject(bytes, 'EINVAL', find(bytes, 'STRING').offset, 'STRING.value');
    });
    it('bytes after TAIL', () => {
      const bytes = sample();
      const longer = splice(bytes, bytes.length, 0, Uint8Array.of(0));
      expectReject(longer, 'EINVAL', bytes.length, 'TAIL');
    });
    it('bytes after the STRING that follows ERROR', () => {
      const bytes = writeFailedImage(head(), 'x');
      const longer = splice(bytes, bytes.length, 0, Uint8Array.of(1, 2, 3));
      expectReject(longer, 'EINVAL', bytes.length, 'TAIL');
    });
  });
});
