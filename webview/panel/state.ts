/**
 * The panel's UI state (the tab shown, the task selected, what is folded), kept with the webview
 * API's getState/setState so that it survives the view being hidden and shown again. The lab
 * itself always comes from the host.
 */

export type PanelTab = 'checks' | 'matrix' | 'kernel';

export interface PanelUiState {
  readonly tab: PanelTab;
  readonly selectedPid: number | null;
  /** Keys of folded tree rows (`ns:PID` for a pid namespace). */
  readonly collapsed: readonly string[];
  /** Pids whose mappings are unfolded in the task details. */
  readonly mappings: readonly number[];
}

/** The subset of the object `acquireVsCodeApi()` returns that the panel uses. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The API handle; VS Code allows acquiring it only once per page. */
export const vscodeApi: VsCodeApi = acquireVsCodeApi();

export const initialUiState: PanelUiState = {
  tab: 'checks',
  selectedPid: null,
  collapsed: [],
  mappings: [],
};

function isPanelUiState(value: unknown): value is PanelUiState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return (
    (state['tab'] === 'checks' || state['tab'] === 'matrix' || state['tab'] === 'kernel') &&
    (state['selectedPid'] === null || Number.isSafeInteger(state['selectedPid'])) &&
    Array.isArray(state['collapsed']) &&
    state['collapsed'].every((key) => typeof key === 'string') &&
    Array.isArray(state['mappings']) &&
    state['mappings'].every((pid) => Number.isSafeInteger(pid))
  );
}

/** The saved UI state, or the initial one when nothing (or something unexpected) was saved. */
export function loadUiState(): PanelUiState {
  const saved = vscodeApi.getState();
  return isPanelUiState(saved) ? saved : initialUiState;
}

export function saveUiState(state: PanelUiState): void {
  vscodeApi.setState({
    ...state,
    collapsed: state.collapsed.slice(0, 500),
    mappings: state.mappings.slice(0, 100),
  });
}
