// Issue 3's peer benchmark: the hub and its runners against Buildbot 3.7, both measured in the same script run on
// the same machine, printed as one table "metric | floe | Buildbot | ratio | target".
//
//   node test/bench/hub-vs-buildbot.js               # floe, then Buildbot (~15 min; Buildbot alone is ~8 min)
//   node test/bench/hub-vs-buildbot.js --quick       # small counts on both sides (~3 min)
//   node test/bench/hub-vs-buildbot.js --floe-only   # skip Buildbot; its column shows RESULTS.md's recorded run
//   pnpm bench hub [--quick] [--floe-only]           # the same, after a build
//   --sandbox off          runners without the task sandbox, floor without it (the comparison before issue 23)
//   --phases a,b           only these floe phases (dispatch, throughput, live, log, idle; implies --floe-only)
//   --hub-cpu-prof DIR     the hub writes a V8 CPU profile into DIR when it stops (open it in Chrome's DevTools)
//
// Runners sandbox their tasks by default, as a runner does (bubblewrap, and as root the floe-task user): the
// stamp file is then in a directory bound into every sandbox (--sandbox-bind), and the floor's warm bash starts in
// the same kind of sandbox (the runner's own sandboxArgv). Needs a build (`npx tsc -b`). Buildbot runs through its own harness, ../shared/bench-peers/buildbot/run.sh
// (installs buildbot with apt when missing; state under a temp BB_ROOT; listens on 127.0.0.1:19989 and :18010).
// The floe workload copies what that harness measures: one-task runs started through the API at client time t0,
// a task that stamps its own start with `date +%s.%N`, runs one after another with a 0.2–0.5 s random gap, and
// throughput as sequential POSTs timed from the first POST to the last run's end. Everything listens on 127.0.0.1
// only, and every process started here is stopped by its PID at the end, also on failure or Ctrl-C.
// Exits 1 when a target is missed.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { BENCH_ADMIN_TOKEN, benchApi, floeMain, repoRoot, startAndWaitFor } from './bench-support.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const option = (name) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const SANDBOX = option('--sandbox') !== 'off';
const PHASES = option('--phases')?.split(',') ?? ['dispatch', 'throughput', 'live', 'log', 'idle'];
const HUB_CPU_PROF = option('--hub-cpu-prof');
const FLOE_ONLY = argv.includes('--floe-only') || option('--phases') !== undefined;
/** Counts: the issue's, or small ones for a smoke run. */
const N = QUICK
  ? { warmup: 3, dispatch: 20, throughput: 100, liveLines: 40, logBytes: 15_000_000, idle: 100 }
  : { warmup: 3, dispatch: 200, throughput: 1000, liveLines: 200, logBytes: 75_000_000, idle: 1000 };
/** Runners (and slots each) for the throughput run; Buildbot's harness has 2 workers × max_builds 4. */
const RUNNERS = 4;
const SLOTS = 4;
/** Buildbot's harness, with the counts that match ours (one repetition, its 200-run dispatch, our run count). */
const BUILDBOT_ARGS = QUICK
  ? ['--reps', '1', '--dispatch-n', '20', '--warmup', '1', '--tput-n', '100', '--tput1-n', '10']
  : [
      '--reps',
      '1',
      '--dispatch-n',
      '200',
      '--warmup',
      '3',
      '--tput-n',
      '1000',
      '--tput1-n',
      '20',
      '--tput-timeout',
      '900',
    ];
const buildbotScript = join(repoRoot, '../shared/bench-peers/buildbot/run.sh');
/** The built hub (`FLOE_BENCH_HUB_MAIN` points elsewhere, e.g. at a build kept for an A/B comparison). */
const hubMain = process.env.FLOE_BENCH_HUB_MAIN ?? join(repoRoot, 'github-app/dist/main.js');
const PROTOCOL_VERSION = 1;
const CLOCK_TICKS = 100;

/** Wall-clock time in ms with sub-ms resolution, comparable with `date +%s.%N` and bash's $EPOCHREALTIME. */
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (text) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

/** Linear-interpolated percentile, the same formula as Buildbot's bench.py, so both columns are computed alike. */
function pct(values, p) {
  const xs = [...values].sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const k = ((xs.length - 1) * p) / 100;
  const lo = Math.floor(k);
  const hi = Math.min(lo + 1, xs.length - 1);
  return xs[lo] + (xs[hi] - xs[lo]) * (k - lo);
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: every child is kept here and stopped by its PID in `stopAll`, whatever happens.

const children = new Set();

/** Runs a short command to its end; fails unless it exits 0. */
function runToEnd(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (text) => {
    errors += text;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${errors}`));
    }),
  );
}

/** SIGTERM to each child (to its process group when it leads one), then SIGKILL to those still there after 10 s. */
async function stopAll() {
  const signal = (child, name) => {
    try {
      process.kill(child.group ? -child.pid : child.pid, name);
    } catch {
      // gone already
    }
  };
  const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) signal(child, 'SIGTERM');
  const timeout = sleep(10_000).then(() => 'timeout');
  if ((await Promise.race([Promise.all(exited), timeout])) === 'timeout')
    for (const child of running) signal(child, 'SIGKILL');
  children.clear();
}

/** Resident memory of a process in MB (VmRSS), or NaN when it is gone. */
async function rssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return (Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) * 1024) / 1e6;
}

/** CPU time (user + system) of a process in ms. */
async function cpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Samples VmRSS of `pids` every 50 ms (as Buildbot's harness does) until `stop()`, which returns each one's peak. */
function rssSampler(pids) {
  const peaks = new Map(pids.map((pid) => [pid, 0]));
  const timer = setInterval(async () => {
    for (const pid of pids) {
      const mb = await rssMb(pid);
      if (mb > peaks.get(pid)) peaks.set(pid, mb);
    }
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return peaks;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The hub, its runners and its API

/** The flows of every floe measurement; `stampFile` receives one "runId epoch-seconds" line per dispatch run. */
function flows(stampFile) {
  return `flows:
  - id: stamp
    tasks:
      - id: stamp
        type: exec
        listen: trigger.good
        opts:
          shell: 'echo "$FLOE_RUN_ID $(date +%s.%N)" >> ${stampFile}'
  - id: quick
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "true"}}
  - id: live
    tasks:
      - id: talk
        type: exec
        listen: trigger.good
        opts:
          shell: 'sleep 1; for i in $(seq ${N.liveLines}); do echo "L $EPOCHREALTIME"; sleep 0.05; done'
  - id: biglog
    tasks:
      - {id: big, type: exec, listen: trigger.good, opts: {shell: "head -c ${N.logBytes} /dev/urandom | base64"}}
`;
}

async function makeRepo(dir, text) {
  const repo = join(dir, 'repo');
  await mkdir(repo, { recursive: true });
  await writeFile(join(repo, 'FLOE.yaml'), text);
  const git = (...args) => runToEnd('git', ['-C', repo, '-c', 'user.email=b@x', '-c', 'user.name=b', ...args]);
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('commit', '-qm', 'flows');
  return repo;
}

async function startHub(dir, repo) {
  const profile = HUB_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', HUB_CPU_PROF] : [];
  const args = [...profile, hubMain, '--port', '0', '--data-dir', join(dir, 'hub'), '--admin-token', BENCH_ADMIN_TOKEN];
  // The log cap raised above the big-log run: it measures the whole log through spool, socket and store.
  args.push('--repo', repo, '--log-level', 'warn', '--log-cap-mb', '2048');
  const { child, match } = await startAndWaitFor(children, process.execPath, args, /floe hub at (http:\/\/\S+)/);
  return { url: match[1], pid: child.pid };
}

async function startRunner(hub, dir, name) {
  const { token } = await benchApi(hub.url, '/api/runners/tokens', {});
  const args = [floeMain, 'runner', 'start', '--name', name, '--work-dir', join(dir, name)];
  // Sandboxed as a runner is by default, the stamp directory bound into every task's sandbox; `--sandbox off` is
  // the comparison with Buildbot's unsandboxed workers.
  args.push('--hub', hub.url, '--token', token, '--slots', String(SLOTS));
  args.push(...(SANDBOX ? ['--sandbox', 'on', '--sandbox-bind', stampDir(dir)] : ['--sandbox', 'off']));
  const { child } = await startAndWaitFor(children, process.execPath, args, /connected to the hub/);
  return child.pid;
}

/** A live API connection (docs/api.md "The live API"): auth first, then subscriptions with their own handler. */
async function live(url) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/live`);
  const handlers = new Map();
  const waiting = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === 'error') say(`live error: ${message.code} ${message.message}`);
    const key = message.sub === undefined ? message.type : `${message.type}:${message.sub}`;
    waiting.get(key)?.(message);
    waiting.delete(key);
    if (message.sub !== undefined) handlers.get(message.sub)?.(message);
  });
  const answer = (key) => new Promise((resolve) => waiting.set(key, resolve));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const authenticated = answer('authenticated');
  ws.send(JSON.stringify({ type: 'auth', token: BENCH_ADMIN_TOKEN }));
  await authenticated;
  return {
    async subscribe(sub, topic, handler) {
      handlers.set(sub, handler);
      const subscribed = answer(`subscribed:${sub}`);
      ws.send(JSON.stringify({ type: 'subscribe', sub, topic }));
      await subscribed;
    },
    close: () => ws.close(),
  };
}

/** Follows run ends through the live `runs` topic, so waiting for a run costs no polling of the hub. */
async function runEnds(connection) {
  const ended = new Map();
  const waiters = new Map();
  await connection.subscribe('ends', { topic: 'runs', state: 'archived' }, ({ run }) => {
    if (run?.state !== 'archived' || ended.has(run.id)) return;
    ended.set(run.id, run);
    waiters.get(run.id)?.(run);
  });
  return {
    ended,
    wait(runId, timeoutMs = 120_000) {
      if (ended.has(runId)) return Promise.resolve(ended.get(runId));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`run ${runId} did not end in ${timeoutMs} ms`)), timeoutMs);
        waiters.set(runId, (run) => {
          clearTimeout(timer);
          resolve(run);
        });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// floe: one function per metric

/** The directory the stamp files are written to: bound into every task sandbox, writable by the task user. */
const stampDir = (dir) => join(dir, 'stamps');

/**
 * Dispatch latency: t0 just before POST /api/flows/stamp/runs, to the `date +%s.%N` the task's process writes,
 * on an idle runner, runs one after another with a 0.2–0.5 s random gap after the previous run ended (as
 * bench.py's dispatch does), after a few unmeasured warm-up runs. Where the time goes, as medians since t0: the
 * POST's answer, the run stored (its createdAt), offered and accepted (when the live `runs` topic said so, read
 * here: a little after the hub did it), the task's process (its stamp), the run ended (its endedAt).
 */
async function floeDispatch(hub, ends, stampFile) {
  const seen = new Map();
  // A connection of its own, closed at the end: the throughput runs are not sent to it.
  const connection = await live(hub.url);
  await connection.subscribe('dispatch-states', { topic: 'runs' }, ({ run }) => {
    if (!run) return;
    const at = epochMs();
    const marks = seen.get(run.id) ?? {};
    if (run.state === 'pending' && run.runner !== undefined) marks.offered ??= at;
    if (run.state === 'active') marks.accepted ??= at;
    seen.set(run.id, marks);
  });
  const rows = [];
  for (let i = 0; i < N.warmup + N.dispatch; i++) {
    await sleep(200 + Math.random() * 300);
    const t0 = epochMs();
    const { runId } = await benchApi(hub.url, '/api/flows/stamp/runs', {});
    const posted = epochMs();
    const run = await ends.wait(runId);
    if (run.result !== 'good') throw new Error(`dispatch run ${runId} ended ${run.result}: ${run.reason}`);
    let stamp;
    for (let tries = 0; stamp === undefined && tries < 200; tries++) {
      const line = (await readFile(stampFile, 'utf8').catch(() => ''))
        .split('\n')
        .find((text) => text.startsWith(`${runId} `));
      if (line) stamp = Number(line.split(' ')[1]) * 1000;
      else await sleep(5);
    }
    if (stamp === undefined) throw new Error(`no stamp for run ${runId}`);
    if (i < N.warmup) continue;
    const marks = seen.get(runId) ?? {};
    seen.delete(runId);
    rows.push({
      latency: stamp - t0,
      post: posted - t0,
      stored: run.createdAt - t0,
      offered: (marks.offered ?? Number.NaN) - t0,
      accepted: (marks.accepted ?? Number.NaN) - t0,
      ended: run.endedAt - t0,
    });
  }
  connection.close();
  const median = (key) =>
    pct(
      rows.map((row) => row[key]).filter((x) => !Number.isNaN(x)),
      50,
    ).toFixed(1);
  const lat = rows.map((row) => row.latency);
  return {
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    max: Math.max(...lat),
    breakdown: `stored (hub) ${median('stored')} | POST answered ${median('post')} | offered (live) ${median('offered')} | accepted (live) ${median('accepted')} | task process ${median('latency')} | run ended (hub) ${median('ended')} ms`,
  };
}

/**
 * The sandbox a floor bash starts in: the runner's own (its probe and its bwrap command line, runner/src/process/
 * task-sandbox.ts), with a workspace, home and tmp of its own given to the task user and the stamp directory bound.
 */
async function floorSandbox(dir) {
  const { probeTaskSandbox, sandboxArgv } = await import(join(repoRoot, 'runner/dist/process/task-sandbox.js'));
  const probe = probeTaskSandbox({
    workDir: join(dir, 'floor-work'),
    taskUser: 'floe-task',
    binds: [{ path: stampDir(dir), readOnly: false }],
    path: process.env.PATH ?? '/usr/bin:/bin',
  });
  if (!probe.ok) throw new Error(`the floor's sandbox: ${probe.reason} (or run with --sandbox off)`);
  const run = { sandbox: probe.sandbox, network: false, shellEnv: {} };
  for (const name of ['workspace', 'home', 'tmp']) {
    run[name] = join(dir, 'floor-work', name);
    await mkdir(run[name], { recursive: true });
    if (probe.sandbox.user) await chown(run[name], probe.sandbox.user.uid, probe.sandbox.user.gid);
  }
  return (command) => sandboxArgv(run, command, { statusFd: undefined, blockFd: undefined });
}

/**
 * What no hub can go below on this machine, measured the same way: an authenticated API call that does nothing
 * (GET /api/me), and the stamp command run straight from Node, both as a bash spawned for it (`cold`) and as a
 * bash started beforehand that is handed the command on a pipe (`warm`, what floe's runners do: warm-shell.ts).
 * With the sandbox on, both bashes run in the task sandbox a runner makes (bubblewrap, the task user), as the
 * runner's do. The API call plus the warm start is the dispatch latency of a hub that took no time at all between
 * answering the call and starting the task.
 */
async function dispatchFloor(hub, dir) {
  const stampFile = join(stampDir(dir), 'floor-stamps');
  const boxed = SANDBOX ? await floorSandbox(dir) : (command) => command;
  const api = [];
  const cold = [];
  const warm = [];
  const stampOf = async (tag) =>
    Number(
      (await readFile(stampFile, 'utf8'))
        .split('\n')
        .find((text) => text.startsWith(`${tag} `))
        .split(' ')[1],
    ) * 1000;
  const start = (command, stdio) => {
    const [program, ...args] = boxed(command);
    return spawn(program, args, { stdio, detached: true });
  };
  for (let i = 0; i < N.warmup + N.dispatch; i++) {
    await sleep(20);
    let t0 = epochMs();
    await benchApi(hub.url, '/api/me');
    const apiMs = epochMs() - t0;
    const script = (tag) => `echo "${tag} $(date +%s.%N)" >> ${stampFile}`;
    t0 = epochMs();
    await new Promise((done) =>
      start(['bash', '-eo', 'pipefail', '-c', script(`c${i}`)], ['ignore', 'pipe', 'pipe']).on('close', done),
    );
    const coldMs = (await stampOf(`c${i}`)) - t0;
    const shell = start(
      ['bash', '-c', `IFS= read -r -d '' -u 3 s; exec 3<&-; set -eo pipefail; eval "$s"`],
      ['ignore', 'pipe', 'pipe', 'pipe'],
    );
    const closed = new Promise((done) => shell.on('close', done));
    await sleep(SANDBOX ? 150 : 50);
    t0 = epochMs();
    shell.stdio[3].end(`${script(`w${i}`)}\0`);
    await closed;
    const warmMs = (await stampOf(`w${i}`)) - t0;
    if (i < N.warmup) continue;
    api.push(apiMs);
    cold.push(coldMs);
    warm.push(warmMs);
  }
  return { api: pct(api, 50), cold: pct(cold, 50), warm: pct(warm, 50) };
}

/**
 * Throughput: N one-task (`true`) runs POSTed one after another (as bench.py does), spread by the hub over 4
 * runners × 4 slots; from the first POST to the last run's end (the hub's endedAt, same clock).
 */
async function floeThroughput(hub, ends, pids) {
  // Unmeasured runs first, so that every runner and the hub's code are warm (as after the dispatch phase).
  const warm = [];
  for (let i = 0; i < 5 * RUNNERS; i++) warm.push((await benchApi(hub.url, '/api/flows/quick/runs', {})).runId);
  await Promise.all(warm.map((id) => ends.wait(id)));
  const cpu0 = await cpuMs(hub.pid);
  const runnerCpu0 = await Promise.all(pids.map(cpuMs));
  const t0 = epochMs();
  const ids = [];
  for (let i = 0; i < N.throughput; i++) ids.push((await benchApi(hub.url, '/api/flows/quick/runs', {})).runId);
  const submitted = epochMs();
  const runs = await Promise.all(ids.map((id) => ends.wait(id, 600_000)));
  const bad = runs.filter((run) => run.result !== 'good').length;
  if (bad) throw new Error(`throughput: ${bad} runs did not end good`);
  const wallMs = Math.max(...runs.map((run) => run.endedAt)) - t0;
  const hubCpu = (await cpuMs(hub.pid)) - cpu0;
  const runnerCpu = (await Promise.all(pids.map(cpuMs))).reduce((sum, ms, i) => sum + ms - runnerCpu0[i], 0);
  const perRunner = new Map();
  for (const run of runs) perRunner.set(run.runner, (perRunner.get(run.runner) ?? 0) + 1);
  // The same runs with 8 POSTs in flight (as hubs-throughput.js does): what the hub does when submission is not
  // one request at a time. Shown as a note only; Buildbot's harness submits one at a time.
  const t1 = epochMs();
  const more = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < N.throughput) more.push((await benchApi(hub.url, '/api/flows/quick/runs', {})).runId);
    }),
  );
  const moreRuns = await Promise.all(more.map((id) => ends.wait(id, 600_000)));
  const concurrentPerSecond = (N.throughput / (Math.max(...moreRuns.map((run) => run.endedAt)) - t1)) * 1000;
  return {
    perSecond: (N.throughput / wallMs) * 1000,
    hubCpuPerRun: hubCpu / N.throughput,
    runnerCpuPerRun: runnerCpu / N.throughput,
    concurrentPerSecond,
    note: `${N.throughput} runs in ${(wallMs / 1000).toFixed(1)} s (POSTs took ${((submitted - t0) / 1000).toFixed(1)} s); hub CPU ${(hubCpu / N.throughput).toFixed(1)} ms/run (${((hubCpu / wallMs) * 100).toFixed(0)}% of a core), runners ${(runnerCpu / N.throughput).toFixed(1)} ms/run; per runner ${[...perRunner.values()].join('/')}`,
  };
}

/**
 * Live log latency: a task prints a line with bash's $EPOCHREALTIME every 50 ms; a live API subscriber to the
 * run's log topic notes when each line arrives. Lines stamped before the subscription was confirmed are left out
 * (they arrive as the stored backlog, not live).
 */
async function floeLiveLog(hub, connection, ends) {
  const { runId } = await benchApi(hub.url, '/api/flows/live/runs', {});
  const latencies = [];
  let partial = '';
  let subscribedAt = Number.POSITIVE_INFINITY;
  await connection.subscribe('live-log', { topic: 'log', runId, node: 'talk' }, (message) => {
    if (message.type !== 'log') return;
    const now = epochMs();
    const lines = (partial + message.text).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const stamp = Number(/^L (\d+\.\d+)/.exec(line)?.[1]) * 1000;
      if (stamp > subscribedAt) latencies.push(now - stamp);
    }
  });
  subscribedAt = epochMs();
  await ends.wait(runId);
  if (latencies.length < N.liveLines / 2) throw new Error(`live log: only ${latencies.length} lines received live`);
  return { p50: pct(latencies, 50), p95: pct(latencies, 95), max: Math.max(...latencies), n: latencies.length };
}

/**
 * Log ingest: one task printing base64 of N.logBytes random bytes (~1.35× as many characters); the hub's VmRSS
 * sampled every 50 ms from the POST to the run's end, and the end-to-end time against the same command run here
 * into /dev/null (median of 3).
 */
async function floeLogIngest(hub, ends, runnerPids) {
  const command = `head -c ${N.logBytes} /dev/urandom | base64`;
  const local = [];
  for (let i = 0; i < 3; i++) {
    const t = epochMs();
    await runToEnd('sh', ['-c', `${command} > /dev/null`]);
    local.push(epochMs() - t);
  }
  await sleep(1000);
  const before = await rssMb(hub.pid);
  const cpu0 = await cpuMs(hub.pid);
  const sampler = rssSampler([hub.pid, ...runnerPids]);
  const t0 = epochMs();
  const { runId } = await benchApi(hub.url, '/api/flows/biglog/runs', {});
  const run = await ends.wait(runId, 600_000);
  const peaks = sampler.stop();
  if (run.result !== 'good') throw new Error(`log run ended ${run.result}: ${run.reason}`);
  const e2e = epochMs() - t0;
  const hubCpu = (await cpuMs(hub.pid)) - cpu0;
  // What the hub holds once the run ended (the log API pages by about 1 MiB).
  let stored = 0;
  for (let from = 0, page = 0; page < 500; page++) {
    const response = await fetch(new URL(`/api/runs/${runId}/logs?node=big&from=${from}`, hub.url), {
      headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
    });
    const bytes = (await response.arrayBuffer()).byteLength;
    const next = Number(response.headers.get('x-floe-log-next'));
    stored += bytes;
    if (bytes === 0 || !(next > from)) break;
    from = next;
  }
  const runnerPeak = Math.max(...runnerPids.map((pid) => peaks.get(pid)));
  return {
    hubPeakMb: peaks.get(hub.pid),
    ratio: e2e / pct(local, 50),
    note: `${((N.logBytes * 4) / 3 / 1e6).toFixed(0)} MB of output: end to end ${(e2e / 1000).toFixed(2)} s vs local ${(pct(local, 50) / 1000).toFixed(2)} s; hub RSS ${before.toFixed(0)} MB before, CPU ${(hubCpu / 1000).toFixed(1)} s; runner peak RSS ${runnerPeak.toFixed(0)} MB; hub stored ${(stored / 1e6).toFixed(1)} MB of it (--log-cap-mb raised to 2 GiB for this run)`,
  };
}

/**
 * Idle runner connections: a fresh hub's RSS and CPU over 10 s with no runner, then with N.idle runners
 * connected. The runners are WebSockets opened by this process speaking the runner protocol
 * (shared/src/protocol/runner-protocol.ts: register, hello → welcome, then a `heartbeat` every heartbeatMs, the
 * WebSocket pings answered by `ws`), because a runner daemon per connection would need 1,000 Node processes.
 */
async function floeIdle(dir) {
  const hub = await startHub(dir, await makeRepo(dir, flows(join(dir, 'unused'))));
  const measure = async () => {
    await sleep(3000);
    const rss = [];
    const cpu0 = await cpuMs(hub.pid);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      rss.push(await rssMb(hub.pid));
    }
    return { rss: pct(rss, 50), cpuPercent: (((await cpuMs(hub.pid)) - cpu0) / (performance.now() - t0)) * 100 };
  };
  const empty = await measure();
  const sockets = [];
  const timers = [];
  try {
    const credentials = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < N.idle) {
          const name = `idle-${next++}`;
          const { token } = await benchApi(hub.url, '/api/runners/tokens', {});
          credentials.push({ name, ...(await benchApi(hub.url, '/api/runners/register', { token, name })) });
        }
      }),
    );
    next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < credentials.length) {
          const { name, credential } = credentials[next++];
          const ws = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/api/runners/connect`);
          sockets.push(ws);
          const welcome = await new Promise((resolve, reject) => {
            ws.once('error', reject);
            ws.once('message', (data) => resolve(JSON.parse(data.toString())));
            ws.once('open', () =>
              ws.send(
                JSON.stringify({
                  type: 'hello',
                  protocol: PROTOCOL_VERSION,
                  credential,
                  name,
                  tags: [],
                  slots: 1,
                  version: 'bench',
                  runs: [],
                }),
              ),
            );
          });
          if (welcome.type !== 'welcome') throw new Error(`runner ${name} not welcomed: ${JSON.stringify(welcome)}`);
          // A real idle runner's heartbeat, at the period the hub asks for, not all at once.
          const beat = () => ws.readyState === ws.OPEN && ws.send('{"type":"heartbeat","runs":[]}');
          timers.push(
            setTimeout(() => timers.push(setInterval(beat, welcome.heartbeatMs)), Math.random() * welcome.heartbeatMs),
          );
        }
      }),
    );
    const connected = (await benchApi(hub.url, '/api/runners')).filter((runner) => runner.connected).length;
    const full = await measure();
    return { empty, full, connected };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const ws of sockets) ws.terminate();
  }
}

async function measureFloe() {
  const dir = await mkdtemp(join(tmpdir(), 'floe-bench-peer-'));
  try {
    // Writable by the task user, whose sandboxes have it bound (--sandbox-bind).
    await mkdir(stampDir(dir), { recursive: true });
    await chmod(stampDir(dir), 0o777);
    const stampFile = join(stampDir(dir), 'stamps');
    const hub = await startHub(dir, await makeRepo(dir, flows(stampFile)));
    // One idle runner for the dispatch latency, like Buildbot's single worker during its dispatch phase.
    const runnerPids = [await startRunner(hub, dir, 'vm-0')];
    const connection = await live(hub.url);
    const ends = await runEnds(connection);
    const measured = {};
    if (PHASES.includes('dispatch')) {
      say(`floe: dispatch latency, ${N.warmup} + ${N.dispatch} runs (sandbox ${SANDBOX ? 'on' : 'off'})`);
      measured.dispatch = await floeDispatch(hub, ends, stampFile);
      measured.dispatch.floor = await dispatchFloor(hub, dir);
    }
    for (let i = 1; i < RUNNERS; i++) runnerPids.push(await startRunner(hub, dir, `vm-${i}`));
    if (PHASES.includes('throughput')) {
      say(`floe: throughput, ${N.throughput} runs over ${RUNNERS} runners`);
      measured.throughput = await floeThroughput(hub, ends, runnerPids);
    }
    if (PHASES.includes('live')) {
      say('floe: live log latency');
      measured.liveLog = await floeLiveLog(hub, connection, ends);
    }
    if (PHASES.includes('log')) {
      say('floe: log ingest');
      measured.logIngest = await floeLogIngest(hub, ends, runnerPids);
    }
    connection.close();
    await stopAll();
    if (PHASES.includes('idle')) {
      say(`floe: ${N.idle} idle runner connections`);
      measured.idle = await floeIdle(join(dir, 'idle'));
      await stopAll();
    }
    return measured;
  } finally {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Buildbot: its own harness, read back from results.json

/** Runs ../shared/bench-peers/buildbot/run.sh (its stdout and stderr into a log beside its results). */
async function measureBuildbot() {
  const root = await mkdtemp(join(tmpdir(), 'floe-bench-buildbot-'));
  const logFile = join(root, 'run.log');
  say(`buildbot: bash ${buildbotScript} ${BUILDBOT_ARGS.join(' ')} (log: ${logFile})`);
  // Its own process group, so that stopAll's SIGTERM reaches bench.py too; run.sh's EXIT trap then stops the
  // master and workers by the PIDs it recorded.
  const child = spawn('bash', [buildbotScript, ...BUILDBOT_ARGS], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BB_ROOT: root },
    detached: true,
  });
  child.group = true;
  children.add(child);
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  // Its progress lines ("[hh:mm:ss] …" on stderr) are echoed, whole, so that a long run shows where it is.
  let partial = '';
  child.stderr.on('data', (data) => {
    log.write(data);
    const lines = (partial + data.toString()).split('\n');
    partial = lines.pop();
    for (const line of lines) if (/^\[\d\d:\d\d:\d\d\]/.test(line)) say(`buildbot: ${line}`);
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  children.delete(child);
  if (code !== 0) throw new Error(`Buildbot's run.sh exited ${code}; see ${logFile}`);
  const results = JSON.parse(await readFile(join(root, 'default', 'results.json'), 'utf8'));
  // bench.py reports p50/p95 per repetition; its raw rows give the p99 over the same builds.
  const latencies = results.dispatch.reps.flatMap((rep) => rep.rows.map((row) => row.latency * 1000));
  const tput = results.throughput_4builders;
  return {
    source: `measured now (${results.meta.versions.split(';')[0]}; raw: ${root}/default/results.json)`,
    dispatchP50: pct(latencies, 50),
    dispatchP99: pct(latencies, 99),
    dispatchN: latencies.length,
    throughput: tput.builds_per_s.median,
    throughputNote: `${tput.n_builds} builds in ${tput.wall_s.median.toFixed(1)} s, 4 builders × 2 workers × max_builds 4`,
    logRssMb: (results.log.master_rss_peak_kb.median * 1024) / 1e6,
    logRatio: results.log.ratio_e2e_vs_local.median,
    idleMasterMb: (results.idle_start.master.rss_kb.median * 1024) / 1e6,
    idleWorkerMb: (results.idle_start.w1.rss_kb.median * 1024) / 1e6,
  };
}

/** --floe-only: the figures of run B in ../shared/bench-peers/buildbot/RESULTS.md (MiB converted to MB). */
const RECORDED_BUILDBOT = {
  source: 'recorded: RESULTS.md run B (2026-11-26), not measured in this run',
  dispatchP50: 141,
  dispatchP99: Number.NaN, // RESULTS.md gives p95 188 ms, no p99
  dispatchN: 90,
  throughput: 4.6,
  throughputNote: '200 builds, 4 builders × 2 workers × max_builds 4',
  logRssMb: (165 * 1024 * 1024) / 1e6,
  logRatio: 77.0,
  idleMasterMb: (93 * 1024 * 1024) / 1e6,
  idleWorkerMb: (49 * 1024 * 1024) / 1e6,
};

// ---------------------------------------------------------------------------------------------------------------
// The table

function table(floe, bb) {
  const ms = (x) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
  const mb = (x) => `${x.toFixed(0)} MB`;
  const times = (x) => (Number.isFinite(x) ? `${x.toFixed(1)}×` : 'n/a');
  const rows = [];
  const notes = [`Buildbot: ${bb.source}`];
  const check = (ok) => (ok ? 'ok' : 'MISSED');
  const lower = (name, f, b, target) => {
    const ratio = b / f;
    const known = Number.isFinite(ratio);
    rows.push([
      name,
      ms(f),
      ms(b),
      known ? `${times(ratio)} lower` : 'n/a',
      `≥ ${target}× lower`,
      known ? check(ratio >= target) : 'n/a',
    ]);
    return ratio;
  };
  const { dispatch, throughput } = floe;
  if (dispatch) {
    const { floor } = dispatch;
    const floorMs = floor.api + floor.warm;
    const sandbox = SANDBOX ? 'sandboxed' : 'no sandbox';
    lower(`dispatch p50 (${N.dispatch} runs, idle runner, ${sandbox})`, dispatch.p50, bb.dispatchP50, 20);
    lower('dispatch p99', dispatch.p99, bb.dispatchP99, 20);
    rows.push([
      `dispatch p50 ÷ floor (${sandbox})`,
      `${(dispatch.p50 / floorMs).toFixed(2)}× (${ms(dispatch.p50)} ÷ ${ms(floorMs)})`,
      '',
      '',
      '≤ 1.25×',
      check(dispatch.p50 <= 1.25 * floorMs),
    ]);
    notes.push(
      `dispatch: floe p95 ${ms(dispatch.p95)}, max ${ms(dispatch.max)}; medians since t0: ${dispatch.breakdown}; Buildbot n=${bb.dispatchN}`,
      `dispatch floor (p50, ${sandbox}): an API call that does nothing ${floor.api.toFixed(1)} ms + the stamp command in a bash started beforehand ${floor.warm.toFixed(1)} ms = ${floorMs.toFixed(1)} ms (a bash spawned for it: ${floor.cold.toFixed(1)} ms); 20× below Buildbot's p50 is ${(bb.dispatchP50 / 20).toFixed(1)} ms`,
    );
  }
  if (throughput) {
    const tputRatio = throughput.perSecond / bb.throughput;
    rows.push([
      `throughput (${N.throughput} trivial runs)`,
      `${throughput.perSecond.toFixed(1)} runs/s`,
      `${bb.throughput.toFixed(2)} builds/s`,
      `${times(tputRatio)} higher`,
      '≥ 20× higher',
      check(tputRatio >= 20),
    ]);
    rows.push([
      'hub CPU per one-task run',
      ms(throughput.hubCpuPerRun),
      'n/a',
      '',
      '≤ 3 ms',
      check(throughput.hubCpuPerRun <= 3),
    ]);
    rows.push([
      'runner CPU per one-task run',
      ms(throughput.runnerCpuPerRun),
      'n/a',
      '',
      '≤ 10 ms',
      check(throughput.runnerCpuPerRun <= 10),
    ]);
    notes.push(
      `throughput: floe ${throughput.note}, ${RUNNERS} runners × ${SLOTS} slots; with 8 POSTs in flight ${throughput.concurrentPerSecond.toFixed(1)} runs/s; Buildbot ${bb.throughputNote}`,
    );
  }
  if (floe.liveLog) {
    rows.push([
      'live log latency p95 (line → API subscriber)',
      ms(floe.liveLog.p95),
      'n/a',
      '',
      '< 500 ms (anchors)',
      check(floe.liveLog.p95 < 500),
    ]);
    notes.push(
      `live log: floe p50 ${ms(floe.liveLog.p50)}, max ${ms(floe.liveLog.max)} over ${floe.liveLog.n} lines (a lone line is sent at once; bursts go in 50 ms batches)`,
    );
  }
  if (floe.logIngest) {
    rows.push([
      `log ingest: hub peak RSS (floe ${((N.logBytes * 4) / 3 / 1e6).toFixed(0)} MB log, Buildbot 68 MB)`,
      mb(floe.logIngest.hubPeakMb),
      mb(bb.logRssMb),
      '',
      '≤ 200 MB',
      check(floe.logIngest.hubPeakMb <= 200),
    ]);
    rows.push([
      'log ingest: end to end ÷ same command locally',
      times(floe.logIngest.ratio),
      times(bb.logRatio),
      `${times(bb.logRatio / floe.logIngest.ratio)} lower`,
      '',
      '',
    ]);
    notes.push(`log ingest: floe ${floe.logIngest.note}`);
  }
  if (floe.idle) {
    const { empty, full, connected } = floe.idle;
    rows.push([
      `idle: hub RSS, 0 → ${N.idle} runners`,
      `${mb(empty.rss)} → ${mb(full.rss)} (+${(((full.rss - empty.rss) * 1000) / N.idle).toFixed(0)} kB each)`,
      `master ${mb(bb.idleMasterMb)} with 1 worker; worker ${mb(bb.idleWorkerMb)}`,
      '',
      `holds ${N.idle} (anchors)`,
      check(connected === N.idle),
    ]);
    rows.push([
      `idle: hub CPU over 10 s, 0 → ${N.idle} runners`,
      `${empty.cpuPercent.toFixed(1)}% → ${full.cpuPercent.toFixed(1)}% of a core`,
      'n/a',
      '',
      '',
      '',
    ]);
    notes.push(`idle: ${connected} of ${N.idle} runners connected during the measurement`);
  }
  const header = ['metric', 'floe', 'Buildbot', 'ratio', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const lines = [header, ...rows].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join(' | ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('-|-'));
  lines.push('', ...notes);
  return { text: lines.join('\n'), missed: rows.some((row) => row[5] === 'MISSED') };
}

// ---------------------------------------------------------------------------------------------------------------

const interrupted = async (signal) => {
  say(`${signal}: stopping every process started here`);
  await stopAll();
  process.exit(130);
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);

try {
  const loadStart = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const floe = await measureFloe();
  // After floe, never beside it: the machine has 2 cores.
  const bb = FLOE_ONLY ? RECORDED_BUILDBOT : await measureBuildbot();
  const { text, missed } = table(floe, bb);
  console.log(text);
  const loadEnd = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  console.log(`load average: ${loadStart} at the start, ${loadEnd} at the end${QUICK ? '; --quick counts' : ''}`);
  process.exitCode = missed ? 1 : 0;
} catch (err) {
  console.error(err);
  process.exitCode = 2;
} finally {
  await stopAll();
}
