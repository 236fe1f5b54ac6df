// Upgrading a fleet with no run lost or doubled (docs/runners.md "Upgrading a fleet"): under a steady load, two hubs
// on one PostgreSQL database are restarted one after the other (SIGTERM: they stop offering, their runners move to
// the other hub, they exit 0), then each runner of the "old release" — one that announces the older protocol
// version the hubs still speak (FLOE_RUNNER_MAX_PROTOCOL=1) — is drained with SIGQUIT, as its systemd unit stops
// it, and replaced by the current release in the same work dir. Every run executes once and ends good. Real
// `floe-hub` and `floe runner` processes.
import { appendFileSync, chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@floe/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../github-app/src/store/testing/test-database.js';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const FLOWS = `
flows:
  - id: work
    tasks:
      - {id: step, type: exec, listen: trigger.good, opts: {shell: "echo \\"$FLOE_RUN_ID\\" >> \\"$OUT/executed\\"; sleep 0.4; echo done"}}
`;
const OLD_PROTOCOL = PROTOCOL_VERSION - 1;

type RunView = { id: string; state: string; result?: string; reasonCode?: string };
type RunnerView = { name: string; connected: boolean; protocol?: number; update?: string };

let database: TestDatabase | undefined;
afterAll(async () => {
  await killSpawned();
  await database?.drop();
  removeTempDirs();
});

describe('a rolling restart of the hubs and a rolling upgrade of the runners, under load', () => {
  it('loses no run and executes none twice', async () => {
    const out = makeTempDir('floe-out-');
    chmodSync(out, 0o777);
    appendFileSync(join(out, 'executed'), '');
    chmodSync(join(out, 'executed'), 0o666);
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    database = await createTestDatabase();
    const url = database.url;
    const hubOptions = { repos: [repo], leaseMs: 4_000, heartbeatMs: 300, args: ['--database-url', url] };
    const hubs: HubProcess[] = [await startHub(hubOptions)];
    hubs.push(await startHub(hubOptions));
    const stopped: HubProcess[] = [];
    const hubList = (first: number) => `${hubs[first]?.url},${hubs[1 - first]?.url}`;

    // The old release: four runners announcing the older protocol.
    const runnerEnv = { OUT: out, FLOE_RUNNER_BACKOFF_MAX: '300ms' };
    const runners: RunnerProcess[] = [];
    for (let i = 0; i < 4; i += 1) {
      runners.push(
        startRunner({
          hub: hubList(i % 2),
          token: await (hubs[0] as HubProcess).runnerToken(),
          name: `vm-${i}`,
          slots: 2,
          env: { ...runnerEnv, FLOE_RUNNER_MAX_PROTOCOL: String(OLD_PROTOCOL) },
          args: ['--sandbox-bind', out],
        }),
      );
    }
    await Promise.all(runners.map((runner) => runner.waitForOutput('connected to the hub', 30_000)));

    /** Calls the first hub that answers: during a restart one of them is away. */
    const anyHub = async <T>(call: (hub: HubProcess) => Promise<T>): Promise<T> => {
      let last: unknown;
      for (const hub of [...hubs]) {
        try {
          return await call(hub);
        } catch (err) {
          last = err;
        }
      }
      throw last;
    };
    const view = (runId: string) => anyHub((hub) => hub.json<RunView>(`/api/runs/${runId}`));

    // The load: rounds of six runs, the next round once the last has ended, until the upgrade is done.
    const ids: string[] = [];
    let upgrading = true;
    const load = (async () => {
      while (upgrading) {
        const round: string[] = [];
        for (let i = 0; i < 6; i += 1) {
          const { runId } = await anyHub((hub) => hub.json<{ runId: string }>('/api/flows/work/runs', { body: {} }));
          round.push(runId);
          ids.push(runId);
        }
        await waitFor(async () => (await Promise.all(round.map(view))).every((run) => run.state === 'archived'), {
          timeoutMs: 60_000,
          intervalMs: 100,
          what: 'a round of runs to end',
        });
      }
    })();
    const someActive = () =>
      waitFor(
        async () => (await anyHub((hub) => hub.json<{ runs: unknown[] }>('/api/runs?state=active'))).runs.length > 0,
        { timeoutMs: 30_000, intervalMs: 50, what: 'runs executing' },
      );

    // The runners view says who needs an update: all four speak the older protocol.
    const before = await anyHub((hub) => hub.json<RunnerView[]>('/api/runners'));
    expect(before.map((runner) => [runner.name, runner.protocol])).toEqual(
      ['vm-0', 'vm-1', 'vm-2', 'vm-3'].map((name) => [name, OLD_PROTOCOL]),
    );
    for (const runner of before) expect(runner.update).toContain(`speaks runner protocol ${OLD_PROTOCOL}`);

    // A rolling restart of the hubs: each stops (exit 0) with runs executing, and comes back on its port.
    for (const index of [0, 1]) {
      await someActive();
      const hub = hubs[index] as HubProcess;
      expect(await hub.stop(20_000), hub.output()).toBe(0);
      stopped.push(hub);
      hubs[index] = await startHub({ ...hubOptions, port: hub.port });
    }

    // A rolling upgrade of the runners: each drains on SIGQUIT (its unit's stop), exits 0, and the new release
    // starts in its work dir with its credential.
    for (const [i, old] of runners.entries()) {
      await someActive();
      old.child.kill('SIGQUIT');
      expect(await old.exited, old.output()).toBe(0);
      const current = startRunner({
        hub: hubList(i % 2),
        name: old.name,
        workDir: old.workDir,
        slots: 2,
        env: runnerEnv,
        args: ['--sandbox-bind', out],
      });
      await current.waitForOutput('connected to the hub', 30_000);
      runners[i] = current;
    }
    upgrading = false;
    await load;

    const after = await anyHub((hub) => hub.json<RunnerView[]>('/api/runners'));
    expect(after.map((runner) => [runner.name, runner.protocol, runner.update])).toEqual(
      ['vm-0', 'vm-1', 'vm-2', 'vm-3'].map((name) => [name, PROTOCOL_VERSION, undefined]),
    );

    // Nothing lost: every run ended good. Nothing doubled: each executed once.
    const views = await Promise.all(ids.map(view));
    expect(views.filter((run) => run.state !== 'archived' || run.result !== 'good')).toEqual([]);
    const executed = readFileSync(join(out, 'executed'), 'utf8').split('\n').filter(Boolean);
    expect(executed.length).toBe(ids.length);
    expect(new Set(executed)).toEqual(new Set(ids));
    const everyHub = [...stopped, ...hubs];
    for (const hub of everyHub) expect(hub.output()).not.toMatch(/"msg":"(runner lost|run lost)/);
    console.log(`rolling upgrade: ${ids.length} runs through 2 hub restarts and 4 runner upgrades`);
  }, 300_000);
});
