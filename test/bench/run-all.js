// `pnpm bench`: the issue-2 benchmarks, each against a baseline measured in the same run (DESIGN §8 "CI shape":
// not part of the tests). Needs a build (`pnpm bench` builds first) and `make`. Prints a table; exits 1 when a
// target is missed. `pnpm bench overhead fanout output sandbox` picks some of them (sandbox: what the task sandbox
// costs, sandboxed against plain `floe run`).
// `pnpm bench hub [--quick] [--floe-only]` runs issue 3's hub-and-runners benchmark against Buildbot instead
// (hub-vs-buildbot.js, ~15 min; not part of the default set, since it installs and runs Buildbot).
// `pnpm bench cap [--gb N]` prints a task's N GB (default 10) through a hub and runner under the log cap.
// `pnpm bench artifacts [--mb N]` moves an N MiB artifact (default 1024) up and down against cp and curl.
// `pnpm bench logs [--mb N]`: a task printing N MiB (default 1024) through a runner and a hub (log-ingest.js).
// `pnpm bench cache`: a task cache of 50,000 small files saved and restored against `tar` (cache.js).
// `pnpm bench runner [--runs N] [--sandbox on|off] [--prof DIR]`: the runner daemon's CPU per one-task run, sandbox
// on and off, against the floor of spawning the same sandboxed bash from Node (runner-cost.js).
// `pnpm bench hubs [--runs N] [--rounds N] [--before PATH]`: runs per second through 1, 2 and 4 hubs on one
// PostgreSQL with simulated runners, this tree against an earlier build (hubs-scaling.js).
// `pnpm bench core [--runs N] [--rounds N] [--before ROOT]`: the hub's core CPU per one-task run in one process, no
// sockets (hub-core-cost.js), this tree against an earlier build.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { bigOutput } from './big-output.js';
import { fanOut } from './fan-out.js';
import { sandboxCost } from './sandbox-cost.js';
import { taskOverhead } from './task-overhead.js';

const only = process.argv.slice(2);
// Benchmarks of their own, run alone: `hub` (against Buildbot), `cap` (the log cap, 10 GB through a hub),
// `artifacts` (an artifact up and down), `cache` (task caches against tar), `logs` (a chatty build's log), `runner`
// (a run's CPU in the runner), `hubs` (several hubs on PostgreSQL) and `core` (the hub's core in one process).
const alone = {
  hub: './hub-vs-buildbot.js',
  cap: './capped-log.js',
  artifacts: './artifact-transfer.js',
  cache: './cache.js',
  logs: './log-ingest.js',
  runner: './runner-cost.js',
  hubs: './hubs-scaling.js',
  core: './hub-core-cost.js',
};
if (only[0] in alone) {
  const script = new URL(alone[only[0]], import.meta.url).pathname;
  const { status } = spawnSync(process.execPath, [script, ...only.slice(1)], { stdio: 'inherit' });
  process.exit(status ?? 1);
}
const benches = { overhead: taskOverhead, fanout: fanOut, output: bigOutput, sandbox: sandboxCost };
const rows = [];
const notes = [];
let missed = false;
for (const [key, bench] of Object.entries(benches)) {
  if (only.length && !only.includes(key)) continue;
  const { name, floe, baseline, target, memoryTargetMb, note } = await bench();
  if (note) notes.push(note);
  const ratio = floe.ms / baseline.ms;
  const memoryOk = memoryTargetMb === undefined || floe.peakMb <= memoryTargetMb;
  const ok = ratio <= target && memoryOk;
  missed ||= !ok;
  rows.push([
    name,
    `${(floe.ms / 1000).toFixed(2)}s`,
    `${(baseline.ms / 1000).toFixed(2)}s`,
    `${ratio.toFixed(2)} (≤ ${target})`,
    `${(floe.cpuMs / 1000).toFixed(2)}s / ${(baseline.cpuMs / 1000).toFixed(2)}s`,
    `${floe.peakMb.toFixed(0)} MB${memoryTargetMb ? ` (≤ ${memoryTargetMb})` : ''}`,
    ok ? 'ok' : 'MISSED',
  ]);
}
const header = ['benchmark', 'floe', 'baseline', 'ratio', 'CPU floe / baseline', 'floe peak RSS', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
for (const row of [header, ...rows])
  console.log(
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
for (const note of notes) console.log(note);
console.log(
  `load average at the end: ${(await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ').slice(0, 3).join(' ')}`,
);
process.exitCode = missed ? 1 : 0;
