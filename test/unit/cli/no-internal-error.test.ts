/**
 * Exit code 70 (`internal error`) is unreachable from any scenario or image (issue 8 §2): every
 * `crlab` command answers with its documented result, 0, 1 or 2. Property tests with fast-check,
 * in process through the CLI's own `main()`: generated scenarios (hostile numbers, offsets, flags,
 * tampered images, shared file mappings) through `run`, `test` and `checkpoint`, and generated
 * images (byte mutations, cuts and model edits of the example images) through every image command
 * and `restart`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { main } from '../../../extension/cli/main';
import { readImage, writeImage, type CheckpointImage } from '../../../extension/image/index';
import { ROOT } from './run-crlab';

/** Runs `crlab ARGS` in process; returns its exit code and what it printed. */
function crlabInProcess(args: string[]): { code: number; stderr: string } {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stderr = '';
  // stdout is kept only for what `crlab test` reports per file (`FAIL file: internal error`).
  process.stdout.write = ((chunk: string | Uint8Array) => {
    if (typeof chunk === 'string' && chunk.includes('internal error')) stderr += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: main(args), stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function answers(args: string[]): void {
  const { code, stderr } = crlabInProcess(args);
  assert.ok([0, 1, 2].includes(code), `crlab ${args.join(' ')} exited ${code}: ${stderr}`);
  assert.doesNotMatch(stderr, /internal error/, `crlab ${args.join(' ')}`);
}

// ---- scenarios ----------------------------------------------------------------------------------

/** Numbers where arithmetic, offsets and 32/53/64-bit boundaries break things. */
const hostileNumber = fc.constantFrom(
  '0',
  '1',
  '-1',
  '3',
  '4095',
  '4096',
  '4097',
  '0x7fffffff',
  '0x80000000',
  '0xffffffff',
  '0x100000000',
  '0x100000001',
  '0x4000000000',
  '0x7ff00000',
  '0x1fffffffffffff',
  '0x20000000000000',
  '0x8000000000000000',
  '18446744073709551615',
);
/** The same without the negative one, for places where `-` reads as an operator. */
const unsignedNumber = hostileNumber.filter((n) => !n.startsWith('-'));
const path = fc.constantFrom(
  '/tmp/a',
  '/tmp/b',
  '/etc/shadow',
  '/etc/passwd',
  '/tmp',
  '/dev/null',
  '/nope/x',
  '/tmp/img.crimg',
);
const user = fc.constantFrom('root', 'hallyn', 'oren');
const flags = fc.oneof(
  hostileNumber,
  fc.constantFrom('SUBTREE', 'TASKSELF', 'FROZEN', 'KEEP_LSM', 'FROZEN,KEEP_LSM'),
);
const prot = fc.constantFrom('none', 'r', 'w', 'rw', 'rx', 'rwx');

/** A number, or `neg` (-1, set by the prologue: a literal `-1` after an operand subtracts). */
const operand = fc.oneof(unsignedNumber, fc.constant('neg'));

/** Instructions over the prologue's variables: fd (a descriptor), buf and map (addresses), x. */
const instruction: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      path,
      fc.constantFrom('r', 'w', 'rw'),
      fc.constantFrom('', ' create', ' create trunc', ' append'),
    )
    .map(([p, m, o]) => `open ${p} ${m}${o} -> fd`),
  operand.map((n) => `read fd buf ${n} -> x`),
  operand.map((n) => `write fd buf ${n} -> x`),
  fc.constant('write fd "hello" -> x'),
  fc
    .tuple(operand, prot, fc.constantFrom('shared', 'private'))
    .map(([n, p, s]) => `mmap anon ${n} pages ${p} ${s} -> buf`),
  fc
    .tuple(operand, prot, fc.constantFrom('shared', 'private'))
    .map(([n, p, s]) => `mmap file fd ${n} pages ${p} ${s} -> map`),
  operand.map((n) => `munmap buf ${n} pages`),
  unsignedNumber.map((n) => `store map + ${n} "x"`),
  unsignedNumber.map((n) => `store buf + ${n} ${n}`),
  unsignedNumber.map((n) => `load map + ${n} -> x`),
  fc.constant('fork -> x'),
  fc.constantFrom('/bin/sh', '/bin/passwd', '/usr/bin/counter').map((p) => `exec ${p}`),
  fc.tuple(operand, operand).map(([a, b]) => `setresuid ${a} ${b} neg`),
  fc.constant('capset effective CAP_SYS_ADMIN permitted CAP_SYS_ADMIN'),
  fc.constant('unshare pid'),
  operand.map((n) => `freeze ${n}`),
  operand.map((n) => `thaw ${n}`),
  fc.tuple(path, flags).map(([p, f]) => `checkpoint self to ${p} flags ${f} -> x`),
  fc.tuple(operand, path, flags).map(([n, p, f]) => `checkpoint ${n} to ${p} flags ${f} -> x`),
  flags.map((f) => `restart /tmp/img.crimg flags ${f} -> x`),
  fc.constant('print "x=" x " at " buf'),
  fc.constant('print map'),
  operand.map((n) => `sleep ${n}`),
  unsignedNumber.map((n) => `set x = x * ${n} + ${n} / 3 - ${n} % 7`),
  fc.constant('close fd'),
  fc.constant('dup fd -> fd'),
  path.map((p) => `unlink ${p}`),
  path.map((p) => `chmod ${p} 04755`),
  fc.constant('getpid -> x'),
  fc.constant('if x == 0 goto top'),
  operand.map((n) => `exit ${n}`),
);

const tamperField = fc.constantFrom(
  'openFiles[0].f_pos',
  'openFiles[1].f_pos',
  'openFiles[1].label',
  'tasks[0].cred.uid',
  'tasks[0].cred.label',
  'tasks[0].cpu.pc',
  'tasks[0].vmas[0].vm_end',
  'tasks[0].vmas[1].vm_pgoff',
  'tasks[0].mm.exe',
  'head.flags',
  'tree[0].nspid',
  'CRED[0].euid',
  'PGARR[0].nr_pages',
  'byte[0x30]',
);

const scriptStatement: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom('p', 'counter', 'sh'), user, fc.constantFrom('', ' container c'))
    .map(([p, u, c]) => `spawn ${p} as ${u}${c} -> t`),
  fc.constantFrom('1', '3', '500', '5000', '1000001').map((n) => `run t ${n} steps`),
  fc.constant('run t until top'),
  fc.constant('run all 50 steps'),
  fc.constant('freeze t'),
  fc.constant('thaw t'),
  fc.tuple(user, flags).map(([u, f]) => `checkpoint t as ${u} flags ${f} to /tmp/img.crimg`),
  fc.tuple(user, flags).map(([u, f]) => `restart /tmp/img.crimg as ${u} flags ${f} -> r`),
  fc.constant('run r 50 steps'),
  fc
    .tuple(tamperField, fc.oneof(unsignedNumber, fc.constant('"\uFEFFetc_t"')))
    .map(([f, v]) => `tamper /tmp/img.crimg ${f} = ${v}`),
  fc.constant('export /tmp/img.crimg as "img.crimg"'),
  fc.constant('expect last ok'),
  fc.constant('expect file /tmp/a contains "hello"'),
  fc.constant('sysctl kernel.ckpt_restore_creds = caller'),
);

const worldStatement = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'lsm label',
      'lsm dummy',
      'limit file 1 MiB',
      'limit memory 64 KiB',
      'limit nproc 3',
      'sysctl kernel.ckpt_sign_images = 1',
      'sysctl kernel.ckpt_restore_creds = signed',
      'file /tmp/a mode 0666 owner hallyn contains "hello" label secret_t',
    ),
  },
  {
    // Worlds no kernel could boot: each must be a diagnostic, never a crash.
    weight: 1,
    arbitrary: fc.constantFrom(
      'file /tmp mode 0644',
      'file /etc/passwd/x',
      'user bob 4294967295',
      `file /tmp/l label ${'l'.repeat(1100)}`,
    ),
  },
);

const scenario = fc
  .tuple(
    fc.array(worldStatement, { maxLength: 3 }),
    fc.array(instruction, { minLength: 1, maxLength: 12 }),
    fc.array(scriptStatement, { minLength: 1, maxLength: 14 }),
  )
  .map(([world, body, script]) =>
    [
      'world default',
      ...new Set(world),
      'file /tmp/b mode 0666 owner hallyn contains "b"',
      'program p',
      '  open /tmp/b rw -> fd',
      '  mmap anon 2 pages rw -> buf',
      '  mmap file fd 1 pages rw shared -> map',
      '  set x = 1',
      '  set neg = 0 - 1',
      'top:',
      ...body.map((line) => `  ${line}`),
      '  goto top',
      'end',
      'spawn p as hallyn -> t',
      'run t until top',
      'freeze t',
      'checkpoint t as hallyn flags SUBTREE to /tmp/img.crimg',
      'restart /tmp/img.crimg as hallyn -> r',
      'thaw t',
      ...script,
      'expect last ok',
    ].join('\n'),
  );

describe('no scenario or image makes crlab exit with an internal error', function () {
  this.timeout(600_000);
  const scratch = mkdtempSync(join(tmpdir(), 'crlab-no70-'));

  it('generated scenarios through run, test and checkpoint', () => {
    let ran = 0;
    fc.assert(
      fc.property(scenario, (source) => {
        const file = join(scratch, 'scenario.crlab');
        writeFileSync(file, source);
        for (const args of [
          ['run', file, '--json'],
          ['test', file],
          ['checkpoint', file, '--task', 't', '--as', 'root', '-o', join(scratch, 'out.crimg')],
          [
            'restart',
            join(ROOT, 'examples', 'images', 'counter.crimg'),
            '--as',
            'root',
            '--world',
            file,
          ],
        ]) {
          const { code, stderr } = crlabInProcess(args);
          assert.ok(
            [0, 1, 2].includes(code),
            `crlab ${args[0]} exited ${code}: ${stderr}\n--- scenario ---\n${source}`,
          );
          assert.doesNotMatch(stderr, /internal error/, source);
          if (args[0] === 'run' && code !== 2) ran++;
        }
      }),
      { seed: 0x8c0de, numRuns: 150 },
    );
    // The generator is worth its name only if most scenarios get past the checks.
    assert.ok(ran > 100, `only ${ran} of 150 generated scenarios ran`);
  });

  it('every example scenario through run and test', () => {
    for (const name of readdirSync(join(ROOT, 'examples')).filter((n) => n.endsWith('.crlab'))) {
      answers(['run', join(ROOT, 'examples', name)]);
    }
  });

  const images = readdirSync(join(ROOT, 'examples', 'images')).map((name) =>
    readFileSync(join(ROOT, 'examples', 'images', name)),
  );

  /** The image commands and restart on `bytes`. */
  function throughEveryCommand(bytes: Uint8Array): void {
    const file = join(scratch, 'image.crimg');
    writeFileSync(file, bytes);
    const json = join(scratch, 'image.json');
    for (const args of [
      ['image', 'show', file, '--json', '--tree', '--pages'],
      ['image', 'verify', file, '--json'],
      ['image', 'decode', file, '-o', json],
      ['image', 'diff', file, join(ROOT, 'examples', 'images', 'counter.crimg'), '--json'],
      ['restart', file, '--as', 'hallyn', '--json'],
      ['restart', file, '--as', 'root', '--flags', 'TASKSELF', '--json'],
      [
        'restart',
        file,
        '--as',
        'root',
        '--flags',
        'KEEP_LSM,FROZEN',
        '--sysctl',
        'kernel.ckpt_restore_creds=signed',
      ],
      [
        'restart',
        file,
        '--as',
        'hallyn',
        '--world',
        join(ROOT, 'examples', '15-lsm-restore.crlab'),
        '--flags',
        'KEEP_LSM',
      ],
    ]) {
      answers(args);
    }
    if (crlabInProcess(['image', 'decode', file, '-o', json]).code === 0)
      answers(['image', 'encode', json, '-o', join(scratch, 'back.crimg')]);
  }

  it('byte mutations and cuts of the example images through every image command and restart', () => {
    fc.assert(
      fc.property(
        fc.nat(images.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, edits, cut) => {
          const bytes = new Uint8Array(images[which] ?? new Uint8Array());
          for (const [at, value] of edits) bytes[at % (at % 3 === 0 ? 900 : bytes.length)] = value;
          throughEveryCommand(cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length));
        },
      ),
      { seed: 0x1ce, numRuns: 40 },
    );
  });

  it('valid images with hostile fields (model edits) through every image command and restart', () => {
    const decoded = images
      .map((bytes) => readImage(new Uint8Array(bytes)))
      .flatMap((result) => (result.ok ? [result.image] : []));
    const big = fc.constantFrom(0, 1, 4095, 0x7ff00000, 0x4000000000, 2 ** 53 - 1);
    const edit = fc.oneof(
      big.map((n) => (image: CheckpointImage) => image.openFiles.forEach((f) => (f.f_pos = n))),
      big.map((n) => (image: CheckpointImage) => image.tasks.forEach((t) => (t.cpu.pc = n))),
      path.map((p) => (image: CheckpointImage) => image.openFiles.forEach((f) => (f.path = p))),
      path.map((p) => (image: CheckpointImage) => image.tasks.forEach((t) => (t.mm.exe = p))),
      path.map(
        (p) => (image: CheckpointImage) =>
          image.tasks.forEach((t) => t.vmas.forEach((v) => (v.file = v.file === null ? null : p))),
      ),
      big.map(
        (n) => (image: CheckpointImage) =>
          image.tasks.forEach((t) => t.vmas.forEach((v) => (v.vm_pgoff = v.file === null ? 0 : n))),
      ),
      fc
        .constantFrom('label', 'dummy', null)
        .map((lsm) => (image: CheckpointImage) => (image.lsm = lsm)),
      fc
        .constantFrom('secret_t', 'unconfined_t', '\uFEFFuser_t')
        .map((label) => (image: CheckpointImage) => {
          image.tasks.forEach((t) => (t.cred.label = label));
          image.openFiles.forEach((f) => (f.label = label));
        }),
      fc.constant((image: CheckpointImage) => image.tasks.forEach((t) => (t.task.state = 4))),
    );
    fc.assert(
      fc.property(
        fc.nat(decoded.length - 1),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const image = structuredClone(decoded[which]) as CheckpointImage;
          for (const apply of edits) apply(image);
          let bytes: Uint8Array;
          try {
            bytes = writeImage(image);
          } catch {
            return; // the writer refuses what it cannot write; nothing to restart
          }
          throughEveryCommand(bytes);
        },
      ),
      { seed: 0x5eed, numRuns: 40 },
    );
  });
});
