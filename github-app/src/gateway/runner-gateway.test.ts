import websocket from '@fastify/websocket';
import {
  encodeLogFrame,
  type HeldRun,
  type HubMessage,
  MAX_BAD_FRAMES,
  MAX_FRAME_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  ResolvedFlowSchema,
  type RunnerMessage,
  type RunRecord,
  SINCE_PROTOCOL,
} from '@floe/shared';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FloeError } from '../errors.js';
import type { HubCore, IncomingRecord, RecordsOutcome, RunnerConnection, WelcomeRun } from './hub-core.js';
import { gatewayPlugin, type RunnerGateway } from './runner-gateway.js';

/** A small HubCore: credentials, one-time tokens, contiguous records per run, epochs. A seam, not a mock. */
class TinyCore implements HubCore {
  tokens = new Set(['token-1']);
  credentials = new Map([
    ['cred-a', { runnerId: 'ra', name: 'a' }],
    ['cred-b', { runnerId: 'rb', name: 'b' }],
  ]);
  epochs = new Map<string, number>();
  stored = new Map<string, IncomingRecord[]>();
  /** Which runner holds a run, when a test says (any runner otherwise). */
  holders = new Map<string, string>();
  connections = new Map<string, RunnerConnection>();
  calls: string[] = [];
  /** Sent through the connection while `runnerConnected` runs (before welcome goes out). */
  offerOnConnect: HubMessage | undefined;

  async registerRunner(token: string, name: string) {
    if (!this.tokens.delete(token)) return undefined;
    const credential = `cred-${name}`;
    this.credentials.set(credential, { runnerId: `r-${name}`, name });
    return { runnerId: `r-${name}`, credential };
  }
  async authenticateRunner(credential: string) {
    return this.credentials.get(credential);
  }
  failConnect = false;
  async runnerConnected(connection: RunnerConnection, held: HeldRun[]): Promise<WelcomeRun[]> {
    if (this.failConnect) throw new Error('store unavailable');
    this.calls.push(`connected ${connection.runnerId}`);
    this.connections.set(connection.runnerId, connection);
    if (this.offerOnConnect) connection.send(this.offerOnConnect);
    return held.map((run) => ({
      ...run,
      action: this.epochs.get(run.runId) === run.epoch ? 'continue' : 'stop',
      ackedSeq: this.stored.get(run.runId)?.length ?? 0,
    }));
  }
  async runnerDisconnected(runnerId: string) {
    this.calls.push(`disconnected ${runnerId}`);
  }
  async heartbeat(runnerId: string, runs: { runId: string; epoch: number }[]) {
    this.calls.push(`heartbeat ${runnerId} ${runs.map((r) => r.runId).join(',')}`);
  }
  async accepted(runnerId: string, runId: string, epoch: number) {
    this.calls.push(`accepted ${runnerId} ${runId}@${epoch}`);
  }
  async declined(runnerId: string, runId: string, epoch: number, reason: string) {
    this.calls.push(`declined ${runnerId} ${runId}@${epoch} ${reason}`);
  }
  async draining(connection: RunnerConnection) {
    this.calls.push(`draining ${connection.runnerId}`);
  }
  async records(runnerId: string, runId: string, epoch: number, records: IncomingRecord[]): Promise<RecordsOutcome> {
    if (this.epochs.get(runId) !== epoch) return { stale: true, reason: `epoch ${epoch} is stale` };
    const holder = this.holders.get(runId);
    if (holder !== undefined && holder !== runnerId) return { stale: true, reason: `held by ${holder}` };
    const stored = this.stored.get(runId) ?? [];
    for (const record of records) if (record.seq === stored.length + 1) stored.push(record);
    this.stored.set(runId, stored);
    return { ackedSeq: stored.length };
  }
}

/** A runner's socket as a test sees it: every message received, in order, and the close. */
interface TestSocket {
  ws: WebSocket;
  messages: HubMessage[];
  next(type: HubMessage['type']): Promise<HubMessage>;
  send(message: RunnerMessage | string): void;
  closed: Promise<number>;
}

let core: TinyCore;
let app: FastifyInstance;
let gateway: RunnerGateway;
let url: string;
const EMPTY_FLOW = ResolvedFlowSchema.parse({ id: 'f', name: 'f', triggers: [], tasks: [] });
const lines: string[] = [];

async function startHub(options: { heartbeatMs?: number; leaseMs?: number; helloTimeoutMs?: number } = {}) {
  core = new TinyCore();
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }) as FastifyBaseLogger;
  app = Fastify({ logger: false });
  app.setErrorHandler((err: FloeError, _request, reply) =>
    reply.code(err.status ?? 500).send({ code: err.code, message: err.message }),
  );
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  gateway = gatewayPlugin({ core, logger, heartbeatMs: 1_000, leaseMs: 3_000, ...options });
  await gateway(app);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  url = `${address.replace('http', 'ws')}/api/runners/connect`;
  return address;
}

function open(wsOptions: WebSocket.ClientOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, wsOptions);
  const messages: HubMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as HubMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const next = async (type: HubMessage['type']) => {
    for (;;) {
      const index = messages.findIndex((m) => m.type === type);
      if (index >= 0) return messages.splice(index, 1)[0] as HubMessage;
      await new Promise<void>((resolve, reject) => {
        waiters.push(resolve);
        closed.then(() => reject(new Error(`closed while waiting for ${type}`)));
      });
    }
  };
  const send = (message: RunnerMessage | string) =>
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, next, send, closed }));
    ws.once('error', reject);
  });
}

function hello(credential: string, runs: HeldRun[] = [], protocol = PROTOCOL_VERSION): RunnerMessage {
  return { type: 'hello', protocol, credential, name: 'vm', tags: ['linux'], slots: 1, version: '0.1.0', runs };
}

async function connected(credential: string, runs: HeldRun[] = [], protocol = PROTOCOL_VERSION): Promise<TestSocket> {
  const socket = await open();
  socket.send(hello(credential, runs, protocol));
  await socket.next('welcome');
  return socket;
}

const start = (seq: number): RunRecord => ({ kind: 'start', seq, at: 1 });
const log = (seq: number): RunRecord => ({
  kind: 'log',
  seq,
  node: 'n',
  attempt: 1,
  chunk: { stream: 'out', at: 1, text: `${seq}\n` },
});

/** A binary log frame (protocol 6) of records `firstSeq`… of node n, one for each text. */
function logFrame(runId: string, epoch: number, firstSeq: number, texts: Buffer[]): Buffer {
  const records = texts.map((text, i) => ({
    seq: firstSeq + i,
    node: 'n',
    attempt: 1,
    stream: 'out' as const,
    at: 1,
    bytes: text.length,
  }));
  return Buffer.from(encodeLogFrame({ runId, epoch, records }, texts));
}

/** A frame of a 4-byte header length and whatever follows. */
function rawFrame(headerBytes: number, rest: string | Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes);
  return Buffer.concat([length, Buffer.from(rest)]);
}

describe('runner gateway', () => {
  beforeEach(async () => {
    lines.length = 0;
    await startHub();
  });
  afterEach(async () => {
    gateway.closeAll('test over');
    await app.close();
  });

  it('welcomes a runner with a good credential and tells it what to do with the runs it holds', async () => {
    core.epochs.set('run-1', 2);
    core.stored.set('run-1', [start(1), log(2)]);
    const socket = await open();
    socket.send(
      hello('cred-a', [
        { runId: 'run-1', epoch: 2, ackedSeq: 1 },
        { runId: 'run-2', epoch: 1, ackedSeq: 0 },
      ]),
    );
    const welcome = await socket.next('welcome');
    expect(welcome).toEqual({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      runnerId: 'ra',
      heartbeatMs: 1_000,
      leaseMs: 3_000,
      runs: [
        { runId: 'run-1', epoch: 2, action: 'continue', ackedSeq: 2 },
        { runId: 'run-2', epoch: 1, action: 'stop', ackedSeq: 0 },
      ],
    });
    expect(gateway.connectedRunners()).toEqual(['ra']);
    expect(core.connections.get('ra')).toMatchObject({ name: 'vm', tags: ['linux'], slots: 1 });
  });

  it('carries whether the runner sandboxes its tasks, and takes a runner that does not say for one that does not', async () => {
    const boxed = await open();
    boxed.send({ ...hello('cred-a'), sandbox: { sandboxed: true } } as RunnerMessage);
    await boxed.next('welcome');
    expect(core.connections.get('ra')?.sandbox).toEqual({ sandboxed: true });
    const old = await connected('cred-b');
    expect(old).toBeDefined();
    expect(core.connections.get('rb')?.sandbox).toEqual({
      sandboxed: false,
      reason: 'the runner is older than task sandboxes',
    });
    const bare = await open();
    bare.send({ ...hello('cred-a'), sandbox: { sandboxed: false, reason: 'x'.repeat(501) } } as RunnerMessage);
    expect((await bare.next('error')).type).toBe('error');
  });

  it('refuses a wrong credential and keeps serving the other runners', async () => {
    core.epochs.set('run-1', 1);
    const good = await connected('cred-a');
    const bad = await open();
    bad.send(hello('nope'));
    expect(await bad.next('refused')).toMatchObject({
      code: 'bad-credential',
      message: 'runner credential rejected; re-register with a new token',
    });
    expect(await bad.closed).toBe(1008);
    good.send({ type: 'record', runId: 'run-1', epoch: 1, records: [start(1)] });
    expect(await good.next('ack')).toEqual({ type: 'ack', runId: 'run-1', seq: 1 });
  });

  it('refuses a runner that speaks another protocol version, saying which side to upgrade', async () => {
    const socket = await open();
    socket.send(hello('cred-a', [], PROTOCOL_VERSION + 1));
    const refused = await socket.next('refused');
    expect(refused).toMatchObject({ code: 'incompatible-version', protocol: PROTOCOL_VERSION });
    expect(refused.type === 'refused' && refused.message).toContain('upgrade floe on the hub');
    expect(core.calls).toEqual([]);
  });

  it('answers garbage, unknown types and invalid messages with an error and keeps the connection', async () => {
    core.epochs.set('run-1', 1);
    const socket = await connected('cred-a');
    socket.send('{ not json');
    expect(await socket.next('error')).toMatchObject({ code: 'bad-json' });
    socket.send('{"type":"format-disk"}');
    expect(await socket.next('error')).toMatchObject({ code: 'bad-message' });
    socket.send('{"type":"accept","runId":"run-1"}');
    expect(await socket.next('error')).toMatchObject({
      code: 'bad-message',
      message: expect.stringContaining('epoch'),
    });
    socket.send(hello('cred-a'));
    expect(await socket.next('error')).toMatchObject({ code: 'unexpected' });
    socket.send({ type: 'record', runId: 'run-1', epoch: 1, records: [start(1)] });
    expect(await socket.next('ack')).toMatchObject({ seq: 1 });
  });

  it('closes a socket that keeps sending bad frames, and only that one', async () => {
    core.epochs.set('run-1', 1);
    const good = await connected('cred-b');
    const abuser = await connected('cred-a');
    for (let i = 0; i < MAX_BAD_FRAMES + 5; i++) abuser.send(`garbage ${i}`);
    expect(await abuser.closed).toBe(1008);
    expect(abuser.messages.filter((m) => m.type === 'error')).toHaveLength(MAX_BAD_FRAMES);
    good.send({ type: 'record', runId: 'run-1', epoch: 1, records: [start(1)] });
    expect(await good.next('ack')).toMatchObject({ seq: 1 });
  });

  it('drops the socket of an oversized frame; other runners carry on', async () => {
    core.epochs.set('run-1', 1);
    const good = await connected('cred-b');
    const big = await connected('cred-a');
    big.send(JSON.stringify({ type: 'decline', runId: 'x', epoch: 1, reason: 'x'.repeat(MAX_FRAME_BYTES) }));
    expect(await big.closed).toBe(1009);
    good.send({ type: 'record', runId: 'run-1', epoch: 1, records: [start(1)] });
    expect(await good.next('ack')).toMatchObject({ seq: 1 });
    expect(core.calls.filter((c) => c.startsWith('declined'))).toEqual([]);
  });

  it('stores the log records of a binary frame as their bytes, in order with JSON records, and acks them', async () => {
    core.epochs.set('run-1', 1);
    const socket = await connected('cred-a');
    socket.send({ type: 'record', runId: 'run-1', epoch: 1, records: [start(1)] });
    expect(await socket.next('ack')).toMatchObject({ seq: 1 });
    socket.ws.send(logFrame('run-1', 1, 2, [Buffer.from('héllo\n'), Buffer.from(''), Buffer.from('wörld')]));
    expect(await socket.next('ack')).toMatchObject({ seq: 4 });
    // Resent (a reconnect): nothing doubled.
    socket.ws.send(logFrame('run-1', 1, 3, [Buffer.from(''), Buffer.from('wörld')]));
    expect(await socket.next('ack')).toMatchObject({ seq: 4 });
    const stored = core.stored.get('run-1') ?? [];
    expect(
      stored.map((r) => (r.kind === 'log' ? [r.seq, Buffer.from(r.chunk.text).toString()] : [r.seq, r.kind])),
    ).toEqual([
      [1, 'start'],
      [2, 'héllo\n'],
      [3, ''],
      [4, 'wörld'],
    ]);
    expect(stored[1]).toMatchObject({ kind: 'log', node: 'n', attempt: 1, chunk: { stream: 'out', at: 1 } });
  });

  it('refuses a hostile binary frame with an error and a log line saying why, storing none of it', async () => {
    core.epochs.set('run-1', 1);
    const socket = await connected('cred-a');
    const good = logFrame('run-1', 1, 1, [Buffer.from('abc\n'), Buffer.from('def\n')]);
    const header = JSON.stringify({ runId: 'run-1', epoch: 1, records: [] });
    const hostile: [Buffer, string][] = [
      [Buffer.from([0, 0]), 'shorter than its header length'],
      [rawFrame(1_000_000, '{}'), 'does not fit the frame'],
      [rawFrame(4, '{no}'), 'header is not JSON'],
      [rawFrame(Buffer.byteLength(header), header), 'invalid binary frame header at records'],
      [good.subarray(0, good.length - 1), 'body is shorter than its records (seq 2)'],
      [Buffer.concat([good, Buffer.from('x')]), '1 bytes after its records'],
      [logFrame('run-1', 1, 1, [Buffer.from([0x61, 0xff, 0x0a])]), 'text of seq 1 is not UTF-8'],
    ];
    for (const [frame, why] of hostile) {
      socket.ws.send(frame);
      expect(await socket.next('error')).toMatchObject({ code: 'bad-message', message: expect.stringContaining(why) });
      expect(lines.some((line) => line.includes('bad frame from runner') && line.includes(why))).toBe(true);
    }
    expect(core.stored.get('run-1')).toBeUndefined();
    socket.ws.send(good);
    expect(await socket.next('ack')).toMatchObject({ seq: 2 });
  });

  it('answers a binary frame about a run the runner does not hold, or at a stale epoch, with stop', async () => {
    core.epochs.set('run-1', 1);
    core.holders.set('run-1', 'rb');
    const socket = await connected('cred-a');
    socket.ws.send(logFrame('run-1', 1, 1, [Buffer.from('not mine\n')]));
    expect(await socket.next('stop')).toMatchObject({ runId: 'run-1', epoch: 1, reason: 'held by rb' });
    socket.ws.send(logFrame('run-9', 1, 1, [Buffer.from('who?\n')]));
    expect(await socket.next('stop')).toMatchObject({ runId: 'run-9', reason: 'epoch 1 is stale' });
    expect(core.stored.size).toBe(0);
  });

  it('refuses binary frames from a runner that agreed on a version without them, and oversized ones', async () => {
    core.epochs.set('run-1', 1);
    const older = await connected('cred-a', [], SINCE_PROTOCOL.binaryLogs - 1);
    older.ws.send(logFrame('run-1', 1, 1, [Buffer.from('abc\n')]));
    expect(await older.next('error')).toMatchObject({
      code: 'bad-message',
      message: `binary frames need protocol ${SINCE_PROTOCOL.binaryLogs} (agreed ${SINCE_PROTOCOL.binaryLogs - 1})`,
    });
    // Its JSON records are stored as always.
    older.send({ type: 'record', runId: 'run-1', epoch: 1, records: [start(1)] });
    expect(await older.next('ack')).toMatchObject({ seq: 1 });
    const big = await connected('cred-b');
    big.ws.send(logFrame('run-1', 1, 2, [Buffer.alloc(MAX_FRAME_BYTES, 0x61)]));
    expect(await big.closed).toBe(1009);
    expect(core.stored.get('run-1')).toHaveLength(1);
  });

  it('refuses a message before hello', async () => {
    const socket = await open();
    socket.send({ type: 'accept', runId: 'r', epoch: 1 });
    expect(await socket.next('refused')).toMatchObject({ code: 'bad-message' });
    expect(core.calls).toEqual([]);
  });

  it('acks the highest contiguous seq stored, whatever was resent', async () => {
    core.epochs.set('run-1', 1);
    const socket = await connected('cred-a');
    socket.send({ type: 'record', runId: 'run-1', epoch: 1, records: [start(1), log(2)] });
    expect(await socket.next('ack')).toMatchObject({ seq: 2 });
    socket.send({ type: 'record', runId: 'run-1', epoch: 1, records: [log(2), log(3)] });
    expect(await socket.next('ack')).toMatchObject({ seq: 3 });
    expect(core.stored.get('run-1')?.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('tells a runner writing with a stale epoch to stop that run', async () => {
    core.epochs.set('run-1', 3);
    const socket = await connected('cred-a');
    socket.send({ type: 'record', runId: 'run-1', epoch: 2, records: [start(1)] });
    expect(await socket.next('stop')).toEqual({ type: 'stop', runId: 'run-1', epoch: 2, reason: 'epoch 2 is stale' });
    expect(core.stored.get('run-1')).toBeUndefined();
  });

  it('passes accept, decline and heartbeat to the core in order', async () => {
    const socket = await connected('cred-a');
    socket.send({ type: 'accept', runId: 'run-1', epoch: 1 });
    socket.send({ type: 'decline', runId: 'run-2', epoch: 4, reason: 'no free slot' });
    socket.send({ type: 'heartbeat', runs: [{ runId: 'run-1', epoch: 1 }] });
    await expect.poll(() => core.calls.length).toBe(4);
    expect(core.calls).toEqual([
      'connected ra',
      'accepted ra run-1@1',
      'declined ra run-2@4 no free slot',
      'heartbeat ra run-1',
    ]);
  });

  it('passes draining to the core, and sends drain only to a runner that agreed on a version that has it', async () => {
    const socket = await connected('cred-a');
    socket.send({ type: 'draining' });
    await expect.poll(() => core.calls).toContain('draining ra');
    core.connections.get('ra')?.send({ type: 'drain', drained: true });
    expect(await socket.next('drain')).toEqual({ type: 'drain', drained: true });

    // A runner of the release before drains (protocol 1) never gets the message it would not understand.
    const old = await open();
    old.send({
      ...hello('cred-b', [], SINCE_PROTOCOL.drain - 1),
      minProtocol: MIN_PROTOCOL_VERSION,
    } as RunnerMessage);
    expect(await old.next('welcome')).toMatchObject({ protocol: SINCE_PROTOCOL.drain - 1 });
    core.connections.get('rb')?.send({ type: 'drain', drained: true });
    core.connections.get('rb')?.send({ type: 'heartbeat' });
    await old.next('heartbeat');
    expect(old.messages.map((m) => m.type)).not.toContain('drain');
  });

  it('delivers an offer the core makes while connecting the runner after the welcome', async () => {
    const offer: HubMessage = {
      type: 'offer',
      runId: 'run-9',
      epoch: 1,
      leaseMs: 3_000,
      run: { id: 'run-9', number: 1, flow: EMPTY_FLOW, data: {}, secrets: {}, trust: 'trusted' },
    };
    core.offerOnConnect = offer;
    const socket = await open();
    socket.send(hello('cred-a'));
    await expect.poll(() => socket.messages.length).toBe(2);
    expect(socket.messages.map((m) => m.type)).toEqual(['welcome', 'offer']);
  });

  it('sends heartbeats and pings, and drops a socket that stays silent past the lease', async () => {
    await app.close();
    await startHub({ heartbeatMs: 100, leaseMs: 400 });
    const lively = await connected('cred-b');
    const silent = await open({ autoPong: false });
    silent.send(hello('cred-a'));
    await silent.next('welcome');
    await silent.next('heartbeat');
    const keepAlive = setInterval(() => lively.send({ type: 'heartbeat', runs: [] }), 100);
    try {
      expect(await silent.closed).toBe(1006);
      expect(lively.ws.readyState).toBe(WebSocket.OPEN);
      await expect.poll(() => core.calls).toContain('disconnected ra');
      expect(core.calls).not.toContain('disconnected rb');
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('refuses a socket that never says hello', async () => {
    await app.close();
    await startHub({ helloTimeoutMs: 100 });
    const socket = await open();
    expect(await socket.next('refused')).toMatchObject({ code: 'bad-message' });
    expect(await socket.closed).toBe(1008);
  });

  it('replaces the socket of a runner that reconnects, without disconnecting the new one', async () => {
    const first = await connected('cred-a');
    const second = await connected('cred-a');
    expect(await first.closed).toBe(1001);
    await expect.poll(() => core.calls).toEqual(['connected ra', 'disconnected ra', 'connected ra']);
    expect(gateway.connectedRunners()).toEqual(['ra']);
    second.send({ type: 'heartbeat', runs: [] });
    await expect.poll(() => core.calls.at(-1)).toBe('heartbeat ra ');
  });

  it('exchanges a registration token for a credential once', async () => {
    const body = { token: 'token-1', name: 'vm-7' };
    const first = await app.inject({ method: 'POST', url: '/api/runners/register', payload: body });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ runnerId: 'r-vm-7', credential: 'cred-vm-7' });
    const again = await app.inject({ method: 'POST', url: '/api/runners/register', payload: body });
    expect(again.statusCode).toBe(401);
    expect(again.json().message).toContain('floe runner token');
    const bad = await app.inject({ method: 'POST', url: '/api/runners/register', payload: { token: 'x' } });
    expect(bad.statusCode).toBe(400);
    // The credential it gave works on the socket.
    await connected('cred-vm-7');
  });

  it('closes the socket of a hello the core failed on, so that the runner reconnects at once', async () => {
    core.failConnect = true;
    const socket = await open();
    socket.send(hello('cred-a'));
    expect(await socket.next('error')).toMatchObject({ code: 'internal' });
    expect(await socket.closed).toBe(1011);
    expect(lines.join('')).toContain('runner message failed');
  });

  it('does not send a message larger than a runner accepts', async () => {
    const socket = await connected('cred-a');
    const spec = {
      id: 'big',
      number: 1,
      flow: { ...EMPTY_FLOW, name: 'x'.repeat(MAX_FRAME_BYTES) },
      data: {},
      secrets: {},
      trust: 'trusted' as const,
    };
    core.connections.get('ra')?.send({ type: 'offer', runId: 'big', epoch: 1, leaseMs: 1, run: spec });
    core.connections.get('ra')?.send({ type: 'heartbeat' });
    await socket.next('heartbeat');
    expect(socket.messages.filter((m) => m.type === 'offer')).toEqual([]);
    expect(lines.join('')).toContain('message for runner too large');
  });
});
