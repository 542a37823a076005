/* eslint-disable @typescript-eslint/no-require-imports -- the extension host loads a CommonJS main */
// Benchmarks only (scripts/bench/editor.mjs links this folder into code-server's extensions):
// an extension that runs in the same extension host as Checkpoint/Restart Lab and samples that
// host's event loop with perf_hooks.monitorEventLoopDelay. Every SAMPLE_MS it appends one JSON
// line {"t": wall-clock ms, "maxMs": the loop's longest delay since the previous line, "wallMs"
// and "cpuMs": the time since that line and the host's CPU time in it} to the
// file named by CRLAB_BENCH_PROBE, so that the bench can take the longest stall within any
// window it timed itself (a stall shows in the first line written after it ends).
const { appendFileSync } = require('node:fs');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const SAMPLE_MS = 50;

let timer;

function activate() {
  const out = process.env.CRLAB_BENCH_PROBE;
  if (!out) return;
  // 5 ms sampling: fine enough for a 100 ms limit, cheap enough to change nothing it measures.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  appendFileSync(out, `${JSON.stringify({ t: Date.now(), started: true, pid: process.pid })}\n`);
  let cpu = process.cpuUsage();
  let last = Date.now();
  timer = setInterval(() => {
    const maxMs = delay.count > 0 ? delay.max / 1e6 : 0;
    delay.reset();
    // The host's CPU time over the sample: a stall with little CPU was the host waiting for a
    // CPU on a loaded machine, not working.
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const now = Date.now();
    const sample = { t: now, maxMs, wallMs: now - last, cpuMs: (used.user + used.system) / 1000 };
    last = now;
    appendFileSync(out, `${JSON.stringify(sample)}\n`);
  }, SAMPLE_MS);
}

function deactivate() {
  if (timer !== undefined) clearInterval(timer);
}

module.exports = { activate, deactivate };
