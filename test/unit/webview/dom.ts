/**
 * A DOM (happy-dom) for unit tests of the webview's views, with the two things happy-dom leaves
 * out and the virtual lists depend on, modelled as Chromium behaves:
 *
 * - scrolling: a viewport's `scrollTop` is clamped to `[0, scrollHeight - clientHeight]` (the
 *   scroll height being its `.virtual-track`'s height), and a change of it fires one `scroll`
 *   event at the next frame, not at once; setting it to the value it has fires nothing;
 * - frames: `requestAnimationFrame` callbacks run only when the test calls `frame()`, after that
 *   frame's scroll events, as in the HTML event loop's "update the rendering" steps.
 *
 * Nothing here waits for time: a test steps frames itself, so it is deterministic.
 */
import { Window } from 'happy-dom';

/** The globals the webview code reads, installed for one test. */
const globalNames = [
  'window',
  'document',
  'Element',
  'HTMLElement',
  'Event',
  'KeyboardEvent',
  'MouseEvent',
  'WheelEvent',
  'ResizeObserver',
  'requestAnimationFrame',
  'cancelAnimationFrame',
] as const;

export interface TestDom {
  readonly window: Window;
  readonly document: Document;
  /** Runs one frame: pending scroll events first, then the animation frame callbacks. */
  frame(): void;
  /** Runs frames until nothing is pending (at most `limit`). */
  settle(limit?: number): void;
  /**
   * Gives `viewport` a layout: `clientHeight` of `height` pixels and browser-like scrolling (see
   * the file comment). Call it once the list has put its track into the viewport. Returns it.
   */
  layout<T extends HTMLElement>(viewport: T, height: number): T;
  /** Scrolls `viewport` as a user does (the scrollbar, a touchpad): sets `scrollTop` only. */
  userScroll(viewport: HTMLElement, top: number): void;
  /** Removes the globals. */
  close(): void;
}

export function installDom(): TestDom {
  const window = new Window({ url: 'http://localhost/' });
  const document = window.document as unknown as Document;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  let callbacks: { id: number; run: FrameRequestCallback }[] = [];
  let nextFrameId = 1;
  const pendingScrolls = new Set<HTMLElement>();

  const values: Record<(typeof globalNames)[number], unknown> = {
    window,
    document,
    Element: window.Element,
    HTMLElement: window.HTMLElement,
    Event: window.Event,
    KeyboardEvent: window.KeyboardEvent,
    MouseEvent: window.MouseEvent,
    WheelEvent: window.WheelEvent,
    ResizeObserver: window.ResizeObserver,
    requestAnimationFrame: (run: FrameRequestCallback): number => {
      const id = nextFrameId++;
      callbacks.push({ id, run });
      return id;
    },
    cancelAnimationFrame: (id: number): void => {
      callbacks = callbacks.filter((callback) => callback.id !== id);
    },
  };
  for (const name of globalNames) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, {
      value: values[name],
      configurable: true,
      writable: true,
    });
  }

  const frame = (): void => {
    const scrolled = [...pendingScrolls];
    pendingScrolls.clear();
    for (const element of scrolled) element.dispatchEvent(new Event('scroll'));
    const due = callbacks;
    callbacks = [];
    for (const callback of due) callback.run(performance.now());
  };

  const layout = <T extends HTMLElement>(viewport: T, height: number): T => {
    const trackHeight = (): number => {
      const track = viewport.querySelector<HTMLElement>('.virtual-track');
      return track ? Number.parseFloat(track.style.height || '0') : 0;
    };
    let top = 0;
    Object.defineProperty(viewport, 'clientHeight', { configurable: true, get: () => height });
    Object.defineProperty(viewport, 'scrollHeight', {
      configurable: true,
      get: () => Math.max(height, trackHeight()),
    });
    Object.defineProperty(viewport, 'scrollTop', {
      configurable: true,
      get: () => Math.min(top, Math.max(0, trackHeight() - height)),
      set: (value: number) => {
        const before = viewport.scrollTop;
        top = Math.max(0, Math.min(Number(value) || 0, Math.max(0, trackHeight() - height)));
        if (viewport.scrollTop !== before) pendingScrolls.add(viewport);
      },
    });
    // The track's own height, read by the list on a scaled track.
    const track = viewport.querySelector<HTMLElement>('.virtual-track');
    if (track)
      Object.defineProperty(track, 'offsetHeight', { configurable: true, get: trackHeight });
    return viewport;
  };

  return {
    window,
    document,
    frame,
    settle: (limit = 20) => {
      for (let i = 0; i < limit && (callbacks.length > 0 || pendingScrolls.size > 0); i++) frame();
    },
    layout,
    userScroll: (viewport, top) => {
      viewport.scrollTop = top;
    },
    close: () => {
      for (const name of globalNames) {
        const descriptor = saved.get(name);
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else Reflect.deleteProperty(globalThis, name);
      }
      void window.happyDOM.close();
    },
  };
}
