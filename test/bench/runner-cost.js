// What one run costs the runner daemon (issue 23): one hub (SQLite), one runner, N one-task runs (`echo hello`)
// started through the API, first one after another, then N at once; with the sandbox on (the runner's default:
// bubblewrap, then setpriv to the floe-task user) and off. Printed per run: the runner's own CPU (utime + stime of
// its process, /proc/PID/stat), its children's (cutime + cstime, once they are reaped: bwrap, setpriv, bash) and
// the hub's. The floor, measured in the same run by a fresh Node process: spawning the same sandboxed
// `bash -c 'echo hello'` N times (bwrap with the runner's arguments, then setpriv), and a plain `bash -c`.
//
//   node test/bench/runner-cost.js [--runs N] [--warmup N] [--prof DIR] [--sandbox on|off] [--base MAIN]
//   (or `pnpm bench runner …`)
//
// --prof DIR starts the runner with `node --cpu-prof --cpu-prof-dir DIR` (the profile is written when it stops).
// --base MAIN: an A/B in one session: the runners of another build (its runner/dist/cli/main.js, e.g. a worktree of
// main) alternate with this tree's, each side measured as often, against the same hub.
// --warmup N: unmeasured runs first (default 3). The first hundred or so runs of a runner's life also pay for V8
// compiling its hot code (TurboFan, on a worker thread: a sixth of the runner's CPU samples over its first 200 runs
// under `perf record`); a larger N measures a runner that has been up a while.
// The runner is started with the Node options of floe's first line (bench-support.js), as its users start it.
// Needs a build, root (or unprivileged user namespaces), bwrap and the floe-task user (test/prepare-machine.mjs).
// Target: the runner's own CPU ≤ 10 ms a run with the sandbox on. Exits 1 when it is missed.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { BENCH_ADMIN_TOKEN, benchApi, floeMain, floeNodeOptions, repoRoot, startAndWaitFor } from './bench-support.js';

const argv = process.argv.slice(2);
const option = (name) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const RUNS = Number(option('--runs') ?? 100);
const PROF = option('--prof');
/** `--sandbox on|off`: one side only (to profile it). */
const ONLY = option('--sandbox');
const BASE = option('--base');
const WARMUP = Number(option('--warmup') ?? 3);
/** The builds compared: this tree's, and the base's when given. */
const BUILDS = BASE
  ? [
      ['this', floeMain],
      ['base', BASE],
    ]
  : [['', floeMain]];
const SLOTS = 4;
const IN_FLIGHT = 8;
const TARGET_MS = 10;
const CLOCK_TICKS = 100;
const hubMain = join(repoRoot, 'github-app/dist/main.js');
const say = (text) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const children = new Set();

/** CPU of a process in ms: its own (utime + stime) and its reaped children's (cutime + cstime). */
async function cpuOf(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const ms = (ticks) => (ticks * 1000) / CLOCK_TICKS;
  return { own: ms(fields[11] + fields[12]), children: ms(fields[13] + fields[14]) };
}

/** The pids of a process's children (every thread's). */
async function childPids(pid) {
  const pids = [];
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
    pids.push(...text.trim().split(/\s+/).filter(Boolean));
  }
  return pids;
}

/**
 * Waits until the runner is done with what the runs left (children reaped, spools acked and removed): no more
 * children than `count` (its warm shells) and its CPU moved by a tick at most in 300 ms. Reading /proc costs the runner nothing.
 */
async function settled(pid, count = Number.POSITIVE_INFINITY) {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const now = await cpuOf(pid);
    const total = now.own + now.children;
    if ((await childPids(pid)).length <= count && total - last <= 10) return;
    last = total;
    await sleep(300);
  }
  throw new Error(`runner ${pid} still busy after 30 s`);
}

async function makeRepo(dir) {
  const repo = join(dir, 'repo');
  await mkdir(repo, { recursive: true });
  await writeFile(
    join(repo, 'FLOE.yaml'),
    `flows:
  - id: one
    tasks:
      - {id: hello, type: exec, listen: trigger.good, opts: {shell: "echo hello"}}
`,
  );
  const git = (...args) =>
    new Promise((resolve, reject) =>
      spawn('git', ['-C', repo, '-c', 'user.email=b@x', '-c', 'user.name=b', ...args], { stdio: 'ignore' }).on(
        'exit',
        (code) => (code === 0 ? resolve() : reject(new Error(`git ${args[0]} exited ${code}`))),
      ),
    );
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('commit', '-qm', 'flows');
  return repo;
}

/** Run ends through the live API (docs/api.md "The live API"): waiting for a run costs the hub no polling. */
async function runEnds(url) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/live`);
  const ended = new Map();
  const waiters = new Map();
  let answered = () => {};
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === 'authenticated' || message.type === 'subscribed') answered();
    const run = message.run;
    if (message.sub !== 'ends' || run?.state !== 'archived' || ended.has(run.id)) return;
    ended.set(run.id, run);
    waiters.get(run.id)?.(run);
  });
  const answer = () => new Promise((resolve) => (answered = resolve));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let next = answer();
  ws.send(JSON.stringify({ type: 'auth', token: BENCH_ADMIN_TOKEN }));
  await next;
  next = answer();
  ws.send(JSON.stringify({ type: 'subscribe', sub: 'ends', topic: { topic: 'runs', state: 'archived' } }));
  await next;
  return {
    wait(runId) {
      if (ended.has(runId)) return Promise.resolve(ended.get(runId));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`run ${runId} did not end in 120 s`)), 120_000);
        waiters.set(runId, (run) => {
          clearTimeout(timer);
          resolve(run);
        });
      });
    },
    close: () => ws.close(),
  };
}

async function startRunner(hub, dir, name, sandbox, main) {
  const { token } = await benchApi(hub.url, '/api/runners/tokens', {});
  const node = [...floeNodeOptions, ...(PROF ? ['--cpu-prof', '--cpu-prof-dir', join(PROF, name)] : [])];
  const args = [...node, main, 'runner', 'start', '--name', name, '--work-dir', join(dir, name)];
  args.push('--hub', hub.url, '--token', token, '--slots', String(SLOTS), '--sandbox', sandbox);
  const { child } = await startAndWaitFor(children, process.execPath, args, /connected to the hub/, {
    env: { FLOE_RUNNER_LOG_FORMAT: 'json' },
  });
  return child;
}

/** N runs of `one`: one after another (each waits for the previous end), or IN_FLIGHT POSTs at a time. */
async function runMany(hub, ends, concurrent) {
  if (!concurrent) {
    for (let i = 0; i < RUNS; i++) {
      const { runId } = await benchApi(hub.url, '/api/flows/one/runs', {});
      const run = await ends.wait(runId);
      if (run.result !== 'good') throw new Error(`run ${runId} ended ${run.result}`);
    }
    return;
  }
  const ids = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < RUNS) ids.push((await benchApi(hub.url, '/api/flows/one/runs', {})).runId);
    }),
  );
  const bad = (await Promise.all(ids.map((id) => ends.wait(id)))).filter((run) => run.result !== 'good');
  if (bad.length) throw new Error(`${bad.length} runs did not end good`);
}

/** The runner's, its children's and the hub's CPU per run over N runs of one shape. */
async function measure(hub, runner, ends, concurrent) {
  const spare = (await childPids(runner.pid)).length;
  const [r0, h0] = [await cpuOf(runner.pid), await cpuOf(hub.pid)];
  await runMany(hub, ends, concurrent);
  await settled(runner.pid, spare);
  const [r1, h1] = [await cpuOf(runner.pid), await cpuOf(hub.pid)];
  return {
    runner: (r1.own - r0.own) / RUNS,
    children: (r1.children - r0.children) / RUNS,
    hub: (h1.own - h0.own) / RUNS,
  };
}

/**
 * The floor: a fresh Node process spawning `bash -c 'echo hello'` N times one after another, in a sandbox made as
 * the runner makes one (task-sandbox.ts: bwrap's namespaces and mounts, the work dir hidden, the run's
 * directories bound, setpriv to the task user) or plainly; its own CPU and its children's per spawn.
 */
async function floor(dir, sandboxed) {
  const id = (flag) =>
    new Promise((resolve) => {
      let text = '';
      spawn('id', [flag, 'floe-task'])
        .stdout.setEncoding('utf8')
        .on('data', (chunk) => (text += chunk))
        .on('end', () => resolve(text.trim()));
    });
  const work = join(dir, 'floor');
  const ws = join(work, 'ws');
  for (const path of [ws, `${ws}.home`, `${ws}.tmp`]) await mkdir(path, { recursive: true });
  const box = sandboxed
    ? [
        ...['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/dev/shm'],
        ...['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net'],
        ...['--bind', `${ws}.tmp`, '/tmp', '--tmpfs', work, '--bind', ws, ws, '--bind', `${ws}.home`, `${ws}.home`],
        ...['--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--', 'setpriv'],
        ...[`--reuid=${await id('-u')}`, `--regid=${await id('-g')}`, '--clear-groups', '--inh-caps=-all'],
        ...['--bounding-set=-all', '--'],
      ]
    : [];
  const script = `const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const argv = ${JSON.stringify([...box, 'bash', '-c', 'echo hello'])};
const once = () => new Promise((done) => spawn(argv[0], argv.slice(1), { cwd: ${JSON.stringify(ws)}, stdio: ['ignore', 'pipe', 'pipe'], detached: true }).on('close', done));
(async () => {
  for (let i = 0; i < ${RUNS}; i++) await once();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').map(Number);
  console.log(JSON.stringify([fields[11] + fields[12], fields[13] + fields[14]]));
})();`;
  let out = '';
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  const [own, kids] = JSON.parse(out);
  // Node's own start-up is in `own`, spread over the N spawns.
  return { own: (own * 1000) / CLOCK_TICKS / RUNS, children: (kids * 1000) / CLOCK_TICKS / RUNS };
}

async function stopAll() {
  const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGTERM');
  if ((await Promise.race([Promise.all(exited), sleep(10_000).then(() => 'timeout')])) === 'timeout')
    for (const child of running) child.kill('SIGKILL');
}

const fmt = (ms) => ms.toFixed(1).padStart(6);
const load = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

const dir = await mkdtemp(join(tmpdir(), 'floe-bench-runner-'));
let missed = false;
try {
  const loadStart = await load();
  const repo = await makeRepo(dir);
  const hubArgs = [hubMain, '--port', '0', '--data-dir', join(dir, 'hub'), '--admin-token', BENCH_ADMIN_TOKEN];
  hubArgs.push('--repo', repo, '--log-level', 'warn');
  const started = await startAndWaitFor(children, process.execPath, hubArgs, /floe hub at (http:\/\/\S+)/);
  const hub = { url: started.match[1], pid: started.child.pid };
  const ends = await runEnds(hub.url);
  const rows = [];
  // Sandbox on, off, on again: a change in the shared machine's load falls on both sides.
  // With a base build, the two builds alternate within each side.
  const sides = ONLY ? [ONLY, ONLY] : ['on', 'off', 'on', 'off'];
  const order = sides.flatMap((sandbox) => BUILDS.map(([build, main]) => ({ sandbox, build, main })));
  const results = {};
  for (const [i, { sandbox, build, main }] of order.entries()) {
    say(
      `${build ? `${build}: ` : ''}runner with --sandbox ${sandbox}: ${RUNS} runs one after another, then ${RUNS} with ${IN_FLIGHT} POSTs in flight`,
    );
    const runner = await startRunner(hub, dir, `r${i}-${sandbox}${build ? `-${build}` : ''}`, sandbox, main);
    // A few unmeasured runs: the first run of a life loads modules and fills caches.
    for (let w = 0; w < WARMUP; w++) {
      const { runId } = await benchApi(hub.url, '/api/flows/one/runs', {});
      await ends.wait(runId);
    }
    await settled(runner.pid);
    const sequential = await measure(hub, runner, ends, false);
    const concurrent = await measure(hub, runner, ends, true);
    const key = `${build} ${sandbox}`;
    results[key] = [...(results[key] ?? []), { sequential, concurrent }];
    runner.kill('SIGTERM');
    await new Promise((resolve) => runner.once('exit', resolve));
  }
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  for (const [build] of BUILDS)
    for (const sandbox of ['on', 'off']) {
      const side = results[`${build} ${sandbox}`];
      if (!side) continue;
      for (const shape of ['sequential', 'concurrent']) {
        const taken = side.map((result) => result[shape]);
        const row = {
          runner: mean(taken.map((t) => t.runner)),
          children: mean(taken.map((t) => t.children)),
          hub: mean(taken.map((t) => t.hub)),
        };
        rows.push([
          `${build ? `${build}: ` : ''}sandbox ${sandbox}, ${shape}`,
          row,
          taken.map((t) => t.runner.toFixed(1)).join(' / '),
        ]);
        if (sandbox === 'on' && build !== 'base') missed ||= row.runner > TARGET_MS;
      }
    }
  const floors = { sandboxed: await floor(dir, true), plain: await floor(dir, false) };
  console.log(
    `${RUNS} one-task runs (shell: echo hello) per shape after ${WARMUP} unmeasured, CPU ms per run, mean of the runners of each side`,
  );
  console.log('                                    runner  children     hub   (runner per repetition)');
  for (const [name, row, each] of rows)
    console.log(`${name.padEnd(34)}  ${fmt(row.runner)}  ${fmt(row.children)}  ${fmt(row.hub)}   (${each})`);
  console.log(
    `${'floor: Node spawning bwrap…'.padEnd(34)}  ${fmt(floors.sandboxed.own)}  ${fmt(floors.sandboxed.children)}       -   (a fresh Node spawning the sandboxed bash -c 'echo hello' ${RUNS} times, start-up included)`,
  );
  console.log(
    `${'floor: Node spawning bash'.padEnd(34)}  ${fmt(floors.plain.own)}  ${fmt(floors.plain.children)}       -`,
  );
  console.log(`target: the runner's own CPU ≤ ${TARGET_MS} ms a run with the sandbox on: ${missed ? 'MISSED' : 'ok'}`);
  console.log(`load average: ${loadStart} at the start, ${await load()} at the end`);
  ends.close();
} catch (err) {
  console.error(err);
  process.exitCode = 2;
} finally {
  await stopAll();
  await rm(dir, { recursive: true, force: true });
}
if (process.exitCode === undefined) process.exitCode = missed ? 1 : 0;
