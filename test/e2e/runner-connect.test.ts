// The hub ↔ runner protocol end to end (DESIGN §5): a real `floe-hub` process and real `floe runner start`
// processes — registration, hello/welcome, refusals, abuse of the socket — with short heartbeats and leases.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_BAD_FRAMES, MAX_FRAME_BYTES, PROTOCOL_VERSION, type RunnerView } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const FLOW = `
id: hello
tasks:
  - {id: greet, type: exec, listen: trigger.good, opts: {shell: "echo hello from $FLOE_RUN_ID"}}
  - {id: done, type: end, listen: task.greet.good}
`;

let hub: HubProcess;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOW });
  hub = await startHub({ repos: [repo], leaseMs: 3_000, heartbeatMs: 300 });
}, 120_000);
afterAll(async () => {
  await killSpawned();
  removeTempDirs();
});

const runners = () => hub.json<RunnerView[]>('/api/runners');
const connected = async (name: string) => (await runners()).find((r) => r.name === name && r.connected);

async function runFlow(): Promise<{ result?: string; runner?: string }> {
  const { runId } = await hub.json<{ runId: string }>('/api/flows/hello/runs', { body: {} });
  return waitFor(
    async () => {
      const run = await hub.json<{ state: string; result?: string; runner?: string }>(`/api/runs/${runId}`);
      return run.state === 'archived' && run;
    },
    { timeoutMs: 20_000, what: `run ${runId} to end` },
  );
}

/** A raw socket to the gateway, as a misbehaving runner would hold it. */
function rawSocket(): Promise<{ ws: WebSocket; frames: unknown[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/api/runners/connect`);
  const frames: unknown[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => ws.on('close', resolve));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

describe('runners and the hub', () => {
  it('registers with a one-time token, keeps the credential 0600, connects and runs a flow', async () => {
    const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-a', tags: ['linux'] });
    await runner.waitForOutput('connected to the hub');
    expect(await connected('vm-a')).toMatchObject({ tags: ['linux'], slots: 1 });
    expect(statSync(join(runner.workDir, 'credential.json')).mode & 0o777).toBe(0o600);
    expect(await runFlow()).toMatchObject({ result: 'good', runner: 'vm-a' });

    // The next start needs neither the token nor the hub URL: the saved credential says both.
    expect(await runner.stop()).toBe(0);
    expect((await runners()).find((r) => r.name === 'vm-a')?.connected).not.toBe(true);
    const again = startRunner({ name: 'vm-a', workDir: runner.workDir });
    await again.waitForOutput('connected to the hub');
    expect(await runFlow()).toMatchObject({ result: 'good', runner: 'vm-a' });
    expect(await again.stop()).toBe(0);
  });

  it('accepts a registration token once', async () => {
    const token = await hub.runnerToken();
    const first = startRunner({ hub: hub.url, token, name: 'once-1' });
    await first.waitForOutput('connected to the hub');
    const second = startRunner({ hub: hub.url, token, name: 'once-2' });
    expect(await second.exited).toBe(78);
    expect(second.output()).toContain('registration token rejected');
    expect(await connected('once-1')).toBeDefined();
    await first.stop();
  });

  it('refuses a wrong credential for good, and the other runners carry on', async () => {
    const good = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'good' });
    await good.waitForOutput('connected to the hub');
    const workDir = makeTempDir('floe-runner-');
    writeFileSync(
      join(workDir, 'credential.json'),
      JSON.stringify({ hub: hub.url, runnerId: 'nobody', credential: 'forged-credential', name: 'forger' }),
      { mode: 0o600 },
    );
    const forger = startRunner({ name: 'forger', workDir });
    expect(await forger.exited).toBe(78);
    expect(forger.output()).toContain('runner credential rejected; re-register with a new token');
    // Not retried: one refusal, one attempt.
    expect(forger.output().match(/cannot reach the hub/g)).toBeNull();
    expect(await runFlow()).toMatchObject({ result: 'good', runner: 'good' });
    await good.stop();
  });

  it('answers garbage, unknown and invalid frames with errors, drops abusers, and keeps serving runners', async () => {
    const good = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'steady' });
    await good.waitForOutput('connected to the hub');

    const noisy = await rawSocket();
    noisy.ws.send('{ not json');
    noisy.ws.send('{"type":"format-disk"}');
    noisy.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, credential: 'x' }));
    await waitFor(() => noisy.frames.length >= 3, { what: 'three error answers' });
    expect(noisy.frames).toEqual([
      expect.objectContaining({ type: 'error', code: 'bad-json' }),
      expect.objectContaining({ type: 'error', code: 'bad-message' }),
      expect.objectContaining({ type: 'error', code: 'bad-message' }),
    ]);
    for (let i = 0; i < MAX_BAD_FRAMES; i++) noisy.ws.send(`garbage ${i}`);
    expect(await noisy.closed).toBe(1008);

    const huge = await rawSocket();
    huge.ws.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect(await huge.closed).toBe(1009);

    const oldRunner = await rawSocket();
    oldRunner.ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION + 1,
        credential: 'x',
        name: 'future',
        tags: [],
        slots: 1,
        version: '9.0.0',
        runs: [],
      }),
    );
    expect(await oldRunner.closed).toBe(1008);
    expect(oldRunner.frames).toEqual([expect.objectContaining({ type: 'refused', code: 'incompatible-version' })]);

    expect(await connected('steady')).toBeDefined();
    expect(await runFlow()).toMatchObject({ result: 'good', runner: 'steady' });
    await good.stop();
  });
});
