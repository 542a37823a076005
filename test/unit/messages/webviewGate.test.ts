/**
 * The host's gate for webview messages: well-formed ones are handled, anything else — generated
 * by fast-check, or crafted to look almost right — is dropped and logged, never handled.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  isCriuViewerToHostMessage,
  maxCriuChildrenRequest,
  type CriuViewerToHostMessage,
} from '../../../webview/criu-protocol';
import { describeMessage, maxReportsPerMinute, messageGate } from '../../../extension/webviewGate';
import {
  isImageViewerToHostMessage,
  maxBytesRequest,
  maxEditInput,
  maxFieldRequest,
  type ImageViewerToHostMessage,
} from '../../../webview/protocol';

const valid: ImageViewerToHostMessage[] = [
  { type: 'ready' },
  { type: 'requestFields', indexes: [0, 1, 2] },
  { type: 'requestBytes', offset: 0, length: maxBytesRequest, version: 3 },
  {
    type: 'editField',
    requestId: 1,
    recordIndex: 4,
    fieldPath: 'CRED.euid',
    offset: 300,
    size: 4,
    input: '0',
    version: 3,
  },
];

const edit = valid[3] as ImageViewerToHostMessage;
/** Almost right: one field wrong in each. */
const crafted: unknown[] = [
  undefined,
  null,
  42,
  'ready',
  [],
  [{ type: 'ready' }],
  {},
  { type: 'READY' },
  { type: 'saveAs', path: '/etc/shadow' },
  { type: 'runCommand', command: 'workbench.action.terminal.new' },
  { type: 'requestFields' },
  { type: 'requestFields', indexes: [-1] },
  { type: 'requestFields', indexes: [1.5] },
  { type: 'requestFields', indexes: ['0'] },
  { type: 'requestFields', indexes: Array.from({ length: maxFieldRequest + 1 }, (_, i) => i) },
  { type: 'requestBytes', offset: 0, length: maxBytesRequest + 1, version: 0 },
  { type: 'requestBytes', offset: -1, length: 16, version: 0 },
  { type: 'requestBytes', offset: 2 ** 53, length: 16, version: 0 },
  { type: 'requestBytes', offset: Number.NaN, length: 16, version: 0 },
  { type: 'requestBytes', offset: 0, length: 16 },
  { ...edit, input: 'x'.repeat(maxEditInput + 1) },
  { ...edit, input: 0 },
  { ...edit, offset: '300' },
  { ...edit, size: -4 },
  { ...edit, requestId: null },
  { ...edit, fieldPath: ['CRED.euid'] },
  JSON.parse('{"type":"requestBytes","__proto__":{"offset":0,"length":16,"version":0}}'),
  new Proxy(
    {},
    {
      get() {
        throw new Error('a hostile getter');
      },
    },
  ),
];

function gate(now = (): number => 0): {
  post: (message: unknown) => void;
  handled: unknown[];
  logged: string[];
} {
  const handled: unknown[] = [];
  const logged: string[] = [];
  const post = messageGate(
    'image viewer',
    isImageViewerToHostMessage,
    (message) => handled.push(message),
    (line) => logged.push(line),
    now,
  );
  return { post, handled, logged };
}

describe('webview messages: the host gate', () => {
  it('hands every well-formed message to the handler, logging nothing', () => {
    const { post, handled, logged } = gate();
    for (const message of valid) post(message);
    assert.deepEqual(handled, valid);
    assert.deepEqual(logged, []);
  });

  it('drops and logs each malformed or unknown message, handling none', () => {
    let time = 0;
    const { post, handled, logged } = gate(() => (time += 10_000));
    for (const message of crafted) post(message);
    assert.deepEqual(handled, []);
    assert.equal(logged.length, crafted.length);
    for (const line of logged) assert.match(line, /^image viewer: dropped a malformed message \(/);
    assert.ok(logged.some((line) => line.includes('type "saveAs"')));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('drops whatever fast-check generates that is not a message, however close', function () {
    this.timeout(60_000);
    const near = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('ready', 'requestFields', 'requestBytes', 'editField'),
          fc.string(),
        ),
        indexes: fc.anything(),
        offset: fc.anything(),
        length: fc.anything(),
        version: fc.anything(),
        requestId: fc.anything(),
        recordIndex: fc.anything(),
        fieldPath: fc.anything(),
        size: fc.anything(),
        input: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), near), (message) => {
        const { post, handled, logged } = gate();
        post(message);
        // Either it is a message the protocol allows (then it was handled), or it was dropped.
        if (handled.length === 1) assert.ok(isImageViewerToHostMessage(message));
        else assert.equal(logged.length, 1);
      }),
      { seed: 20081027, numRuns: 500 },
    );
  });

  it('reports at most a few drops a minute, then counts the rest', () => {
    let time = 0;
    const { post, logged } = gate(() => time);
    for (let i = 0; i < 100; i++) post({ type: 'flood', i });
    assert.equal(logged.length, maxReportsPerMinute);
    time = 60_000;
    post({ type: 'later' });
    assert.equal(
      logged.at(-2),
      `image viewer: ${100 - maxReportsPerMinute} more malformed messages were dropped without a report`,
    );
    assert.match(logged.at(-1) ?? '', /type "later"/);
  });

  it('describes a message by its shape, never by its contents', () => {
    assert.equal(
      describeMessage({ type: 'editField', input: '<script>' }),
      'type "editField" with {type, input}',
    );
    assert.equal(describeMessage(null), 'null');
    assert.equal(describeMessage('x'.repeat(10_000)), 'a string');
    assert.ok(describeMessage({ type: 'y'.repeat(10_000) }).length < 200);
  });

  it('the CRIU viewer: hands on its messages, drops and logs the rest', function () {
    this.timeout(60_000);
    const criuValid: CriuViewerToHostMessage[] = [
      { type: 'ready' },
      { type: 'criuAskWorld' },
      { type: 'criuRequestChildren', keys: ['sec:processes', 'p:42'] },
      { type: 'criuRequestBytes', file: 'core-42.img', offset: 0, length: 4096, version: 0 },
      { type: 'criuLocate', file: 'core-42.img', offset: 12 },
    ];
    const criuCrafted: unknown[] = [
      null,
      [],
      { type: 'criuRequestChildren', keys: 'sec:processes' },
      { type: 'criuRequestChildren', keys: [''] },
      { type: 'criuRequestChildren', keys: ['k'.repeat(5000)] },
      {
        type: 'criuRequestChildren',
        keys: Array.from({ length: maxCriuChildrenRequest + 1 }, (_, i) => `p:${i}`),
      },
      { type: 'criuRequestBytes', file: 'core-42.img', offset: 0, length: 1 << 30, version: 0 },
      { type: 'criuRequestBytes', file: '', offset: 0, length: 16, version: 0 },
      { type: 'criuRequestBytes', file: 'core-42.img', offset: -1, length: 16, version: 0 },
      { type: 'criuRequestBytes', file: 'core-42.img', offset: 0, length: 16 },
      { type: 'criuLocate', file: ['core-42.img'], offset: 0 },
      { type: 'criuLocate', file: 'core-42.img', offset: 0.5 },
      { type: 'criuOpenFile', path: '/etc/shadow' },
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
    ];
    let time = 0;
    const handled: unknown[] = [];
    const logged: string[] = [];
    const post = messageGate(
      'CRIU viewer',
      isCriuViewerToHostMessage,
      (message) => handled.push(message),
      (line) => logged.push(line),
      () => (time += 10_000),
    );
    for (const message of criuValid) post(message);
    assert.deepEqual(handled, criuValid);
    assert.deepEqual(logged, []);
    for (const message of criuCrafted) post(message);
    assert.equal(handled.length, criuValid.length, 'no crafted message was handled');
    assert.equal(logged.length, criuCrafted.length);
    for (const line of logged) assert.match(line, /^CRIU viewer: dropped a malformed message \(/);

    const near = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom(
            'ready',
            'criuAskWorld',
            'criuRequestChildren',
            'criuRequestBytes',
            'criuLocate',
          ),
          fc.string(),
        ),
        keys: fc.oneof(fc.array(fc.string()), fc.anything()),
        file: fc.anything(),
        offset: fc.anything(),
        length: fc.anything(),
        version: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), near), (message) => {
        const seen: unknown[] = [];
        const lines: string[] = [];
        messageGate(
          'CRIU viewer',
          isCriuViewerToHostMessage,
          (m) => seen.push(m),
          (line) => lines.push(line),
        )(message);
        if (seen.length === 1) assert.ok(isCriuViewerToHostMessage(message));
        else assert.equal(lines.length, 1);
      }),
      { seed: 20081027, numRuns: 500 },
    );
  });

  it('every webview of the extension receives its messages through the gate', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const sources = readdirSync(path.join(root, 'extension'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => path.join(root, 'extension', file));
    const receivers: string[] = [];
    const ungated: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\.onDidReceiveMessage\(\s*([^\n]*)/g)) {
        const where = `${path.relative(root, file)}: ${match[0].trim()}`;
        receivers.push(where);
        if (!/^messageGate\(/.test(match[1] ?? '') && !/^\s*$/.test(match[1] ?? ''))
          ungated.push(where);
        else if (/^\s*$/.test(match[1] ?? '')) {
          const next = text.slice((match.index ?? 0) + match[0].length).trimStart();
          if (!next.startsWith('messageGate(')) ungated.push(where);
        }
      }
    }
    assert.ok(receivers.length >= 2, `found the views' receivers: ${receivers.join('; ')}`);
    assert.deepEqual(ungated, [], 'pass these through messageGate (extension/webviewGate.ts)');
  });
});
