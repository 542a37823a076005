// Benchmarks only: reads a V8 CPU profile of the extension host (taken by the probe extension,
// scripts/bench/host-probe) and says what ran in its longest busy stretch, the stretch of
// samples with no idle one between them, i.e. the longest the host's event loop could not turn.
// Frames of the minified extension bundle are named by their original source through its
// linked source map (node:module's SourceMap).
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

/**
 * @typedef {{ functionName: string, url: string, lineNumber: number, columnNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, parent?: number, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number }} Profile
 */

/** Source maps of bundles, by bundle path (null: none). @type {Map<string, SourceMap | null>} */
const maps = new Map();

/** @param {string} file */
function sourceMapOf(file) {
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(
      file,
      existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null,
    );
  }
  return maps.get(file) ?? null;
}

/**
 * A frame's name as a person reads it: its function and where it is (the original source for
 * the extension's bundle).
 * @param {CallFrame} frame
 */
function frameName(frame) {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url.startsWith('file://') ? new URL(frame.url).pathname : frame.url;
  const map = file.endsWith('.js') ? sourceMapOf(file) : null;
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    const source = entry.originalSource.replace(/^.*?\/(extension|webview|node_modules)\//, '$1/');
    return `${entry.name ?? name} (${source}:${entry.originalLine + 1})`;
  }
  return `${name} (${path.basename(file)}:${frame.lineNumber + 1})`;
}

/**
 * What ran in the host between two times of the profile's clock (µs): the functions with the
 * most self time, and the extension's own frames with the most total time.
 * @param {Profile} profile
 * @param {number} fromUs
 * @param {number} toUs
 * @param {number} [top]
 */
export function profileWindow(profile, fromUs, toUs, top = 8) {
  let at = profile.startTime;
  let from = -1;
  let to = profile.samples.length;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (from < 0 && at >= fromUs) from = i;
    if (at > toUs) {
      to = i;
      break;
    }
  }
  return summarise(profile, Math.max(from, 0), to, top);
}

/**
 * The longest busy stretch of a profile (no `(idle)` sample in it) and what ran in it: the
 * functions with the most self time, and the extension's own frames with the most total time.
 * @param {Profile} profile
 * @param {number} [top]
 */
export function busiestStretch(profile, top = 8) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const idle = (/** @type {number} */ id) => byId.get(id)?.callFrame.functionName === '(idle)';
  // Sample i lasts timeDeltas[i + 1] (the delta is the time since the previous sample).
  let best = { from: 0, to: 0, us: 0 };
  let from = 0;
  let us = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const sample = profile.samples[i] ?? 0;
    const length = profile.timeDeltas[i + 1] ?? 0;
    if (idle(sample)) {
      from = i + 1;
      us = 0;
      continue;
    }
    us += length;
    if (us > best.us) best = { from, to: i + 1, us };
  }
  const hasIdle = profile.nodes.some((node) => node.callFrame.functionName === '(idle)');
  return { ms: best.us / 1000, hasIdle, ...summarise(profile, best.from, best.to, top) };
}

/**
 * Self time by function and the extension's frames by total time, over samples [from, to).
 * @param {Profile} profile
 * @param {number} from
 * @param {number} to
 * @param {number} top
 */
function summarise(profile, from, to, top) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes)
    for (const child of node.children ?? []) {
      const found = byId.get(child);
      if (found) found.parent = node.id;
    }
  const best = { from, to };
  /** @type {Map<string, number>} */
  const self = new Map();
  /** @type {Map<string, number>} */
  const total = new Map();
  for (let i = best.from; i < best.to; i++) {
    const length = profile.timeDeltas[i + 1] ?? 0;
    let node = byId.get(profile.samples[i] ?? 0);
    if (!node) continue;
    const leaf = frameName(node.callFrame);
    self.set(leaf, (self.get(leaf) ?? 0) + length);
    /** @type {Set<string>} */
    const seen = new Set();
    while (node) {
      if (node.callFrame.url.includes('dist/extension.js') || node.callFrame.url === '') {
        const name = frameName(node.callFrame);
        if (!seen.has(name) && !name.startsWith('(root)')) {
          seen.add(name);
          total.set(name, (total.get(name) ?? 0) + length);
        }
      }
      node = node.parent === undefined ? undefined : byId.get(node.parent);
    }
  }
  const ms = (/** @type {number} */ value) => `${(value / 1000).toFixed(1)} ms`;
  const list = (/** @type {Map<string, number>} */ map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, value]) => `${name} ${ms(value)}`)
      .join(', ');
  return { self: list(self), total: list(total) };
}
