// Runs reaching the right runner and being steered there (DESIGN §3 rule 7, §5): host-tags, slots, cancel and
// form data travelling from the API through the hub to a real runner process.
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubProcess,
  hostPid,
  killByEnv,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const FLOWS = `
flows:
  - id: on-gpu
    host-tags: [gpu]
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo on $(hostname)"}}
  - id: on-arm
    host-tags: [arm]
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo on $(hostname)"}}
  - id: on-both
    host-tags: [gpu, arm]
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo never"}}
  - id: long
    host-tags: [arm]
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: "echo $$ > \\"$PID_DIR/$FLOE_RUN_ID\\"; sleep 60"}}
  - id: approve
    host-tags: [gpu]
    tasks:
      - {id: ask, type: data, listen: trigger.good, opts: {form: {fields: [{id: answer}]}}}
      - {id: use, type: exec, listen: task.ask.good, opts: {shell: "echo answer=$FLOE_DATA_ANSWER"}}
`;

interface RunView {
  state: string;
  result?: string;
  reasonCode?: string;
  runner?: string;
  pendingReason?: string;
  nodes: { id: string; state: string; values?: Record<string, string> }[];
}

let hub: HubProcess;
let pidDir: string;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  pidDir = makeTempDir('floe-pids-');
  // Tasks write their pid there, from their sandbox as the task user (docs/runners.md "Task sandboxes").
  chmodSync(pidDir, 0o777);
  const args = ['--sandbox-bind', pidDir];
  hub = await startHub({ repos: [repo], leaseMs: 5_000, heartbeatMs: 300 });
  const env = { PID_DIR: pidDir };
  const runners = [
    startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-gpu', tags: ['gpu', 'linux'], env, args }),
    startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'vm-arm',
      tags: ['arm', 'linux'],
      slots: 2,
      env,
      args,
    }),
  ];
  for (const runner of runners) await runner.waitForOutput('connected to the hub');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  killByEnv('PID_DIR', pidDir);
  removeTempDirs();
});

const start = async (flow: string) =>
  (await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { body: {} })).runId;
const run = (runId: string) => hub.json<RunView>(`/api/runs/${runId}`);
const ended = (runId: string) =>
  waitFor(async () => (await run(runId)).state === 'archived' && run(runId), {
    timeoutMs: 20_000,
    what: `run ${runId} to end`,
  });
const log = async (runId: string, node: string) => (await hub.request(`/api/runs/${runId}/logs?node=${node}`)).text();

describe('dispatch to runners', () => {
  it('sends each run to a runner that has all of its host-tags', async () => {
    const gpu = await start('on-gpu');
    const arm = await start('on-arm');
    expect(await ended(gpu)).toMatchObject({ result: 'good', runner: 'vm-gpu' });
    expect(await ended(arm)).toMatchObject({ result: 'good', runner: 'vm-arm' });
  });

  it('keeps a run pending, saying why, when no runner has all of its tags', async () => {
    const both = await start('on-both');
    const view = await waitFor(async () => (await run(both)).pendingReason !== undefined && run(both), {
      what: 'a pending reason',
    });
    expect(view.state).toBe('pending');
    expect(view.pendingReason).toMatch(/arm|gpu/);
    await hub.json(`/api/runs/${both}/cancel`, { body: {} });
  });

  it('runs as many runs at once as the runner has slots', async () => {
    const first = await start('long');
    const second = await start('long');
    await waitFor(async () => (await run(first)).state === 'active' && (await run(second)).state === 'active', {
      what: 'both runs on the two slots of vm-arm',
    });
    expect((await run(first)).runner).toBe('vm-arm');
    const third = await start('long');
    await waitFor(async () => (await run(third)).pendingReason !== undefined, { what: 'the third to wait' });
    expect((await run(third)).state).toBe('pending');
    for (const runId of [first, second, third]) await hub.json(`/api/runs/${runId}/cancel`, { body: {} });
    for (const runId of [first, second, third]) expect((await ended(runId)).result).toBe('cancelled');
  });

  it('cancels a run on its runner, killing its process', async () => {
    const runId = await start('long');
    const pidFile = join(pidDir, runId);
    const pid = await waitFor(() => {
      try {
        return hostPid(Number(readFileSync(pidFile, 'utf8').trim()), `PID_DIR=${pidDir}`, runId);
      } catch {
        return undefined;
      }
    });
    await hub.json(`/api/runs/${runId}/cancel`, { body: {} });
    expect(await ended(runId)).toMatchObject({ result: 'cancelled', reasonCode: 'cancelled' });
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('passes form input to a waiting data node on the runner', async () => {
    const runId = await start('approve');
    await waitFor(async () => (await run(runId)).nodes.find((n) => n.id === 'ask')?.state === 'awaiting-input', {
      what: 'the data node to wait',
    });
    await hub.json(`/api/runs/${runId}/nodes/ask/data`, { body: { values: { answer: 'forty-two' } } });
    const view = await ended(runId);
    expect(view).toMatchObject({ result: 'good', runner: 'vm-gpu' });
    // The values went hub → runner (its engine) → back as an input record, and the next task ran on them.
    expect(view.nodes.find((n) => n.id === 'ask')).toMatchObject({ state: 'good', values: { answer: 'forty-two' } });
    expect(view.nodes.find((n) => n.id === 'use')?.state).toBe('good');
    expect(await log(runId, 'use')).toContain('answer=');
  });
});
