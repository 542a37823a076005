import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkScenario,
  loadScenario,
  runScenario,
  tamperImage,
  type TranscriptEntry,
} from '../../../extension/lab/index';
import { readImage } from '../../../extension/image/index';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

function outputs(entries: readonly TranscriptEntry[], comm?: string): string[] {
  return entries.flatMap((e) =>
    e.kind === 'output' && (comm === undefined || e.comm === comm) ? [e.text] : [],
  );
}

function failures(entries: readonly TranscriptEntry[]): string[] {
  return entries.flatMap((e) =>
    e.kind === 'expect' && !e.passed
      ? [`${e.line}: ${e.text}: ${e.detail}`]
      : e.kind === 'error'
        ? [`${e.line}: ${e.message}`]
        : [],
  );
}

describe('lab interpreter', function () {
  this.timeout(30_000);

  it('runs every example without diagnostics and with every expectation holding', () => {
    const files = readdirSync(EXAMPLES).filter((name) => name.endsWith('.crlab'));
    assert.ok(files.length >= 12);
    for (const name of files) {
      const result = runScenario(readFileSync(join(EXAMPLES, name), 'utf8'));
      assert.deepEqual(result.diagnostics, [], name);
      assert.deepEqual(failures(result.entries), [], name);
      assert.ok(result.expectations > 0, name);
      assert.equal(result.passed, true, name);
    }
  });

  it('continues a counter after restart: checkpointed at 3, it prints 4, 5, 6', () => {
    const result = runScenario(`
program counter
  set n = 0
loop:
  set n = n + 1
  print n
  goto loop
end
spawn counter as hallyn -> c
run c until loop
run c until loop
run c until loop
run c until loop
freeze c
checkpoint c as hallyn flags SUBTREE to /tmp/c.crimg
restart /tmp/c.crimg as hallyn -> r
run r until loop
run r until loop
run r until loop
expect var r n 6
`);
    assert.deepEqual(failures(result.entries), []);
    assert.deepEqual(outputs(result.entries), ['1', '2', '3', '4', '5', '6']);
    const restored = result.session?.findTask('r');
    assert.notEqual(restored?.pid, result.session?.findTask('c')?.pid);
  });

  it('is deterministic: the same file gives the same transcript and the same image bytes', () => {
    const source = readFileSync(join(EXAMPLES, '03-passwd-signed.crlab'), 'utf8');
    const first = runScenario(source);
    const second = runScenario(source);
    assert.deepEqual(second.entries, first.entries);
    assert.equal(first.exports.length, 2);
    first.exports.forEach((exported, i) =>
      assert.deepEqual(second.exports[i]?.bytes, exported.bytes),
    );
  });

  it('records the scenario line on every check, the instruction line for a program call', () => {
    const result = runScenario(readFileSync(join(EXAMPLES, '01-passwd-authorized.crlab'), 'utf8'));
    const actions = result.entries.filter((e) => e.kind === 'action');
    const selfCheckpoint = actions.find((e) => e.text === 'run passwd until checkpoint');
    const restart = actions.find((e) => e.text === 'restart /tmp/passwd.crimg as hallyn');
    assert.ok(selfCheckpoint?.kind === 'action' && restart?.kind === 'action');
    const programLine = result.session?.kernel
      .program('passwd')
      ?.code.find((i) => i.op === 'checkpoint')?.line;
    assert.ok(programLine !== undefined);
    assert.ok(selfCheckpoint.calls[0]?.checks.every((c) => c.line === programLine));
    assert.ok(restart.calls[0]?.checks.every((c) => c.line === restart.line));
  });

  it('evaluates expressions with precedence, negation and comparisons in task memory', () => {
    const result = runScenario(
      `
program math
  set a = 7
  set b = a + 3 * 2 - -1
  set c = (b) % 5
  set d = b / 2
  set e = b >= 14
  if e goto done
  set b = 0
done:
  exit 0
end
spawn math as root -> m
run m until done
expect var m b 14
expect var m d 7
expect var m e 1
`.replace('(b)', 'b'),
    );
    assert.deepEqual(failures(result.entries), []);
  });

  it('counts a failed expectation and says what was found', () => {
    const result = runScenario(
      'spawn counter as hallyn -> c\nexpect task c euid 0\nexpect task c uid hallyn\n',
    );
    assert.equal(result.passed, false);
    assert.equal(result.expectations, 2);
    assert.equal(result.failures, 1);
    assert.deepEqual(failures(result.entries), ['2: expect task c euid 0: euid is 500']);
  });

  it('stops at a runtime error and reports it with its line', () => {
    const result = runScenario(
      'spawn counter as hallyn -> c\nrestart /etc/passwd as root\nexpect last ok\nexpect last ok\n',
    );
    // /etc/passwd is not an image: restart refuses it (no runtime error) and the expectations fail.
    assert.equal(result.failures, 2);
    // `sh` is a known command name, but no task runs it at that point.
    const broken = runScenario('spawn counter as hallyn -> c\nrun sh 1 step\nexpect last ok\n');
    assert.deepEqual(failures(broken.entries), ['2: no task `sh` at this point']);
    const wrongLabel = runScenario(
      'program p\ntop:\n  exit 0\nend\nspawn counter as root -> c\nrun c until top\n',
    );
    assert.deepEqual(failures(wrongLabel.entries), [
      '6: pid 2 runs program `counter`, which has no label `top`',
    ]);
    assert.equal(broken.expectations, 0);
  });

  it('does not run a scenario with diagnostics', () => {
    const result = runScenario('spawn counter as nobody -> c\n');
    assert.equal(result.session, null);
    assert.equal(result.diagnostics[0]?.code, 'unknown-user');
    assert.deepEqual(result.entries, []);
  });

  it('builds the world a scenario describes', () => {
    const checked = checkScenario(`
world empty
user alice 600 groups staff
group staff 50
dir /srv mode 0750 owner alice:staff
file /srv/a mode 0640 owner alice contains "x"
sysctl kernel.ckpt_ptrace_mode = read
lsm label
lsm deny checkpoint domain secret_t
machine key hex 00ff
limit nproc 3
`);
    assert.deepEqual(checked.diagnostics, []);
    const world = checked.world;
    assert.ok(world);
    assert.deepEqual(
      world.users.find((u) => u.name === 'alice'),
      { name: 'alice', uid: 600, gid: 600 },
    );
    assert.deepEqual(world.groups.find((g) => g.name === 'staff')?.members, ['alice']);
    assert.deepEqual(
      world.files.find((f) => f.path === '/srv'),
      { path: '/srv', kind: 'dir', mode: 0o750, uid: 600, gid: 50 },
    );
    assert.equal(world.sysctls['kernel.ckpt_ptrace_mode'], 'read');
    assert.deepEqual(world.lsm, {
      name: 'label',
      policy: {
        rules: [{ deny: 'checkpoint', domain: 'secret_t' }],
        transitions: [],
        allowedTransitions: [],
      },
    });
    assert.deepEqual([...world.machineKey], [0, 255]);
    assert.equal(world.limits?.nprocPerUser, 3);
    assert.equal(
      world.users.some((u) => u.name === 'hallyn'),
      false,
    );
  });
});

describe('lab tamper', () => {
  const bytes = new Uint8Array(readFileSync(join(EXAMPLES, 'images', 'counter.crimg')));

  it('edits a model field and writes a valid image', () => {
    const result = tamperImage(bytes, 'tasks[0].cred.euid', 0);
    assert.ok(result.ok, result.ok ? '' : result.message);
    const read = readImage(result.bytes);
    assert.ok(read.ok);
    assert.equal(read.image.tasks[0]?.cred.euid, 0);
    assert.equal(read.image.tasks[0]?.cred.uid, 500);
  });

  it('patches a record field in place, keeping every other byte', () => {
    const result = tamperImage(bytes, 'CRED[0].uid', 0);
    assert.ok(result.ok);
    const differing = [...result.bytes].flatMap((b, i) => (b === bytes[i] ? [] : [i]));
    assert.equal(differing.length, 2, '500 = 0x1f4: two bytes change');
    assert.equal(result.bytes.length, bytes.length);
  });

  it('patches a count so that the image becomes malformed', () => {
    const result = tamperImage(bytes, 'MM[0].map_count', 1000);
    assert.ok(result.ok);
    const read = readImage(result.bytes);
    assert.ok(!read.ok);
    assert.equal(read.error.field, 'MM.map_count');
  });

  it('sets one raw byte', () => {
    const result = tamperImage(bytes, 'byte[0x10]', 9);
    assert.ok(result.ok);
    assert.equal(result.bytes[0x10], 9);
  });

  it('explains what it cannot do', () => {
    const cases: [string, number | string, RegExp][] = [
      ['tasks[0].cred.nope', 1, /no field/],
      ['CRED[5].uid', 1, /no CRED\[5\]/],
      ['CRED[0].nope', 1, /CRED has no field `CRED.nope`/],
      ['tasks[0].cred.uid', 'root', /is a number/],
      ['byte[0x10]', 300, /0 to 255/],
      ['!!', 1, /cannot read the field path/],
    ];
    for (const [field, value, message] of cases) {
      const result = tamperImage(bytes, field, value);
      assert.ok(!result.ok, field);
      assert.match(result.message, message);
    }
  });
});

describe('lab programs: credentials system calls', () => {
  it('capset, setresuid and setgroups change the task as Linux would', () => {
    const result = runScenario(`
program drop
  setgroups shadow, 500
  capset effective CAP_SETUID permitted CAP_SETUID,CAP_SETGID inheritable none -> r
  setresuid hallyn hallyn -1
  seteuid 0 -> back
  exit 0
end
spawn drop as root -> d
run d 3 steps
expect task d groups "42,500"
expect task d caps "0x80"
run d 1 step
expect task d uid 500
expect task d suid 0
run d 2 steps
expect var d back 0
expect task d euid 0
`);
    assert.deepEqual(failures(result.entries), []);
  });
});

describe('lab session stepping (for the debugger)', () => {
  const source = readFileSync(join(EXAMPLES, '10-counter.crlab'), 'utf8');

  it('stepIn walks through program lines inside a run and ends with the same transcript', () => {
    const stepped = loadScenario(source);
    const lines: number[] = [];
    let guard = 0;
    while (stepped.position !== null && guard++ < 10_000) {
      lines.push(stepped.position.line);
      assert.ok(stepped.stepIn());
    }
    assert.equal(stepped.position, null);
    // Program lines (9..14) appear between the script lines that run them.
    assert.ok(lines.includes(12) && lines.includes(13), lines.join(','));
    assert.ok(lines.indexOf(13) > lines.indexOf(18));
    const whole = runScenario(source);
    assert.deepEqual(stepped.entries, whole.entries);
    assert.equal(stepped.failures, 0);
  });

  it('runs compute instructions in one go to the same end as one at a time (every example, a compute loop)', () => {
    const compute = `
program compute
  set i = 0
  set acc = 0
loop:
  set acc = acc + i * 3
  set acc = acc % 1000003
  set i = i + 1
  if i < 5000 goto loop
  set big = 9007199254740991 * 1024
  set zero = i - i
  set q = acc / zero
  exit 0
end
spawn compute as hallyn -> compute
run compute 7 steps
run compute until loop
run compute 12345 steps
expect var compute i 2471
run compute 20000 steps
expect task compute state zombie
`;
    const sources = readdirSync(EXAMPLES)
      .filter((name) => name.endsWith('.crlab'))
      .map((name) => readFileSync(join(EXAMPLES, name), 'utf8'));
    for (const text of [compute, ...sources]) {
      const batched = loadScenario(text);
      batched.run();
      const stepped = loadScenario(text);
      let guard = 0;
      while (stepped.position !== null && guard++ < 100_000) stepped.stepIn();
      assert.equal(stepped.position, null);
      assert.deepEqual(stepped.entries, batched.entries);
      assert.deepEqual(stepped.kernel.tasks(), batched.kernel.tasks());
      assert.deepEqual(stepped.kernel.console(), batched.kernel.console());
    }
    const whole = runScenario(compute);
    assert.deepEqual(failures(whole.entries), []);
    assert.ok(outputs(whole.entries).some((text) => text.includes('division by zero')));
  });

  it('step finishes a run that stepIn started', () => {
    const session = loadScenario(source);
    session.stepIn(); // spawn
    session.stepIn(); // first instruction of `run counter until loop`
    assert.notEqual(session.position?.pid, null);
    session.step();
    assert.equal(session.position?.pid, null);
    assert.equal(session.position?.line, 19);
  });
});

describe('lab file expectations', () => {
  it('looks at existence, contents, mode and owner through the VFS', () => {
    const result = runScenario(`
program writer
  open /tmp/note w create -> fd
  write fd "hello"
  chmod /tmp/note 0600
  exit 0
end
spawn writer as hallyn -> w
run w
expect file /tmp/note exists
expect file /tmp exists
expect file /tmp/none missing
expect file /tmp/note contains "hell"
expect file /tmp/note mode 0600
expect file /tmp/note owner hallyn:hallyn
expect file /etc/shadow owner root:shadow
expect file /tmp/note mode 0644
expect file /tmp/note owner root
`);
    assert.deepEqual(failures(result.entries), [
      '17: expect file /tmp/note mode 0644: its mode is 0600',
      '18: expect file /tmp/note owner root: its owner is 500:500',
    ]);
  });
});
