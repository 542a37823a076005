/* eslint-disable @typescript-eslint/no-require-imports -- the extension host loads a CommonJS main */
// Benchmarks only (scripts/bench/editor.mjs links this folder into code-server's extensions):
// an extension that runs in the same extension host as Checkpoint/Restart Lab and samples that
// host's event loop with perf_hooks.monitorEventLoopDelay. Every SAMPLE_MS it appends one JSON
// line {"t": wall-clock ms, "maxMs": the loop's longest delay since the previous line, "wallMs"
// and "cpuMs": the time since that line and the host's CPU time in it} to the
// file named by CRLAB_BENCH_PROBE, so that the bench can take the longest stall within any
// window it timed itself (a stall shows in the first line written after it ends).
// To say what a stall was, it also appends a line {"gc": kind, "t": wall-clock ms at its start,
// "ms": its duration} for every garbage collection of the host's main heap, and, asked through
// the file `<CRLAB_BENCH_PROBE>.cmd` ("start", then "stop <path>"), takes a V8 CPU profile of
// the host (node:inspector, in process) and writes it to <path>.
const { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const {
  constants,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} = require('node:perf_hooks');

const SAMPLE_MS = 50;

let timer;
let gcObserver;
let session;

/** node:perf_hooks' gc kinds (detail.kind), by name. */
const gcKinds = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** Obeys the bench's profile command, if one is waiting. */
function profileCommand(out) {
  const file = `${out}.cmd`;
  if (!existsSync(file)) return;
  const command = readFileSync(file, 'utf8').trim();
  rmSync(file, { force: true });
  if (command === 'start') {
    const inspector = require('node:inspector');
    session = new inspector.Session();
    session.connect();
    session.post('Profiler.enable', () =>
      // 250 µs: fine enough to name what runs in a 100 ms stall.
      session.post('Profiler.setSamplingInterval', { interval: 250 }, () =>
        session.post('Profiler.start', () => {
          // The profile's clock (µs of the monotonic clock, as process.hrtime) against the wall
          // clock, so the bench can find the samples of a stall it saw at a wall-clock time.
          const monotonicUs = Number(process.hrtime.bigint() / 1000n);
          const line = { t: Date.now(), profiling: true, monotonicUs };
          appendFileSync(out, `${JSON.stringify(line)}\n`);
        }),
      ),
    );
  } else if (command.startsWith('stop ') && session !== undefined) {
    const target = command.slice('stop '.length);
    const profiling = session;
    session = undefined;
    profiling.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(target, JSON.stringify(result.profile));
      profiling.disconnect();
      appendFileSync(out, `${JSON.stringify({ t: Date.now(), profiled: target })}\n`);
    });
  }
}

function activate() {
  const out = process.env.CRLAB_BENCH_PROBE;
  if (!out) return;
  // 5 ms sampling: fine enough for a 100 ms limit, cheap enough to change nothing it measures.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  appendFileSync(out, `${JSON.stringify({ t: Date.now(), started: true, pid: process.pid })}\n`);
  gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = entry.detail?.kind ?? entry.kind;
      const line = {
        gc: gcKinds[kind] ?? String(kind),
        t: performance.timeOrigin + entry.startTime,
        ms: entry.duration,
      };
      appendFileSync(out, `${JSON.stringify(line)}\n`);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
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
    profileCommand(out);
  }, SAMPLE_MS);
}

function deactivate() {
  if (timer !== undefined) clearInterval(timer);
  gcObserver?.disconnect();
  session?.disconnect();
}

module.exports = { activate, deactivate };
