/**
 * Writes the workspaces the in-VS-Code and browser tests open, into a folder given on the
 * command line (under the git-ignored cache): no binary fixture is committed.
 *
 *   plain/                    a workspace with no .crimg or .crlab file (activation must not happen)
 *   images/one-task.crimg     a valid image of one task, written by the image helper's writer
 *   images/truncated.crimg    the same image cut in the middle of a record (problems are shown)
 *   images/hostile.crimg      a valid image whose comm, paths and LSM labels are HTML and script
 *   images/edit-*.crimg       copies of one-task.crimg, one for each test that edits one
 *   examples/large.crimg      a valid image of 96 MiB (24 576 pages), written only there
 *   examples/                 a copy of the repository's examples/ plus the two images above
 *
 * Usage: node --import tsx test/e2e/fixtures.ts <folder>
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HeadFlag, TaskState, VmaType, type CheckpointImage } from '../../extension/image/model';
import { writeImage } from '../../extension/image/writer';

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

/** One task whose comm, exe path, cred label and an open file's path and label are hostile. */
export function hostileImage(): CheckpointImage {
  const image = oneTaskImage();
  const [task] = image.tasks;
  if (!task) throw new Error('the one-task image has no task');
  image.lsm = 'label';
  task.task.comm = hostileText.comm;
  task.cred.label = hostileText.label;
  task.mm.exe = hostileText.exe;
  task.files = { objref: 2, fds: [{ objref: 3, fd: 0, close_on_exec: 0 }] };
  image.openFiles = [
    {
      objref: 3,
      fd_type: 1,
      f_mode: 1,
      f_flags: 0,
      f_pos: 0,
      f_version: 0,
      path: hostileText.file,
      label: hostileText.fileLabel,
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
export const editableImages = [
  'edit-me.crimg',
  'edit-enum-flags.crimg',
  'edit-save-as.crimg',
  'edit-hot-exit.crimg',
] as const;

/** Writes every fixture into `folder`; returns the paths the tests use. */
export function writeFixtures(folder: string): { plain: string; images: string; examples: string } {
  const plain = path.join(folder, 'plain');
  const images = path.join(folder, 'images');
  const examples = path.join(folder, 'examples');
  for (const dir of [plain, images, examples]) mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(plain, 'notes.txt'),
    'A workspace without checkpoint images or scenarios.\n',
  );
  const bytes = writeImage(oneTaskImage());
  writeFileSync(path.join(images, 'one-task.crimg'), bytes);
  writeFileSync(
    path.join(images, 'truncated.crimg'),
    bytes.subarray(0, Math.floor(bytes.length / 3)),
  );
  writeFileSync(path.join(images, 'hostile.crimg'), writeImage(hostileImage()));
  for (const name of editableImages) writeFileSync(path.join(images, name), bytes);
  const repoExamples = path.resolve(import.meta.dirname, '..', '..', 'examples');
  if (existsSync(repoExamples)) cpSync(repoExamples, examples, { recursive: true });
  cpSync(images, examples, { recursive: true });
  // Written once, where the browser tests open it (not copied: it is large).
  writeFileSync(path.join(examples, 'large.crimg'), writeImage(largeImage()));
  return { plain, images, examples };
}

const target = process.argv[2];
if (
  target !== undefined &&
  process.argv[1] !== undefined &&
  import.meta.filename === path.resolve(process.argv[1])
) {
  const written = writeFixtures(path.resolve(target));
  console.log(JSON.stringify(written));
}
