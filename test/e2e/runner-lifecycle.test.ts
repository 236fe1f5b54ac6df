// A runner's life around the hub (DESIGN §5): started before its hub exists, stopped mid-run, fed a token by
// `floe runner token`, and carrying a big log. Real `floe-hub` and `floe runner` processes.
import { LOG_NEXT_OFFSET_HEADER } from '@floe/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FLOE_MAIN,
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  spawnProcess,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const BIG_LINES = 200_000;
const FLOWS = `
flows:
  - id: quick
    tasks:
      - {id: hi, type: exec, listen: trigger.good, opts: {shell: "echo hi"}}
  - id: env
    tasks:
      - {id: show, type: exec, listen: trigger.good, opts: {shell: "echo token=\${FLOE_RUNNER_TOKEN:-none} hub=\${FLOE_HUB_URL:-none} mark=\${FLOE_RUNNER_MARK:+set}"}}
  - id: medium
    tasks:
      - {id: nap, type: exec, listen: trigger.good, opts: {shell: "echo napping; sleep 1; echo rested"}}
  - id: long
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: "echo started; sleep 60"}}
  - id: big
    tasks:
      # 200k numbered lines of 100 bytes: 20 MB through spool, socket and store.
      - {id: out, type: exec, listen: trigger.good, opts: {shell: "seq -f '%094g -----' 1 ${BIG_LINES}"}}
`;

interface RunView {
  state: string;
  result?: string;
  reason?: string;
  reasonCode?: string;
  runner?: string;
  startedAt?: number;
  endedAt?: number;
}

let repo: string;
beforeEach(() => {
  repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
});
afterEach(async () => {
  await killSpawned();
  removeTempDirs();
});

const start = async (hub: HubProcess, flow: string) =>
  (await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { body: {} })).runId;
const ended = (hub: HubProcess, runId: string, timeoutMs = 20_000) =>
  waitFor(
    async () => {
      const view = await hub.json<RunView>(`/api/runs/${runId}`);
      return view.state === 'archived' && view;
    },
    { timeoutMs, what: `run ${runId} to end` },
  );

describe('a runner and its hub', () => {
  it('registers and connects once a hub that was down comes up, having waited with back-off', async () => {
    const dataDir = makeTempDir('floe-hub-');
    const first = await startHub({ repos: [repo], dataDir });
    const token = await first.runnerToken();
    await first.stop();
    const runner = startRunner({ hub: first.url, token, name: 'early', env: { FLOE_RUNNER_BACKOFF_MAX: '1s' } });
    await runner.waitForOutput('cannot register yet; retrying');
    const hub = await startHub({ repos: [repo], dataDir, port: first.port });
    await runner.waitForOutput('connected to the hub', 15_000);
    expect(runner.output()).toContain('runner registered');
    expect(await ended(hub, await start(hub, 'quick'))).toMatchObject({ result: 'good', runner: 'early' });
  });

  it('registers again with a fresh token when a hub reset forgot its credential', async () => {
    const old = await startHub({ repos: [repo] });
    const runner = startRunner({ hub: old.url, token: await old.runnerToken(), name: 'returning' });
    await runner.waitForOutput('connected to the hub');
    expect(await runner.stop()).toBe(0);
    await old.stop();
    // A new hub with new data: the saved credential means nothing there.
    const hub = await startHub({ repos: [repo] });
    const again = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'returning',
      workDir: runner.workDir,
    });
    await again.waitForOutput('connected to the hub');
    expect(again.output()).toContain('registering again with the token given');
    expect(await ended(hub, await start(hub, 'quick'))).toMatchObject({ result: 'good', runner: 'returning' });
  });

  it('cancels its runs, sends their end and exits 0 on SIGTERM', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 10_000, heartbeatMs: 300 });
    const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'polite' });
    await runner.waitForOutput('connected to the hub');
    const runId = await start(hub, 'long');
    await waitFor(async () => /^started$/m.test(await (await hub.request(`/api/runs/${runId}/logs?node=wait`)).text()));
    expect(await runner.stop(15_000)).toBe(0);
    const view = await ended(hub, runId, 5_000);
    expect(view).toMatchObject({ result: 'cancelled', reasonCode: 'cancelled' });
    expect(view.reason).toContain('runner stopping');
  });

  it('drains on SIGQUIT: finishes the running run, takes no new one, exits 0', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 10_000, heartbeatMs: 300 });
    const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'drainer' });
    await runner.waitForOutput('connected to the hub');
    const running = await start(hub, 'medium');
    await runner.waitForOutput('run accepted');
    runner.child.kill('SIGQUIT');
    await runner.waitForOutput('draining');
    // The runner told the hub (protocol version 2), which offers it nothing more: not one offer to decline.
    await hub.waitForOutput('runner draining; offering it nothing more');
    const next = await start(hub, 'quick');
    expect(await runner.exited).toBe(0);
    expect(await ended(hub, running)).toMatchObject({ result: 'good', runner: 'drainer' });
    expect(await (await hub.request(`/api/runs/${running}/logs?node=nap`)).text()).toMatch(/^rested$/m);
    expect((await hub.json<RunView>(`/api/runs/${next}`)).state).toBe('pending');
    expect(hub.output()).not.toContain('offer declined');
  });

  it('takes one run and exits with --once', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 10_000, heartbeatMs: 300 });
    const first = await start(hub, 'medium');
    const second = await start(hub, 'medium');
    const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'ephemeral', args: ['--once'] });
    expect(await runner.exited).toBe(0);
    const views = await Promise.all([first, second].map((id) => hub.json<RunView>(`/api/runs/${id}`)));
    expect(views.filter((view) => view.state === 'archived' && view.result === 'good')).toHaveLength(1);
    expect(views.filter((view) => view.state === 'pending')).toHaveLength(1);
  });

  it('reads its settings from the environment and keeps them (its token above all) from its tasks', async () => {
    const hub = await startHub({ repos: [repo] });
    const runner = startRunner({
      name: 'from-env',
      env: { FLOE_HUB_URL: hub.url, FLOE_RUNNER_TOKEN: await hub.runnerToken(), FLOE_RUNNER_TAGS: 'envtag' },
    });
    await runner.waitForOutput('connected to the hub');
    const runId = await start(hub, 'env');
    expect(await ended(hub, runId)).toMatchObject({ result: 'good', runner: 'from-env' });
    expect(await (await hub.request(`/api/runs/${runId}/logs?node=show`)).text()).toContain(
      'token=none hub=none mark=set',
    );
    const runners = await hub.json<{ name: string; tags: string[] }[]>('/api/runners');
    expect(runners.find((r) => r.name === 'from-env')?.tags).toEqual(['envtag']);
  });

  it('takes a token made by `floe runner token`', async () => {
    const hub = await startHub({ repos: [repo] });
    const cli = spawnProcess(process.execPath, [
      FLOE_MAIN,
      'runner',
      'token',
      '--hub',
      hub.url,
      '--admin-token',
      hub.adminToken,
    ]);
    expect(await cli.exited).toBe(0);
    const token = cli.output().trim();
    expect(token).toMatch(/^\S{16,}$/);
    const runner = startRunner({ hub: hub.url, token, name: 'tokened' });
    await runner.waitForOutput('connected to the hub');

    const refused = spawnProcess(process.execPath, [
      FLOE_MAIN,
      'runner',
      'token',
      '--hub',
      hub.url,
      '--admin-token',
      'not-the-admin-token',
    ]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('401');
  });

  it('carries a 20 MB log to the hub, every line once and in order', async () => {
    // A cap above the log: every line is stored (log-cap.test.ts is about the cap).
    const hub = await startHub({ repos: [repo], leaseMs: 10_000, heartbeatMs: 500, args: ['--log-cap-mb', '64'] });
    const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'bulk' });
    await runner.waitForOutput('connected to the hub');
    const began = Date.now();
    const runId = await start(hub, 'big');
    const view = await ended(hub, runId, 120_000);
    const seconds = (Date.now() - began) / 1000;
    expect(view.result).toBe('good');
    let text = '';
    for (let from = 0; ; ) {
      const response = await hub.request(`/api/runs/${runId}/logs?node=out&from=${from}`);
      const slice = await response.text();
      text += slice;
      const next = Number(response.headers.get(LOG_NEXT_OFFSET_HEADER));
      if (!slice || !Number.isFinite(next) || next === from) break;
      from = next;
    }
    const lines = text.split('\n').filter((line) => line.endsWith(' -----'));
    expect(lines.length).toBe(BIG_LINES);
    expect(lines.every((line, i) => Number.parseFloat(line) === i + 1)).toBe(true);
    // For the record (not an assertion: the machine is shared): end-to-end MB/s through spool, socket and store.
    console.info(`20 MB log end to end in ${seconds.toFixed(1)} s (${(20 / seconds).toFixed(1)} MB/s)`);
  }, 180_000);
});
