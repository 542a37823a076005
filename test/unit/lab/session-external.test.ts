/**
 * A debugging session's calls, made in its own kernel, in the shape of the lab's history: the
 * same checks, where they came from, and nothing guessed.
 */
import assert from 'node:assert/strict';
import { LabSession } from '../../../extension/lab/session';
import { externalLabCall, isExternalLabCall } from '../../../extension/lab/session-external';
import { callReport } from '../../../extension/lab/session-report';

const scenario = `world default
program passwd
  open /etc/shadow rw -> shadow
  checkpoint self to /tmp/passwd.crimg -> crid
  exit 0
end
file /bin/passwd mode 04755 owner root runs passwd
spawn /bin/passwd as hallyn -> pw
run pw
restart /tmp/passwd.crimg as hallyn
expect last EPERM restart.creds.uid
`;

describe('lab session: calls of debugging sessions', () => {
  const [checkpoint, restart] = LabSession.load(scenario).history;

  it('keep the outcome’s checks and say where the call came from', () => {
    assert.ok(checkpoint !== undefined && restart !== undefined);
    assert.equal(restart.errno, 'EPERM');
    const outcome = {
      call: restart.call,
      caller: restart.callerPid,
      // Not the lab call's own flags: the outside call's are what the view must show.
      flags: restart.flags ^ 0x4,
      ret: restart.ret,
      errno: 'EPERM' as const,
      checks: [...restart.checks],
      restored: [],
    };
    const call = externalLabCall(4, outcome, {
      source: '/work/space/debug-passwd.crlab',
      line: 10,
      by: 'script',
    });
    assert.ok(isExternalLabCall(call));
    assert.ok(!isExternalLabCall(restart));
    assert.equal(call.id, 4);
    assert.equal(call.statement, 'restart by the script in debug-passwd.crlab:10');
    assert.equal(call.user, 'uid 500');
    assert.equal(call.by, 'script');
    assert.equal(call.flags, outcome.flags, 'the flags the debugging session called with');
    assert.equal(call.errno, 'EPERM');
    assert.deepEqual(call.checks, restart.checks);
    assert.notEqual(call.checks, outcome.checks, 'a copy: the debugger may go on with its own');
    const bare = externalLabCall(
      5,
      { ...outcome, checks: outcome.checks.map(({ line: _line, ...check }) => check) },
      { source: '/s.crlab', line: 10, by: 'script' },
    );
    assert.deepEqual(
      bare.checks.map((check) => check.line),
      restart.checks.map(() => 10),
      'each check gets the line that made the call',
    );
    // Not known outside the lab's kernel, so not guessed.
    assert.equal(call.restoreCreds, null);
    assert.equal(call.image, null);
    assert.equal(call.imageBytes, null);

    const markdown = callReport(call, 'markdown', 'Debugging session call D4');
    assert.match(
      markdown,
      /line 10 of `\/work\/space\/debug-passwd\.crlab`, in a debugging session/,
    );
    assert.match(markdown, /kernel\.ckpt_restore_creds: not known/);
    const json = JSON.parse(callReport(call, 'json', 'D4')) as { debugSource: string | null };
    assert.equal(json.debugSource, '/work/space/debug-passwd.crlab');
    const labJson = JSON.parse(callReport(restart, 'json', 'Call 2')) as {
      debugSource: string | null;
    };
    assert.equal(labJson.debugSource, null);
  });

  it('name a caller without checks by its task, and a checkpoint from the debugger as such', () => {
    const call = externalLabCall(
      1,
      { call: 'checkpoint', caller: 7, flags: 0, ret: -1, errno: 'EPERM', checks: [] },
      { source: 'C:\\work\\s.crlab', line: null, by: 'debugger' },
    );
    assert.equal(call.statement, 'checkpoint from the debugger in s.crlab');
    assert.equal(call.user, 'task 7');
    assert.equal(call.line, 0);
    assert.deepEqual(call.restored, []);
  });
});
