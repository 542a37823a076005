/**
 * The lab session a slice at a time (issue #13, item 5): a checkpoint or restart made in slices
 * gives exactly what the one-shot action gives (same log, same calls, same checks, same image
 * bytes); cancelled between two slices it leaves the session exactly as it was; a replay, a load
 * and a change of the world that meet a big checkpoint yield inside it and can be cancelled too.
 */
import assert from 'node:assert/strict';
import type { CallProgress } from '../../../extension/kernel/index';
import { CheckpointFlag, runToEnd } from '../../../extension/kernel/index';
import { checkScenario } from '../../../extension/lab/index';
import { RUN_SLICE_STEPS, ScenarioSession } from '../../../extension/lab/interpreter';
import { LabSession, type LabActionResult } from '../../../extension/lab/session';
import { touchingTaskScenario } from '../../e2e/fixtureScenarios';

/** A task that stores one word in each of `pages` pages: its image holds every page. */
function toucher(pages: number): string {
  return touchingTaskScenario({ pages, memoryLimit: '1 GiB' });
}

// 12 MiB of pages: several PGARR slices of at most 4 MiB each way.
const PAGES = 3072;
const IMAGE = '/tmp/toucher.crimg';

/** Everything a view can observe: tasks, images, console, history (with the image bytes) and the log. */
function observe(session: LabSession): string {
  return JSON.stringify(
    {
      tasks: session.tasks(),
      images: session.images(),
      console: session.kernel.console(),
      history: session.history.map((call) => ({
        ...call,
        imageBytes: call.imageBytes === null ? null : Buffer.from(call.imageBytes).toString('hex'),
      })),
      text: session.text,
      files: session.kernel.readFile(IMAGE)?.length ?? null,
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString(16) : value),
  );
}

function toucherPid(session: LabSession): number {
  const pid = session.tasks().find((task) => task.name === 'toucher')?.pid;
  assert.ok(pid !== undefined, 'the scenario spawned toucher');
  return pid;
}

/** Runs slices to the end, keeping every progress they yield. */
function drain<T, P>(slices: Generator<P, T, void>): { value: T; progress: P[] } {
  const progress: P[] = [];
  for (;;) {
    const step = slices.next();
    if (step.done === true) return { value: step.value, progress };
    progress.push(step.value);
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && Buffer.from(a).equals(Buffer.from(b));
}

describe('lab session: checkpoint and restart a slice at a time', function () {
  const source = toucher(PAGES);

  it('a sliced checkpoint and restart equal the one-shot ones: log, calls, checks and bytes', () => {
    const oneShot = LabSession.load(source);
    const sliced = LabSession.load(source);
    const pid = toucherPid(oneShot);
    const results: LabActionResult[] = [
      oneShot.checkpoint(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE),
      oneShot.restart(IMAGE, 'hallyn'),
    ];
    const checkpoint = drain(
      sliced.checkpointInSlices(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE),
    );
    const restart = drain(sliced.restartInSlices(IMAGE, 'hallyn'));
    assert.equal(results[0]?.ok, true, results[0]?.summary);
    assert.equal(results[1]?.ok, true, results[1]?.summary);
    assert.deepEqual(
      JSON.parse(JSON.stringify([checkpoint.value, restart.value], bytesAsLength)),
      JSON.parse(JSON.stringify(results, bytesAsLength)),
    );
    assert.ok(sameBytes(sliced.kernel.readFile(IMAGE), oneShot.kernel.readFile(IMAGE)));
    assert.equal(observe(sliced), observe(oneShot));
    // Several slices each way, and the progress counts up to the image's (the pages') size.
    for (const [what, run] of [
      ['checkpoint', checkpoint],
      ['restart', restart],
    ] as const) {
      assert.ok(run.progress.length >= 3, `${what}: ${run.progress.length} slices`);
      const last = run.progress.at(-1) as CallProgress;
      assert.ok(last.total > 0 && last.done <= last.total, `${what}: ${JSON.stringify(last)}`);
      for (let i = 1; i < run.progress.length; i++) {
        assert.ok((run.progress[i]?.done ?? 0) >= (run.progress[i - 1]?.done ?? 0));
      }
    }
    assert.ok(
      (checkpoint.progress.at(-1)?.total ?? 0) >= PAGES * 4096,
      'the checkpoint counts the image bytes',
    );
  });

  it('a cancelled checkpoint leaves the session exactly as it was, and the next one is as if it had never started', () => {
    const session = LabSession.load(source);
    const pid = toucherPid(session);
    const before = observe(session);
    const slices = session.checkpointInSlices(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    for (let n = 0; n < 3; n++) assert.equal(slices.next().done, false, 'still running');
    slices.return(undefined as never);
    assert.equal(observe(session), before);
    assert.equal(session.kernel.readFile(IMAGE), null, 'no image file was left behind');
    // The kernel's counters (crid, pids) were given back: the same checkpoint now is what a
    // session that never started one gives.
    const fresh = LabSession.load(source);
    const again = session.checkpoint(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    const reference = fresh.checkpoint(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    assert.equal(again.summary, reference.summary);
    assert.equal(observe(session), observe(fresh));
  });

  it('a cancelled restart leaves the session exactly as it was', () => {
    const session = LabSession.load(source);
    session.checkpoint(toucherPid(session), 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    const before = observe(session);
    const tasks = session.kernel.tasks().length;
    const slices = session.restartInSlices(IMAGE, 'hallyn');
    for (let n = 0; n < 3; n++) assert.equal(slices.next().done, false, 'still running');
    slices.return(undefined as never);
    assert.equal(observe(session), before);
    assert.equal(session.kernel.tasks().length, tasks, 'no restored task remains');
    const reference = LabSession.load(source);
    reference.checkpoint(toucherPid(reference), 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    assert.equal(
      session.restart(IMAGE, 'hallyn').summary,
      reference.restart(IMAGE, 'hallyn').summary,
    );
    assert.equal(observe(session), observe(reference));
  });

  it('cancelled before its first slice, an action does nothing at all', () => {
    const session = LabSession.load(source);
    const before = observe(session);
    const slices = session.checkpointInSlices(toucherPid(session), 'hallyn', IMAGE);
    slices.return(undefined as never);
    assert.equal(observe(session), before);
  });

  it('a refused checkpoint in slices is the refused one-shot one (same checks, same log)', () => {
    const oneShot = LabSession.load(source);
    const sliced = LabSession.load(source);
    const pid = toucherPid(oneShot);
    const refused = oneShot.checkpoint(pid, 'oren', IMAGE, CheckpointFlag.SUBTREE);
    const slicedRefused = runToEnd(
      sliced.checkpointInSlices(pid, 'oren', IMAGE, CheckpointFlag.SUBTREE),
    );
    assert.equal(refused.errno, 'EPERM');
    assert.deepEqual(slicedRefused, refused);
    assert.equal(observe(sliced), observe(oneShot));
  });

  it('a replay yields inside a big checkpoint and restart, and gives the same session', () => {
    const session = LabSession.load(source);
    session.checkpoint(toucherPid(session), 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    session.restart(IMAGE, 'hallyn');
    const replay = drain(LabSession.replay(session.save()));
    const inCalls = replay.progress.filter((step) => step.call !== undefined);
    assert.ok(inCalls.length >= 6, `${inCalls.length} slices inside the two calls`);
    assert.ok(inCalls.every((step) => step.done < step.total));
    assert.equal(observe(replay.value), observe(session));
    // Cancelled halfway, a replay leaves nothing to clean up: the session it built is dropped.
    const cancelled = LabSession.replay(session.save());
    for (let n = 0; n < inCalls.length / 2; n++) cancelled.next();
    cancelled.return(undefined as never);
    assert.equal(observe(LabSession.restore(session.save())), observe(session));
  });

  it('a scenario that checkpoints a big task loads a slice at a time, to what load() gives', () => {
    const scripted = `${source}checkpoint toucher as hallyn flags SUBTREE to ${IMAGE}\n`;
    const loaded = drain(LabSession.loadInSlices(scripted));
    assert.ok(loaded.progress.length >= 3, `${loaded.progress.length} slices`);
    // Its `run` of 4 × PAGES + 3 instructions yields every RUN_SLICE_STEPS of them, too.
    const inRun = loaded.progress.filter((step) => step.total === 0 && step.done > 0);
    assert.equal(inRun.length, Math.floor((3 + 4 * PAGES) / RUN_SLICE_STEPS));
    assert.equal(observe(loaded.value), observe(LabSession.load(scripted)));
  });

  it('a change of the world replays in slices; cancelled, the session is unchanged', () => {
    const session = LabSession.load(source);
    session.checkpoint(toucherPid(session), 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    const before = observe(session);
    const change = session.setLsmInSlices('dummy');
    let seenCall = false;
    while (!seenCall) {
      const step = change.next();
      assert.equal(step.done, false, 'the change ended before its checkpoint');
      seenCall = step.value !== undefined && step.value.call !== undefined;
    }
    change.return(undefined as never);
    assert.equal(observe(session), before);
    const reference = LabSession.load(source);
    reference.checkpoint(toucherPid(reference), 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    reference.setLsm('dummy');
    drain(session.setLsmInSlices('dummy'));
    assert.equal(observe(session), observe(reference));
    assert.match(session.text, /\nlsm dummy\n/);
  });
});

describe('interpreter: stepInSlices', () => {
  it('runs a scenario to the same transcript and calls as step(), yielding inside its calls', () => {
    const scripted = `${toucher(PAGES)}checkpoint toucher as hallyn flags SUBTREE to ${IMAGE}
expect last ok
restart ${IMAGE} as hallyn -> copy
expect last ok
checkpoint toucher as oren flags SUBTREE to /tmp/no.crimg
expect last EPERM
`;
    const checked = checkScenario(scripted);
    assert.deepEqual(checked.diagnostics, []);
    assert.ok(checked.world !== null);
    const lines = scripted.split('\n');
    const stepped = new ScenarioSession(checked.scenario, lines, checked.world, checked.seed);
    const sliced = new ScenarioSession(checked.scenario, lines, checked.world, checked.seed);
    while (!stepped.finished) stepped.step();
    let slices = 0;
    while (!sliced.finished) slices += drain(sliced.stepInSlices()).progress.length;
    assert.ok(slices >= 6, `${slices} slices`);
    assert.deepEqual(sliced.entries, stepped.entries);
    assert.deepEqual(sliced.calls, stepped.calls);
    assert.equal(sliced.failures, 0);
    assert.ok(sameBytes(sliced.kernel.readFile(IMAGE), stepped.kernel.readFile(IMAGE)));
  });
});

/** Image snapshots compared by their length (their bytes are compared apart). */
function bytesAsLength(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? value.length : value;
}

describe('lab session: images listed without copying them', () => {
  it('keeps an image verdict while the file is unchanged, and reads it anew after a rewrite', () => {
    const session = LabSession.load(toucher(64));
    const pid = toucherPid(session);
    session.checkpoint(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    const first = session.images().find((image) => image.path === IMAGE);
    assert.equal(first?.signature, 'none');
    assert.equal(
      session.images().find((image) => image.path === IMAGE),
      first,
      'kept',
    );
    session.setSysctl('kernel.ckpt_sign_images', 1);
    session.checkpoint(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    const second = session.images().find((image) => image.path === IMAGE);
    assert.equal(second?.signature, 'valid', 'the rewritten image was read again');
    assert.notEqual(second?.size, first?.size);
  });
});

describe('lab session: images judged a slice at a time', () => {
  it('describeImagesInSlices gives images() its verdicts, so that the listing reads nothing', () => {
    const session = LabSession.load(toucher(PAGES));
    const reference = LabSession.load(toucher(PAGES));
    const pid = toucherPid(session);
    session.checkpoint(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    reference.checkpoint(pid, 'hallyn', IMAGE, CheckpointFlag.SUBTREE);
    const slices = drain(session.describeImagesInSlices());
    assert.ok(slices.progress.length >= 3, `${slices.progress.length} slices`);
    const listed = session.images();
    assert.deepEqual(listed, reference.images());
    assert.equal(session.images()[0], listed[0], 'the verdict is kept, not read again');
    assert.equal(drain(session.describeImagesInSlices()).progress.length, 0, 'nothing left');
  });
});
