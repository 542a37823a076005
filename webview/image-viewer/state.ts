/**
 * The webview's persisted UI state (which records are expanded, which is selected), kept with
 * the VS Code webview API's getState/setState so it survives the tab being hidden and shown.
 */

/** What the viewer persists. Only UI state: the image itself always comes from the host. */
export interface ViewerState {
  readonly expanded: readonly number[];
  readonly selected: number | null;
  /** How many records are rendered (more are added on request). */
  readonly shownRecords: number;
}

/** The subset of the object `acquireVsCodeApi()` returns that the viewer uses. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Records rendered before the user asks for more: keeps the DOM small for huge images. */
export const recordPageSize = 500;

const initialState: ViewerState = { expanded: [], selected: null, shownRecords: recordPageSize };

/** The API handle; VS Code allows acquiring it only once per page. */
export const vscodeApi: VsCodeApi = acquireVsCodeApi();

function isViewerState(value: unknown): value is ViewerState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return (
    Array.isArray(state['expanded']) &&
    state['expanded'].every((index) => Number.isSafeInteger(index)) &&
    (state['selected'] === null || Number.isSafeInteger(state['selected'])) &&
    Number.isSafeInteger(state['shownRecords'])
  );
}

/** The persisted state, or the initial one when nothing (or something unexpected) was saved. */
export function loadState(): ViewerState {
  const saved = vscodeApi.getState();
  return isViewerState(saved) ? saved : initialState;
}

/** Persists `state`. */
export function saveState(state: ViewerState): void {
  vscodeApi.setState(state);
}
