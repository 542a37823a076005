/**
 * The debugger's inputs, generated: launch attributes (a launch.json comes with the workspace, so
 * any JSON may arrive), and what a person types into the Debug Console, a watch or a variable's
 * value. Each request gets an answer — the launch a clear message when its attributes are wrong,
 * never a TypeError from inside the session — and the adapter keeps answering afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import fc from 'fast-check';
import { writeImage } from '../../extension/image/index';
import { oneTaskImage } from '../e2e/fixtureImages';
import {
  type AdapterServer,
  connect,
  launchAndStop,
  startAdapterServer,
  workspace,
} from '../unit/debug/harness';

const SCENARIO = [
  'world default',
  'program stash',
  '  mmap anon 1 page rw -> buf',
  '  set n = 41',
  '  print n',
  '  exit 0',
  'end',
  'spawn stash as hallyn -> stash',
  'run stash',
  '',
].join('\n');

/** Messages of JavaScript's own failures: a launch must never answer with one. */
const INTERNAL =
  /Cannot read properties|is not a function|is not iterable|undefined|Maximum call stack|\[object /;

describe('fuzz: the debugger’s inputs', function () {
  this.timeout(0);
  let server: AdapterServer;
  let folder: string;
  let paths: string[];

  before(async () => {
    server = await startAdapterServer();
    folder = workspace({ 'stash.crlab': SCENARIO, 'broken.crlab': 'spawn\n\u202Eend "' });
    mkdirSync(join(folder, 'a-folder'));
    writeFileSync(join(folder, 'garbage.crimg'), Uint8Array.from([0x43, 0x52, 0, 1, 2, 3]));
    writeFileSync(join(folder, 'task.crimg'), writeImage(oneTaskImage()));
    paths = [
      join(folder, 'stash.crlab'),
      join(folder, 'broken.crlab'),
      join(folder, 'a-folder'),
      join(folder, 'garbage.crimg'),
      join(folder, 'task.crimg'),
      join(folder, 'missing.crlab'),
    ];
  });
  after(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** Launches with `args`; resolves to the error message, or null when the launch succeeded. */
  async function launch(client: DebugClient, args: unknown): Promise<string | null> {
    client.on('initialized', () => void client.configurationDoneRequest().catch(() => undefined));
    try {
      await client.launch(args as never);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  it('answers any launch attributes, wrong ones with a clear message', async () => {
    const path = fc.oneof(
      fc.constantFrom(...paths),
      fc.string({ maxLength: 40 }),
      fc.anything({ maxDepth: 1 }),
    );
    // Mostly-right attributes too, so that launches also succeed.
    const valid = fc.oneof(
      fc.record(
        { program: fc.constant(paths[0]), stopOnEntry: fc.boolean() },
        { requiredKeys: ['program'] },
      ),
      fc.record(
        {
          image: fc.constant(paths[4]),
          as: fc.constantFrom('root', 0, 'hallyn'),
          mode: fc.constantFrom('caller', 'authorized', 'signed'),
          flags: fc.subarray(['FROZEN', 'KEEP_LSM', 'RESTART_TASKSELF', 2]),
          stopOnEntry: fc.boolean(),
        },
        { requiredKeys: ['image'] },
      ),
    );
    const args = fc.oneof(
      { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
      { weight: 2, arbitrary: valid },
      {
        weight: 4,
        arbitrary: fc.record(
          {
            program: path,
            image: path,
            as: fc.oneof(
              fc.constantFrom('root', 'hallyn', 500, 0, -1, 2 ** 40, '', 'x'.repeat(300)),
              fc.anything({ maxDepth: 1 }),
            ),
            mode: fc.oneof(
              fc.constantFrom('caller', 'authorized', 'signed', 'CALLER'),
              fc.anything({ maxDepth: 1 }),
            ),
            flags: fc.oneof(
              fc.array(
                fc.oneof(
                  fc.constantFrom('FROZEN', 'restart_keep_lsm', 'TASKSELF', 'NOPE', 1, 2, 8, 4),
                  fc.integer(),
                  fc.anything({ maxDepth: 0 }),
                ),
                { maxLength: 3 },
              ),
              fc.anything({ maxDepth: 1 }),
            ),
            stopOnEntry: fc.oneof(fc.boolean(), fc.anything({ maxDepth: 0 })),
          },
          { requiredKeys: [] },
        ),
      },
    );
    const outcomes = { launched: 0, refused: 0 };
    const reasons = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(args, async (generated) => {
        const client = await connect(server);
        try {
          const refusal = await launch(client, generated);
          if (refusal === null) outcomes.launched++;
          else {
            outcomes.refused++;
            const reason = refusal.slice(0, 30);
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
            assert.ok(refusal.length > 0, 'an empty refusal');
            assert.doesNotMatch(refusal, INTERNAL, `launch ${JSON.stringify(generated)}`);
          }
          // The adapter still answers.
          assert.ok(Array.isArray((await client.threadsRequest()).body.threads));
        } finally {
          await client.stop();
        }
      }),
      { seed: 20081027, numRuns: 150 },
    );
    assert.ok(
      outcomes.launched > 0 && outcomes.refused > 0,
      JSON.stringify({ ...outcomes, reasons: [...reasons] }),
    );
  });

  it('answers whatever is typed into the console, a watch or a variable', async () => {
    const client = await connect(server);
    try {
      const stopped = await launchAndStop(client, {
        program: join(folder, 'stash.crlab'),
        stopOnEntry: true,
      });
      const threadId = stopped.body.threadId ?? 0;
      const frames = (await client.stackTraceRequest({ threadId })).body.stackFrames;
      const frameId = frames[0]?.id;
      const text = fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom(
          'n',
          'stash.n',
          'n + 1',
          '((((((((((((((((((((',
          '1/0',
          '2**64',
          '<img src=x onerror=alert(1)>',
          '\u202Egpj.exe',
          'x'.repeat(4096),
          '__proto__',
          'constructor.constructor("return process")()',
        ),
        fc
          .array(fc.constantFrom('n', '+', '-', '*', '(', ')', '.', '"', '1', 'stash', ' '), {
            maxLength: 30,
          })
          .map((parts) => parts.join('')),
      );
      await fc.assert(
        fc.asyncProperty(
          text,
          fc.constantFrom('repl', 'watch', 'hover', 'clipboard'),
          async (expression, context) => {
            try {
              const answer = await client.evaluateRequest({
                expression,
                context,
                ...(frameId !== undefined ? { frameId } : {}),
              });
              assert.equal(typeof answer.body.result, 'string');
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              assert.doesNotMatch(message, INTERNAL, `evaluate ${JSON.stringify(expression)}`);
            }
          },
        ),
        { seed: 20081027, numRuns: 300 },
      );
      assert.ok(Array.isArray((await client.threadsRequest()).body.threads));
    } finally {
      await client.stop();
    }
  });

  it('answers any variable value and memory request in a stopped task', async () => {
    const client = await connect(server);
    const program = paths[0] as string;
    try {
      const stopped = await launchAndStop(client, { program }, (c) =>
        c.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: 5 }] }),
      );
      const threadId = stopped.body.threadId ?? 0;
      const [frame] = (await client.stackTraceRequest({ threadId })).body.stackFrames;
      const scopes = (await client.scopesRequest({ frameId: frame?.id ?? -1 })).body.scopes;
      const locals = scopes.find((scope) => scope.name === 'Program variables');
      assert.ok(
        locals,
        `a Program variables scope: ${scopes.map((scope) => scope.name).join(', ')}`,
      );
      const variables = (
        await client.variablesRequest({ variablesReference: locals.variablesReference })
      ).body.variables;
      const buf = variables.find((variable) => variable.name === 'buf')?.memoryReference;
      assert.ok(buf, 'buf has a memory reference');
      const reference = fc.oneof(
        fc.constant(locals.variablesReference),
        fc.integer(),
        fc.constant(2 ** 53),
      );
      const memoryReference = fc.oneof(
        fc.constant(buf),
        fc.string({ maxLength: 20 }),
        fc.constantFrom('0x0', '-1', '0xffffffffffffffffffff', 'NaN'),
      );
      const request = fc.oneof(
        fc.record({
          kind: fc.constant('setVariable' as const),
          variablesReference: reference,
          name: fc.oneof(fc.constantFrom('n', 'buf', '__proto__'), fc.string({ maxLength: 10 })),
          value: fc.oneof(
            fc.constantFrom('1', '-1', '2**64', '18446744073709551616', '0x', '"text"', ''),
            fc.string({ maxLength: 40 }),
          ),
        }),
        fc.record({
          kind: fc.constant('readMemory' as const),
          memoryReference,
          offset: fc.oneof(fc.integer(), fc.constant(2 ** 53)),
          count: fc.oneof(fc.nat(64), fc.integer(), fc.constant(2 ** 40)),
        }),
        fc.record({
          kind: fc.constant('writeMemory' as const),
          memoryReference,
          offset: fc.oneof(fc.nat(64), fc.integer()),
          data: fc.oneof(
            fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('base64')),
            fc.string({ maxLength: 20 }),
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(request, async ({ kind, ...args }) => {
          try {
            if (kind === 'setVariable')
              await client.setVariableRequest(
                args as Parameters<DebugClient['setVariableRequest']>[0],
              );
            else await client.customRequest(kind, args);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            assert.doesNotMatch(message, INTERNAL, `${kind} ${JSON.stringify(args)}`);
          }
        }),
        { seed: 20081027, numRuns: 300 },
      );
      assert.ok(Array.isArray((await client.threadsRequest()).body.threads));
    } finally {
      await client.stop();
    }
  });
});
