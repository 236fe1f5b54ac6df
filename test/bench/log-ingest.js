// `pnpm bench logs [--mb N] [--only short|long] [--profile DIR]`: a chatty build at full speed (issue 23). A task
// printing N MiB (default 1024) runs through a real runner daemon (sandbox on: bubblewrap, as the task user)
// connected to a real hub (SQLite, --log-cap-mb raised above N), end to end from the API POST to the run archived,
// against the same command writing to a file, measured in the same run (three times, the median; before the floe
// run). Two outputs: short lines (`yes 0123456789abcdef | head -c N`) and 1 MiB lines (perl printing them).
// It checks every byte is stored once: the node's log read back through the hub's log API is floe's own first
// line (`$ <command>`), exactly the bytes the command printed (sha256 and size, the command piped to sha256sum),
// then floe's own last line. Peak RSS is each process's VmHWM (a fresh hub and runner per output); CPU is the
// seconds each used from the POST to the run archived (user + system, /proc/<pid>/stat): on a loaded machine the
// wall time varies a lot, the work done much less.
// --profile DIR starts the hub and the runner with --cpu-prof into DIR (they are stopped with SIGTERM to write it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_ADMIN_TOKEN,
  benchApi,
  floeMain,
  repoRoot,
  startAndWaitFor,
  timed,
  withTempDir,
} from './bench-support.js';

const flag = (name) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const MB = Number(flag('mb') ?? 1024);
const ONLY = flag('only');
const PROFILE = flag('profile');
const hubMain = join(repoRoot, 'github-app/dist/main.js');

// `yes` and perl end on SIGPIPE when head has had enough: not a failure (shell tasks run with pipefail).
const OUTPUTS = {
  short: `(yes 0123456789abcdef || true) | head -c ${MB}M`,
  long: `(perl -e '$l = "x" x 1048575 . "\\n"; print $l while 1' || true) | head -c ${MB}M`,
};
const TARGET_RATIO = 3;
const TARGET_HUB_MB = 200;
const TARGET_RUNNER_MB = 150;

function peakMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

/** CPU seconds (user + system) the process has used so far: what the machine's load does not change much. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function sha256Of(command) {
  return execFileSync('bash', ['-c', `${command} | sha256sum`], { encoding: 'utf8' }).split(' ')[0];
}

function printedSize(command) {
  return Number(execFileSync('bash', ['-c', `${command} | wc -c`], { encoding: 'utf8' }).trim());
}

/** Stops a child with SIGTERM (so that --cpu-prof writes its profile), then SIGKILL after 20 s. */
function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The node's log through the hub's log API (pages of about 1 MiB), hashed as it streams: floe's first line
 * apart, then the `printedBytes` that should be the command's output (hashed), then floe's last line — after a
 * newline of floe's own when the output ended mid-line (log-chunk.ts).
 */
async function readBack(url, runId, node, printedBytes) {
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let output = -1; // bytes of the output hashed; -1 while floe's first line is being read
  let after = Buffer.alloc(0);
  let total = 0;
  for (let from = 0; ; ) {
    const response = await fetch(new URL(`/api/runs/${runId}/logs?node=${node}&from=${from}`, url), {
      headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
    });
    let bytes = Buffer.from(await response.arrayBuffer());
    const next = Number(response.headers.get('x-floe-log-next'));
    total += bytes.length;
    if (output < 0) {
      head = Buffer.concat([head, bytes]);
      const newline = head.indexOf(0x0a);
      bytes = newline < 0 ? Buffer.alloc(0) : head.subarray(newline + 1);
      if (newline >= 0) {
        head = head.subarray(0, newline + 1);
        output = 0;
      }
    }
    if (output >= 0) {
      const take = Math.min(bytes.length, printedBytes - output);
      hash.update(bytes.subarray(0, take));
      output += take;
      after = Buffer.concat([after, bytes.subarray(take)]);
    }
    if (after.length > 4096) break; // more than floe's last line: the check fails below
    if (total > 0 && (bytes.length === 0 || !(next > from))) break;
    from = next;
  }
  return { first: head.toString(), last: after.toString(), sha256: hash.digest('hex'), outputBytes: output, total };
}

async function measure(dir, name, command) {
  const children = new Set();
  const work = join(dir, name);
  mkdirSync(work);
  try {
    // The baseline first, three times (the median), while nothing else of the bench runs.
    const baselines = [];
    for (let i = 0; i < 3; i++) {
      const file = join(work, 'out.txt');
      baselines.push((await timed('bash', ['-c', `${command} > ${file}`], { cwd: work })).ms);
      rmSync(file, { force: true });
    }
    baselines.sort((a, b) => a - b);
    const baselineMs = baselines[1];

    const repo = join(work, 'repo');
    mkdirSync(repo);
    writeFileSync(
      join(repo, 'FLOE.yaml'),
      `id: chatty\ntasks:\n  - {id: talk, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(command)}}}\n`,
    );
    const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('-c', 'user.name=bench', '-c', 'user.email=bench@floe.invalid', 'commit', '-qm', 'flow');
    const prof = (who) => (PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${join(PROFILE, `${name}-${who}`)}`] : []);
    const hubDir = join(work, 'hub');
    // Raised so that the whole log passes: the runner sends the first quarter of the cap as it comes (log-cap.ts).
    const capMb = String(MB * 4 + 16);
    const hubArgs = [hubMain, '--port', '0', '--data-dir', hubDir, '--admin-token', BENCH_ADMIN_TOKEN];
    const hub = await startAndWaitFor(
      children,
      process.execPath,
      [...prof('hub'), ...hubArgs, '--log-cap-mb', capMb, '--repo', repo],
      /floe hub at (\S+)/,
    );
    const url = hub.match[1];
    const { token } = await benchApi(url, '/api/runners/tokens', {});
    const runnerArgs = [floeMain, 'runner', 'start', '--name', 'bench', '--work-dir', join(work, 'runner')];
    const runner = await startAndWaitFor(
      children,
      process.execPath,
      [...prof('runner'), ...runnerArgs, '--sandbox', 'on', '--hub', url, '--token', token],
      /connected/,
    );
    const cpuBefore = { hub: cpuSeconds(hub.child.pid), runner: cpuSeconds(runner.child.pid) };
    const started = performance.now();
    const { runId } = await benchApi(url, '/api/flows/chatty/runs', {});
    let run;
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = await benchApi(url, `/api/runs/${runId}`);
    } while (run.state !== 'archived');
    const floeMs = performance.now() - started;
    if (run.result !== 'good') throw new Error(`the run ended ${run.result}: ${run.reason}`);
    const figures = {
      name,
      floeMs,
      baselineMs,
      hubPeakMb: peakMb(hub.child.pid),
      runnerPeakMb: peakMb(runner.child.pid),
      hubCpu: cpuSeconds(hub.child.pid) - cpuBefore.hub,
      runnerCpu: cpuSeconds(runner.child.pid) - cpuBefore.runner,
    };
    // A profile covers the run alone: the processes stop before the log is read back (not checked then).
    if (PROFILE) {
      await Promise.all([stop(runner.child), stop(hub.child)]);
      return { ...figures, hashOk: false, hashNote: 'not checked (--profile)' };
    }
    const printed = { sha256: sha256Of(command), bytes: printedSize(command) };
    const back = await readBack(url, runId, 'talk', printed.bytes);
    const sameBytes = back.sha256 === printed.sha256 && back.outputBytes === printed.bytes;
    // floe's last line after a newline of floe's own when the output ended mid-line (log-chunk.ts).
    const framed = back.first === `$ ${command}\n` && /^\n?exited 0\n$/.test(back.last);
    return {
      ...figures,
      hashOk: sameBytes && framed,
      hashNote: `${printed.bytes} B printed, sha256 ${printed.sha256.slice(0, 16)}…; read back ${back.total} B: floe's first line, ${back.outputBytes} B of output with sha256 ${back.sha256.slice(0, 16)}…, then ${framed ? "floe's last line" : JSON.stringify(back.last.slice(0, 200))}`,
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

export async function logIngest() {
  return withTempDir(async (dir) => {
    const results = [];
    for (const [name, command] of Object.entries(OUTPUTS)) {
      if (ONLY && ONLY !== name) continue;
      results.push(await measure(dir, name, command));
    }
    return results;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (PROFILE) mkdirSync(PROFILE, { recursive: true });
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const results = await logIngest();
  const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  let missed = false;
  process.stdout.write(
    `\n${MB} MiB printed by one task through a runner (sandbox on) and a hub (SQLite), node ${process.version}\n`,
  );
  const header = [
    'output',
    'floe end to end',
    'to a file',
    'ratio',
    'hub peak RSS',
    'runner peak RSS',
    'hub CPU',
    'runner CPU',
    'bytes',
  ];
  const rows = results.map((r) => {
    const ratio = r.floeMs / r.baselineMs;
    const ok = ratio <= TARGET_RATIO && r.hubPeakMb <= TARGET_HUB_MB && r.runnerPeakMb <= TARGET_RUNNER_MB && r.hashOk;
    missed ||= !ok;
    return [
      r.name === 'short' ? 'short lines' : '1 MiB lines',
      `${(r.floeMs / 1000).toFixed(2)} s`,
      `${(r.baselineMs / 1000).toFixed(2)} s`,
      `${ratio.toFixed(2)} (≤ ${TARGET_RATIO})`,
      `${r.hubPeakMb.toFixed(0)} MB (≤ ${TARGET_HUB_MB})`,
      `${r.runnerPeakMb.toFixed(0)} MB (≤ ${TARGET_RUNNER_MB})`,
      `${r.hubCpu.toFixed(1)} s`,
      `${r.runnerCpu.toFixed(1)} s`,
      r.hashOk ? 'same sha256 and size' : 'DIFFERENT',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
  for (const r of results) process.stdout.write(`${r.name}: ${r.hashNote}\n`);
  process.stdout.write(`load average before ${loadBefore}, after ${loadAfter}\n`);
  process.exitCode = missed ? 1 : 0;
}
