// The CPU of the hub's core per one-task run, in one process (issue 23): createHub on a SQLite file and a git
// repository, one runner played through HubCore as the gateway calls it (the offer taken from its connection, an
// accept, a batch with the start record, a batch of the task's start, a log line and its end), runs one after
// another; no sockets, no HTTP, no runner. What is left of a run's hub CPU beside it is the API, the frames and the
// live API. This tree against an earlier build, each in its own process, alternated:
//
//   node test/bench/hub-core-cost.js [--runs N] [--rounds N] [--before PATH]   # or `pnpm bench core …`
//
// `--before` is the earlier tree's root (default /work/main; left out when it has no build). Per run it prints
// the CPU (process.cpuUsage) and the SQL statements run (counted on better-sqlite3's statements).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './bench-support.js';

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const RUNS = Number(option('runs', 3000));
const WARM = 200;
const FLOWS = `flows:
  - id: quick
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo hello"}}
`;

/** One build's runs, in this process: prints `{ cpuMs, statements }` per run as JSON. */
async function measure(root) {
  const { createHub } = await import(pathToFileURL(join(root, 'github-app/dist/hub.js')).href);
  const requireHub = createRequire(join(root, 'github-app/package.json'));
  const { pino } = requireHub('pino');
  const Database = requireHub('better-sqlite3');
  let statements = 0;
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  for (const method of ['all', 'get', 'run']) {
    const original = proto[method];
    proto[method] = function counted(...args) {
      statements++;
      return original.apply(this, args);
    };
  }
  probe.close();
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-core-'));
  try {
    const repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, 'FLOE.yaml'), FLOWS);
    execFileSync('git', ['-C', repo, 'add', '.']);
    execFileSync('git', ['-C', repo, '-c', 'user.email=b@x', '-c', 'user.name=b', 'commit', '-qm', 'flows']);
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const hub = await createHub({
      dataDir: join(dir, 'data'),
      log: pino({ level: 'info' }, sink),
      repos: [{ name: 'acme', url: repo }],
    });
    const admin = { name: 'bench', role: 'admin' };
    const registered = await hub.core.registerRunner(await hub.createRunnerToken(admin), 'sim');
    let takeOffer;
    const runner = {
      id: 'bench-connection',
      runnerId: registered.runnerId,
      name: 'sim',
      tags: [],
      slots: 4,
      protocol: 6,
      sandbox: { sandboxed: true },
      draining: false,
      send: (message) => message.type === 'offer' && takeOffer?.(message),
    };
    await hub.core.runnerConnected(runner, [], 'bench');
    const oneRun = async () => {
      const offered = new Promise((resolve) => {
        takeOffer = resolve;
      });
      const runId = await hub.startRun('quick', {}, admin);
      const { epoch } = await offered;
      await hub.core.accepted(runner.runnerId, runId, epoch);
      const at = Date.now();
      await hub.core.records(runner.runnerId, runId, epoch, [{ kind: 'start', seq: 1, at, parallel: 4 }]);
      const done = await hub.core.records(runner.runnerId, runId, epoch, [
        { kind: 'log', seq: 2, node: 'say', attempt: 1, chunk: { stream: 'out', at, text: 'hello\n' } },
        {
          kind: 'input',
          seq: 3,
          input: { type: 'task-finished', node: 'say', attempt: 1, outcome: { kind: 'exited', exitCode: 0 }, at },
        },
      ]);
      if (done.ackedSeq !== 3) throw new Error(`run ${runId} not stored: ${JSON.stringify(done)}`);
    };
    for (let i = 0; i < WARM; i++) await oneRun();
    const cpu0 = process.cpuUsage();
    const statements0 = statements;
    for (let i = 0; i < RUNS; i++) await oneRun();
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(
      `${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 / RUNS, statements: (statements - statements0) / RUNS })}\n`,
    );
    await hub.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (option('child') !== undefined) {
  await measure(option('child'));
} else {
  const before = option('before', '/work/main');
  const builds = { after: repoRoot };
  if (existsSync(join(before, 'github-app/dist/hub.js'))) builds.before = before;
  const rounds = Number(option('rounds', 4));
  const loads = [readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')];
  const results = {};
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? Object.keys(builds).reverse() : Object.keys(builds);
    for (const build of order) {
      const script = new URL(import.meta.url).pathname;
      const child = spawnSync(process.execPath, [script, '--child', builds[build], '--runs', String(RUNS)], {
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`${build} failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1));
      results[build] ??= [];
      results[build].push(result);
      console.error(
        `round ${round + 1}: ${build} ${result.cpuMs.toFixed(3)} ms, ${result.statements} statements a run`,
      );
    }
  }
  loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '));
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  for (const [build, list] of Object.entries(results)) {
    console.log(
      `${build}: hub core CPU ${median(list.map((r) => r.cpuMs)).toFixed(3)} ms a run (median of ${list.length}: ${list.map((r) => r.cpuMs.toFixed(2)).join(', ')}), ${list[0].statements} SQL statements a run (${builds[build]})`,
    );
  }
  console.log(`${RUNS} runs after ${WARM} to warm up, alternated; load average ${loads.join(' → ')}`);
}
