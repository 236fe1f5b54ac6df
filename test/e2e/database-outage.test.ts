// A hub whose PostgreSQL is out of reach (a restart, a failover, a cut network: here a proxy that resets every
// connection and refuses new ones) for several leases stays up and loses nothing (DESIGN §4 "When the database is
// out of reach"): /healthz 200 with the problem, /readyz 503, the API 503 FLOE_STORE_UNAVAILABLE; the runner keeps
// executing and spooling; once the database answers, the run is not judged lost, and its whole log is stored once.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../github-app/src/store/testing/test-database.js';
import {
  killByEnv,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const FLOWS = `
flows:
  - id: count
    tasks:
      - id: count
        type: exec
        listen: trigger.good
        opts:
          shell: |
            i=0
            while [ ! -e "$OUT/gate" ]; do i=$((i+1)); echo line-$i; echo $i >> "$OUT/progress-$FLOE_RUN_ID"; sleep 0.1; done
            echo "$FLOE_RUN_ID" >> "$OUT/executed"
            echo end-$i
`;

const LEASE_MS = 3_000;

let database: TestDatabase | undefined;
const ownDatabases: TestDatabase[] = [];
let proxy: TcpProxy | undefined;
let out = '';
afterAll(async () => {
  await killSpawned();
  if (out) killByEnv('OUT', out);
  await proxy?.close();
  await database?.drop();
  await Promise.all(ownDatabases.map((db) => db.drop()));
  removeTempDirs();
});

type RunView = { id: string; state: string; result?: string; reason?: string; reasonCode?: string };

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('a hub whose database is out of reach', () => {
  it('stays up, says so on /healthz and /readyz, and loses no run nor log line', async () => {
    out = makeTempDir('floe-out-');
    chmodSync(out, 0o777);
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    database = await createTestDatabase();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
    const hub = await startHub({
      repos: [repo],
      leaseMs: LEASE_MS,
      heartbeatMs: 300,
      args: ['--database-url', proxy.via(database.url)],
    });
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'vm-1',
      slots: 2,
      env: { OUT: out },
      // The tasks write their progress to $OUT from their sandboxes, as the task user.
      args: ['--sandbox-bind', out],
    });
    await runner.waitForOutput('connected to the hub', 30_000);
    const ids = [
      (await hub.json<{ runId: string }>('/api/flows/count/runs', { body: {} })).runId,
      (await hub.json<{ runId: string }>('/api/flows/count/runs', { body: {} })).runId,
    ];
    await waitFor(() => ids.every((id) => lines(join(out, `progress-${id}`)).length >= 3), {
      timeoutMs: 30_000,
      what: 'both runs printing',
    });
    expect((await hub.request('/readyz')).status).toBe(200);

    proxy.set('cut');
    const cutAt = Date.now();
    const notReady = await waitFor(
      async () => {
        const response = await hub.request('/readyz');
        return response.status === 503 && ((await response.json()) as { problems: string[] });
      },
      { timeoutMs: 30_000, what: '/readyz 503' },
    );
    expect(notReady.problems.join(' ')).toMatch(/database/);
    const health = await hub.request('/healthz');
    expect(health.status).toBe(200);
    expect(((await health.json()) as { problems: string[] }).problems.join(' ')).toMatch(/database/);
    const list = await hub.request('/api/runs');
    expect(list.status).toBe(503);
    expect(((await list.json()) as { code: string }).code).toBe('FLOE_STORE_UNAVAILABLE');

    // The outage lasts several leases while the tasks go on printing.
    const before = ids.map((id) => lines(join(out, `progress-${id}`)).length);
    await waitFor(
      () =>
        Date.now() - cutAt > 4 * LEASE_MS &&
        ids.every((id, i) => lines(join(out, `progress-${id}`)).length > (before[i] as number) + 10),
      { timeoutMs: 60_000, intervalMs: 200, what: 'an outage of four leases with the tasks printing' },
    );
    expect(hub.child.exitCode).toBe(null);
    expect(hub.child.signalCode).toBe(null);

    proxy.set('open');
    await waitFor(async () => (await hub.request('/readyz')).status === 200, {
      timeoutMs: 30_000,
      what: '/readyz 200 again',
    });
    expect(((await (await hub.request('/healthz')).json()) as { problems: string[] }).problems).toEqual([]);
    writeFileSync(join(out, 'gate'), '');
    const runs = await waitFor(
      async () => {
        const views = await Promise.all(ids.map((id) => hub.json<RunView>(`/api/runs/${id}`)));
        return views.every((run) => run.state === 'archived') && views;
      },
      { timeoutMs: 60_000, what: 'both runs archived' },
    );
    expect(runs.map((run) => [run.result, run.reasonCode])).toEqual([
      ['good', 'no-end'],
      ['good', 'no-end'],
    ]);
    for (const id of ids) {
      const printed = lines(join(out, `progress-${id}`)).length;
      const log = await (await hub.request(`/api/runs/${id}/logs?node=count`)).text();
      // The task's lines (the log also shows the script and its exit), each once and in order.
      expect(log.match(/^(line|end)-\d+$/gm)).toEqual([
        ...Array.from({ length: printed }, (_, i) => `line-${i + 1}`),
        `end-${printed}`,
      ]);
    }
    expect(lines(join(out, 'executed')).sort()).toEqual([...ids].sort());
    expect(hub.output()).not.toContain('runner lost');
  }, 180_000);

  it('stops cleanly when SIGTERMed during the outage: exit 0, and the run goes on on the next hub', async () => {
    out ||= makeTempDir('floe-out-');
    chmodSync(out, 0o777);
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS.replace(/gate/g, 'gate2') });
    // A database of its own: the other test's repository would make the flow ambiguous.
    const own = await createTestDatabase();
    ownDatabases.push(own);
    const outage = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(own.url).port || 5432) });
    const hubs = { leaseMs: LEASE_MS, heartbeatMs: 300, repos: [repo] };
    const doomed = await startHub({ ...hubs, args: ['--database-url', outage.via(own.url)] });
    const next = await startHub({ ...hubs, args: ['--database-url', own.url] });
    const runner = startRunner({
      hub: `${doomed.url},${next.url}`,
      token: await doomed.runnerToken(),
      name: 'vm-term',
      env: { OUT: out, FLOE_RUNNER_BACKOFF_MAX: '500ms' },
      args: ['--sandbox-bind', out],
    });
    await runner.waitForOutput('connected to the hub', 30_000);
    const runId = (await doomed.json<{ runId: string }>('/api/flows/count/runs', { body: {} })).runId;
    await waitFor(() => lines(join(out, `progress-${runId}`)).length >= 3, {
      timeoutMs: 30_000,
      what: 'the run printing',
    });

    outage.set('cut');
    await waitFor(async () => (await doomed.request('/readyz')).status === 503, {
      timeoutMs: 30_000,
      what: '/readyz 503',
    });
    // It used to exit 1: handing back the dispatch lease failed on the cut database.
    expect(await doomed.stop(20_000), doomed.output()).toBe(0);
    expect(doomed.output()).toContain('hub stopped');
    await outage.close();

    // Its runner moved to the other hub, which has the run from the runner's spool, whole.
    writeFileSync(join(out, 'gate2'), '');
    const ended = await waitFor(
      async () => {
        const view = await next.json<RunView>(`/api/runs/${runId}`);
        return view.state === 'archived' && view;
      },
      { timeoutMs: 60_000, what: 'the run archived on the other hub' },
    );
    expect(ended.result).toBe('good');
    const printed = lines(join(out, `progress-${runId}`)).length;
    const log = await (await next.request(`/api/runs/${runId}/logs?node=count`)).text();
    expect(log.match(/^(line|end)-\d+$/gm)).toEqual([
      ...Array.from({ length: printed }, (_, i) => `line-${i + 1}`),
      `end-${printed}`,
    ]);
  }, 180_000);
});
