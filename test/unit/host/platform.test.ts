import assert from 'node:assert/strict';
import { host as nodeHost } from '../../../extension/host/node';
import { activationLine, describeRuntime } from '../../../extension/host/runtime';
import { host as webHost } from '../../../extension/host/web';

describe('the host platforms (extension/host)', () => {
  it('tells Node.js from a web worker by the global object', () => {
    assert.deepEqual(describeRuntime(), { kind: 'nodejs', nodeVersion: process.versions.node });
    class WorkerGlobalScope {}
    const worker = Object.assign(new WorkerGlobalScope(), { WorkerGlobalScope });
    assert.deepEqual(describeRuntime(worker), { kind: 'web-worker', nodeVersion: null });
    assert.deepEqual(describeRuntime({}), { kind: 'other', nodeVersion: null });
  });

  it('names the bundle and the runtime in the activation line', () => {
    assert.equal(
      activationLine('web', { kind: 'web-worker', nodeVersion: null }),
      'Checkpoint/Restart Lab: the web bundle is active in a web worker',
    );
    assert.equal(
      activationLine('node', { kind: 'nodejs', nodeVersion: '22.1.0' }),
      'Checkpoint/Restart Lab: the node bundle is active in Node.js 22.1.0',
    );
  });

  it('has local files in Node.js and none in the web worker', () => {
    assert.equal(nodeHost.kind, 'node');
    assert.ok(nodeHost.localFiles);
    assert.equal(webHost.kind, 'web');
    assert.equal(webHost.localFiles, null);
  });

  for (const platform of [nodeHost, webHost]) {
    it(`${platform.kind}: nextTurn runs work later, in order, after what was queued before`, async () => {
      const order: string[] = [];
      const done = new Promise<void>((resolve) => {
        platform.nextTurn(() => order.push('first'));
        void Promise.resolve().then(() => order.push('microtask'));
        platform.nextTurn(() => {
          order.push('second');
          // Work queued from work runs after it, not within it.
          platform.nextTurn(() => {
            order.push('third');
            resolve();
          });
          order.push('second ends');
        });
        order.push('sync');
      });
      await done;
      assert.deepEqual(order, ['sync', 'microtask', 'first', 'second', 'second ends', 'third']);
    });
  }
});
