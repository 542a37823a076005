/**
 * The webview's persisted UI state (what is expanded, what is selected, where the views are
 * scrolled), kept with the VS Code webview API's getState/setState so it survives the tab being
 * hidden and shown.
 */

/** What the viewer persists. Only UI state: the image itself always comes from the host. */
export interface ViewerState {
  /** Keys of expanded tree rows (tasks, records, fields). */
  readonly expanded: readonly string[];
  /** Key of the selected tree row. */
  readonly selected: string | null;
  /** First tree row in view. */
  readonly treeTop: number;
  /** Hex cursor (byte offset). */
  readonly cursor: number;
}

/** The subset of the object `acquireVsCodeApi()` returns that the viewer uses. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** At most this many expanded keys are saved (a user expanding every page of 1 GiB included). */
const maxSavedKeys = 5000;

const initialState: ViewerState = { expanded: [], selected: null, treeTop: 0, cursor: 0 };

/** The API handle; VS Code allows acquiring it only once per page. */
export const vscodeApi: VsCodeApi = acquireVsCodeApi();

function isViewerState(value: unknown): value is ViewerState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return (
    Array.isArray(state['expanded']) &&
    state['expanded'].every((key) => typeof key === 'string') &&
    (state['selected'] === null || typeof state['selected'] === 'string') &&
    Number.isSafeInteger(state['treeTop']) &&
    Number.isSafeInteger(state['cursor'])
  );
}

/** The persisted state, or null when nothing (or something unexpected) was saved. */
export function loadState(): ViewerState | null {
  const saved = vscodeApi.getState();
  return isViewerState(saved) ? saved : null;
}

/** Persists `state`. */
export function saveState(state: ViewerState): void {
  vscodeApi.setState({ ...state, expanded: state.expanded.slice(0, maxSavedKeys) });
}

export { initialState };
