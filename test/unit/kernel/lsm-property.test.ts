/**
 * A property of restart.lsm (issue 8 §1): for generated `label` policies and images (hallyn's own
 * checkpoints, then edited: saved domains, file labels, paths, the image's LSM), a restart never
 * yields a task whose domain, or the label of a file it holds (open or mapped), the policy would
 * refuse to the caller. The oracle below reads the policy itself, not the kernel's LSM code.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readImage, writeImage } from '../../../extension/image/index';
import {
  RestartFlag,
  defaultWorld,
  imm,
  type LabelPolicy,
  type LabelRule,
} from '../../../extension/kernel/index';
import { boot, bytesOf, idle, runUntil, spawn, withProgram } from './helpers';

const LABELS = ['file_t', 'secret_t', 'etc_t', 'user_t', 'unconfined_t', 'passwd_t'] as const;
const DOMAINS = ['user_t', 'unconfined_t', 'passwd_t'] as const;
const FILES = ['/tmp/a', '/tmp/b', '/etc/passwd'] as const;
const DOMAIN_OF = { hallyn: 'user_t', root: 'unconfined_t' } as const;

const rule: fc.Arbitrary<LabelRule> = fc
  .tuple(fc.constantFrom(...LABELS), fc.option(fc.constantFrom(...DOMAINS), { nil: undefined }))
  .map(([label, domain]) =>
    domain === undefined ? { deny: 'restore', label } : { deny: 'restore', label, domain },
  );

const policy: fc.Arbitrary<LabelPolicy> = fc.record({
  rules: fc.array(rule, { maxLength: 4 }),
  allowedTransitions: fc.array(
    fc.record({ from: fc.constantFrom(...DOMAINS), to: fc.constantFrom(...LABELS) }),
    { maxLength: 3 },
  ),
});

/** Edits of the decoded image, as a person with `tamper` would make them. */
const edits = fc.record({
  domain: fc.option(fc.constantFrom(...LABELS), { nil: undefined }),
  fileLabels: fc.array(fc.option(fc.constantFrom(...LABELS), { nil: null }), { maxLength: 3 }),
  paths: fc.array(fc.option(fc.constantFrom(...FILES), { nil: undefined }), { maxLength: 3 }),
  mapped: fc.option(fc.constantFrom(...FILES), { nil: undefined }),
  lsm: fc.constantFrom('label', 'label', 'dummy', null),
});

function denies(rules: readonly LabelRule[], caller: string, label: string | null): boolean {
  return rules.some(
    (r) =>
      r.deny === 'restore' && r.label === label && (r.domain === undefined || r.domain === caller),
  );
}

describe('restart.lsm as a property: nothing the policy refuses comes back', function () {
  this.timeout(120_000);

  it('for generated policies and edited images', () => {
    let restored = 0;
    fc.assert(
      fc.property(
        policy,
        fc.tuple(...FILES.map(() => fc.constantFrom(...LABELS))),
        edits,
        fc.constantFrom('hallyn', 'root'),
        fc.constantFrom(0, RestartFlag.KEEP_LSM, RestartFlag.KEEP_LSM + RestartFlag.FROZEN),
        (labelPolicy, fileLabels, edit, user, flags) => {
          const world = withProgram(defaultWorld(), '/usr/bin/holder', [
            { op: 'open', path: '/tmp/a', flags: 0, dst: 'a' },
            { op: 'open', path: '/tmp/b', flags: 0, dst: 'b' },
            { op: 'mmap', pages: imm(1), prot: 1, fd: { kind: 'var', name: 'b' }, dst: 'map' },
            { op: 'close', fd: { kind: 'var', name: 'b' } },
            { op: 'checkpoint', pid: imm(0), flags: 0, path: '/tmp/x.crimg', dst: 'crid' },
            ...idle(),
          ]);
          for (const [i, path] of FILES.entries()) {
            world.files = world.files.filter((file) => file.path !== path);
            world.files.push({
              path,
              kind: 'file',
              mode: 0o644,
              uid: 0,
              gid: 0,
              contents: `contents of ${path}`,
              label: fileLabels[i],
            });
          }
          world.lsm = { name: 'label', policy: labelPolicy };
          const kernel = boot(world);
          const pid = spawn(kernel, 'hallyn', '/usr/bin/holder');
          runUntil(kernel, pid, 'checkpoint');
          const read = readImage(bytesOf(kernel, '/tmp/x.crimg'));
          assert.ok(read.ok);
          const image = read.image;
          const task = image.tasks[0];
          assert.ok(task);
          if (edit.domain !== undefined) task.cred.label = edit.domain;
          edit.fileLabels.forEach((label, i) => {
            const file = image.openFiles[i + 1];
            if (file !== undefined) file.label = label;
          });
          edit.paths.forEach((path, i) => {
            const file = image.openFiles[i + 1];
            if (file !== undefined && path !== undefined) file.path = path;
          });
          const mapping = task.vmas.find((vma) => vma.file === '/tmp/b');
          if (mapping !== undefined && edit.mapped !== undefined) mapping.file = edit.mapped;
          image.lsm = edit.lsm;
          kernel.writeFile('/tmp/y.crimg', writeImage(image), { mode: 0o644 });

          const outcome = kernel.restartAs(user, '/tmp/y.crimg', flags);
          if (outcome.ret !== 0) return;
          restored++;
          const caller = DOMAIN_OF[user];
          for (const restoredPid of outcome.restored ?? []) {
            const info = kernel.task(restoredPid);
            assert.ok(info);
            const domain = info.label;
            const transition = (labelPolicy.allowedTransitions ?? []).some(
              (allowed) => allowed.from === caller && allowed.to === domain,
            );
            assert.ok(domain === caller || transition, `domain ${String(domain)} for ${caller}`);
            assert.ok(!denies(labelPolicy.rules, caller, domain), `domain ${String(domain)}`);
            const held = [
              ...info.fds.map((fd) => fd.path),
              ...info.vmas.flatMap((vma) => (vma.file === null ? [] : [vma.file])),
            ];
            for (const path of held) {
              const label = kernel.stat(path)?.label ?? null;
              assert.ok(!denies(labelPolicy.rules, caller, label), `${path} labelled ${label}`);
            }
          }
        },
      ),
      { seed: 0x15e, numRuns: 300 },
    );
    // The property is only worth something if restarts get through.
    assert.ok(restored > 50, `only ${restored} of 300 restarts succeeded`);
  });
});
