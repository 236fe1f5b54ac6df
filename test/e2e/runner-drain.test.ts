// Draining a runner for maintenance (docs/runners.md "Draining a runner"): `floe runner drain` through the real hub
// API as an operator, a real runner that finishes what it holds and is offered nothing more, a drain that outlives a
// hub restart, `floe runner undrain`, and a runner started with --exit-when-drained that exits 0. Real `floe-hub`
// and `floe runner` processes.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@floe/shared';
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

const FLOWS = `
flows:
  - id: quick
    tasks:
      - {id: hi, type: exec, listen: trigger.good, opts: {shell: "echo hi"}}
  - id: medium
    tasks:
      - {id: nap, type: exec, listen: trigger.good, opts: {shell: "echo napping; sleep 2; echo rested"}}
  - id: gated
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: 'while [ ! -e "$OUT/gate" ]; do sleep 0.05; done; echo through'}}
`;

interface RunView {
  state: string;
  result?: string;
  runner?: string;
  pendingReason?: string;
}
interface RunnerView {
  name: string;
  drained: boolean;
  version?: string;
  protocol?: number;
  runs: { id: string }[];
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
const view = (hub: HubProcess, runId: string) => hub.json<RunView>(`/api/runs/${runId}`);
const ended = (hub: HubProcess, runId: string) =>
  waitFor(
    async () => {
      const run = await view(hub, runId);
      return run.state === 'archived' && run;
    },
    { timeoutMs: 20_000, what: `run ${runId} to end` },
  );
const runnerNamed = async (hub: HubProcess, name: string) =>
  (await hub.json<RunnerView[]>('/api/runners')).find((runner) => runner.name === name);

/** `floe runner drain|undrain …` against the hub, as a person runs it. */
async function cli(hub: HubProcess, token: string, ...args: string[]) {
  const child = spawnProcess(process.execPath, [FLOE_MAIN, 'runner', ...args], {
    env: { FLOE_HUB_URL: hub.url, FLOE_TOKEN: token },
  });
  return { code: await child.exited, output: child.output() };
}

async function operatorToken(hub: HubProcess): Promise<string> {
  return (await hub.json<{ token: string }>('/api/tokens', { body: { name: 'ops', role: 'operator' } })).token;
}

describe('draining a runner', () => {
  it('finishes what it holds, is offered nothing, stays drained across a hub restart, and takes runs once undrained', async () => {
    const dataDir = makeTempDir('floe-hub-');
    let hub = await startHub({ repos: [repo], dataDir, leaseMs: 10_000, heartbeatMs: 300 });
    const ops = await operatorToken(hub);
    // The held run waits for a file the test writes: it is still running whatever the machine's load.
    const out = makeTempDir('floe-out-');
    chmodSync(out, 0o777);
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'vm-maint',
      env: { FLOE_RUNNER_BACKOFF_MAX: '500ms', OUT: out },
      args: ['--sandbox-bind', out],
    });
    await runner.waitForOutput('connected to the hub');
    const held = await start(hub, 'gated');
    await runner.waitForOutput('run accepted');

    const drained = await cli(hub, ops, 'drain', 'vm-maint');
    expect(drained.code, drained.output).toBe(0);
    expect(drained.output).toContain('runner vm-maint drained: offered no new run; finishing the 1 it holds');
    await runner.waitForOutput('drained by the hub: taking no new runs');
    const waiting = await start(hub, 'quick');
    await waitFor(async () => (await view(hub, waiting)).pendingReason?.includes('vm-maint is drained') === true, {
      what: 'the waiting run to say the runner is drained',
    });
    writeFileSync(join(out, 'gate'), '');
    expect(await ended(hub, held)).toMatchObject({ result: 'good', runner: 'vm-maint' });
    expect((await view(hub, waiting)).state).toBe('pending');
    expect(await runnerNamed(hub, 'vm-maint')).toMatchObject({ drained: true, protocol: PROTOCOL_VERSION, runs: [] });
    expect((await runnerNamed(hub, 'vm-maint'))?.version).toMatch(/^\d+\.\d+\.\d+/);
    // The runner idles: it did not exit.
    expect(runner.child.exitCode).toBeNull();

    // The drain is stored: a restarted hub offers the runner nothing either.
    expect(await hub.stop(20_000), hub.output()).toBe(0);
    hub = await startHub({ repos: [repo], dataDir, port: hub.port, leaseMs: 10_000, heartbeatMs: 300 });
    await waitFor(
      async () =>
        (await runnerNamed(hub, 'vm-maint'))?.drained === true &&
        (await view(hub, waiting)).pendingReason?.includes('vm-maint is drained') === true,
      {
        what: 'the runner to reconnect to the restarted hub, still drained',
      },
    );
    expect((await view(hub, waiting)).state).toBe('pending');

    const undrained = await cli(hub, ops, 'undrain', 'vm-maint');
    expect(undrained.code, undrained.output).toBe(0);
    expect(undrained.output).toContain('runner vm-maint undrained: offered runs again');
    expect(await ended(hub, waiting)).toMatchObject({ result: 'good', runner: 'vm-maint' });
    const audit = await hub.json<{ entries: { action: string; actor: string; target: string }[] }>('/api/audit');
    expect(
      audit.entries.filter((entry) => entry.action.startsWith('runner.d') || entry.action === 'runner.undrain'),
    ).toMatchObject([
      { action: 'runner.undrain', actor: 'ops', target: 'vm-maint' },
      { action: 'runner.drain', actor: 'ops', target: 'vm-maint' },
    ]);
  }, 120_000);

  it('exits 0 once drained when started with --exit-when-drained', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 10_000, heartbeatMs: 300 });
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'vm-leaving',
      args: ['--exit-when-drained'],
    });
    await runner.waitForOutput('connected to the hub');
    const held = await start(hub, 'medium');
    await runner.waitForOutput('run accepted');
    await hub.json(`/api/runners/vm-leaving/drain`, { body: {} });
    expect(await runner.exited).toBe(0);
    expect(await ended(hub, held)).toMatchObject({ result: 'good', runner: 'vm-leaving' });
    expect(await runnerNamed(hub, 'vm-leaving')).toMatchObject({ drained: true });
  });

  it('says what is wrong with a drain of no runner, of an unknown one, or without the role', async () => {
    const hub = await startHub({ repos: [repo] });
    expect(await cli(hub, hub.adminToken, 'drain')).toMatchObject({ code: 2 });
    expect((await cli(hub, hub.adminToken, 'drain', 'a', 'b')).output).toContain('needs the NAME of one runner');
    const unknown = await cli(hub, hub.adminToken, 'drain', '../../etc/passwd');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('no runner named ../../etc/passwd; GET /api/runners lists them');
    const viewer = (await hub.json<{ token: string }>('/api/tokens', { body: { name: 'eyes', role: 'viewer' } })).token;
    const refused = await cli(hub, viewer, 'undrain', 'vm-any');
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/operator/);
  });
});
