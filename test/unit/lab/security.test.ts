/**
 * Scenario tests for the holes of issue 8 (§1–§3), written as a user writes them: `.crlab`
 * scenarios run by hallyn (uid 500) with crafted images, checked for the check that answers, its
 * errno, and what a restored task could read.
 */
import assert from 'node:assert/strict';
import {
  runScenario,
  type ScenarioResult,
  type TranscriptEntry,
} from '../../../extension/lab/index';

function failures(entries: readonly TranscriptEntry[]): string[] {
  return entries.flatMap((e) =>
    e.kind === 'expect' && !e.passed
      ? [`${e.line}: ${e.text}: ${e.detail}`]
      : e.kind === 'error'
        ? [`${e.line}: ${e.message}`]
        : [],
  );
}

/** Runs a scenario that must be free of diagnostics and whose expectations must all hold. */
function holds(source: string): ScenarioResult {
  const result = runScenario(source);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(failures(result.entries), []);
  assert.ok(result.expectations > 0);
  return result;
}

function outputs(result: ScenarioResult): string[] {
  return result.entries.flatMap((e) => (e.kind === 'output' ? [e.text] : []));
}

/** The checks of the call the action on `line` (1-based, in `source`) made. */
function checksAt(
  result: ScenarioResult,
  text: string,
): { id: string; result: string; errno: string | null; object: string; reason: string }[] {
  const action = result.entries.find((e) => e.kind === 'action' && e.text === text);
  assert.ok(action?.kind === 'action', `no action ${text}`);
  return action.calls.flatMap((call) => call.checks);
}

// /etc/secret is labelled secret_t; hallyn may read it (DAC 0644), and the policy forbids
// restoring secret_t for callers in user_t. The reader checkpoints before it reads, so a restored
// task that comes back prints the secret.
const SECRET_WORLD = `
world default
lsm label
lsm deny restore label secret_t by user_t
file /etc/secret mode 0644 owner root contains "the secret" label secret_t

program reader
  open /etc/secret r -> secret
  mmap anon 1 pages rw -> buf
ready:
  read secret buf 64 -> n
  print buf
  exit 0
end

spawn reader as hallyn -> reader
run reader until ready
freeze reader
checkpoint reader as hallyn flags SUBTREE to /tmp/reader.crimg
expect last ok
`;

describe('§1 LSM: labels are judged on the real object, and mapped files are files', () => {
  it('KEEP_LSM judges a file on its VFS label: a tampered label is refused and nothing reads the secret', () => {
    const result = holds(`${SECRET_WORLD}
restart /tmp/reader.crimg as hallyn flags KEEP_LSM
expect last EACCES restart.lsm

tamper /tmp/reader.crimg openFiles[1].label = "etc_t"
restart /tmp/reader.crimg as hallyn flags KEEP_LSM
expect last EACCES restart.lsm
expect check restart.file.open pass
run all 20 steps
`);
    const refused = checksAt(result, 'restart /tmp/reader.crimg as hallyn flags KEEP_LSM');
    assert.equal(refused.at(-1)?.id, 'restart.lsm');
    assert.ok(!outputs(result).includes('the secret'), 'no restored task read /etc/secret');
    const tampered = result.entries.filter(
      (e) => e.kind === 'action' && e.text === 'restart /tmp/reader.crimg as hallyn flags KEEP_LSM',
    );
    const last = tampered.at(-1);
    assert.ok(last?.kind === 'action');
    const failed = last.calls[0]?.checks.at(-1);
    assert.equal(failed?.id, 'restart.lsm');
    assert.match(failed?.reason ?? '', /etc_t/);
    assert.match(failed?.reason ?? '', /secret_t/);
  });

  it('a saved label that differs from the VFS is refused even when the policy would allow both', () => {
    holds(`
world default
lsm label
file /etc/notes mode 0644 owner root contains "notes" label notes_t
program reader
  open /etc/notes r -> notes
ready:
  sleep 1
  goto ready
end
spawn reader as hallyn -> reader
run reader 2 steps
freeze reader
checkpoint reader as hallyn flags SUBTREE to /tmp/r.crimg
tamper /tmp/r.crimg openFiles[1].label = "public_t"
restart /tmp/r.crimg as hallyn flags KEEP_LSM
expect last EACCES restart.lsm
restart /tmp/r.crimg as hallyn
expect last ok
`);
  });

  it('what the policy allows, comes back: root restores the same image and the task reads the secret', () => {
    const result = holds(
      `${SECRET_WORLD}
lsm_placeholder
`.replace(
        'lsm_placeholder\n',
        `restart /tmp/reader.crimg as root -> restored
expect last ok
run restored
expect output restored "the secret"
`,
      ),
    );
    assert.ok(outputs(result).includes('the secret'));
  });

  it("KEEP_LSM restores a task's domain only as the caller's own or through an allowed transition", () => {
    const denied = holds(`
world default
lsm label
spawn counter as hallyn -> counter
run counter 3 steps
freeze counter
checkpoint counter as hallyn flags SUBTREE to /tmp/c.crimg
expect last ok

restart /tmp/c.crimg as hallyn flags KEEP_LSM -> same
expect last ok
expect task same uid 500

tamper /tmp/c.crimg tasks[0].cred.label = "unconfined_t"
restart /tmp/c.crimg as hallyn flags KEEP_LSM
expect last EACCES restart.lsm
restart /tmp/c.crimg as hallyn
expect last ok
`);
    const refused = denied.entries.filter(
      (e) => e.kind === 'action' && e.text === 'restart /tmp/c.crimg as hallyn flags KEEP_LSM',
    );
    const last = refused.at(-1);
    assert.ok(last?.kind === 'action');
    assert.match(last.calls[0]?.checks.at(-1)?.reason ?? '', /unconfined_t/);
    assert.equal(
      denied.session?.kernel
        .tasks()
        .some((task) => task.label === 'unconfined_t' && task.cred.uid === 500),
      false,
      'hallyn has no task in unconfined_t',
    );

    const allowed = holds(`
world default
lsm label
lsm allow transition from user_t to unconfined_t
spawn counter as hallyn -> counter
run counter 3 steps
freeze counter
checkpoint counter as hallyn flags SUBTREE to /tmp/c.crimg
tamper /tmp/c.crimg tasks[0].cred.label = "unconfined_t"
restart /tmp/c.crimg as hallyn flags KEEP_LSM -> moved
expect last ok
`);
    const moved = allowed.session?.findTask('moved');
    assert.equal(moved?.label, 'unconfined_t');
  });

  it('checkpoint.lsm covers the file behind a mapping whose descriptor was closed', () => {
    const result = holds(`
world default
lsm label
lsm deny checkpoint label secret_t
file /etc/secret mode 0644 owner root contains "the secret" label secret_t
program mapper
  open /etc/secret r -> fd
  mmap file fd 1 pages r private -> map
  close fd
ready:
  print map
  sleep 1
  goto ready
end
spawn mapper as hallyn -> mapper
run mapper until ready
freeze mapper
checkpoint mapper as hallyn flags SUBTREE to /tmp/m.crimg
expect last EACCES checkpoint.lsm
expect file /tmp/m.crimg missing
`);
    const failed = checksAt(result, 'checkpoint mapper as hallyn flags SUBTREE to /tmp/m.crimg').at(
      -1,
    );
    assert.match(failed?.object ?? '', /\/etc\/secret/);
  });

  it('restart.lsm covers the file behind a mapping: nothing reads the secret through it', () => {
    const result = holds(`
world default
lsm label
lsm deny restore label secret_t by user_t
file /etc/secret mode 0644 owner root contains "the secret" label secret_t
program mapper
  open /etc/secret r -> fd
  mmap file fd 1 pages r private -> map
  close fd
ready:
  print map
  exit 0
end
spawn mapper as hallyn -> mapper
run mapper until ready
freeze mapper
checkpoint mapper as hallyn flags SUBTREE to /tmp/m.crimg
expect last ok
restart /tmp/m.crimg as hallyn
expect last EACCES restart.lsm
expect check restart.mmap pass
run all 20 steps
`);
    assert.ok(!outputs(result).includes('the secret'));
    const failed = checksAt(result, 'restart /tmp/m.crimg as hallyn').at(-1);
    assert.match(failed?.object ?? '', /\/etc\/secret/);
  });
});

describe('§3 flags are 64-bit', () => {
  it('a checkpoint or a restart with 0x100000001 is EINVAL, not SUBTREE or TASKSELF', () => {
    const result = holds(`
world default
spawn counter as hallyn -> counter
run counter 3 steps
freeze counter
checkpoint counter as hallyn flags 0x100000001 to /tmp/c.crimg
expect last EINVAL checkpoint.flags
expect file /tmp/c.crimg missing
checkpoint counter as hallyn flags SUBTREE to /tmp/c.crimg
expect last ok
restart /tmp/c.crimg as hallyn flags 0x100000001
expect last EINVAL restart.flags
restart /tmp/c.crimg as hallyn flags 0x80000000
expect last EINVAL restart.flags
`);
    const reasons = result.entries.flatMap((e) =>
      e.kind === 'action'
        ? e.calls.flatMap((c) => c.checks.map((k) => `${k.object} ${k.reason}`))
        : [],
    );
    assert.ok(
      reasons.some((r) => r.startsWith('flags 0x80000000 unknown restart flags 0x80000000')),
    );
    assert.ok(reasons.every((r) => !r.includes('0x-')));
  });
});

describe('§4 text is exactly its bytes', () => {
  it('a U+FEFF at the start of a string in memory or a file is printed and matched as it is', () => {
    const result = holds(`
world default
program writer
  mmap anon 1 pages rw -> buf
  store buf "\uFEFFhello"
  print buf
  open /tmp/out w create -> out
  write out buf
  exit 0
end
spawn writer as hallyn -> writer
run writer
expect output writer "\uFEFFhello"
expect file /tmp/out contains "\uFEFFhello"
`);
    assert.ok(outputs(result).includes('\uFEFFhello'));
  });
});

describe('§2 no input stops the emulator', () => {
  // The writer opens /tmp/out and checkpoints before writing one byte; an edited f_pos moves the
  // restored descriptor's offset far out.
  const WRITER = `
world default
program writer
  open /tmp/out w create -> out
ready:
  write out "x" -> n
  exit 0
end
spawn writer as hallyn -> writer
run writer until ready
freeze writer
checkpoint writer as hallyn flags SUBTREE to /tmp/w.crimg
expect last ok
`;

  it('a restored f_pos of 0x4000000000 and a one-byte write: EFBIG, the run goes on', () => {
    const result = holds(`${WRITER}
tamper /tmp/w.crimg openFiles[1].f_pos = 0x4000000000
restart /tmp/w.crimg as hallyn -> far
expect last ok
run far 2 steps
expect var far n -27
run far
expect task far exit 0
expect file /tmp/out exists
`);
    assert.equal(result.session?.kernel.stat('/tmp/out')?.size, 0);
  });

  it('a restored f_pos of 0x7ff00000 and a one-byte write: the file is 2 GiB long and holds one byte', () => {
    const result = holds(`${WRITER}
tamper /tmp/w.crimg openFiles[1].f_pos = 0x7ff00000
restart /tmp/w.crimg as hallyn -> far
run far 2 steps
expect var far n 1
`);
    const stat = result.session?.kernel.stat('/tmp/out');
    assert.equal(stat?.size, 0x7ff00001);
    assert.ok((stat?.blocks ?? Infinity) <= 8, `it holds ${String(stat?.blocks)} blocks`);
  });

  it('the world file size limit: a write that would end past it is EFBIG', () => {
    holds(`
world default
limit file 1 KiB
program big
  mmap anon 1 pages rw -> buf
  open /tmp/big w create -> out
  write out buf 1000 -> a
  write out buf 100 -> b
  write out buf 24 -> c
idle:
  sleep 1
  goto idle
end
spawn big as hallyn -> big
run big until idle
expect var big a 1000
expect var big b -27
expect var big c 24
`);
  });

  it('a store to a shared file mapping beyond the end of its file: SIGBUS kills the task, the run goes on', () => {
    const result = holds(`
world default
program mapper
  open /tmp/f rw create -> fd
  write fd "abc"
  mmap file fd 2 pages rw shared -> map
  store map + 10 "inside the last page"
  store map + 4096 "beyond the end"
  print "not reached"
  exit 0
end
spawn mapper as hallyn -> mapper
spawn counter as hallyn -> counter
run mapper
expect task mapper exit 135
expect file /tmp/f contains "abc"
run counter 7 steps
expect var counter n 2
`);
    const lines = outputs(result);
    assert.ok(!lines.includes('not reached'));
    assert.ok(
      lines.some((line) => /SIGBUS/.test(line)),
      lines.join('\n'),
    );
    assert.equal(result.session?.kernel.stat('/tmp/f')?.size, 3);
  });
});

describe('§8 checks that can fail: the bounding set and securebits of restart.creds.caps', () => {
  it('a caller that dropped a capability from its bounding set may not restore a task that has it', () => {
    holds(`
world default
program restorer
  prctl capbset_drop CAP_SYS_ADMIN -> dropped
  restart /tmp/c.crimg -> r
idle:
  sleep 1
  goto idle
end
spawn counter as hallyn -> counter
run counter 3 steps
freeze counter
checkpoint counter as hallyn flags SUBTREE to /tmp/c.crimg
spawn restorer as root -> restorer
run restorer until restart
expect last EPERM restart.creds.caps
expect var restorer dropped 0
`);
  });

  it('hallyn may not restore securebits he could not set; root may', () => {
    holds(`
world default
spawn counter as hallyn -> counter
run counter 3 steps
freeze counter
checkpoint counter as hallyn flags SUBTREE to /tmp/c.crimg
tamper /tmp/c.crimg tasks[0].cred.securebits = 1
restart /tmp/c.crimg as hallyn
expect last EPERM restart.creds.caps
restart /tmp/c.crimg as root
expect last ok
`);
  });
});
