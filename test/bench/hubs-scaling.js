// Issue 23's benchmark: runs per second through 1, 2 and 4 hub processes on one PostgreSQL database, dispatched by
// this tree (runs claimed with row locks, hubs planning at once) and by a build of the tree before it (one
// `dispatch` lease, passes one hub at a time), in the same run, alternating. `pnpm bench hubs [--runs N]
// [--rounds N] [--before PATH]` (or `node test/bench/hubs-scaling.js` after a build); `--before` is the earlier
// hub's dist/main.js (default /work/main/github-app/dist/main.js; the column is left out when it is missing).
//
// No runner process: simulated runners speak the real protocol over the hubs' WebSockets (shared/src/protocol:
// register, hello → welcome, accept each offer, send the run's records — start, one log line, its task finished —
// and wait for the hub's ack of the last, heartbeats naming the runs held), so the two cores go to the hubs and the
// database. A run's last record acknowledged means it is stored ended (archived in the same transaction).
//
// Besides runs per second it reads, for each setup: the hubs' CPU and the database's CPU per run (from /proc: the
// hub processes, and the PostgreSQL backends connected to the bench's database), and the hubs' own timing of their
// dispatch store calls (`floe_store_query_seconds` of GET /metrics: claimRun or offerRun, the dispatch lease, the
// plan's reads), from which the README's ceiling for a bigger machine is worked out.
//
// `--sqlite`: one hub on its own SQLite file instead (the default store), against the earlier build the same way:
// what one hub's CPU per run is with nothing else on the machine's cores but the bench's simulated runners.
// `--in-flight N`: runs started and not ended at most (48; 1 is one run after another, as a quiet hub sees them).
// `--hub-cpu-prof DIR`: each hub writes a V8 CPU profile into DIR when it stops. `--log-level L`: the hubs' (warn).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { createBenchDatabase } from './bench-database.js';
import { BENCH_ADMIN_TOKEN, benchApi, repoRoot, startAndWaitFor } from './bench-support.js';

const { PROTOCOL_VERSION } = await import(pathToFileURL(join(repoRoot, 'shared/dist/index.js')).href);

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const RUNS = Number(option('runs', 400));
const ROUNDS = Number(option('rounds', 2));
const SQLITE = process.argv.includes('--sqlite');
const HUB_COUNTS = SQLITE ? [1] : [1, 2, 4];
const HUB_CPU_PROF = option('hub-cpu-prof');
const LOG_LEVEL = option('log-level', 'warn');
const RUNNERS = 8;
const SLOTS = 4;
/** Runs started and not yet ended, at most: enough to keep every slot busy with a queue behind (`--in-flight`). */
const IN_FLIGHT = Number(option('in-flight', 48));
const builds = { after: join(repoRoot, 'github-app/dist/main.js') };
const before = option('before', '/work/main/github-app/dist/main.js');
if (existsSync(before)) builds.before = before;
/** The store calls of a dispatch pass (what a hub's dispatcher asks of the database). */
const DISPATCH_CALLS = ['claimRun', 'offerRun', 'tryLease', 'releaseLease', 'listLiveRuns', 'listRunners'];

const FLOWS = `flows:
  - id: quick
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo hello"}}
`;

const children = new Set();
const TICK = 100; // USER_HZ of /proc/<pid>/stat

/** CPU seconds (user + system) of a process, 0 when it is gone. */
async function cpuSeconds(pid) {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of every PostgreSQL backend connected to `database` now, by pid. */
async function backendCpu(database) {
  const cpu = new Map();
  if (database === undefined) return cpu;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (command.startsWith('postgres: ') && command.includes(` ${database} `)) cpu.set(pid, await cpuSeconds(pid));
  }
  return cpu;
}

/** Sum and count of floe_store_query_seconds by method, from a hub's /metrics. */
async function storeTimes(url) {
  const response = await fetch(new URL('/metrics', url), { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
  const text = await response.text();
  const times = {};
  for (const match of text.matchAll(/^floe_store_query_seconds_(sum|count)\{method="([^"]+)"\} (\S+)$/gm)) {
    times[match[2]] ??= { sum: 0, count: 0 };
    times[match[2]][match[1]] = Number(match[3]);
  }
  return times;
}

/** A runner played over the real protocol; `done(runId)` when the hub has stored its run's end. */
async function simulatedRunner(url, name, done) {
  const { token } = await benchApi(url, '/api/runners/tokens', {});
  const { credential } = await benchApi(url, '/api/runners/register', { token, name });
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/runners/connect`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const held = new Map(); // runId → { epoch, last }
  const send = (message) => ws.send(JSON.stringify(message));
  const welcome = await new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(data.toString())));
    send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      minProtocol: 1,
      credential,
      name,
      tags: [],
      slots: SLOTS,
      version: 'bench',
      runs: [],
      sandbox: { sandboxed: true },
    });
  });
  if (welcome.type !== 'welcome') throw new Error(`${name} not welcomed: ${JSON.stringify(welcome)}`);
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === 'offer') {
      const { runId, epoch } = message;
      if (held.size >= SLOTS) return send({ type: 'decline', runId, epoch, reason: 'no free slot' });
      held.set(runId, { epoch, last: 3 });
      send({ type: 'accept', runId, epoch });
      const at = Date.now();
      send({
        type: 'record',
        runId,
        epoch,
        records: [
          { kind: 'start', seq: 1, at, parallel: SLOTS },
          { kind: 'log', seq: 2, node: 'say', attempt: 1, chunk: { stream: 'out', at, text: 'hello\n' } },
          {
            kind: 'input',
            seq: 3,
            input: { type: 'task-finished', node: 'say', attempt: 1, outcome: { kind: 'exited', exitCode: 0 }, at },
          },
        ],
      });
    } else if (message.type === 'ack') {
      const run = held.get(message.runId);
      if (run && message.seq >= run.last) {
        held.delete(message.runId);
        done(message.runId);
      }
    } else if (message.type === 'stop') {
      held.delete(message.runId);
    }
  });
  const beat = setInterval(
    () => send({ type: 'heartbeat', runs: [...held].map(([runId, { epoch }]) => ({ runId, epoch })) }),
    welcome.heartbeatMs,
  );
  return () => {
    clearInterval(beat);
    ws.terminate();
  };
}

async function scenario(build, hubCount) {
  const dir = await mkdtemp(join(tmpdir(), 'floe-bench-scaling-'));
  const database = SQLITE ? undefined : await createBenchDatabase();
  const stops = [];
  try {
    const repo = join(dir, 'repo');
    spawnSync('sh', ['-c', `mkdir -p ${repo} && cd ${repo} && git init -q -b main`]);
    await writeFile(join(repo, 'FLOE.yaml'), FLOWS);
    spawnSync('sh', ['-c', `cd ${repo} && git add . && git -c user.email=b@x -c user.name=b commit -qm flows`]);
    const hubs = [];
    for (let i = 0; i < hubCount; i++) {
      const args = [
        ...(HUB_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', join(HUB_CPU_PROF, build)] : []),
        builds[build],
        '--port',
        '0',
        '--data-dir',
        join(dir, `hub-${i}`),
        '--admin-token',
        BENCH_ADMIN_TOKEN,
      ];
      args.push('--repo', repo, '--log-level', LOG_LEVEL);
      if (database) args.push('--database-url', database.url);
      const { child, match } = await startAndWaitFor(children, process.execPath, args, /floe hub at (http:\/\/\S+)/);
      hubs.push({ url: match[1], pid: child.pid });
    }
    let ended = 0;
    let wake = () => undefined;
    const done = () => {
      ended++;
      wake();
    };
    for (let i = 0; i < RUNNERS; i++) stops.push(await simulatedRunner(hubs[i % hubCount].url, `sim-${i}`, done));
    /** Starts `count` runs through the hubs in turn, at most IN_FLIGHT unended, and waits for all to end. */
    const drive = async (count) => {
      const target = ended + count;
      let started = 0;
      const starting = [];
      while (ended < target) {
        while (started < count && started - (ended - (target - count)) < IN_FLIGHT) {
          const url = hubs[started % hubCount].url;
          started++;
          starting.push(benchApi(url, '/api/flows/quick/runs', {}));
        }
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
      await Promise.all(starting);
    };
    await drive(40); // warm-up: JIT, pools, prepared plans
    // What the hubs and the database burn with the runners connected and no run (heartbeats, lease checks,
    // sweeps), per second: a setup that takes longer pays more of it per run.
    const dbName = database ? new URL(database.url).pathname.slice(1) : undefined;
    const idleHub0 = await Promise.all(hubs.map((hub) => cpuSeconds(hub.pid)));
    const idleDb0 = await backendCpu(dbName);
    const idleStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    const idleHub = (await Promise.all(hubs.map((hub) => cpuSeconds(hub.pid)))).reduce(
      (a, b, i) => a + b - idleHub0[i],
      0,
    );
    let idleDb = 0;
    for (const [pid, cpu] of await backendCpu(dbName)) idleDb += cpu - (idleDb0.get(pid) ?? 0);
    const times0 = await Promise.all(hubs.map((hub) => storeTimes(hub.url)));
    const hubCpu0 = await Promise.all(hubs.map((hub) => cpuSeconds(hub.pid)));
    const dbCpu0 = await backendCpu(dbName);
    const started = performance.now();
    await drive(RUNS);
    const seconds = (performance.now() - started) / 1000;
    const hubCpu = (await Promise.all(hubs.map((hub) => cpuSeconds(hub.pid)))).reduce(
      (a, b, i) => a + b - hubCpu0[i],
      0,
    );
    const dbCpu1 = await backendCpu(dbName);
    let dbCpu = 0;
    for (const [pid, cpu] of dbCpu1) dbCpu += cpu - (dbCpu0.get(pid) ?? 0);
    const times1 = await Promise.all(hubs.map((hub) => storeTimes(hub.url)));
    const calls = {};
    const methods = new Set(times1.flatMap((times) => Object.keys(times)));
    for (const method of methods) {
      let sum = 0;
      let count = 0;
      for (const [i, after] of times1.entries()) {
        sum += (after[method]?.sum ?? 0) - (times0[i][method]?.sum ?? 0);
        count += (after[method]?.count ?? 0) - (times0[i][method]?.count ?? 0);
      }
      if (count > 0) calls[method] = { ms: (sum * 1000) / count, perRun: count / RUNS, msPerRun: (sum * 1000) / RUNS };
    }
    const metrics = await (
      await fetch(new URL('/metrics', hubs[0].url), { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } })
    ).text();
    const good = Number(/^floe_runs\{state="archived",result="good"\} (\S+)$/m.exec(metrics)?.[1]);
    if (good !== RUNS + 40) throw new Error(`${good} of ${RUNS + 40} runs ended good`);
    return {
      rate: RUNS / seconds,
      hubMsPerRun: (hubCpu * 1000) / RUNS,
      dbMsPerRun: (dbCpu * 1000) / RUNS,
      // Less the idle burn over the same time: the work the runs themselves cost.
      hubNetMsPerRun: ((hubCpu - (idleHub / idleSeconds) * seconds) * 1000) / RUNS,
      dbNetMsPerRun: ((dbCpu - (idleDb / idleSeconds) * seconds) * 1000) / RUNS,
      idleHubMsPerS: (idleHub * 1000) / idleSeconds,
      calls,
    };
  } finally {
    for (const stop of stops) stop();
    // Stopped with SIGTERM and given the time to end (and write a CPU profile) before SIGKILL.
    const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of children) child.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    await database?.drop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The claim alone, from the client, on an idle database: `count` runs claimed one after the other through this
 * tree's store, with a resource tag (the part that claims of one tag take one at a time) and without. Each tagged
 * run ends before the next is claimed, so every claim finds its tag free. Medians in ms.
 */
async function claimProbe(count) {
  const dist = (path) => import(pathToFileURL(join(repoRoot, 'github-app/dist', path)).href);
  const { openPostgresStore } = await dist('store/postgres/postgres-store.js');
  const { newRunId } = await dist('store/new-run-id.js');
  const { ResolvedFlowSchema } = await import(pathToFileURL(join(repoRoot, 'shared/dist/index.js')).href);
  const database = await createBenchDatabase();
  const store = await openPostgresStore({ url: database.url, maxConnections: 2 });
  try {
    const result = {};
    for (const [kind, tags] of [
      ['tagged', ['db']],
      ['plain', []],
    ]) {
      const flow = ResolvedFlowSchema.parse({ id: kind, name: kind, triggers: [], tasks: [], 'resource-tags': tags });
      const times = [];
      for (let i = 0; i < count; i++) {
        const at = Date.now();
        const run = await store.createRun({
          id: newRunId(at),
          repo: 'bench',
          flowId: kind,
          trigger: { type: 'manual', data: {} },
          trust: 'trusted',
          flow,
          createdAt: at,
        });
        const started = performance.now();
        const claimed = await store.claimRun(run, 'sim', at + 60_000);
        times.push(performance.now() - started);
        if (!claimed) throw new Error('the probe could not claim its run');
        await store.archiveRun(run.id, { result: 'good', reason: 'done', reasonCode: 'end', endedAt: Date.now() });
      }
      result[kind] = median(times.slice(count / 10));
    }
    return result;
  } finally {
    await store.close();
    await database.drop();
  }
}

/** The median (of an even count, the mean of the middle two); NaN of none. */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const loads = [];
const load = async () => loads.push((await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '));
const results = {}; // `${build} ${hubs}` → results of each round
try {
  await load();
  for (let round = 0; round < ROUNDS; round++) {
    for (const hubCount of HUB_COUNTS) {
      // Alternate which build goes first, so that neither always gets the quieter moment.
      const order = round % 2 ? Object.keys(builds).reverse() : Object.keys(builds);
      for (const build of order) {
        let result;
        try {
          result = await scenario(build, hubCount);
        } catch (err) {
          // The shared machine's PostgreSQL may refuse connections for a moment (other engineers' tests): that
          // setup has one figure fewer, and the table says how many it has.
          console.error(`round ${round + 1}: ${build}, ${hubCount} hub(s) failed: ${err.message.split('\n')[0]}`);
          continue;
        }
        results[`${build} ${hubCount}`] ??= [];
        results[`${build} ${hubCount}`].push(result);
        // The store calls the hubs made most per run, with what each took as the hubs timed it.
        const busiest = Object.entries(result.calls)
          .sort(([, a], [, b]) => b.perRun - a.perRun)
          .slice(0, 8)
          .map(([method, call]) => `${method} ${call.perRun.toFixed(1)}×${call.ms.toFixed(2)}ms`)
          .join(', ');
        console.error(
          `round ${round + 1}: ${build}, ${hubCount} hub(s): ${result.rate.toFixed(1)} runs/s, hub CPU ${result.hubMsPerRun.toFixed(2)} ms/run (${result.hubNetMsPerRun.toFixed(2)} less idle; idle ${result.idleHubMsPerS.toFixed(0)} ms/s), database CPU ${result.dbMsPerRun.toFixed(2)} ms/run (${result.dbNetMsPerRun.toFixed(2)} less idle); store calls per run: ${busiest}`,
        );
      }
    }
    await load();
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
}
const probe = SQLITE ? undefined : await claimProbe(400);
const rows = [];
for (const hubCount of HUB_COUNTS) {
  const of = (build) => results[`${build} ${hubCount}`] ?? [];
  const rate = (build) => median(of(build).map((r) => r.rate));
  const callMs = (build, method, key) => {
    const values = of(build)
      .map((r) => r.calls[method]?.[key])
      .filter((v) => v !== undefined);
    return values.length ? median(values) : undefined;
  };
  const after = of('after');
  const claim = callMs('after', 'claimRun', 'ms');
  const dispatchMs = DISPATCH_CALLS.reduce((sum, method) => sum + (callMs('after', method, 'msPerRun') ?? 0), 0);
  const row = [
    `${hubCount}${of('after').length < ROUNDS || (builds.before && of('before').length < ROUNDS) ? ` (${of('after').length}/${of('before').length} of ${ROUNDS})` : ''}`,
    `${rate('after').toFixed(1)}`,
    builds.before ? `${rate('before').toFixed(1)}` : '-',
    builds.before ? `${(rate('after') / rate('before')).toFixed(2)}` : '-',
    `${median(after.map((r) => r.hubMsPerRun)).toFixed(1)} (${median(after.map((r) => r.hubNetMsPerRun)).toFixed(1)})`,
    `${median(after.map((r) => r.dbMsPerRun)).toFixed(1)} (${median(after.map((r) => r.dbNetMsPerRun)).toFixed(1)})`,
    claim === undefined ? '-' : claim.toFixed(2),
    dispatchMs.toFixed(2),
  ];
  if (builds.before) {
    const lease = ['tryLease', 'releaseLease'].reduce((s, m) => s + (callMs('before', m, 'msPerRun') ?? 0), 0);
    const beforeMs = DISPATCH_CALLS.reduce((sum, method) => sum + (callMs('before', method, 'msPerRun') ?? 0), 0);
    row.push(`${(callMs('before', 'offerRun', 'ms') ?? 0).toFixed(2)}`, beforeMs.toFixed(2), lease.toFixed(2));
  }
  rows.push(row);
}
const header = [
  'hubs',
  'runs/s',
  'before',
  'ratio',
  'hub CPU ms/run (less idle)',
  'db CPU ms/run (less idle)',
  'claimRun ms',
  'dispatch db ms/run',
];
if (builds.before) header.push('before offerRun ms', 'before dispatch db ms/run', 'before lease ms/run');
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
for (const row of [header, ...rows])
  console.log(
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
console.log(
  `(${RUNNERS} simulated runners × ${SLOTS} slots spread over the hubs, one-task runs started ${IN_FLIGHT} in flight through the hubs in turn, ${RUNS} runs per setup after 40 to warm up; medians of ${ROUNDS}; "before": ${builds.before ?? 'not measured'})`,
);
if (probe)
  console.log(
    `claimRun alone, one client, idle database (median of 360): ${probe.tagged.toFixed(2)} ms with a resource tag, ${probe.plain.toFixed(2)} ms without`,
  );
console.log(`load average: ${loads.join(' → ')}`);
