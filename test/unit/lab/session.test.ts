/**
 * The lab session: actions become a `.crlab` log with an expect line per outcome; the log runs
 * (as `crlab test` runs it) to the same checks; a saved session replays to the same kernel;
 * world changes (images brought in, the LSM policy) replay from boot; refused actions change
 * nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointFlag, RestartFlag } from '../../../extension/kernel/index';
import { runScenario } from '../../../extension/lab/index';
import {
  ACTIONS_HEADER,
  IMPORT_LIMIT,
  LabError,
  LabSession,
  flagsText,
  parseLsmRule,
  type LabActionResult,
  type LabCall,
} from '../../../extension/lab/session';
import { callReport } from '../../../extension/lab/session-report';
import { touchingTaskScenario } from '../../e2e/fixtureScenarios';

const examples = join(__dirname, '..', '..', '..', 'examples');

/** kernel.md scenario 1's passwd: opens the shadow file and checkpoints itself. */
const selfCheckpointingPasswd = `world default
sysctl kernel.ckpt_sign_images = 1

program passwd
  open /etc/shadow rw -> shadow
  checkpoint self to /tmp/passwd.crimg -> crid
idle:
  sleep 1
  goto idle
end
file /bin/passwd mode 04755 owner root runs passwd
`;

function rows(call: LabCall | undefined): string[] {
  assert.ok(call, 'a call was made');
  return call.checks.map(
    (check) => `${check.result} ${check.id}${check.errno ? ` ${check.errno}` : ''}`,
  );
}

function pidOf(result: LabActionResult): number {
  assert.ok(result.pid !== null, `${result.statement} made a task`);
  return result.pid;
}

/** Everything a view can observe: tasks, images, console, history and the log. */
function observe(session: LabSession): string {
  return JSON.stringify(
    {
      tasks: session.tasks(),
      images: session.images(),
      console: session.kernel.console(),
      history: session.history.map((call) => ({ ...call, imageBytes: call.imageBytes?.length })),
      text: session.text,
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString(16) : value),
  );
}

/** A session mixing every kind of action, kernel.md scenarios 1 and 2 among them. */
function mixedSession(): LabSession {
  const session = LabSession.load(selfCheckpointingPasswd, 'passwd-lab.crlab');
  const passwd = pidOf(session.spawn({ program: '/bin/passwd', user: 'hallyn' }));
  session.run(passwd, { kind: 'syscall', syscall: 'checkpoint' });
  const counter = pidOf(session.spawn({ program: 'counter', user: 'oren' }));
  session.run(counter, { kind: 'steps', steps: 7 });
  session.freeze(counter);
  session.checkpoint(counter, 'hallyn', '/tmp/oren.crimg', CheckpointFlag.SUBTREE);
  session.checkpoint(counter, 'root', '/tmp/oren.crimg', CheckpointFlag.SUBTREE);
  session.setSysctl('kernel.ckpt_restore_creds', 'caller');
  session.restart('/tmp/passwd.crimg', 'hallyn');
  session.setSysctl('kernel.ckpt_restore_creds', 'authorized');
  session.restart('/tmp/passwd.crimg', 'hallyn');
  session.restart('/tmp/passwd.crimg', 'root');
  session.restart('/tmp/oren.crimg', 'oren', RestartFlag.FROZEN);
  session.thaw(counter);
  session.spawn({ program: 'counter', user: 'root', newContainer: true });
  return session;
}

describe('lab session: actions written as a scenario', () => {
  it('starts from the default world and logs each action with the expectation of its outcome', () => {
    const session = LabSession.create();
    assert.match(session.text, /^# A Checkpoint\/Restart Lab session/);
    assert.match(session.text, /\nworld default\n/);
    const spawned = session.spawn({ program: '/bin/passwd', user: 'hallyn' });
    assert.equal(spawned.ok, true);
    assert.equal(spawned.statement, 'spawn /bin/passwd as hallyn -> hallyn_passwd');
    const task = session.kernel.task(pidOf(spawned));
    assert.deepEqual([task?.cred.uid, task?.cred.euid, task?.dumpable], [500, 0, false]);
    assert.ok(session.text.endsWith(`${ACTIONS_HEADER}\n${spawned.statement}\nexpect last ok\n`));
    assert.equal(session.tasks().find((t) => t.pid === spawned.pid)?.name, 'hallyn_passwd');
  });

  it('kernel.md scenario 2: checkpoint.ptrace refuses hallyn both tasks, with its errno in the log', () => {
    const session = LabSession.create();
    const orens = pidOf(session.spawn({ program: 'counter', user: 'oren' }));
    const passwd = pidOf(session.spawn({ program: '/bin/passwd', user: 'hallyn' }));
    for (const pid of [orens, passwd]) {
      const refused = session.checkpoint(
        pid,
        'hallyn',
        `/tmp/t${pid}.crimg`,
        CheckpointFlag.SUBTREE,
      );
      assert.equal(refused.errno, 'EPERM');
      assert.deepEqual(rows(refused.calls[0]).slice(-1), ['fail checkpoint.ptrace EPERM']);
      assert.match(refused.calls[0]?.checks.at(-1)?.reason ?? '', /./);
    }
    assert.match(
      session.text,
      /flags SUBTREE to \/tmp\/t\d+\.crimg\nexpect last EPERM checkpoint\.ptrace\n/,
    );
    assert.equal(session.history.length, 2);
    assert.equal(session.history[0]?.user, 'hallyn');
    assert.equal(session.history[0]?.by, 'script');
  });

  it('kernel.md scenario 1: the self-checkpointed passwd restarts as root, not as hallyn', () => {
    const session = LabSession.load(selfCheckpointingPasswd, 'passwd-lab.crlab');
    const passwd = pidOf(session.spawn({ program: '/bin/passwd', user: 'hallyn' }));
    const ran = session.run(passwd, { kind: 'syscall', syscall: 'checkpoint' });
    assert.equal(ran.ok, true);
    const own = ran.calls[0];
    assert.equal(own?.by, 'program');
    assert.equal(own?.image, '/tmp/passwd.crimg');
    assert.equal(own?.target, 'self');
    assert.equal(own?.user, 'hallyn');
    assert.ok(own?.imageBytes, 'the image is kept with the call');

    const refused = session.restart('/tmp/passwd.crimg', 'hallyn');
    assert.equal(refused.errno, 'EPERM');
    const failed = refused.calls[0]?.checks.at(-1);
    assert.equal(failed?.id, 'restart.creds.uid');
    assert.equal(failed?.field, 'CRED.euid');
    assert.equal(failed?.line, refused.line, 'the check points at its statement in the log');
    assert.ok(failed?.offset !== null && failed?.offset !== undefined);

    const allowed = session.restart('/tmp/passwd.crimg', 'root');
    assert.equal(allowed.ok, true);
    assert.ok(rows(allowed.calls[0]).every((row) => !row.startsWith('fail')));
    const restored = session.kernel.task(pidOf(allowed));
    assert.deepEqual([restored?.cred.uid, restored?.cred.euid], [500, 0]);
    assert.match(
      session.text,
      /restart \/tmp\/passwd\.crimg as hallyn -> passwd_restored\nexpect last EPERM restart\.creds\.uid\n/,
    );
  });

  it('writes a log that runs as a scenario to the same checks, and passes', () => {
    const session = mixedSession();
    const result = runScenario(session.text);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.failures, 0, 'every expectation of the log holds');
    assert.equal(result.passed, true);
    const ran = result.session?.calls ?? [];
    assert.equal(ran.length, session.history.length);
    assert.ok(session.history.length >= 7);
    session.history.forEach((call, index) => {
      const replayed = ran[index];
      assert.deepEqual(replayed?.checks, call.checks, `call ${call.id}: ${call.statement}`);
      assert.equal(replayed?.errno, call.errno);
    });
    assert.ok(session.history.some((call) => call.errno === 'EPERM'));
    assert.ok(
      session.history.some((call) => call.errno === 'EACCES'),
      'caller mode: restart.file.open',
    );
  });

  it('replays a saved session to the same kernel, tasks, images, history and log', () => {
    const session = mixedSession();
    const saved = JSON.parse(JSON.stringify(session.save())) as ReturnType<LabSession['save']>;
    const progress: number[] = [];
    let slicesOfCalls = 0;
    const replay = LabSession.replay(saved);
    let step = replay.next();
    while (step.done !== true) {
      // Between actions the replay says how many are done; inside a call, the call's progress.
      if (step.value.call === undefined) progress.push(step.value.done);
      else slicesOfCalls++;
      step = replay.next();
    }
    assert.deepEqual(progress, [...Array(saved.actions.length + 1).keys()]);
    assert.ok(slicesOfCalls > 0, 'the replay yields inside its checkpoint and restart calls');
    assert.equal(observe(step.value), observe(session));
  });

  it('takes back an action that fails to check, leaving the session as it was', () => {
    const session = mixedSession();
    const before = observe(session);
    assert.throws(() => session.restart('/tmp/missing.crimg', 'hallyn'), LabError);
    assert.throws(() => session.spawn({ program: 'counter', user: 'nobody' }), /no user `nobody`/);
    assert.throws(() => session.freeze(999), /no task with pid 999/);
    assert.throws(() => session.setSysctl('kernel.ckpt_restore_creds', 'maybe'), /takes caller/);
    assert.equal(observe(session), before);
  });

  it('brings an image in as world setup, replays, and restarts it', () => {
    const session = LabSession.create();
    session.spawn({ program: 'counter', user: 'hallyn' });
    const bytes = new Uint8Array(readFileSync(join(examples, 'images', 'passwd.crimg')));
    const brought = session.importImage('passwd.crimg', bytes);
    assert.deepEqual(brought, { path: '/tmp/passwd.crimg', added: true });
    assert.match(
      session.text,
      /\nfile \/tmp\/passwd\.crimg mode 0644 contains hex "[0-9a-f]{16}00d2a2c00cedfe00/,
    );
    assert.deepEqual(session.kernel.readFile('/tmp/passwd.crimg'), bytes);
    assert.equal(
      session.tasks().filter((task) => task.user === 'hallyn').length,
      1,
      'the spawn was replayed',
    );
    assert.deepEqual(session.importImage('copy.crimg', bytes), {
      path: '/tmp/passwd.crimg',
      added: false,
    });
    const refused = session.restart('/tmp/passwd.crimg', 'hallyn');
    assert.equal(refused.errno, 'EPERM');
    assert.equal(runScenario(session.text).passed, true);
    assert.deepEqual(
      session.images().map((image) => [image.path, image.tasks, image.signature]),
      [['/tmp/passwd.crimg', 1, 'none']],
    );
  });

  it('a sysctl before the first action is world setup; after it, an action of the script', () => {
    const session = LabSession.create();
    const setup = session.setSysctl('kernel.ckpt_sign_images', 1);
    assert.equal(setup?.summary, 'world setup (before the first action)');
    assert.equal(session.setSysctl('kernel.ckpt_sign_images', 1), null, 'no change, no statement');
    session.spawn({ program: 'counter', user: 'hallyn' });
    const action = session.setSysctl('kernel.ckpt_ptrace_mode', 'read');
    assert.equal(action?.ok, true);
    assert.equal(session.kernel.sysctl('kernel.ckpt_ptrace_mode'), 'read');
    assert.equal(session.kernel.sysctl('kernel.ckpt_sign_images'), 1);
    assert.equal(runScenario(session.text).passed, true);
    const replayed = LabSession.restore(session.save());
    assert.equal(replayed.text, session.text);
  });

  it('changing the LSM policy replays the session and writes its expectations anew', () => {
    const session = LabSession.create();
    const counter = pidOf(session.spawn({ program: 'counter', user: 'hallyn' }));
    session.freeze(counter);
    assert.equal(
      session.checkpoint(counter, 'root', '/tmp/c.crimg', CheckpointFlag.SUBTREE).ok,
      true,
    );
    session.setLsm('label', [{ deny: 'checkpoint', domain: 'user_t' }]);
    assert.equal(session.history.at(-1)?.errno, 'EACCES');
    assert.equal(session.history.at(-1)?.checks.at(-1)?.id, 'checkpoint.lsm');
    assert.match(session.text, /\nlsm label\nlsm deny checkpoint domain user_t\n/);
    assert.match(session.text, /to \/tmp\/c\.crimg\nexpect last EACCES checkpoint\.lsm\n/);
    assert.equal(runScenario(session.text).passed, true);
    session.setLsm('none');
    assert.equal(session.history.at(-1)?.errno, null);
    const before = session.text;
    assert.throws(
      () => session.setLsm('label', [{ deny: 'ptrace', domain: 'x\nspawn counter as root -> t' }]),
      LabError,
    );
    assert.equal(session.text, before, 'nothing was written into the log');
  });

  it('names tasks the log can refer to, and refuses those it cannot', () => {
    const session = LabSession.create();
    const first = session.spawn({ program: 'counter', user: 'hallyn' });
    const second = session.spawn({ program: 'counter', user: 'hallyn' });
    assert.match(second.statement, /-> hallyn_counter_2$/);
    const tasks = session.tasks();
    assert.equal(tasks.find((t) => t.pid === first.pid)?.name, 'hallyn_counter');
    assert.equal(tasks.find((t) => t.pid === 1)?.name, null, 'init has no name in the language');
    assert.throws(() => session.freeze(1), /has no name a scenario can use/);
    const container = session.spawn({ program: 'counter', user: 'root', newContainer: true });
    assert.match(container.statement, /container ns -> root_counter$/);
    const inside = session.spawn({ program: 'sh', user: 'root', inContainer: 'ns' });
    const child = session.tasks().find((t) => t.pid === inside.pid);
    assert.equal(child?.namespaceInit, container.pid);
    assert.deepEqual(child?.nsPids.slice(-1), [2]);
    assert.equal(session.tasks().find((t) => t.pid === container.pid)?.container, 'ns');
  });

  it('refuses to load a scenario with mistakes, naming the line', () => {
    assert.throws(
      () => LabSession.load('world default\nspawn counter as halyn -> c\n'),
      (error) => {
        assert.ok(error instanceof LabError);
        assert.match(error.message, /session:2:\d+: .*unknown user `halyn`/);
        assert.equal(error.diagnostics.length, 1);
        return true;
      },
    );
  });

  it('loads an example scenario as its script leaves the kernel, and maps lines back to it', () => {
    const source = readFileSync(join(examples, '01-passwd-authorized.crlab'), 'utf8');
    const session = LabSession.load(source, '01-passwd-authorized.crlab');
    assert.equal(session.failedExpectations, 0);
    assert.ok(session.history.length >= 3);
    const line = session.history[1]?.line ?? 0;
    assert.equal(session.originLine(line), line);
    session.importImage(
      'x.crimg',
      new Uint8Array(readFileSync(join(examples, 'images', 'counter.crimg'))),
    );
    assert.equal(
      session.originLine(session.history[1]?.line ?? 0),
      line,
      'inserted lines do not move links',
    );
  });

  it('writes flags by name, and unknown bits as a number', () => {
    assert.equal(flagsText('checkpoint', CheckpointFlag.SUBTREE), 'SUBTREE');
    assert.equal(
      flagsText('restart', RestartFlag.FROZEN | RestartFlag.KEEP_LSM),
      'FROZEN|KEEP_LSM',
    );
    assert.equal(flagsText('checkpoint', 0x5), '0x5');
  });
});

describe('lab session: who may restart this image', () => {
  it('kernel.md scenario 1 in one table: hallyn only under signed, root everywhere, and nothing changes', () => {
    const session = LabSession.load(selfCheckpointingPasswd, 'passwd-lab.crlab');
    const passwd = pidOf(session.spawn({ program: '/bin/passwd', user: 'hallyn' }));
    session.run(passwd, { kind: 'syscall', syscall: 'checkpoint' });
    const before = observe(session);
    const matrix = session.whoMayRestart('/tmp/passwd.crimg');
    assert.equal(observe(session), before, 'the probes left the session as it was');
    assert.deepEqual(matrix.modes, ['caller', 'authorized', 'signed']);
    const row = (user: string): string[] => {
      const index = matrix.users.findIndex((u) => u.name === user);
      return (matrix.cells[index] ?? []).map((cell) =>
        cell.allowed ? 'allowed' : `${cell.errno ?? ''} ${cell.check ?? ''}`,
      );
    };
    assert.deepEqual(row('hallyn'), [
      'EACCES restart.file.open',
      'EPERM restart.creds.uid',
      'allowed',
    ]);
    assert.deepEqual(row('root'), ['allowed', 'allowed', 'allowed']);
    assert.match(matrix.replayWarning, /replayed/);
    const cell = matrix.cells[matrix.users.findIndex((u) => u.name === 'hallyn')]?.[1];
    assert.equal(cell?.outcome.checks.at(-1)?.field, 'CRED.euid');
  });
});

describe('lab session: reports and rules', () => {
  it('exports a call as Markdown with table cells that cannot break the table, and as JSON', () => {
    const session = LabSession.load(selfCheckpointingPasswd, 'passwd-lab.crlab');
    const passwd = pidOf(session.spawn({ program: '/bin/passwd', user: 'hallyn' }));
    session.run(passwd, { kind: 'syscall', syscall: 'checkpoint' });
    session.setSysctl('kernel.ckpt_restore_creds', 'signed');
    const call = session.restart('/tmp/passwd.crimg', 'hallyn').calls[0];
    assert.ok(call);
    const markdown = callReport(call, 'markdown', 'Call 2');
    assert.match(markdown, /^# Call 2: restart succeeded\n/);
    assert.match(markdown, /> Under signed, a restart trusts any image this machine ever signed/);
    const rows = markdown.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    assert.equal(rows.length, call.checks.length);
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 10, row);
    const json = JSON.parse(callReport(call, 'json', 'Call 2')) as {
      restoreCreds: string;
      signedReplay: string | null;
      checks: { id: string; result: string }[];
    };
    assert.equal(json.restoreCreds, 'signed');
    assert.ok(json.signedReplay);
    assert.deepEqual(
      json.checks.map((check) => check.id),
      call.checks.map((check) => check.id),
    );
    const piped = { ...call, checks: [{ ...call.checks[0]!, reason: 'a | b\nc' }] };
    assert.match(callReport(piped, 'markdown', 'x'), /a \\\| b c/);
  });

  it('reads LSM rules as the language writes them, and nothing else', () => {
    assert.deepEqual(parseLsmRule('deny checkpoint domain passwd_t'), {
      deny: 'checkpoint',
      domain: 'passwd_t',
    });
    assert.deepEqual(parseLsmRule(' deny restore label shadow_t by user_t '), {
      deny: 'restore',
      label: 'shadow_t',
      domain: 'user_t',
    });
    assert.deepEqual(parseLsmRule('transition exec passwd_exec_t to passwd_t from user_t'), {
      transition: 'passwd_exec_t',
      to: 'passwd_t',
      from: 'user_t',
    });
    for (const bad of [
      'deny checkpoint domain',
      'deny checkpoint domain a b',
      'allow everything',
      'deny ptrace domain x\nspawn counter as root -> t',
      'deny checkpoint domain "x"',
    ])
      assert.equal(parseLsmRule(bad), null, bad);
  });
});

describe('lab session: images too large to bring in', () => {
  it('are refused by their size before their bytes are read, as importImage refuses them', () => {
    const session = LabSession.create();
    assert.equal(session.importRefusal('small.crimg', IMPORT_LIMIT), null);
    const refusal = session.importRefusal('big.crimg', IMPORT_LIMIT + 1);
    assert.match(refusal ?? '', /^big\.crimg is 4194305 bytes; images above 4194304 bytes/);
    assert.throws(
      () => session.importImage('big.crimg', new Uint8Array(IMPORT_LIMIT + 1)),
      (error: unknown) => error instanceof LabError && error.message === refusal,
    );
  });

  it('are not refused when the kernel holds an image of that size (found by its bytes)', () => {
    // 1,100 touched pages: an image above the 4 MiB limit, written by the lab's own kernel.
    const session = LabSession.load(touchingTaskScenario({ pages: 1100, memoryLimit: '1 GiB' }));
    const pid = session.kernel.tasks().find((task) => task.comm === 'toucher')?.pid ?? -1;
    session.checkpoint(pid, 'hallyn', '/tmp/big.crimg', CheckpointFlag.SUBTREE);
    const held = session.images().find((image) => image.path === '/tmp/big.crimg');
    assert.ok(held !== undefined && held.size > IMPORT_LIMIT, 'the checkpoint is above the limit');
    assert.equal(session.importRefusal('big.crimg', held.size), null);
    const bytes = session.kernel.readFile('/tmp/big.crimg');
    assert.ok(bytes !== null);
    assert.deepEqual(session.importImage('big.crimg', bytes), {
      path: '/tmp/big.crimg',
      added: false,
    });
  });
});
