/**
 * Builders of valid images for tests (other layers' tests may reuse them): every builder
 * returns a fresh CheckpointImage that readImage accepts once written.
 */
import {
  type CheckpointImage,
  type CredRecord,
  HeadFlag,
  type HeadRecord,
  type OpenFileRecord,
  PAGE_SIZE,
  type TaskImage,
  TreeFlag,
  type VmaRecord,
} from '../../../extension/image/model';

/** The machine key of the default world (kernel.md). */
export const MACHINE_KEY = new TextEncoder().encode('crlab-default-machine-key');

export const ALL_CAPS = (1n << 41n) - 1n;

export function head(flags: number = HeadFlag.CKPT | HeadFlag.SUBTREE | HeadFlag.SELF): HeadRecord {
  return {
    major: 2,
    minor: 6,
    patch: 27,
    rev: 1,
    time: 1_217_548_800,
    flags,
    release: '2.6.27-crlab',
    version: '#1 SMP crlab',
    machine: 'lab64',
  };
}

/** A page whose bytes derive from `seed` (never all zero). */
export function page(addr: number, seed: number): { addr: number; data: Uint8Array } {
  const data = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i += 97) data[i] = (seed + i) % 251 || 1;
  data[0] = (seed % 250) + 1;
  return { addr, data };
}

export function userCred(
  uid: number,
  groups: number[] = [],
  label: string | null = null,
): CredRecord {
  return {
    uid,
    suid: uid,
    euid: uid,
    fsuid: uid,
    gid: uid,
    sgid: uid,
    egid: uid,
    fsgid: uid,
    cap_inheritable: 0n,
    cap_permitted: 0n,
    cap_effective: 0n,
    cap_bset: ALL_CAPS,
    securebits: 0,
    groups,
    label,
  };
}

/** One task, objrefs `2 * index + 1` (MM) and `2 * index + 2` (FILES). */
export function task(
  vpid: number,
  index: number,
  fileObjrefs: number[],
  vmas?: VmaRecord[],
): TaskImage {
  return {
    vpid,
    task: { state: 8, exit_state: 0, exit_code: 0, exit_signal: 0, flags: 1, comm: `task${vpid}` },
    cred: userCred(500, [500, 501], 'user_t'),
    mm: {
      objref: 2 * index + 1,
      start_code: 0x400000,
      end_code: 0x401000,
      start_data: 0x600000,
      end_data: 0x601000,
      start_brk: 0x602000,
      brk: 0x603000,
      start_stack: 0x7ffffff00000,
      arg_start: 0x7ffffff00100,
      arg_end: 0x7ffffff00200,
      env_start: 0x7ffffff00200,
      env_end: 0x7ffffff00300,
      exe: '/usr/bin/counter',
    },
    vmas: vmas ?? [
      {
        vma_type: 2,
        vm_start: 0x400000,
        vm_end: 0x402000,
        vm_page_prot: 5,
        vm_flags: 5,
        vm_pgoff: 0,
        file: '/usr/bin/counter',
        pages: [page(0x400000, vpid)],
      },
      {
        vma_type: 1,
        vm_start: 0x600000,
        vm_end: 0x604000,
        vm_page_prot: 3,
        vm_flags: 3,
        vm_pgoff: 0,
        file: null,
        pages: [page(0x600000, vpid + 1), page(0x602000, vpid + 2)],
      },
      {
        vma_type: 1,
        vm_start: 0x7fffffefe000,
        vm_end: 0x7ffffff01000,
        vm_page_prot: 3,
        vm_flags: 0x103,
        vm_pgoff: 0,
        file: null,
        pages: [],
      },
    ],
    files: {
      objref: 2 * index + 2,
      fds: fileObjrefs.map((objref, fd) => ({ objref, fd, close_on_exec: fd === 2 ? 1 : 0 })),
    },
    cpu: {
      pc: 7,
      sp: 0x7ffffff00000,
      flags: 0,
      orig_ax: 0,
      regs: Array.from({ length: 16 }, (_, i) => (i === 0 ? -11 : i * 1000)),
    },
  };
}

export function openFiles(): OpenFileRecord[] {
  return [
    {
      objref: 1,
      fd_type: 1,
      f_mode: 3,
      f_flags: 2,
      f_pos: 0,
      f_version: 0,
      path: '/dev/null',
      label: null,
    },
    {
      objref: 2,
      fd_type: 1,
      f_mode: 1,
      f_flags: 0x400,
      f_pos: 123,
      f_version: 1,
      path: '/etc/passwd',
      label: 'etc_t',
    },
    {
      objref: 3,
      fd_type: 2,
      f_mode: 1,
      f_flags: 0,
      f_pos: 0,
      f_version: 0,
      path: '/',
      label: null,
    },
  ];
}

/** One task checkpointing itself: fds 0..2 on /dev/null, 3 on /etc/passwd, 4 on /. */
export function sampleImage(): CheckpointImage {
  return {
    head: head(),
    lsm: 'dummy',
    tree: [{ vpid: 42, vppid: 0, vtgid: 42, nspid: 42, nsdepth: 0, flags: 0 }],
    tasks: [task(42, 0, [1, 1, 1, 2, 3])],
    openFiles: openFiles(),
    sign: null,
  };
}

/**
 * A whole container: init (vpid 1), a child in the same namespace (vpid 2), and a grandchild
 * that is the init of a nested pid namespace (vpid 3, nspid 1, depth 1, NS_INIT).
 * Fds share open files across tasks.
 */
export function containerImage(): CheckpointImage {
  return {
    head: head(HeadFlag.CKPT),
    lsm: null,
    tree: [
      { vpid: 1, vppid: 0, vtgid: 1, nspid: 1, nsdepth: 0, flags: TreeFlag.NS_INIT },
      { vpid: 2, vppid: 1, vtgid: 2, nspid: 2, nsdepth: 0, flags: 0 },
      { vpid: 3, vppid: 2, vtgid: 3, nspid: 1, nsdepth: 1, flags: TreeFlag.NS_INIT },
    ],
    tasks: [task(1, 0, [1, 1, 1]), task(2, 1, [1, 1, 2]), task(3, 2, [3, 1, 1, 2])],
    openFiles: openFiles(),
    sign: null,
  };
}

/** `sampleImage()` with SIGNED set (write it with a signingKey). */
export function signedImage(): CheckpointImage {
  const image = sampleImage();
  image.head.flags |= HeadFlag.SIGNED;
  return image;
}

/**
 * One task with `touched` pages spread over three anonymous VMAs; every 7th page is all zero
 * (the writer skips those).
 */
export function bigImage(touched: number): CheckpointImage {
  const image = sampleImage();
  const t = image.tasks[0];
  if (t === undefined) throw new Error('sampleImage has a task');
  const per = Math.ceil(touched / 3);
  const vmas: VmaRecord[] = [];
  let made = 0;
  for (let v = 0; v < 3; v++) {
    const start = 0x10000000 * (v + 1);
    const count = Math.min(per, touched - made);
    const pages = [];
    for (let i = 0; i < count; i++) {
      const p = page(start + i * PAGE_SIZE, made + i);
      if ((made + i) % 7 === 3) p.data.fill(0);
      pages.push(p);
    }
    made += count;
    vmas.push({
      vma_type: 1,
      vm_start: start,
      vm_end: start + Math.max(count, 1) * PAGE_SIZE,
      vm_page_prot: 3,
      vm_flags: 3,
      vm_pgoff: 0,
      file: null,
      pages,
    });
  }
  t.vmas = vmas;
  return image;
}
