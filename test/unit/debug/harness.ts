/**
 * Runs the extension's own debug session class ({@link CrlabDebugSession}, the one the inline
 * adapter factory creates) behind a local TCP server, and connects a DebugClient to it: the
 * protocol is exercised end to end, in this process, without VS Code.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CallOutcome } from '../../../extension/kernel/index';
import { CrlabDebugSession, type DebugHost } from '../../../extension/debug/session';

/** Files on disk, as the extension's host gives them through vscode.workspace.fs. */
export class NodeHost implements DebugHost {
  readonly calls: { call: CallOutcome; by: string }[] = [];
  async readFile(path: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(path));
  }
  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  async exists(path: string): Promise<boolean> {
    return existsSync(path);
  }
  publishCall(call: CallOutcome, origin: { by: string }): void {
    this.calls.push({ call, by: origin.by });
  }
}

export interface AdapterServer {
  port: number;
  host: NodeHost;
  close(): Promise<void>;
}

/** A server on 127.0.0.1 that gives every connection a fresh session. */
export async function startAdapterServer(): Promise<AdapterServer> {
  const host = new NodeHost();
  const server: Server = createServer((socket) => {
    const session = new CrlabDebugSession(host);
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A DebugClient connected to the server. */
export async function connect(server: AdapterServer): Promise<DebugClient> {
  const client = new DebugClient('node', 'unused', 'crlab');
  await client.start(server.port);
  return client;
}

/** A temporary folder holding the given files. */
export function workspace(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), 'crlab-debug-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return folder;
}

export function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Launches and waits for the first stop (or the launch's error). */
export async function launchAndStop(
  client: DebugClient,
  args: Record<string, unknown>,
  configure: (client: DebugClient) => Promise<unknown> = async () => undefined,
): Promise<DebugProtocol.StoppedEvent> {
  const stopped = client.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await Promise.all([
    client.waitForEvent('initialized').then(async () => {
      await configure(client);
      await client.configurationDoneRequest();
    }),
    client.launch(args),
  ]);
  return stopped;
}

/** The frames of a thread. */
export async function framesOf(
  client: DebugClient,
  threadId: number,
): Promise<DebugProtocol.StackFrame[]> {
  return (await client.stackTraceRequest({ threadId })).body.stackFrames;
}

/** Every variable of the scope named `scope` of a frame, by name. */
export async function variablesOf(
  client: DebugClient,
  frameId: number,
  scope: string,
): Promise<Map<string, DebugProtocol.Variable>> {
  const scopes = (await client.scopesRequest({ frameId })).body.scopes;
  const found = scopes.find((candidate) => candidate.name === scope);
  if (found === undefined)
    throw new Error(`no scope ${scope}: ${scopes.map((s) => s.name).join(', ')}`);
  const variables = (
    await client.variablesRequest({ variablesReference: found.variablesReference })
  ).body.variables;
  return new Map(variables.map((variable) => [variable.name, variable]));
}

/** Resumes with `resume` and waits for the next stop. */
export async function resumeAndStop(
  client: DebugClient,
  resume: () => Promise<unknown>,
): Promise<DebugProtocol.StoppedEvent> {
  const stopped = client.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await resume();
  return stopped;
}
