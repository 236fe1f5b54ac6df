// Several hubs on one PostgreSQL database (issue 7, DESIGN §4): runs started through either hub's API execute
// once on runners connected to either hub, and when a hub dies its runners move to the other and finish their runs.
import { appendFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../github-app/src/store/testing/test-database.js';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  removeTempDirs,
  startRunner,
  waitFor,
} from '../support/index.js';
import { startPostgresHubs } from '../support/postgres-hubs.js';

// Enough runs for both hubs to race on every offer; FLOE_MULTI_HUB_RUNS=500 for a longer run. The deadline below
// catches a hang, not slowness: sandboxed tasks on a loaded machine take several times longer.
const RUNS = Number(process.env.FLOE_MULTI_HUB_RUNS ?? 200);

const FLOWS = `
flows:
  - id: quick
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo \\"$FLOE_RUN_ID\\" >> \\"$OUT/executed\\"; echo done-$FLOE_RUN_ID"}}
  - id: slow
    tasks:
      - {id: count, type: exec, listen: trigger.good, opts: {shell: "for i in 1 2 3 4 5 6 7 8; do echo line-$i; sleep 0.25; done; echo \\"$FLOE_RUN_ID\\" >> \\"$OUT/executed\\""}}
`;

type RunView = { id: string; state: string; result?: string; reason?: string };

const databases: TestDatabase[] = [];
afterAll(async () => {
  await killSpawned();
  await Promise.all(databases.map((db) => db.drop()));
  removeTempDirs();
});

/** Two hubs, four runners (two listing each hub first), on a fresh database. */
async function cluster(out: string) {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  const { database, hubs } = await startPostgresHubs(2, { repos: [repo], leaseMs: 4_000, heartbeatMs: 300 });
  databases.push(database);
  const [a, b] = hubs as [HubProcess, HubProcess];
  const runners: RunnerProcess[] = [];
  // The tasks append to $OUT from their sandboxes, as the task user (docs/runners.md "Task sandboxes").
  chmodSync(out, 0o777);
  if (existsSync(join(out, 'executed'))) chmodSync(join(out, 'executed'), 0o666);
  for (const [i, first, second] of [
    [1, a, b],
    [2, b, a],
    [3, a, b],
    [4, b, a],
  ] as const) {
    runners.push(
      startRunner({
        hub: `${first.url},${second.url}`,
        token: await first.runnerToken(),
        name: `vm-${i}`,
        slots: 4,
        env: { OUT: out },
        args: ['--sandbox-bind', out],
      }),
    );
  }
  await Promise.all(runners.map((runner) => runner.waitForOutput('connected to the hub', 30_000)));
  return { a, b, runners };
}

/** Starts `count` runs of `flow`, alternating the hubs, a few requests at a time. */
async function startRuns(hubs: HubProcess[], flow: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const hub = hubs[next++ % hubs.length] as HubProcess;
      ids.push((await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { body: {} })).runId);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}

async function allArchived(hub: HubProcess, ids: string[], timeoutMs: number): Promise<RunView[]> {
  const views = new Map<string, RunView>();
  await waitFor(
    async () => {
      for (const id of ids) {
        if (views.get(id)?.state === 'archived') continue;
        views.set(id, await hub.json<RunView>(`/api/runs/${id}`));
      }
      return [...views.values()].every((run) => run.state === 'archived');
    },
    { timeoutMs, intervalMs: 250 },
  );
  return ids.map((id) => views.get(id) as RunView);
}

/** How many times each id appears in the lines of `text` (or of hub log lines naming it with `message`). */
function tally(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

function endedInHubLogs(hubs: HubProcess[]): string[] {
  return hubs.flatMap((hub) =>
    hub
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"run ended'))
      .map((line) => (JSON.parse(line) as { runId: string }).runId),
  );
}

describe('several hubs on one PostgreSQL database', () => {
  it(`executes and archives each of ${RUNS} runs started through both hubs exactly once`, async () => {
    const out = makeTempDir('floe-out-');
    appendFileSync(join(out, 'executed'), '');
    const { a, b } = await cluster(out);
    const started = Date.now();
    const ids = await startRuns([a, b], 'quick', RUNS);
    const runs = await allArchived(b, ids, 180_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`multi-hub: ${RUNS} runs through 2 hubs and 4 runners in ${seconds.toFixed(1)} s`);

    expect(new Set(ids).size).toBe(RUNS);
    expect(runs.filter((run) => run.result !== 'good')).toEqual([]);
    const executed = tally(readFileSync(join(out, 'executed'), 'utf8').split('\n'));
    expect(executed.size).toBe(RUNS);
    expect([...executed.values()].every((n) => n === 1)).toBe(true);
    const ended = tally(endedInHubLogs([a, b]));
    expect(ended.size).toBe(RUNS);
    expect([...ended.values()].every((n) => n === 1)).toBe(true);
    // Both hubs did part of the work: runners connected to each.
    expect(a.output()).toContain('"msg":"run accepted"');
    expect(b.output()).toContain('"msg":"run accepted"');
  }, 240_000);

  it('moves the runners of a hub that dies to the other, and every run completes with its whole log', async () => {
    const out = makeTempDir('floe-out-');
    appendFileSync(join(out, 'executed'), '');
    const { a, b, runners } = await cluster(out);
    const ids = await startRuns([a, b], 'slow', 24);
    // Some runs are executing through each hub when hub a dies.
    await waitFor(
      async () => a.output().includes('"msg":"run accepted"') && b.output().includes('"msg":"run accepted"'),
      {
        timeoutMs: 20_000,
      },
    );
    await a.kill();

    const runs = await allArchived(b, ids, 60_000);
    expect(runs.filter((run) => run.result !== 'good')).toEqual([]);
    for (const id of ids) {
      const log = await (await b.request(`/api/runs/${id}/logs?node=count`)).text();
      expect(log.match(/^line-\d$/gm)).toEqual([
        'line-1',
        'line-2',
        'line-3',
        'line-4',
        'line-5',
        'line-6',
        'line-7',
        'line-8',
      ]);
    }
    const executed = tally(readFileSync(join(out, 'executed'), 'utf8').split('\n'));
    expect(executed.size).toBe(ids.length);
    expect([...executed.values()].every((n) => n === 1)).toBe(true);
    // The runners that listed hub a first went over to hub b.
    for (const runner of runners) expect(runner.output()).not.toContain('refused');
    expect(b.output().match(/"msg":"runner connected"/g)?.length).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
