// Issue 7's benchmark: runs per second through one hub on SQLite, one hub on PostgreSQL and two hubs on one
// PostgreSQL database, with the same script (four runners of four slots, one-task runs started through the API,
// spread over the hubs). `node test/bench/hubs-throughput.js [runs]` after a build (`npx tsc -b runner github-app`);
// needs PostgreSQL (FLOE_TEST_POSTGRES_URL, default the local trust-auth server). Prints a table.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase } from './bench-database.js';
import { BENCH_ADMIN_TOKEN, benchApi, floeMain, repoRoot, startAndWaitFor } from './bench-support.js';

const RUNS = Number(process.argv[2] ?? 300);
const RUNNERS = 4;
const SLOTS = 4;
const hubMain = join(repoRoot, 'github-app/dist/main.js');

const FLOWS = `flows:
  - id: quick
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo hello"}}
`;

const children = new Set();

async function scenario(name, hubCount, databaseUrl, dir) {
  const repo = join(dir, 'repo');
  spawnSync('sh', [
    '-c',
    `mkdir -p ${repo} && cd ${repo} && git init -q -b main && git config user.email b@x && git config user.name b`,
  ]);
  await writeFile(join(repo, 'FLOE.yaml'), FLOWS);
  spawnSync('sh', ['-c', `cd ${repo} && git add . && git commit -qm flows`]);
  const urls = [];
  for (let i = 0; i < hubCount; i++) {
    const args = [
      hubMain,
      '--port',
      '0',
      '--data-dir',
      join(dir, `hub-${i}`),
      '--admin-token',
      BENCH_ADMIN_TOKEN,
      '--repo',
      repo,
    ];
    if (databaseUrl) args.push('--database-url', databaseUrl);
    args.push('--log-level', 'warn');
    const { match } = await startAndWaitFor(children, process.execPath, args, /floe hub at (http:\/\/\S+)/);
    urls.push(match[1]);
  }
  for (let i = 0; i < RUNNERS; i++) {
    const first = i % urls.length;
    const hubs = [...urls.slice(first), ...urls.slice(0, first)].join(',');
    const { token } = await benchApi(urls[first], '/api/runners/tokens', {});
    const args = [floeMain, 'runner', 'start', '--name', `vm-${i}`, '--work-dir', join(dir, `runner-${i}`)];
    args.push('--hub', hubs, '--token', token, '--slots', String(SLOTS));
    await startAndWaitFor(children, process.execPath, args, /connected to the hub/);
  }
  const started = performance.now();
  const ids = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < RUNS) {
        const url = urls[next++ % urls.length];
        ids.push((await benchApi(url, '/api/flows/quick/runs', {})).runId);
      }
    }),
  );
  let archived = 0;
  while (archived < RUNS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    archived = (await benchApi(urls[0], `/api/runs?state=archived&limit=${RUNS}`)).runs.length;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const child of children) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  children.clear();
  return [name, `${RUNS}`, `${seconds.toFixed(1)} s`, `${(RUNS / seconds).toFixed(1)}`];
}

async function inTemp(use) {
  const dir = await mkdtemp(join(tmpdir(), 'floe-bench-hubs-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const rows = [];
try {
  rows.push(await inTemp((dir) => scenario('1 hub, SQLite', 1, undefined, dir)));
  for (const hubs of [1, 2]) {
    const database = await createBenchDatabase();
    try {
      rows.push(
        await inTemp((dir) => scenario(`${hubs} hub${hubs > 1 ? 's' : ''}, PostgreSQL`, hubs, database.url, dir)),
      );
    } finally {
      await database.drop();
    }
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
}
const header = ['setup', 'runs', 'time', 'runs/s'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
for (const row of [header, ...rows])
  console.log(
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
console.log(`(${RUNNERS} runners × ${SLOTS} slots, one 'echo' task per run, runs started 8 at a time over the hubs)`);
