import { strict as assert } from 'node:assert';
import {
  checkScenario,
  formatDiagnostic,
  symbolsOf,
  type Diagnostic,
} from '../../../extension/lab/index';

/** The diagnostics of a scenario whose body follows `world default`. */
function diagnose(body: string): Diagnostic[] {
  return checkScenario(`world default\n${body}`).diagnostics;
}

function only(body: string): Diagnostic {
  const diagnostics = diagnose(body);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics, null, 2));
  return diagnostics[0] as Diagnostic;
}

describe('lab diagnostics: one per error class, with line and column', () => {
  it('unknown statement, with a suggestion', () => {
    const d = only('spawn sh as hallyn -> shell\nchekpoint shell as root to /tmp/x.crimg');
    assert.deepEqual(
      [d.code, d.line, d.column, d.suggestion],
      ['unknown-statement', 3, 1, 'checkpoint'],
    );
  });

  it('unknown instruction inside a program', () => {
    const d = only('program p\n  prnt "hi"\nend');
    assert.deepEqual(
      [d.code, d.line, d.column, d.suggestion],
      ['unknown-statement', 3, 3, 'print'],
    );
  });

  it('bad argument: a missing keyword', () => {
    const d = only('spawn sh hallyn -> shell');
    assert.deepEqual([d.code, d.line, d.column], ['bad-argument', 2, 10]);
    assert.match(d.message, /expected `as`, found `hallyn`/);
  });

  it('bad argument: an unknown sysctl value, with a suggestion', () => {
    const d = only('sysctl kernel.ckpt_restore_creds = authorised');
    assert.deepEqual(
      [d.code, d.line, d.column, d.suggestion],
      ['bad-argument', 2, 36, 'authorized'],
    );
  });

  it('bad argument: an unknown errno', () => {
    const d = only('spawn sh as root -> s\nexpect last EPREM');
    assert.deepEqual([d.code, d.line, d.column, d.suggestion], ['bad-argument', 3, 13, 'EPERM']);
  });

  it('bad argument: an unknown check id', () => {
    const d = only('spawn sh as root -> s\nexpect check restart.cred.uid fail');
    assert.deepEqual(
      [d.code, d.line, d.column, d.suggestion],
      ['bad-argument', 3, 14, 'restart.creds.uid'],
    );
  });

  it('unknown user, suggesting hallyn', () => {
    const d = only('spawn sh as halyn -> shell');
    assert.deepEqual([d.code, d.line, d.column, d.suggestion], ['unknown-user', 2, 13, 'hallyn']);
    assert.equal(
      formatDiagnostic(d, 'x.crlab'),
      'x.crlab:2:13: unknown user `halyn` (did you mean `hallyn`?)',
    );
  });

  it('unknown group in a file owner', () => {
    const d = only('file /etc/x owner root:shadw');
    assert.deepEqual([d.code, d.line, d.column, d.suggestion], ['unknown-group', 2, 24, 'shadow']);
  });

  it('unknown path', () => {
    const d = only('spawn /bin/pasword as hallyn -> p');
    assert.deepEqual(
      [d.code, d.line, d.column, d.suggestion],
      ['unknown-path', 2, 7, '/bin/passwd'],
    );
  });

  it('unknown path: a file whose directory does not exist', () => {
    const d = only('file /opt/tool mode 0755');
    assert.deepEqual([d.code, d.line, d.column], ['unknown-path', 2, 6]);
  });

  it('unknown program', () => {
    const d = only('program counter2\n  exit 0\nend\nfile /bin/c runs countr2');
    assert.deepEqual(
      [d.code, d.line, d.column, d.suggestion],
      ['unknown-program', 5, 18, 'counter2'],
    );
  });

  it('unknown label in a program', () => {
    const d = only('program p\nloop:\n  goto lop\nend');
    assert.deepEqual([d.code, d.line, d.column, d.suggestion], ['unknown-label', 4, 8, 'loop']);
  });

  it('unknown label in `run ... until`', () => {
    const d = only('program p\ntop:\n  exit 0\nend\nspawn p as root -> t\nrun t until tpo');
    assert.deepEqual([d.code, d.line, d.column, d.suggestion], ['unknown-label', 7, 13, 'top']);
  });

  it('unknown task', () => {
    const d = only('spawn sh as root -> shell\nfreeze shel');
    assert.deepEqual([d.code, d.line, d.column, d.suggestion], ['unknown-task', 3, 8, 'shell']);
  });

  it('undefined variable', () => {
    const d = only('program p\n  set count = 1\n  print cont\nend');
    assert.deepEqual(
      [d.code, d.line, d.column, d.suggestion],
      ['undefined-variable', 4, 9, 'count'],
    );
  });

  it('type mismatch: a descriptor used as a memory address', () => {
    const d = only('program p\n  open /etc/passwd r -> fd\n  store fd "x"\nend');
    assert.deepEqual([d.code, d.line, d.column], ['type-mismatch', 4, 9]);
    assert.match(d.message, /`fd` is a file descriptor, but a memory address is needed/);
  });

  it('type mismatch: a word for a numeric sysctl', () => {
    const d = only('sysctl kernel.ckpt_sign_images = yes');
    assert.deepEqual([d.code, d.line, d.column], ['type-mismatch', 2, 34]);
  });

  it('bad argument: a number outside what the kernel accepts for a sysctl', () => {
    const d = only('sysctl kernel.ckpt_sign_images = 5');
    assert.deepEqual([d.code, d.line], ['bad-argument', 2]);
    assert.match(d.message, /takes one of 0, 1/);
  });

  it('type mismatch: a string where a number is needed', () => {
    const d = only('program p\n  sleep "1"\nend');
    assert.deepEqual([d.code, d.line, d.column], ['type-mismatch', 3, 9]);
  });

  it('bad argument: a capability set that is not a number', () => {
    const d = only('spawn sh as root -> s\nexpect task s caps "all"');
    assert.deepEqual([d.code, d.line, d.column], ['bad-argument', 3, 20]);
  });

  it('bad argument: label policy rules without the label LSM', () => {
    const d = only('lsm deny checkpoint domain passwd_t');
    assert.deepEqual([d.code, d.line, d.column], ['bad-argument', 2, 1]);
    assert.match(d.message, /need `lsm label`/);
  });

  it('bad argument: a label no SECURITY record could hold, and a uid or gid outside uid_t', () => {
    const long = 'x'.repeat(1024);
    for (const body of [
      `file /tmp/x label ${long}`,
      `dir /srv label ${long}`,
      `user bob 600 domain ${long}`,
      `lsm label\nlsm transition exec a_t to ${long}`,
      `lsm label\nlsm allow transition from user_t to ${long}`,
    ]) {
      const [d, ...rest] = diagnose(body);
      assert.equal(rest.length, 0, body.slice(0, 40));
      assert.equal(d?.code, 'bad-argument');
      assert.match(d?.message ?? '', /at most 1023 bytes/);
    }
    assert.deepEqual(diagnose(`file /tmp/x label ${'x'.repeat(1023)}`), []);
    for (const body of [
      'user bob 4294967295',
      'user bob 600 gid 70000000000000',
      'group g 4294967296',
    ]) {
      const [d] = diagnose(body);
      assert.equal(d?.code, 'bad-argument', body);
      assert.match(d?.message ?? '', /0\.\.4294967294/);
    }
    assert.deepEqual(diagnose('user bob 4294967294'), []);
  });

  it('bad argument: a program the kernel could not assemble (too many variables)', () => {
    const sets = Array.from({ length: 4100 }, (_, i) => `  set v${i} = 1`).join('\n');
    const d = only(`program many\n${sets}\nend\nspawn many as hallyn -> t`);
    assert.deepEqual([d.code, d.line, d.column], ['bad-argument', 2, 9]);
    assert.match(d.message, /program `many`: too many variables \(4100, at most 4096\)/);
  });

  it('bad argument: a file in the place of a directory, or the reverse, or under a file', () => {
    for (const [body, message] of [
      ['file /tmp mode 0644', /`\/tmp` is a directory/],
      ['dir /etc/passwd', /`\/etc\/passwd` is a file/],
      ['file /tmp/x\ndir /tmp/x', /`\/tmp\/x` is a/],
      ['file /tmp/x\nfile /tmp/x/y', /`\/tmp\/x` is a file, not a directory/],
    ] as const) {
      const [d] = diagnose(body);
      assert.equal(d?.code, 'bad-argument', body);
      assert.match(d?.message ?? '', message, body);
    }
    assert.deepEqual(diagnose('dir /tmp mode 01777\nfile /etc/passwd mode 0600'), []);
  });

  it('bad argument: a number that does not fit in 64 bits', () => {
    const huge = '9'.repeat(400);
    for (const body of [
      `program p\n  set x = ${huge}\nend`,
      `program p\n  sleep 0x${'f'.repeat(17)}\nend`,
      `spawn counter as hallyn -> c\nrestart /tmp/x.crimg as root flags ${huge}`,
    ]) {
      const d = diagnose(body).find((found) => /64 bits/.test(found.message));
      assert.equal(d?.code, 'bad-argument', body.slice(0, 30));
    }
    assert.equal(diagnose('program p\n  set x = 0xffffffffffffffff\n  exit x\nend').length, 0);
  });

  it('syntax: an unterminated string', () => {
    const d = only('program p\n  print "oops\nend');
    assert.deepEqual([d.code, d.line, d.column], ['syntax', 3, 9]);
  });

  it('reports every bad line, not only the first', () => {
    const diagnostics = diagnose('spawn sh as nobody -> a\nfrobnicate\nspawn sh as halyn -> b');
    assert.deepEqual(
      diagnostics.map((d) => [d.line, d.code]),
      [
        [2, 'unknown-user'],
        [3, 'unknown-statement'],
        [4, 'unknown-user'],
      ],
    );
  });

  it('refuses world statements after the first action', () => {
    const d = only('spawn sh as root -> s\nuser alice 600');
    assert.deepEqual([d.code, d.line, d.column], ['bad-argument', 3, 1]);
  });
});

describe('lab symbols for completion', () => {
  it('lists the names a scenario can use', () => {
    const symbols = symbolsOf(
      'user alice 600\nprogram p\ntop:\n  set x = 1\nend\nspawn p as alice container box -> t\n',
    );
    assert.ok(symbols.users.includes('alice') && symbols.users.includes('hallyn'));
    assert.ok(symbols.paths.includes('/etc/shadow'));
    assert.ok(symbols.programs.includes('p') && symbols.programs.includes('passwd'));
    assert.ok(symbols.labels.includes('top'));
    assert.ok(symbols.variables.includes('x'));
    assert.ok(symbols.tasks.includes('t'));
    assert.deepEqual(symbols.containers, ['box']);
  });

  it('explains that exec is a program instruction', () => {
    const d = only('spawn sh as hallyn -> shell\nexec shell /bin/passwd');
    assert.deepEqual([d.code, d.line, d.column], ['unknown-statement', 3, 1]);
    assert.match(d.message, /`exec` is a program instruction/);
  });
});
