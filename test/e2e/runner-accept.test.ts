// A runner starts a run's tasks only once the hub has stored that the run is its own: the hub says so in `accepted`
// (protocol 7), or acknowledges the run's `start` record (docs/design.md "Offers and epochs"). An accept that the hub never stored — its socket closed first, or
// its hub died — may be followed by the offer going to another runner; had the first runner started already, the
// run would execute twice. A scripted hub (a real HTTP server and WebSocket on loopback, speaking the protocol's
// frames) drives a real runner process, unsandboxed so that its task's mark lands where the test looks.
import { chmodSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type HubMessage,
  PROTOCOL_VERSION,
  parseFloeFile,
  type RunnerMessage,
  RunnerMessageSchema,
  type RunSpec,
  SINCE_PROTOCOL,
} from '@floe/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { binaryRecords } from '../../runner/src/testing/test-hub.js';
import { killSpawned, makeTempDir, removeTempDirs, startRunner, waitFor } from '../support/index.js';

afterEach(() => killSpawned());
afterAll(() => removeTempDirs());

/** A hub that registers any runner and hands each socket's messages to the test. */
async function scriptedHub() {
  const messages: RunnerMessage[] = [];
  const sockets: WebSocket[] = [];
  const stored = new Set<string>();
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/runners/register') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ runnerId: 'r1', credential: 'c1' }));
    } else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: '/api/runners/connect' });
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data, isBinary) => {
      // A runner sends its log records as binary frames (protocol 6 and later, which this hub welcomes with).
      const message = isBinary ? binaryRecords(data as Buffer) : RunnerMessageSchema.parse(JSON.parse(String(data)));
      messages.push(message);
      // Records are stored and acknowledged as a hub does, once the test says the acceptance is stored.
      if (message.type === 'record' && stored.has(message.runId)) {
        const seq = Math.max(...message.records.map((record) => record.seq));
        socket.send(JSON.stringify({ type: 'ack', runId: message.runId, seq }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const send = (socket: WebSocket, message: HubMessage) => socket.send(JSON.stringify(message));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    messages,
    sockets,
    stored,
    send,
    welcome(
      socket: WebSocket,
      runs: Extract<HubMessage, { type: 'welcome' }>['runs'] = [],
      protocol = PROTOCOL_VERSION,
    ) {
      send(socket, {
        type: 'welcome',
        protocol,
        runnerId: 'r1',
        heartbeatMs: 60_000,
        leaseMs: 600_000,
        runs,
      });
    },
    close: () => {
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.close();
    },
  };
}

function spec(mark: string): RunSpec {
  const parsed = parseFloeFile(`
id: marked
tasks:
  - {id: touch, type: exec, listen: trigger.good, opts: {shell: "touch ${mark}"}}
`);
  const flow = parsed.flows[0];
  if (!flow) throw new Error('no flow');
  return { id: 'run-1', number: 1, flow, trust: 'trusted', data: {}, secrets: {} };
}

/** A real runner (unsandboxed) connected to `hub`, welcomed at `protocol`. */
async function welcomedRunner(hub: Awaited<ReturnType<typeof scriptedHub>>, protocol = PROTOCOL_VERSION) {
  const runner = startRunner({ hub: hub.url, token: 't', name: 'vm-1', args: ['--sandbox', 'off'] });
  await waitFor(async () => hub.messages.some((m) => m.type === 'hello'));
  const socket = hub.sockets[0] as WebSocket;
  hub.welcome(socket, [], protocol);
  return { runner, socket };
}

/** Every record the runner sent, in order. */
const records = (hub: { messages: RunnerMessage[] }) =>
  hub.messages.flatMap((m) => (m.type === 'record' ? m.records : []));

const offerOf = (mark: string, epoch = 1): HubMessage => ({
  type: 'offer',
  runId: 'run-1',
  epoch,
  leaseMs: 600_000,
  run: spec(mark),
});

describe('a runner given an offer', () => {
  it('starts nothing until the hub has stored its start, and nothing when the next hello is answered stop', async () => {
    const hub = await scriptedHub();
    const mark = join(makeTempDir('floe-mark-'), 'executed');
    try {
      const { runner, socket: first } = await welcomedRunner(hub);
      hub.send(first, offerOf(mark));
      await waitFor(async () => hub.messages.some((m) => m.type === 'accept'));
      // The accept never reaches the store: the socket goes. The runner comes back naming the run it holds.
      first.terminate();
      await waitFor(async () => hub.messages.filter((m) => m.type === 'hello').length === 2);
      const hello = hub.messages.filter((m) => m.type === 'hello')[1];
      expect(hello).toMatchObject({ runs: [{ runId: 'run-1', epoch: 1 }] });
      // The offer was withdrawn meanwhile (it may run elsewhere): the task must never have run here.
      hub.welcome(hub.sockets[1] as WebSocket, [{ runId: 'run-1', epoch: 1, action: 'stop', ackedSeq: 0 }]);
      await runner.waitForOutput('run stopped by the hub', 20_000);
      expect(existsSync(mark)).toBe(false);
      // Nothing but the run's start was reported: no task began.
      expect(records(hub).map((record) => record.kind)).toEqual(records(hub).length ? ['start'] : []);
    } finally {
      hub.close();
    }
  });

  it('starts the run once a hub of protocol 6, which never says `accepted`, acknowledges its start record', async () => {
    const hub = await scriptedHub();
    const mark = join(makeTempDir('floe-mark-'), 'executed');
    try {
      const { socket } = await welcomedRunner(hub, SINCE_PROTOCOL.accepted - 1);
      hub.stored.add('run-1');
      hub.send(socket, offerOf(mark));
      await waitFor(async () => existsSync(mark), { timeoutMs: 20_000 });
      await waitFor(async () => hub.messages.some((m) => m.type === 'record'));
    } finally {
      hub.close();
    }
  });

  it('starts the run once the hub says its accept is stored (protocol 7), its start not acknowledged yet', async () => {
    const hub = await scriptedHub();
    const mark = join(makeTempDir('floe-mark-'), 'executed');
    try {
      const { socket } = await welcomedRunner(hub);
      hub.send(socket, offerOf(mark));
      await waitFor(async () => hub.messages.some((m) => m.type === 'accept'));
      hub.send(socket, { type: 'accepted', runId: 'run-1', epoch: 1 });
      await waitFor(async () => existsSync(mark), { timeoutMs: 20_000, what: 'the task to run' });
      // Every record reached the hub, the start first, though none was acknowledged.
      await waitFor(async () => records(hub).some((record) => record.kind === 'input'));
      expect(records(hub)[0]).toMatchObject({ kind: 'start', seq: 1 });
    } finally {
      hub.close();
    }
  });

  it('starts nothing on an `accepted` of another epoch or another run', async () => {
    const hub = await scriptedHub();
    const mark = join(makeTempDir('floe-mark-'), 'executed');
    try {
      const { runner, socket: first } = await welcomedRunner(hub);
      hub.send(first, offerOf(mark, 2));
      await waitFor(async () => hub.messages.some((m) => m.type === 'accept'));
      // A stale hub's answer (an earlier epoch), a later one's, and one about a run the runner does not hold.
      hub.send(first, { type: 'accepted', runId: 'run-1', epoch: 1 });
      hub.send(first, { type: 'accepted', runId: 'run-1', epoch: 3 });
      hub.send(first, { type: 'accepted', runId: 'run-2', epoch: 2 });
      // Then the socket goes; the runner comes back, and hears that the run is no longer its own.
      first.terminate();
      await waitFor(async () => hub.messages.filter((m) => m.type === 'hello').length === 2);
      hub.welcome(hub.sockets[1] as WebSocket, [{ runId: 'run-1', epoch: 2, action: 'stop', ackedSeq: 0 }]);
      await runner.waitForOutput('run stopped by the hub', 20_000);
      expect(existsSync(mark)).toBe(false);
      expect(records(hub).map((record) => record.kind)).toEqual(records(hub).length ? ['start'] : []);
    } finally {
      hub.close();
    }
  });

  it('runs a run offered again at a newer epoch in a workspace the earlier attempt does not remove as it ends', async () => {
    const hub = await scriptedHub();
    const markDir = makeTempDir('floe-mark-');
    chmodSync(markDir, 0o777);
    const mark = join(markDir, 'executed');
    try {
      // Sandboxed: preparing the workspace for the task user takes a while, so the earlier attempt is still
      // preparing when the new offer comes.
      const runner = startRunner({ hub: hub.url, token: 't', name: 'vm-1', args: ['--sandbox-bind', markDir] });
      await waitFor(async () => hub.messages.some((m) => m.type === 'hello'));
      const socket = hub.sockets[0] as WebSocket;
      hub.welcome(socket);
      hub.send(socket, offerOf(mark, 1));
      // The hub could not store that accept and gives the run to the same runner again, at once, as a hub whose
      // offer timed out does: the earlier attempt ends while the new one prepares the same run's workspace.
      hub.stored.add('run-1');
      let epoch = 2;
      hub.send(socket, offerOf(mark, epoch));
      // The runner may decline while the earlier attempt is still ending (the hub offers again), never lose it.
      await waitFor(async () => {
        const answer = hub.messages.find(
          (m) => (m.type === 'accept' || m.type === 'decline') && m.runId === 'run-1' && m.epoch === epoch,
        );
        if (answer?.type === 'decline') hub.send(socket, offerOf(mark, ++epoch));
        return answer?.type === 'accept';
      });
      await waitFor(async () => existsSync(mark), { timeoutMs: 20_000, what: 'the task to run' });
      await runner.waitForOutput(/"result":"good".*"msg":"run finished"/);
    } finally {
      hub.close();
    }
  });
});
