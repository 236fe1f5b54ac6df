// Limits with clear errors (docs/security.md "Limits", docs/floe-yaml.md "Limits") through the real server and
// store: FLOE.yaml too large or with too many nodes refused at start with the lint error, an offer too large for
// one protocol message ending its run instead of leaving it pending, a heartbeat flood dropped before it reaches
// the core, and live subscriptions capped per socket.
import { createFloeClient, type FloeApiError, type LiveServerMessage, PROTOCOL_VERSION } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_LIVE_SUBSCRIPTIONS } from '../live/live-session.js';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/start-test-hub.js';

const exec = (id: string, shell: string) =>
  `  - {id: ${id}, type: exec, listen: trigger.good, opts: {shell: ${shell}}}\n`;
// 600 kB of YAML that resolves to 1.2 MB: an alias repeats the anchored command.
const FAT = `id: fat\ntasks:\n${exec('a', `&big "${'x'.repeat(600_000)}"`)}${exec('b', '*big')}`;
const MANY = `id: many\ntasks:\n${Array.from({ length: 1_001 }, (_, i) => exec(`t${i}`, 'echo')).join('')}`;
const HUGE = `id: huge\ntasks:\n${exec('a', 'echo')}# ${'y'.repeat(1_048_576)}\n`;
const OK = `id: ok\ntasks:\n${exec('a', 'echo')}`;

let t: TestHub;
const admin = () => createFloeClient({ baseUrl: t.url, token: ADMIN_TOKEN });
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err as FloeApiError,
  );

beforeAll(async () => {
  t = await startTestHub({ fat: FAT, many: MANY, huge: HUGE, ok: OK });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('limits', () => {
  it('refuses to start a run of a FLOE.yaml over 1 MiB, or of a flow over 1,000 nodes, with the lint error', async () => {
    const huge = await refusal(admin().startRun('huge', { repo: 'huge' }));
    expect(huge).toMatchObject({ status: 409, code: 'FLOE_FLOW_INVALID' });
    expect(huge?.message).toMatch(/FLOE\.yaml:1:1: The file is \d+ bytes; a FLOE\.yaml may hold at most 1 MiB/);
    const many = await refusal(admin().startRun('many'));
    expect(many).toMatchObject({ status: 409, code: 'FLOE_FLOW_INVALID' });
    expect(many?.message).toContain(
      'FLOE.yaml:2:1: Flow `many` has 1001 triggers and tasks; a flow may have at most 1000.',
    );
    expect((await admin().flows()).find((flow) => flow.id === 'many')?.errors?.[0]).toMatch(/at most 1000/);
  });

  it('ends a run whose offer is too large for one protocol message, saying so, instead of leaving it pending', async () => {
    const runner = await t.connectRunner('vm-limits');
    const runId = (await admin().startRun('fat')).runId;
    const ended = await waitUntil(async () => {
      const run = await admin().run(runId);
      return run.state === 'archived' ? run : undefined;
    });
    expect(ended).toMatchObject({ result: 'bad', reasonCode: 'refused' });
    expect(ended.reason).toMatch(/^the run's offer is \d{7} bytes, more than the 1048576 bytes the runner protocol/);
    // The runner was never sent it, and is free for the next run.
    await expect(runner.received('offer', runId)).rejects.toThrow();
    const next = (await admin().startRun('ok')).runId;
    expect((await runner.received('offer', next)).runId).toBe(next);
  }, 30_000);

  it('drops heartbeats beyond 10 a second from one runner before they reach the core, and /healthz answers', async () => {
    const registration = await t.hub.createRunnerToken({ name: 'admin', role: 'admin' });
    const registered = await t.hub.core.registerRunner(registration, 'flooder');
    if (!registered) throw new Error('registration refused');
    let reached = 0;
    const heartbeat = t.hub.core.heartbeat.bind(t.hub.core);
    t.hub.core.heartbeat = async (runnerId, runs) => {
      if (runnerId === registered.runnerId) reached += 1;
      return heartbeat(runnerId, runs);
    };
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/runners/connect`);
    const welcome = new Promise((resolve) => ws.once('message', resolve));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        credential: registered.credential,
        name: 'flooder',
        tags: [],
        slots: 1,
        version: '0',
        runs: [],
      }),
    );
    await welcome;
    const started = Date.now();
    const frame = JSON.stringify({ type: 'heartbeat', runs: [] });
    let sent = 0;
    let healthy = 0;
    // Flood in batches, and ask /healthz between them: each answer comes while the flood is still arriving.
    while (sent < 20_000) {
      for (let i = 0; i < 2_000; i++) ws.send(frame);
      sent += 2_000;
      const health = await fetch(`${t.url}/healthz`);
      if (health.status === 200) healthy += 1;
    }
    await new Promise<void>((resolve) => ws.send(frame, () => resolve()));
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    expect(healthy).toBe(10);
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThanOrEqual(10 * seconds);
    expect(reached * 100).toBeLessThan(sent);
    ws.close();
  }, 60_000);

  it(`refuses a live subscription beyond ${MAX_LIVE_SUBSCRIPTIONS} on one socket with an error frame`, async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/live`);
    const messages: LiveServerMessage[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as LiveServerMessage));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'auth', token: ADMIN_TOKEN }));
    for (let i = 0; i <= MAX_LIVE_SUBSCRIPTIONS; i++) {
      ws.send(JSON.stringify({ type: 'subscribe', sub: `s${i}`, topic: { topic: 'runners' } }));
    }
    const refused = await waitUntil(async () => messages.find((m) => m.type === 'error'));
    expect(refused).toMatchObject({ code: 'FLOE_LIVE_TOO_MANY_SUBS', sub: `s${MAX_LIVE_SUBSCRIPTIONS}` });
    expect(messages.filter((m) => m.type === 'subscribed')).toHaveLength(MAX_LIVE_SUBSCRIPTIONS);
    // The socket stays usable: one out, one more in.
    ws.send(JSON.stringify({ type: 'unsubscribe', sub: 's0' }));
    ws.send(JSON.stringify({ type: 'subscribe', sub: 'again', topic: { topic: 'runners' } }));
    await waitUntil(async () => messages.find((m) => m.type === 'subscribed' && m.sub === 'again'));
    ws.close();
  });
});

async function waitUntil<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
