/**
 * The debug adapter over the protocol: DebugClient against the session class the extension
 * registers, through a local server (see harness.ts).
 */
import { strict as assert } from 'node:assert';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  CHECKPOINT_REQUEST,
  SCRIPT_THREAD,
  TOGGLE_HEX_REQUEST,
  type CheckpointTaskResult,
} from '../../../extension/debug/session';
import { readImage } from '../../../extension/image/index';
import {
  type AdapterServer,
  connect,
  framesOf,
  launchAndStop,
  read,
  resumeAndStop,
  startAdapterServer,
  variablesOf,
  workspace,
} from './harness';

/** kernel.md's scenario 1, numbered: the lines the tests name are fixed here. */
const PASSWD = [
  '# passwd, for the debugger', // 1
  'world default', // 2
  'program passwd', // 3
  '  open /etc/shadow rw -> shadow', // 4
  '  mmap anon 1 page rw -> buf', // 5
  '  store buf "hallyn:$6$new"', // 6
  '  checkpoint self to /tmp/passwd.crimg -> crid', // 7
  '  write shadow buf', // 8
  '  exit 0', // 9
  'end', // 10
  'spawn /bin/passwd as hallyn -> passwd', // 11
  'run passwd until checkpoint', // 12
  'restart /tmp/passwd.crimg as hallyn', // 13
  'expect last EPERM restart.creds.uid', // 14
  'restart /tmp/passwd.crimg as root -> restored', // 15
  'expect last ok', // 16
  '',
].join('\n');

/** A task that keeps a counter and a string in memory. */
const STASH = [
  'world default', // 1
  'program stash', // 2
  '  mmap anon 1 page rw -> buf', // 3
  '  store buf "kept across restart"', // 4
  '  set n = 41', // 5
  'again:', // 6
  '  set n = n + 1', // 7
  '  print n', // 8
  '  if n < 45 goto again', // 9
  '  exit 0', // 10
  'end', // 11
  'spawn stash as hallyn -> stash', // 12
  'run stash', // 13
  'expect task stash state exited', // 14
  '',
].join('\n');

const TASK = (pid: number): number => 1000 + pid;

describe('debug adapter (DebugClient against CrlabDebugSession)', function () {
  let server: AdapterServer;
  let client: DebugClient;
  let folder: string;
  let passwd: string;
  let stash: string;

  before(async () => {
    server = await startAdapterServer();
    folder = workspace({ 'passwd.crlab': PASSWD, 'stash.crlab': STASH });
    passwd = join(folder, 'passwd.crlab');
    stash = join(folder, 'stash.crlab');
  });
  after(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(async () => {
    client = await connect(server);
  });
  afterEach(() => client.stop());

  it('stops on entry at the first script statement', async () => {
    const stopped = await launchAndStop(client, { program: passwd, stopOnEntry: true });
    assert.equal(stopped.body.reason, 'entry');
    assert.equal(stopped.body.threadId, SCRIPT_THREAD);
    const [frame] = await framesOf(client, SCRIPT_THREAD);
    assert.equal(frame?.line, 11);
    assert.equal(frame?.source?.path, passwd);
    const threads = (await client.threadsRequest()).body.threads.map((t) => t.name);
    assert.deepEqual(threads, ['script', '1 init (0)']);
  });

  it('hits a breakpoint on a program line, in the task that runs it', async () => {
    let placed: DebugProtocol.Breakpoint[] = [];
    const stopped = await launchAndStop(client, { program: passwd }, async (c) => {
      placed = (
        await c.setBreakpointsRequest({
          source: { path: passwd },
          breakpoints: [{ line: 7 }, { line: 10 }, { line: 40 }],
        })
      ).body.breakpoints;
    });
    assert.equal(placed[0]?.verified, true);
    assert.equal(placed[0]?.line, 7);
    // `end` runs nothing: the breakpoint moves to the next line that runs, the first statement.
    assert.deepEqual([placed[1]?.verified, placed[1]?.line], [true, 11]);
    // Nothing runs after the last statement.
    assert.equal(placed[2]?.verified, false);
    assert.equal(stopped.body.reason, 'breakpoint');
    assert.equal(stopped.body.threadId, TASK(2));
    assert.deepEqual(stopped.body.hitBreakpointIds, [placed[0]?.id]);
    const frames = await framesOf(client, TASK(2));
    assert.equal(frames[0]?.line, 7);
    assert.match(frames[0]?.name ?? '', /^passwd: checkpoint self/);
    assert.equal(frames[1]?.line, 12, 'the script line that runs the task');
    const threads = (await client.threadsRequest()).body.threads.map((t) => t.name);
    assert.ok(threads.includes('2 passwd (500)'), threads.join(', '));
  });

  it('moves a breakpoint to the next line that runs', async () => {
    await launchAndStop(client, { program: passwd, stopOnEntry: true });
    const placed = (
      await client.setBreakpointsRequest({ source: { path: passwd }, breakpoints: [{ line: 3 }] })
    ).body.breakpoints;
    assert.deepEqual([placed[0]?.verified, placed[0]?.line], [true, 4]);
    const elsewhere = (
      await client.setBreakpointsRequest({
        source: { path: join(folder, 'other.crlab') },
        breakpoints: [{ line: 3 }],
      })
    ).body.breakpoints;
    assert.equal(elsewhere[0]?.verified, false);
  });

  it('steps over the script, into a run, over program lines and out to the script', async () => {
    await launchAndStop(client, { program: passwd, stopOnEntry: true });
    let stopped = await resumeAndStop(client, () =>
      client.nextRequest({ threadId: SCRIPT_THREAD }),
    );
    assert.equal(stopped.body.reason, 'step');
    assert.equal((await framesOf(client, SCRIPT_THREAD))[0]?.line, 12);

    stopped = await resumeAndStop(client, () => client.stepInRequest({ threadId: SCRIPT_THREAD }));
    assert.equal(stopped.body.threadId, TASK(2), 'step in enters the task the run statement runs');
    assert.equal((await framesOf(client, TASK(2)))[0]?.line, 4);

    stopped = await resumeAndStop(client, () => client.nextRequest({ threadId: TASK(2) }));
    assert.equal(stopped.body.threadId, TASK(2));
    assert.equal((await framesOf(client, TASK(2)))[0]?.line, 5, 'over `open` and its `-> shadow`');

    stopped = await resumeAndStop(client, () =>
      client.nextRequest({ threadId: TASK(2), granularity: 'instruction' }),
    );
    assert.equal((await framesOf(client, TASK(2)))[0]?.line, 5, 'mmap, then storing its result');

    stopped = await resumeAndStop(client, () => client.stepOutRequest({ threadId: TASK(2) }));
    assert.equal(stopped.body.threadId, SCRIPT_THREAD);
    assert.equal((await framesOf(client, SCRIPT_THREAD))[0]?.line, 13, 'the run finished');
  });

  it('shows credentials with names and a memory value', async () => {
    await launchAndStop(client, { program: passwd }, (c) =>
      c.setBreakpointsRequest({ source: { path: passwd }, breakpoints: [{ line: 7 }] }),
    );
    const [frame] = await framesOf(client, TASK(2));
    const creds = await variablesOf(client, frame?.id ?? -1, 'Credentials');
    assert.equal(creds.get('uid')?.value, '500 (hallyn)');
    assert.equal(creds.get('euid')?.value, '0 (root)', 'the setuid bit at work');
    assert.equal(creds.get('suid')?.value, '0 (root)');
    assert.match(creds.get('cap_effective')?.value ?? '', /ALL \(41 capabilities\)/);

    const variables = await variablesOf(client, frame?.id ?? -1, 'Program variables');
    const buf = variables.get('buf');
    assert.match(buf?.value ?? '', /^0x7f0000000000 \("hallyn:\$6\$new"\)$/);
    assert.ok(buf?.memoryReference);
    const memory = await client.customRequest('readMemory', {
      memoryReference: buf.memoryReference,
      count: 16,
    });
    const bytes = Buffer.from((memory.body as { data: string }).data, 'base64');
    assert.equal(bytes.subarray(0, 13).toString('latin1'), 'hallyn:$6$new');
    assert.equal(bytes[13], 0);

    const task = await variablesOf(client, frame?.id ?? -1, 'Task');
    assert.equal(task.get('dumpable')?.value.startsWith('no'), true);
    const registers = await variablesOf(client, frame?.id ?? -1, 'Registers');
    assert.equal(registers.get('r0')?.value.startsWith(String(0x7f0000000000)), true);
  });

  it('evaluates names, registers, credentials and arithmetic; toggles hex', async () => {
    await launchAndStop(client, { program: passwd }, (c) =>
      c.setBreakpointsRequest({ source: { path: passwd }, breakpoints: [{ line: 7 }] }),
    );
    const [frame] = await framesOf(client, TASK(2));
    const evaluate = async (expression: string): Promise<string> =>
      (await client.evaluateRequest({ expression, frameId: frame?.id ?? -1, context: 'watch' }))
        .body.result;
    assert.equal(await evaluate('creds.euid'), '0');
    assert.equal(await evaluate('uid + 1'), '501');
    assert.equal(await evaluate('shadow'), '3');
    assert.equal(await evaluate('euid == 0'), '1');
    assert.equal(await evaluate('passwd.uid'), '500');
    await assert.rejects(() => evaluate('nosuchthing'), /not defined/);
    await client.customRequest(TOGGLE_HEX_REQUEST);
    assert.equal(await evaluate('uid'), '0x1f4');
    const creds = await variablesOf(client, frame?.id ?? -1, 'Credentials');
    assert.equal(creds.get('uid')?.value, '0x1f4 (hallyn)');
  });

  it('stops on restart.creds.uid with the exception filter for refused calls', async () => {
    const stopped = await launchAndStop(client, { program: passwd }, (c) =>
      c.setExceptionBreakpointsRequest({ filters: ['refused'] }),
    );
    assert.equal(stopped.body.reason, 'exception');
    assert.equal(stopped.body.threadId, SCRIPT_THREAD);
    assert.match(
      stopped.body.description ?? '',
      /^restart\.creds\.uid EPERM: euid 0 is not one of/,
    );
    assert.equal((await framesOf(client, SCRIPT_THREAD))[0]?.line, 13);
    const info = await client.exceptionInfoRequest({ threadId: SCRIPT_THREAD });
    assert.equal(info.body.exceptionId, 'restart.creds.uid');
    assert.match(info.body.description ?? '', /CAP_SETUID/);
    assert.match(info.body.details?.message ?? '', /✓ restart\.flags[\s\S]*✗ restart\.creds\.uid/);
    // Continuing runs on: the expectations hold and the session ends.
    const terminated = client.waitForEvent('terminated');
    await client.continueRequest({ threadId: SCRIPT_THREAD });
    await terminated;
  });

  it('an exception filter with a condition stops only on the named check', async () => {
    const terminated = client.waitForEvent('terminated');
    const stopped = client.waitForEvent('stopped');
    await Promise.all([
      client.waitForEvent('initialized').then(async () => {
        await client.setExceptionBreakpointsRequest({
          filters: [],
          filterOptions: [{ filterId: 'refused', condition: 'restart.file.open' }],
        });
        await client.configurationDoneRequest();
      }),
      client.launch({ program: passwd }),
    ]);
    const first = await Promise.race([
      terminated.then(() => 'terminated'),
      stopped.then(() => 'stopped'),
    ]);
    assert.equal(first, 'terminated', 'restart.creds.uid is not restart.file.open');
  });

  it('sends the checks of every call to the debug console and to the host', async () => {
    const output: string[] = [];
    client.on('output', (event: DebugProtocol.OutputEvent) => output.push(event.body.output));
    const terminated = client.waitForEvent('terminated');
    await launchAndStop(client, { program: passwd, stopOnEntry: true });
    await client.continueRequest({ threadId: SCRIPT_THREAD });
    await terminated;
    const text = output.join('');
    assert.match(text, /✗ restart\.creds\.uid EPERM @0x[0-9a-f]+: euid 0/);
    assert.match(text, /checkpoint by pid 2: crid 1/);
    assert.match(text, /Finished: 2 expectations, 0 failed/);
    const published = server.host.calls.map(
      (entry) => `${entry.call.call}:${entry.call.errno ?? 'ok'}`,
    );
    assert.deepEqual(published.slice(-3), ['checkpoint:ok', 'restart:EPERM', 'restart:ok']);
  });

  it('conditions, hit counts and logpoints', async () => {
    const output: string[] = [];
    client.on('output', (event: DebugProtocol.OutputEvent) => output.push(event.body.output));
    const stopped = await launchAndStop(client, { program: stash }, (c) =>
      c.setBreakpointsRequest({
        source: { path: stash },
        breakpoints: [
          { line: 8, logMessage: 'n is {n}, twice {n * 2}' },
          { line: 9, condition: 'n >= 43', hitCondition: '2' },
        ],
      }),
    );
    assert.equal(stopped.body.reason, 'breakpoint');
    const [frame] = await framesOf(client, TASK(2));
    assert.equal(frame?.line, 9);
    const variables = await variablesOf(client, frame?.id ?? -1, 'Program variables');
    assert.equal(variables.get('n')?.value, '44', 'the second time the condition held');
    const logged = output.filter((line) => line.startsWith('n is'));
    assert.deepEqual(logged, ['n is 42, twice 84\n', 'n is 43, twice 86\n', 'n is 44, twice 88\n']);
  });

  it('disassembles the task program and stops on an instruction breakpoint', async () => {
    await launchAndStop(client, { program: stash }, (c) =>
      c.setBreakpointsRequest({ source: { path: stash }, breakpoints: [{ line: 8 }] }),
    );
    const [frame] = await framesOf(client, TASK(2));
    const pointer = frame?.instructionPointerReference ?? '';
    assert.match(pointer, /^0x[0-9a-f]+$/);
    const listing = (
      await client.disassembleRequest({
        memoryReference: pointer,
        instructionOffset: -4,
        instructionCount: 8,
      })
    ).body?.instructions;
    assert.equal(listing?.length, 8);
    const texts = listing?.map((i) => i.instruction) ?? [];
    assert.ok(texts.includes('print(n)'), texts.join(' | '));
    assert.ok(texts.includes('set n = n + 1'), texts.join(' | '));
    assert.equal(listing?.find((i) => i.instruction === 'set n = n + 1')?.symbol, 'again');
    assert.equal(listing?.find((i) => i.address === pointer)?.line, 8);

    const jump = listing?.find((i) => i.instruction.startsWith('if n < 45'));
    assert.ok(jump);
    await client.customRequest('setInstructionBreakpoints', {
      breakpoints: [{ instructionReference: jump.address }],
    });
    await client.setBreakpointsRequest({ source: { path: stash }, breakpoints: [] });
    const stopped = await resumeAndStop(client, () =>
      client.continueRequest({ threadId: TASK(2) }),
    );
    assert.equal(stopped.body.reason, 'instruction breakpoint');
    assert.equal((await framesOf(client, TASK(2)))[0]?.instructionPointerReference, jump.address);
  });

  it('pause stops a long run where it is', async () => {
    const long = workspace({
      'long.crlab': [
        'world default',
        'program spin',
        'top:',
        '  set n = n + 1',
        '  goto top',
        'end',
        'spawn spin as hallyn -> spin',
        ...Array.from({ length: 8 }, () => 'run spin 9000 steps'),
        '',
      ].join('\n'),
    });
    try {
      const program = join(long, 'long.crlab');
      await launchAndStop(client, { program, stopOnEntry: true });
      const terminated = client.waitForEvent('terminated').then(() => 'terminated');
      await client.continueRequest({ threadId: SCRIPT_THREAD });
      const stopped = resumeAndStop(client, () => client.pauseRequest({ threadId: SCRIPT_THREAD }));
      const first = await Promise.race([stopped, terminated]);
      assert.notEqual(first, 'terminated', 'the run ended before the pause');
      const event = first as DebugProtocol.StoppedEvent;
      assert.equal(event.body.reason, 'pause');
      assert.equal(event.body.description, 'paused');
      const n = Number(
        (await client.evaluateRequest({ expression: 'spin.n', context: 'watch' })).body.result,
      );
      assert.ok(n > 0 && n < 8 * 9000, `paused after ${n} loops of 72000`);
    } finally {
      rmSync(long, { recursive: true, force: true });
    }
  });

  it('writes memory and program variables; the task sees the new values', async () => {
    await launchAndStop(client, { program: stash }, (c) =>
      c.setBreakpointsRequest({ source: { path: stash }, breakpoints: [{ line: 8 }] }),
    );
    const [frame] = await framesOf(client, TASK(2));
    const variables = await variablesOf(client, frame?.id ?? -1, 'Program variables');
    const buf = variables.get('buf');
    await client.customRequest('writeMemory', {
      memoryReference: buf?.memoryReference,
      data: Buffer.from('KEPT').toString('base64'),
    });
    const scopes = (await client.scopesRequest({ frameId: frame?.id ?? -1 })).body.scopes;
    const locals = scopes.find((scope) => scope.name === 'Program variables');
    const set = await client.setVariableRequest({
      variablesReference: locals?.variablesReference ?? -1,
      name: 'n',
      value: '100',
    });
    assert.equal(set.body.value, '100');
    const memory = await client.customRequest('readMemory', {
      memoryReference: buf?.memoryReference,
      count: 20,
    });
    const bytes = Buffer.from((memory.body as { data: string }).data, 'base64');
    assert.equal(bytes.toString('latin1'), 'KEPT across restart\0');
    const output: string[] = [];
    client.on('output', (event: DebugProtocol.OutputEvent) => output.push(event.body.output));
    await client.setBreakpointsRequest({ source: { path: stash }, breakpoints: [] });
    const terminated = client.waitForEvent('terminated');
    await client.continueRequest({ threadId: TASK(2) });
    await terminated;
    assert.ok(output.includes('[stash 2] 100\n'), output.join(''));
    assert.ok(!output.includes('[stash 2] 43\n'), 'the loop ended: n was already past 45');
  });

  it('checkpoints from the debugger; a launch from that image as root stops at the same line with the same values', async () => {
    await launchAndStop(client, { program: stash }, (c) =>
      c.setBreakpointsRequest({
        source: { path: stash },
        breakpoints: [{ line: 8, hitCondition: '2' }],
      }),
    );
    const [before] = await framesOf(client, TASK(2));
    const valuesBefore = await variablesOf(client, before?.id ?? -1, 'Program variables');
    assert.equal(valuesBefore.get('n')?.value, '43');
    // A write through the memory view is task memory like any other: the checkpoint saves it.
    await client.customRequest('writeMemory', {
      memoryReference: valuesBefore.get('buf')?.memoryReference,
      data: Buffer.from('KEPT').toString('base64'),
    });

    const result = (await client.customRequest(CHECKPOINT_REQUEST, { threadId: TASK(2) }))
      .body as CheckpointTaskResult;
    assert.equal(result.ok, true, result.refusal ?? '');
    assert.equal(result.user, 'hallyn');
    assert.equal(result.path, join(folder, 'stash-stash-pid2.crimg'));
    assert.ok(existsSync(result.path ?? ''));
    const image = readImage(read(result.path ?? ''));
    assert.ok(image.ok);
    // The task keeps running after the checkpoint, which thawed it.
    const threadsAfter = (await client.threadsRequest()).body.threads.map((t) => t.name);
    assert.ok(threadsAfter.includes('2 stash (500)'));
    await client.stop();

    client = await connect(server);
    const stopped = await launchAndStop(client, {
      image: result.path,
      program: stash,
      as: 'root',
    });
    assert.equal(stopped.body.reason, 'entry');
    const restoredThread = stopped.body.threadId ?? -1;
    const [after] = await framesOf(client, restoredThread);
    assert.equal(after?.line, before?.line);
    assert.equal(after?.name, before?.name);
    const valuesAfter = await variablesOf(client, after?.id ?? -1, 'Program variables');
    assert.equal(valuesAfter.get('n')?.value, valuesBefore.get('n')?.value);
    assert.equal(valuesAfter.get('buf')?.value, '0x7f0000000000 ("KEPT across restart")');
    const creds = await variablesOf(client, after?.id ?? -1, 'Credentials');
    assert.equal(creds.get('uid')?.value, '500 (hallyn)', 'root restored the saved credentials');

    const output: string[] = [];
    client.on('output', (event: DebugProtocol.OutputEvent) => output.push(event.body.output));
    const terminated = client.waitForEvent('terminated');
    await client.continueRequest({ threadId: restoredThread });
    await terminated;
    const printed = output.filter((line) => /^\[stash \d+\] /.test(line)).map((l) => l.trim());
    assert.deepEqual(
      printed.map((line) => line.replace(/^\[stash \d+\] /, '')),
      ['43', '44', '45'],
    );
  });

  it('a refused checkpoint from the debugger reports its deciding check and writes nothing', async () => {
    await launchAndStop(client, { program: passwd }, (c) =>
      c.setBreakpointsRequest({ source: { path: passwd }, breakpoints: [{ line: 7 }] }),
    );
    const result = (await client.customRequest(CHECKPOINT_REQUEST, { threadId: TASK(2) }))
      .body as CheckpointTaskResult;
    assert.equal(result.ok, false);
    assert.equal(result.errno, 'EPERM');
    assert.match(result.refusal ?? '', /^checkpoint\.ptrace EPERM/);
    assert.equal(result.path, null);
  });

  it('a refused restart ends the launch with the deciding check', async () => {
    // An image of the setuid passwd task, checkpointed by root from the debugger.
    await launchAndStop(client, { program: passwd }, (c) =>
      c.setBreakpointsRequest({ source: { path: passwd }, breakpoints: [{ line: 7 }] }),
    );
    const taken = (
      await client.customRequest(CHECKPOINT_REQUEST, { threadId: TASK(2), user: 'root' })
    ).body as CheckpointTaskResult;
    assert.equal(taken.ok, true, taken.refusal ?? '');
    await client.stop();

    client = await connect(server);
    const output: string[] = [];
    client.on('output', (event: DebugProtocol.OutputEvent) => output.push(event.body.output));
    await client.initializeRequest();
    await assert.rejects(
      () => client.launchRequest({ image: taken.path, program: passwd, as: 'hallyn' } as never),
      /restart\.creds\.uid EPERM: euid 0 is not one of/,
    );
    assert.match(output.join(''), /✗ restart\.creds\.uid EPERM/);
  });
});
