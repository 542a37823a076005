import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildCli, crlab, oneLine, scratchDir } from './run-crlab';

const image = (name: string): string => join(ROOT, 'examples', 'images', name);
const example = (name: string): string => join(ROOT, 'examples', name);

interface RestartJson {
  ok: boolean;
  errno: string | null;
  checks: {
    id: string;
    result: string;
    errno: string | null;
    reason: string;
    offset: number | null;
  }[];
  tasks: {
    vpid: number;
    comm: string;
    uid: number;
    euid: number;
    suid: number;
    fsuid: number;
    gid: number;
    egid: number;
    sgid: number;
    fsgid: number;
    groups: number[];
    caps: { effective: string; permitted: string; inheritable: string; bset: string };
    pc: number;
  }[];
}

function restartJson(...args: string[]): { status: number | null; json: RestartJson } {
  const result = crlab(['restart', ...args, '--json']);
  return { status: result.status, json: JSON.parse(result.stdout) as RestartJson };
}

describe('crlab restart, checkpoint, run and test', function () {
  this.timeout(120_000);
  let scratch = '';
  before(() => {
    buildCli();
    scratch = scratchDir();
  });

  describe('restart', () => {
    it('refuses hallyn his setuid passwd image under authorized (exit 1), with every check', () => {
      const { status, json } = restartJson(image('passwd.crimg'), '--as', 'hallyn');
      assert.equal(status, 1);
      assert.equal(json.ok, false);
      assert.equal(json.errno, 'EPERM');
      assert.deepEqual(json.tasks, []);
      assert.deepEqual(json.checks[0], {
        id: 'restart.flags',
        result: 'pass',
        errno: null,
        reason: json.checks[0]?.reason,
        offset: null,
      });
      const failed = json.checks.at(-1);
      assert.equal(failed?.id, 'restart.creds.uid');
      assert.equal(failed?.result, 'fail');
      assert.equal(failed?.errno, 'EPERM');
      assert.equal(typeof failed?.offset, 'number');
      for (const check of json.checks)
        assert.deepEqual(Object.keys(check), ['id', 'result', 'errno', 'reason', 'offset']);
    });

    it('restores the saved credentials for root, caps as hex strings (exit 0)', () => {
      const { status, json } = restartJson(image('passwd.crimg'), '--as', '0');
      assert.equal(status, 0);
      assert.equal(json.ok, true);
      assert.equal(json.errno, null);
      const [task] = json.tasks;
      assert.ok(task);
      assert.deepEqual(
        [task.comm, task.uid, task.euid, task.suid, task.fsuid, task.gid],
        ['passwd', 500, 0, 0, 0, 500],
      );
      assert.match(task.caps.effective, /^0x[0-9a-f]+$/);
      assert.equal(task.caps.bset, '0x1ffffffffff');
      assert.equal(typeof task.pc, 'number');
      assert.deepEqual(task.groups, [500]);
      // The documented shape, key for key (docs/cli.md).
      assert.deepEqual(Object.keys(json), ['ok', 'errno', 'checks', 'tasks']);
      assert.deepEqual(Object.keys(task), [
        'vpid',
        'comm',
        'uid',
        'euid',
        'suid',
        'fsuid',
        'gid',
        'egid',
        'sgid',
        'fsgid',
        'groups',
        'caps',
        'pc',
      ]);
      assert.deepEqual(Object.keys(task.caps), ['effective', 'permitted', 'inheritable', 'bset']);
    });

    it('applies --sysctl: under caller, hallyn fails restart.file.open on /etc/shadow', () => {
      const { status, json } = restartJson(
        image('passwd.crimg'),
        '--as',
        'hallyn',
        '--sysctl',
        'kernel.ckpt_restore_creds=caller',
      );
      assert.equal(status, 1);
      assert.equal(json.errno, 'EACCES');
      assert.equal(json.checks.find((c) => c.id === 'restart.creds.uid')?.result, 'skip');
      assert.equal(json.checks.at(-1)?.id, 'restart.file.open');
    });

    it('prints the checks and one error line on refusal in text mode', () => {
      const result = crlab(['restart', image('passwd.crimg'), '--as', 'hallyn']);
      assert.equal(result.status, 1);
      assert.match(result.stdout, /✗ restart\.creds\.uid EPERM/);
      assert.match(result.stdout, /✓ restart\.flags/);
      assert.match(
        oneLine(result.stderr),
        /^crlab: restart refused: EPERM from restart\.creds\.uid at 0x[0-9a-f]+: /,
      );
    });

    it('boots the world of --world FILE.crlab', () => {
      // The reader image runs /usr/bin/reader, a program example 07 installs: the default world
      // has no such file, the example's world does.
      const plain = restartJson(image('reader.crimg'), '--as', 'hallyn');
      assert.equal(plain.status, 1);
      assert.deepEqual(
        [plain.json.checks.at(-1)?.id, plain.json.errno],
        ['restart.setuid_exe', 'ENOENT'],
      );
      const world = restartJson(
        image('reader.crimg'),
        '--as',
        'hallyn',
        '--world',
        example('07-tampered-image.crlab'),
      );
      assert.equal(world.status, 0, JSON.stringify(world.json.checks.at(-1)));
      assert.equal(world.json.tasks[0]?.comm, 'reader');
    });

    it('refuses a malformed image: restart.format, one line, exit 1', () => {
      const truncated = join(scratch, 'truncated.crimg');
      writeFileSync(truncated, readFileSync(image('counter.crimg')).subarray(0, 700));
      const result = crlab(['restart', truncated, '--as', 'root']);
      assert.equal(result.status, 1);
      assert.match(oneLine(result.stderr), /restart refused: EPIPE from restart\.(format|header)/);
      const json = restartJson(truncated, '--as', 'root');
      assert.equal(json.status, 1);
      assert.equal(json.json.errno, 'EPIPE');
    });

    it('sees flags above bit 31: 0x100000000 and 0x100000001 are EINVAL from restart.flags (exit 1)', () => {
      for (const flags of ['0x100000000', '0x100000001', '0x80000000']) {
        const { status, json } = restartJson(
          image('counter.crimg'),
          '--as',
          'hallyn',
          '--flags',
          flags,
        );
        assert.equal(status, 1, flags);
        assert.equal(json.errno, 'EINVAL', flags);
        assert.deepEqual(
          json.checks.map((check) => [check.id, check.result, check.errno]),
          [['restart.flags', 'fail', 'EINVAL']],
        );
        assert.deepEqual(json.tasks, []);
      }
      const text = crlab([
        'restart',
        image('counter.crimg'),
        '--as',
        'hallyn',
        '--flags',
        '0x80000000',
      ]);
      assert.equal(text.status, 1);
      assert.match(text.stdout, /flags 0x80000000: refused, EINVAL/);
      assert.match(oneLine(text.stderr), /unknown restart flags 0x80000000:/);
      assert.doesNotMatch(text.stdout + text.stderr, /0x-/);
    });

    it('exits 2 on a bad user, flag or sysctl', () => {
      for (const args of [
        ['--as', 'nobody'],
        ['--as', 'root', '--flags', 'BOGUS'],
        ['--as', 'root', '--sysctl', 'kernel.ckpt_restore_creds=sometimes'],
        ['--as', 'root', '--sysctl', 'no.such=1'],
        [],
      ]) {
        const result = crlab(['restart', image('counter.crimg'), ...args]);
        assert.equal(result.status, 2, args.join(' '));
        oneLine(result.stderr);
      }
    });
  });

  describe('checkpoint', () => {
    it('runs the scenario, checkpoints the task and writes a valid image (exit 0)', () => {
      const out = join(scratch, 'counter.crimg');
      const result = crlab([
        'checkpoint',
        example('10-counter.crlab'),
        '--task',
        'again',
        '--as',
        'hallyn',
        '--flags',
        'SUBTREE',
        '-o',
        out,
        '--json',
      ]);
      assert.equal(result.status, 1, 'the restored counter is running, not frozen');
      const refused = JSON.parse(result.stdout) as {
        ok: boolean;
        errno: string;
        checks: { id: string }[];
      };
      assert.equal(refused.errno, 'EBUSY');
      assert.equal(refused.checks.at(-1)?.id, 'checkpoint.frozen');

      const frozen = crlab([
        'checkpoint',
        example('07-tampered-image.crlab'),
        '--task',
        'task',
        '--as',
        'hallyn',
        '--flags',
        '1',
        '-o',
        out,
        '--json',
      ]);
      assert.equal(frozen.status, 0, frozen.stderr);
      const json = JSON.parse(frozen.stdout) as {
        ok: boolean;
        errno: null;
        crid: number;
        output: string;
        checks: { id: string; result: string }[];
      };
      assert.deepEqual(Object.keys(json), ['ok', 'errno', 'crid', 'output', 'checks']);
      assert.equal(json.ok, true);
      assert.equal(json.output, out);
      assert.ok(json.crid > 0);
      assert.equal(json.checks[0]?.id, 'checkpoint.flags');
      assert.equal(crlab(['image', 'verify', out]).status, 0);
    });

    it('refuses with the failing check (exit 1) and exits 2 for an unknown task', () => {
      const out = join(scratch, 'refused.crimg');
      const refused = crlab([
        'checkpoint',
        example('07-tampered-image.crlab'),
        '--task',
        'task',
        '--as',
        'oren',
        '--flags',
        'SUBTREE',
        '-o',
        out,
      ]);
      assert.equal(refused.status, 1);
      assert.match(oneLine(refused.stderr), /checkpoint refused: EPERM from checkpoint\.ptrace/);
      const unknown = crlab([
        'checkpoint',
        example('07-tampered-image.crlab'),
        '--task',
        'nobody',
        '--as',
        'root',
        '-o',
        out,
      ]);
      assert.equal(unknown.status, 2);
      assert.match(oneLine(unknown.stderr), /no task nobody/);
    });
  });

  describe('run', () => {
    it('prints the transcript with checks and output, exit 0 when every expectation held', () => {
      const result = crlab(['run', example('10-counter.crlab')]);
      assert.equal(result.status, 0, result.stdout);
      assert.match(result.stdout, /\[counter \d+\] 4\n/);
      assert.match(result.stdout, /✓ checkpoint\.flags/);
      assert.match(
        result.stdout,
        /– checkpoint\.container_init|✓ checkpoint\.container_init|– checkpoint\.leak/,
      );
      assert.match(result.stdout, /expect output again "6"\s+✓/);
    });

    it('--json gives entries, expectations and exports', () => {
      const result = crlab(['run', example('01-passwd-authorized.crlab'), '--json']);
      assert.equal(result.status, 0);
      const json = JSON.parse(result.stdout) as {
        passed: boolean;
        expectations: number;
        failures: number;
        entries: {
          kind: string;
          line: number;
          calls?: { call: string; checks: { id: string; line: number }[] }[];
        }[];
        exports: { name: string; size: number }[];
      };
      assert.deepEqual(Object.keys(json), [
        'file',
        'passed',
        'expectations',
        'failures',
        'entries',
        'exports',
      ]);
      assert.equal(json.passed, true);
      assert.equal(json.failures, 0);
      assert.ok(json.expectations >= 10);
      const restart = json.entries.find(
        (e) => e.kind === 'action' && e.calls?.[0]?.call === 'restart',
      );
      assert.ok(restart);
      assert.equal(
        restart.calls?.[0]?.checks[0]?.line,
        restart.line,
        'checks carry the scenario line',
      );
      assert.deepEqual(
        json.exports.map((e) => e.name),
        ['passwd.crimg'],
      );
    });

    it('exits 1 when an expectation fails, 2 when the file has errors (file:line:column)', () => {
      const failing = join(scratch, 'failing.crlab');
      writeFileSync(failing, 'spawn counter as hallyn -> c\nexpect task c euid 0\n');
      const result = crlab(['run', failing]);
      assert.equal(result.status, 1);
      assert.match(result.stdout, /expect task c euid 0\s+✗ euid is 500/);
      const broken = join(scratch, 'broken.crlab');
      writeFileSync(broken, 'spawn counter as halyn -> c\nfreeze d\nthaw e\n');
      const errors = crlab(['run', broken]);
      assert.equal(errors.status, 2);
      assert.match(
        oneLine(errors.stderr),
        /broken\.crlab:1:18: unknown user `halyn` \(did you mean `hallyn`\?\) \(and 2 more at 2:8, 3:6\)$/,
      );
    });

    it('--export writes the exported files', () => {
      const dir = join(scratch, 'exported');
      assert.equal(crlab(['run', example('10-counter.crlab'), '--export', dir]).status, 0);
      assert.ok(
        readFileSync(join(dir, 'counter.crimg')).equals(readFileSync(image('counter.crimg'))),
      );
    });
  });

  describe('test', () => {
    it('passes every example, one line per file, ending with the count', () => {
      const result = crlab(['test', 'examples/']);
      assert.equal(result.status, 0, result.stdout);
      const lines = result.stdout.trim().split('\n');
      const files = readdirSync(join(ROOT, 'examples')).filter((n) => n.endsWith('.crlab'));
      assert.ok(files.length >= 12);
      assert.equal(lines.length, files.length + 1);
      assert.equal(lines.at(-1), `${files.length} passed, 0 failed`);
      assert.ok(lines.slice(0, -1).every((line) => line.startsWith('PASS ')));
    });

    it('fails (exit 1) when one file fails or has errors', () => {
      const dir = join(scratch, 'suite');
      const result0 = crlab(['run', example('10-counter.crlab'), '--export', dir]);
      assert.equal(result0.status, 0);
      writeFileSync(
        join(dir, 'a-good.crlab'),
        'spawn counter as hallyn -> c\nexpect task c uid hallyn\n',
      );
      writeFileSync(
        join(dir, 'b-bad.crlab'),
        'spawn counter as hallyn -> c\nexpect task c uid root\n',
      );
      writeFileSync(join(dir, 'c-broken.crlab'), 'spwan counter as hallyn -> c\n');
      const result = crlab(['test', dir]);
      assert.equal(result.status, 1);
      const lines = result.stdout.trim().split('\n');
      assert.match(lines[0] ?? '', /^PASS .*a-good\.crlab/);
      assert.match(
        lines[1] ?? '',
        /^FAIL .*b-bad\.crlab: line 2: expect task c uid root: uid is 500/,
      );
      assert.match(
        lines[2] ?? '',
        /^FAIL .*c-broken\.crlab: .*:1:1: unknown statement `spwan` \(did you mean `spawn`\?\)/,
      );
      assert.equal(lines[3], '1 passed, 2 failed');
    });

    it('cannot pass on nothing: a folder without scenarios is exit 2, a scenario that expects nothing fails', () => {
      const empty = join(scratch, 'empty');
      mkdirSync(empty, { recursive: true });
      writeFileSync(join(empty, 'notes.txt'), 'not a scenario\n');
      const none = crlab(['test', empty]);
      assert.equal(none.status, 2, none.stdout);
      assert.match(oneLine(none.stderr), /no \.crlab scenarios under /);
      assert.equal(none.stdout, '');

      const dir = join(scratch, 'no-expect');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'a-demo.crlab'), 'spawn counter as hallyn -> c\nrun c 3 steps\n');
      writeFileSync(
        join(dir, 'b-test.crlab'),
        'spawn counter as hallyn -> c\nexpect task c uid hallyn\n',
      );
      const result = crlab(['test', dir]);
      assert.equal(result.status, 1, result.stdout);
      const lines = result.stdout.trim().split('\n');
      assert.match(
        lines[0] ?? '',
        /^FAIL .*a-demo\.crlab: no expectations: a test case must expect something/,
      );
      assert.match(lines[1] ?? '', /^PASS .*b-test\.crlab \(1 expectations\)/);
      assert.equal(lines[2], '1 passed, 1 failed');
      // `run` stays a demo runner: no expectation is not a failure there.
      assert.equal(crlab(['run', join(dir, 'a-demo.crlab')]).status, 0);
    });
  });

  describe('example images', () => {
    it('are what the examples produce today (npm run examples:images regenerates them)', () => {
      const dir = join(scratch, 'regenerated');
      const result = crlab(['test', 'examples/', '--export', dir]);
      assert.equal(result.status, 0, result.stdout);
      const committed = readdirSync(join(ROOT, 'examples', 'images')).sort();
      const fresh = readdirSync(dir).sort();
      assert.deepEqual(fresh, committed);
      for (const name of fresh) {
        assert.ok(
          readFileSync(join(dir, name)).equals(readFileSync(image(name))),
          `examples/images/${name} drifted: run npm run examples:images`,
        );
      }
    });
  });
});
