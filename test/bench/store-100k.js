// Issue 7's retention benchmark: a hub whose SQLite store holds 100,000 archived runs still answers the runs list
// and a run page fast. One real run goes through a real hub and runner; its row (flow, engine state, logs) is
// then copied 99,999 times (spread over 10 flows, one 1 ms apart) and the hub is restarted on that database.
// `node test/bench/store-100k.js [runs]` after a build (`npx tsc -b runner github-app`). Prints a table of
// median / p95 response times over 30 requests each.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_ADMIN_TOKEN, benchApi, floeMain, repoRoot, startAndWaitFor } from './bench-support.js';

const RUNS = Number(process.argv[2] ?? 100_000);
const FLOWS = 10;
const REQUESTS = 30;
const hubMain = join(repoRoot, 'github-app/dist/main.js');
const { openSqliteStore } = await import(join(repoRoot, 'github-app/dist/store/sqlite/sqlite-store.js'));
const { newRunId } = await import(join(repoRoot, 'github-app/dist/store/new-run-id.js'));

const FLOE_YAML = `flows:
  - id: build
    tasks:
      - {id: checkout, type: exec, listen: trigger.good, opts: {shell: "echo checkout; seq 1 20"}}
      - {id: compile, type: exec, listen: task.checkout.good, opts: {shell: "echo compile; seq 1 60"}}
      - {id: test, type: exec, listen: task.compile.good, opts: {shell: "echo test; seq 1 60"}}
      - {id: lint, type: exec, listen: task.compile.good, opts: {shell: "echo lint"}}
`;

const children = new Set();
const stop = (child) =>
  new Promise((resolve) => {
    children.delete(child);
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });

const startHub = (dataDir, repo) =>
  startAndWaitFor(
    children,
    process.execPath,
    [hubMain, '--port', '0', '--data-dir', dataDir, '--admin-token', BENCH_ADMIN_TOKEN, '--repo', repo],
    /floe hub at (http:\/\/\S+)/,
  );

async function oneRealRun(dir, dataDir, repo) {
  const { child: hub, match } = await startHub(dataDir, repo);
  const url = match[1];
  const { token } = await benchApi(url, '/api/runners/tokens', {});
  const runnerArgs = [floeMain, 'runner', 'start', '--name', 'bench', '--work-dir', join(dir, 'runner')];
  const { child: runner } = await startAndWaitFor(
    children,
    process.execPath,
    [...runnerArgs, '--hub', url, '--token', token],
    /connected/,
  );
  const { runId } = await benchApi(url, '/api/flows/build/runs', {});
  for (;;) {
    const run = await benchApi(url, `/api/runs/${runId}`);
    if (run.state === 'archived') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop(runner);
  await stop(hub);
  return runId;
}

/** Copies the real run's row and logs into RUNS - 1 more runs, in one transaction. */
function fill(dataDir, templateId) {
  const store = openSqliteStore({ file: join(dataDir, 'floe.db') });
  const { db } = store;
  const template = db.prepare('SELECT * FROM runs WHERE id = ?').get(templateId);
  const logs = db.prepare('SELECT * FROM log_chunks WHERE run_id = ?').all(templateId);
  const columns = Object.keys(template);
  const insertRun = db.prepare(
    `INSERT INTO runs (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  const logColumns = logs.length ? Object.keys(logs[0]) : [];
  const insertLog = db.prepare(
    `INSERT INTO log_chunks (${logColumns.join(', ')}) VALUES (${logColumns.map((c) => `@${c}`).join(', ')})`,
  );
  const started = performance.now();
  const base = template.created_at - RUNS;
  const numbers = new Map();
  db.transaction(() => {
    for (let i = 1; i < RUNS; i++) {
      const flowId = i % FLOWS === 0 ? template.flow_id : `${template.flow_id}-${i % FLOWS}`;
      const number = (numbers.get(flowId) ?? 0) + 1;
      numbers.set(flowId, number);
      const at = base + i;
      const id = newRunId(at);
      insertRun.run({
        ...template,
        id,
        flow_id: flowId,
        number: flowId === template.flow_id ? number + 1_000_000 : number,
        created_at: at,
        started_at: at,
        ended_at: at,
      });
      // Every run keeps logs, as real ones do: the table is as large as the runs' would be.
      for (const chunk of logs) insertLog.run({ ...chunk, run_id: id });
    }
  })();
  const fillMs = performance.now() - started;
  db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return fillMs;
}

async function measure(url, path) {
  const times = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)] };
}

const dir = await mkdtemp(join(tmpdir(), 'floe-bench-100k-'));
try {
  const repo = join(dir, 'repo');
  spawnSync('sh', ['-c', `mkdir -p ${repo} && cd ${repo} && git init -q -b main`]);
  await writeFile(join(repo, 'FLOE.yaml'), FLOE_YAML);
  spawnSync('sh', ['-c', `cd ${repo} && git add . && git -c user.email=b@x -c user.name=b commit -qm flows`]);
  const dataDir = join(dir, 'hub');
  const templateId = await oneRealRun(dir, dataDir, repo);
  const fillMs = fill(dataDir, templateId);
  const size = (await stat(join(dataDir, 'floe.db'))).size;

  const { child: hub, match } = await startHub(dataDir, repo);
  const url = match[1];
  const first = await benchApi(url, '/api/runs?limit=50');
  let cursor = first.next;
  for (let page = 0; page < 20 && cursor; page++)
    cursor = (await benchApi(url, `/api/runs?limit=50&cursor=${cursor}`)).next;
  const oldest = (await benchApi(url, '/api/runs?flow=build-3&limit=1')).runs[0].id;
  const rows = [
    ['runs list, first page (50)', '/api/runs?limit=50'],
    ['runs list, page 21 (cursor)', `/api/runs?limit=50&cursor=${cursor}`],
    ['runs of one flow (50)', '/api/runs?flow=build-3&limit=50'],
    ['archived runs (50)', '/api/runs?state=archived&limit=50'],
    ['failed runs (result=bad: none)', '/api/runs?result=bad&limit=50'],
    ['run page (detail)', `/api/runs/${templateId}`],
    ['run page of another run', `/api/runs/${oldest}`],
    ['run page log (one node)', `/api/runs/${templateId}/logs?node=compile`],
  ];
  console.log(
    `${RUNS} runs in ${(size / 1024 / 1024).toFixed(0)} MB of SQLite (filled in ${(fillMs / 1000).toFixed(1)} s)`,
  );
  console.log('request                          median ms   p95 ms');
  for (const [name, path] of rows) {
    const { median, p95 } = await measure(url, path);
    console.log(`${name.padEnd(32)} ${median.toFixed(1).padStart(9)} ${p95.toFixed(1).padStart(8)}`);
  }
  await stop(hub);
} finally {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
