import {
  connectLive,
  type LiveServerMessage,
  type LiveSocketConstructor,
  type LiveTopicMessage,
  utf8Length,
} from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_TOKEN, type StandInRunner, startTestHub, type TestHub } from '../testing/start-test-hub.js';

const FLOWS = `
flows:
  - id: build
    tasks:
      - id: compile
        type: exec
        listen: trigger.good
        opts: { cmd: echo hi }
      - id: test
        type: exec
        listen: task.compile.good
        opts: { cmd: echo test }
  - id: other
    tasks:
      - id: x
        type: exec
        listen: trigger.good
        opts: { cmd: "true" }
`;

let t: TestHub;
let liveUrl: string;
let runner: StandInRunner;

beforeAll(async () => {
  t = await startTestHub({ app: FLOWS }, { liveAuthTimeoutMs: 300 });
  liveUrl = `${t.url.replace('http', 'ws')}/api/live`;
  runner = await t.connectRunner('vm-live');
});
afterAll(async () => {
  await t?.close();
});

/** A raw live socket that records what it receives. */
async function openLive(headers: Record<string, string> = {}) {
  const ws = new WebSocket(liveUrl, { headers });
  const messages: LiveServerMessage[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as LiveServerMessage);
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (req, res) => {
      // With this listener, ws leaves the refused request open: end it, or the server cannot close.
      req.destroy();
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
  const send = (message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  /** Waits (up to 5 s) for the first message after index `from` that matches. */
  const next = async (match: (m: LiveServerMessage) => boolean, from = 0): Promise<LiveServerMessage> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const found = messages.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
      await new Promise<void>((resolve) => {
        waiters.add(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return { ws, messages, send, next, closed };
}

async function authenticated(headers: Record<string, string> = {}) {
  const live = await openLive(headers);
  live.send({ type: 'auth', token: ADMIN_TOKEN });
  await live.next((m) => m.type === 'authenticated');
  return live;
}

const startRun = async (flowId = 'build') =>
  t.hub.startRun(flowId, {}, { name: 'admin', role: 'admin' }).then((runId) => runId);

describe('the live API', () => {
  it('closes with 4401 after a bad token', async () => {
    const live = await openLive();
    live.send({ type: 'auth', token: 'floe_wrong' });
    expect(await live.next((m) => m.type === 'error')).toMatchObject({ code: 'FLOE_UNAUTHENTICATED' });
    expect((await live.closed).code).toBe(4401);
  });

  it('closes a socket that does not authenticate in time', async () => {
    const live = await openLive();
    expect(await live.next((m) => m.type === 'error')).toMatchObject({ code: 'FLOE_LIVE_AUTH_TIMEOUT' });
    expect((await live.closed).code).toBe(4408);
  });

  it('takes subscriptions sent right behind the auth message, in one burst', async () => {
    const live = await openLive();
    live.send({ type: 'auth', token: ADMIN_TOKEN });
    live.send({ type: 'subscribe', sub: 'r', topic: { topic: 'runners' } });
    const runners = await live.next((m) => m.type === 'runners' || m.type === 'error');
    expect(runners).toMatchObject({ type: 'runners', sub: 'r', runners: [{ name: 'vm-live' }] });
    live.ws.close();
  });

  it('answers bad frames with an error and stays usable', async () => {
    const live = await openLive();
    live.send('{not json');
    expect(await live.next((m) => m.type === 'error')).toMatchObject({
      code: 'FLOE_LIVE_BAD_MESSAGE',
      message: 'the message is not JSON',
    });
    live.send({ type: 'subscribe', sub: 'a', topic: { topic: 'runners' } });
    expect(await live.next((m) => m.type === 'error' && m.code === 'FLOE_LIVE_NOT_AUTHENTICATED')).toBeDefined();
    live.send({ type: 'auth', token: ADMIN_TOKEN });
    expect(await live.next((m) => m.type === 'authenticated')).toEqual({
      type: 'authenticated',
      name: 'admin',
      role: 'admin',
    });
    live.send({ type: 'shout' });
    expect(await live.next((m) => m.type === 'error' && m.message.includes('message.type'))).toMatchObject({
      code: 'FLOE_LIVE_BAD_MESSAGE',
    });
    live.send({ type: 'subscribe', sub: 'r', topic: { topic: 'runners' } });
    const runners = await live.next((m) => m.type === 'runners');
    expect(runners).toMatchObject({ sub: 'r', runners: [{ name: 'vm-live', connected: true }] });
    live.ws.close();
  });

  it('refuses a bad Authorization header before the upgrade, and accepts a good one as auth', async () => {
    await expect(openLive({ authorization: 'Bearer floe_wrong' })).rejects.toThrow('HTTP 401');
    const viewer = await t.token('viewer');
    const live = await openLive({ authorization: `Bearer ${viewer}` });
    expect(await live.next((m) => m.type === 'authenticated')).toMatchObject({ role: 'viewer' });
    live.ws.close();
  });

  it('sends run list changes, filtered by flow', async () => {
    const live = await authenticated();
    live.send({ type: 'subscribe', sub: 'builds', topic: { topic: 'runs', flow: 'build' } });
    await live.next((m) => m.type === 'subscribed');
    await startRun('other');
    const runId = await startRun('build');
    const changed = await live.next((m) => m.type === 'run-changed');
    expect(changed).toMatchObject({ sub: 'builds', run: { id: runId, flowId: 'build', state: 'pending' } });
    live.send({ type: 'subscribe', sub: 'pending', topic: { topic: 'runs', state: 'pending' } });
    await live.next((m) => m.type === 'subscribed' && m.sub === 'pending');
    const second = await startRun('build');
    await live.next((m) => m.type === 'run-changed' && m.sub === 'pending' && m.run.id === second);
    await t.hub.cancelRun(runId, { name: 'admin', role: 'admin' });
    await t.hub.cancelRun(second, { name: 'admin', role: 'admin' });
    await live.next((m) => m.type === 'run-changed' && m.sub === 'builds' && m.run.state === 'archived');
    expect(live.messages.some((m) => m.type === 'run-changed' && m.run.flowId === 'other')).toBe(false);
    // A run that leaves a filtered list is told once, so a client can take it out.
    expect(
      await live.next(
        (m) => m.type === 'run-changed' && m.sub === 'pending' && m.run.id === second && m.run.state === 'archived',
      ),
    ).toBeDefined();
    live.ws.close();
  });

  it('follows one run: snapshots and engine events by seq, resumable after a seq', async () => {
    await cancelPending();
    const runId = await startRun();
    const live = await authenticated();
    live.send({ type: 'subscribe', sub: 'one', topic: { topic: 'run', runId } });
    expect(await live.next((m) => m.type === 'run')).toMatchObject({ run: { id: runId, state: 'pending' } });
    const run = await runner.takeRun(runId);
    await run.start();
    await run.input({
      type: 'task-finished',
      node: 'compile',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      at: Date.now(),
    });
    await live.next((m) => m.type === 'run-event' && m.event.seq === 2);
    const events = live.messages.flatMap((m) => (m.type === 'run-event' ? [[m.event.seq, m.event.tag]] : []));
    expect(events).toEqual([
      [1, 'trigger.good'],
      [2, 'task.compile.good'],
    ]);
    const last = live.messages.filter((m) => m.type === 'run').at(-1);
    expect(last).toMatchObject({
      run: {
        state: 'active',
        nodes: [
          { id: 'compile', state: 'good' },
          { id: 'test', state: 'running' },
        ],
      },
    });
    expect(last?.type === 'run' && 'events' in last.run).toBe(false);

    live.send({ type: 'subscribe', sub: 'resumed', topic: { topic: 'run', runId, after: 1 } });
    const resumed = await live.next((m) => m.type === 'run-event' && m.sub === 'resumed');
    expect(resumed).toMatchObject({ event: { seq: 2 } });
    live.send({ type: 'subscribe', sub: 'missing', topic: { topic: 'run', runId: 'nope' } });
    expect(await live.next((m) => m.type === 'error' && m.sub === 'missing')).toMatchObject({
      code: 'FLOE_RUN_NOT_FOUND',
    });
    live.ws.close();
  });

  it('joins the stored log and live appends without a gap or a repeat, however they interleave', async () => {
    await cancelPending();
    const runId = await startRun();
    const run = await runner.takeRun(runId);
    await run.start();
    const live = await authenticated();
    const chunks = Array.from({ length: 120 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}\n`);
    const full = chunks.join('');
    const subs: { sub: string; from: number }[] = [];
    for (const [i, chunk] of chunks.entries()) {
      // Subscribe at many points while appending, from the start and from the middle of what is stored.
      if (i % 15 === 7) {
        const stored = utf8Length(chunks.slice(0, i).join(''));
        for (const from of [0, utf8Length(chunks.slice(0, Math.floor(i / 2)).join('')), stored]) {
          const sub = `log-${i}-${from}`;
          subs.push({ sub, from });
          live.send({ type: 'subscribe', sub, topic: { topic: 'log', runId, node: 'compile', from } });
        }
      }
      await run.log('compile', chunk);
    }
    await run.input({
      type: 'task-finished',
      node: 'compile',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      at: Date.now(),
    });
    for (const { sub, from } of subs) {
      const end = await live.next((m) => m.type === 'log-end' && m.sub === sub);
      let cursor = from;
      let text = '';
      for (const m of live.messages) {
        if (m.type !== 'log' || m.sub !== sub) continue;
        expect(m.offset, sub).toBe(cursor);
        cursor += utf8Length(m.text);
        text += m.text;
      }
      expect(Buffer.from(full).subarray(from).toString(), sub).toBe(text);
      expect(end).toMatchObject({ offset: utf8Length(full) });
    }
    live.ws.close();
  });

  it('connectLive rejects a bad token once and does not retry it', async () => {
    const statuses: string[] = [];
    const live = connectLive({
      url: t.url,
      token: 'floe_wrong',
      WebSocket: WebSocket as unknown as LiveSocketConstructor,
      reconnect: { minMs: 10, maxMs: 10 },
      onStatus: (status) => statuses.push(status),
    });
    await expect(live.ready).rejects.toMatchObject({ code: 'FLOE_UNAUTHENTICATED' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statuses).toEqual(['connecting', 'closed']);
  });

  it('connectLive resumes a log after the hub drops the socket, without a gap or a repeat', async () => {
    await cancelPending();
    const runId = await startRun();
    const run = await runner.takeRun(runId);
    await run.start();
    const statuses: string[] = [];
    const live = connectLive({
      url: t.url,
      token: ADMIN_TOKEN,
      WebSocket: WebSocket as unknown as LiveSocketConstructor,
      reconnect: { minMs: 10, maxMs: 20 },
      onStatus: (status) => statuses.push(status),
    });
    expect(await live.ready).toEqual({ name: 'admin', role: 'admin' });
    const got: LiveTopicMessage[] = [];
    let ended: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      ended = resolve;
    });
    live.subscribe({ topic: 'log', runId, node: 'compile' }, (message) => {
      got.push(message);
      if (message.type === 'log-end') ended();
    });
    let expected = '';
    for (let i = 0; i < 40; i++) {
      const line = `chunk ${i}\n`;
      expected += line;
      await run.log('compile', line);
      // Drop every live socket now and then: the client reconnects and resubscribes from its cursor.
      if (i % 10 === 5) for (const client of t.app.websocketServer.clients) client.terminate();
    }
    await run.input({
      type: 'task-finished',
      node: 'compile',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      at: Date.now(),
    });
    await done;
    const text = got.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join('');
    expect(text).toBe(expected);
    expect(statuses.filter((s) => s === 'reconnecting').length).toBeGreaterThan(0);
    live.close();
    expect(statuses.at(-1)).toBe('closed');
  });
});

async function cancelPending(): Promise<void> {
  for (const run of (await t.hub.runs({ state: 'pending', limit: 500 })).runs) {
    await t.hub.cancelRun(run.id, { name: 'admin', role: 'admin' });
  }
}
