/**
 * `events` in the web bundle: the part of Node's EventEmitter that `@vscode/debugadapter` uses
 * (its ProtocolServer extends it and emits each event it sends). The build maps the bare
 * `events` import here; nothing of ours imports it.
 */
type Listener = (...args: unknown[]) => void;

export class EventEmitter {
  private readonly listeners = new Map<string | symbol, Listener[]>();

  on(event: string | symbol, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: string | symbol, listener: Listener): this {
    const once: Listener = (...args) => {
      this.removeListener(event, once);
      listener.apply(this, args);
    };
    return this.on(event, once);
  }

  removeListener(event: string | symbol, listener: Listener): this {
    const list = this.listeners.get(event) ?? [];
    const at = list.lastIndexOf(listener);
    if (at >= 0) this.listeners.set(event, [...list.slice(0, at), ...list.slice(at + 1)]);
    return this;
  }

  off(event: string | symbol, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  listenerCount(event: string | symbol): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls the listeners in order; as in Node, an `error` nobody listens to is thrown. */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(String(args[0]));
      return false;
    }
    for (const listener of list) listener.apply(this, args);
    return true;
  }
}

export default EventEmitter;
