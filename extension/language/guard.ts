/**
 * Providers run through a guard: a mistake of ours on some text must cost the user one hover,
 * never an error popup or a broken editor. What the guard catches is logged and counted, so
 * tests can assert that nothing was caught.
 */
import * as vscode from 'vscode';

/** A refusal a provider means to show the user (VS Code shows the message of a thrown error). */
export class ProviderRefusal extends Error {}

export interface ProviderFailure {
  provider: string;
  uri: string;
  message: string;
}

export class ProviderGuard {
  readonly failures: ProviderFailure[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Runs `work`; on an unexpected error logs it and returns `fallback`. */
  run<T>(provider: string, document: vscode.TextDocument, fallback: T, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof ProviderRefusal) throw error;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.failures.push({ provider, uri: document.uri.toString(), message });
      this.log.error(`${provider} failed on ${document.uri.toString()}: ${message}`);
      return fallback;
    }
  }
}
