/**
 * The images the in-VS-Code, browser and fuzz tests build in memory: small, valid, deterministic.
 * Kept apart from fixtures.ts (which writes them to disk when run as a script) so that bundles of
 * tests import no script entry point.
 */
import { HeadFlag, TaskState, VmaType, type CheckpointImage } from '../../extension/image/model';

/** One sleeping task owned by uid 1000 with one anonymous mapping: small, valid, deterministic. */
export function oneTaskImage(): CheckpointImage {
  return {
    head: {
      major: 2,
      minor: 6,
      patch: 27,
      rev: 1,
      time: 1_220_000_000,
      flags: HeadFlag.CKPT,
      release: '2.6.27-crlab',
      version: '#1 SMP crlab',
      machine: 'lab64',
    },
    lsm: null,
    tree: [{ vpid: 1, vppid: 0, vtgid: 1, nspid: 1, nsdepth: 0, flags: 1 }],
    tasks: [
      {
        vpid: 1,
        task: {
          state: TaskState.SLEEPING,
          exit_state: 0,
          exit_code: 0,
          exit_signal: 0,
          flags: 1,
          comm: 'passwd',
        },
        cred: {
          uid: 1000,
          suid: 1000,
          euid: 1000,
          fsuid: 1000,
          gid: 1000,
          sgid: 1000,
          egid: 1000,
          fsgid: 1000,
          cap_inheritable: 0n,
          cap_permitted: 0n,
          cap_effective: 0n,
          cap_bset: (1n << 41n) - 1n,
          securebits: 0,
          groups: [1000],
          label: null,
        },
        mm: {
          objref: 1,
          start_code: 0x400000,
          end_code: 0x401000,
          start_data: 0x401000,
          end_data: 0x402000,
          start_brk: 0x402000,
          brk: 0x402000,
          start_stack: 0x7fff0000,
          arg_start: 0x7fff0000,
          arg_end: 0x7fff0000,
          env_start: 0x7fff0000,
          env_end: 0x7fff0000,
          exe: '/usr/bin/passwd',
        },
        vmas: [
          {
            vma_type: VmaType.ANON,
            vm_start: 0x400000,
            vm_end: 0x402000,
            vm_page_prot: 3,
            vm_flags: 3,
            vm_pgoff: 0,
            file: null,
            pages: [{ addr: 0x400000, data: new Uint8Array(4096).fill(0x2a) }],
          },
        ],
        files: { objref: 2, fds: [] },
        cpu: { pc: 0, sp: 0x7fff0000, flags: 0, orig_ax: 0, regs: new Array<number>(16).fill(0) },
      },
    ],
    openFiles: [],
    sign: null,
  };
}

/**
 * Text that would run script if a viewer ever parsed it as HTML. Each payload, should it run,
 * sets `globalThis.crlabPwned` and logs `crlab-pwned …` (what the browser test looks for); the
 * inline handlers would also be reported as Content Security Policy violations.
 */
export const hostileText = {
  comm: `<img src=x onerror="globalThis.crlabPwned='comm';console.log('crlab-pwned comm')">`,
  exe: `/bin/<svg onload="globalThis.crlabPwned='exe';console.log('crlab-pwned exe')">`,
  label: `<script>globalThis.crlabPwned='label';console.log('crlab-pwned label')</script>`,
  file: `/tmp/<b onmouseover="globalThis.crlabPwned='file'">bold</b><img src=y onerror="console.log('crlab-pwned file')">`,
  fileLabel: `<iframe srcdoc="<script>parent.crlabPwned='frame'</script>"></iframe>`,
};

/** The texts a hostile image carries (see {@link hostileImage}). */
export type HostileTexts = Readonly<Record<keyof typeof hostileText, string>>;

/** One task whose comm, exe path, cred label and an open file's path and label are `text`. */
export function hostileImage(text: HostileTexts = hostileText): CheckpointImage {
  const image = oneTaskImage();
  const [task] = image.tasks;
  if (!task) throw new Error('the one-task image has no task');
  image.lsm = 'label';
  task.task.comm = text.comm;
  task.cred.label = text.label;
  task.mm.exe = text.exe;
  task.files = { objref: 2, fds: [{ objref: 3, fd: 0, close_on_exec: 0 }] };
  image.openFiles = [
    {
      objref: 3,
      fd_type: 1,
      f_mode: 1,
      f_flags: 0,
      f_pos: 0,
      f_version: 0,
      path: text.file,
      label: text.fileLabel,
    },
  ];
  return image;
}

/** Pages of the large image: 96 MiB of page data, above the editor's full-validation limit. */
export const largeImagePages = 24 * 1024;

/** The one-task image with one more mapping of {@link largeImagePages} non-zero pages. */
export function largeImage(): CheckpointImage {
  const image = oneTaskImage();
  const [task] = image.tasks;
  if (!task) throw new Error('the one-task image has no task');
  const start = 0x10000000;
  const pages = Array.from({ length: largeImagePages }, (_, index) => ({
    addr: start + index * 4096,
    data: new Uint8Array(4096).fill((index % 255) + 1),
  }));
  task.vmas.push({
    vma_type: VmaType.ANON,
    vm_start: start,
    vm_end: start + largeImagePages * 4096,
    vm_page_prot: 3,
    vm_flags: 3,
    vm_pgoff: 0,
    file: null,
    pages,
  });
  return image;
}

/** Copies of one-task.crimg, so that each test that edits an image edits its own. */
