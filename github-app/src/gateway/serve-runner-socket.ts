// One runner's WebSocket, from hello to close (DESIGN §5; the lifecycle is told at the top of
// shared/src/protocol/runner-protocol.ts). The socket knows frames; every decision about runs is the core's.

import { randomUUID } from 'node:crypto';
import {
  agreeProtocol,
  decodeFrame,
  type FrameErrorCode,
  type HubMessage,
  MAX_BAD_FRAMES,
  MAX_FRAME_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type RefusalCode,
  type RunnerMessage,
  RunnerMessageSchema,
} from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { HubCore, RunnerConnection } from './hub-core.js';

export interface RunnerSocketOptions {
  core: HubCore;
  logger: FastifyBaseLogger;
  /** Between heartbeats (app message and WebSocket ping) sent to the runner. */
  heartbeatMs: number;
  /** Told to the runner; also how long a socket may stay silent before it is dropped as dead. */
  leaseMs: number;
  /** How long a new socket has to say hello. */
  helloTimeoutMs: number;
  /** The connection of each runner currently connected, shared by every socket of the gateway. */
  connected: Map<string, ServedRunner>;
}

/** A connected runner, as the gateway keeps it. */
export interface ServedRunner {
  connection: RunnerConnection;
  /** Closes the socket (a newer socket of the same runner replaced it). */
  close(reason: string): void;
}

/** Above this many bytes waiting in the socket, acks are coalesced (the latest per run is enough). */
const ACK_HIGH_WATER = 1024 * 1024;
/** Above this many, the runner is not reading at all: drop the socket, its lease decides (DESIGN §5). */
const BUFFER_LIMIT = 32 * 1024 * 1024;

/**
 * Heartbeats one runner may send a second (docs/security.md "Limits"); a runner sends one every few seconds. More
 * are dropped before they reach the core, so a flood costs a parse each, never a store write: `/healthz` and the
 * other runners do not slow down.
 */
export const MAX_HEARTBEATS_PER_SECOND = 10;

/** Close codes: 1008 policy violation (refused, abuse), 1001 going away (replaced, shutting down), 1011 the hub failed. */
const CLOSE_POLICY = 1008;
const CLOSE_AWAY = 1001;
const CLOSE_INTERNAL = 1011;

/** Serves one runner socket until it closes. Never throws; every failure becomes a frame, a close, or a log line. */
export function serveRunnerSocket(socket: WebSocket, options: RunnerSocketOptions): void {
  const { core, connected } = options;
  let log = options.logger;
  let runner: ServedRunner | undefined;
  let welcomed = false;
  let closed = false;
  let badFrames = 0;
  let lastHeard = Date.now();
  let beatSecond = 0;
  let beatsThisSecond = 0;
  let beatsDropped = 0;
  /** True for a heartbeat within the rate; counts (and logs once a second) the ones dropped. */
  const beatAllowed = (now: number): boolean => {
    const second = Math.floor(now / 1000);
    if (second !== beatSecond) {
      if (beatsDropped > 0) log.warn({ dropped: beatsDropped }, 'runner heartbeats over the rate dropped');
      beatSecond = second;
      beatsThisSecond = 0;
      beatsDropped = 0;
    }
    beatsThisSecond += 1;
    if (beatsThisSecond <= MAX_HEARTBEATS_PER_SECOND) return true;
    beatsDropped += 1;
    return false;
  };
  /** Messages the core sent before `welcome` went out (an offer made while the runner is being connected). */
  const early: HubMessage[] = [];
  /** Acks held back while the socket is congested, the latest per run. */
  const heldAcks = new Map<string, HubMessage>();
  // Frames are handled one after another, so that a run's records reach the core in the order they were sent.
  let queue: Promise<void> = Promise.resolve();

  const write = (message: HubMessage) => {
    if (closed || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > BUFFER_LIMIT) {
      log.warn({ buffered: socket.bufferedAmount }, 'runner not reading; dropping its socket');
      socket.terminate();
      return;
    }
    if (message.type === 'ack' && (socket.bufferedAmount > ACK_HIGH_WATER || heldAcks.size > 0)) {
      heldAcks.set(message.runId, message);
      return;
    }
    const frame = JSON.stringify(message);
    if (frame.length * 3 > MAX_FRAME_BYTES && Buffer.byteLength(frame) > MAX_FRAME_BYTES) {
      // The runner would drop the socket for it (close 1009) and reconnect into the same message.
      log.error({ type: message.type, bytes: Buffer.byteLength(frame) }, 'message for runner too large; not sent');
      return;
    }
    socket.send(frame, flushAcks);
  };
  const flushAcks = () => {
    if (heldAcks.size === 0 || socket.bufferedAmount > ACK_HIGH_WATER) return;
    const acks = [...heldAcks.values()];
    heldAcks.clear();
    for (const ack of acks) write(ack);
  };
  const send = (message: HubMessage) => {
    if (welcomed) write(message);
    else early.push(message);
  };
  const refuse = (code: RefusalCode, message: string) => {
    log.info({ code, reason: message }, 'runner refused');
    write({ type: 'refused', code, message, protocol: PROTOCOL_VERSION, minProtocol: MIN_PROTOCOL_VERSION });
    close(CLOSE_POLICY, code);
  };
  const close = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    socket.close(code, reason);
    // A peer that never answers the close handshake must not keep the socket open.
    setTimeout(() => socket.terminate(), 2_000).unref();
  };
  const answerBad = (code: FrameErrorCode, message: string) => {
    badFrames += 1;
    log.warn({ code, reason: message, badFrames }, 'bad frame from runner');
    write({ type: 'error', code, message });
    if (badFrames >= MAX_BAD_FRAMES) close(CLOSE_POLICY, 'too many bad frames');
  };

  const helloTimer = setTimeout(() => {
    if (!runner) refuse('bad-message', `no hello within ${options.helloTimeoutMs} ms`);
  }, options.helloTimeoutMs);
  helloTimer.unref();

  const heartbeat = setInterval(() => {
    if (Date.now() - lastHeard > options.leaseMs) {
      log.warn({ silentMs: Date.now() - lastHeard }, 'runner silent; dropping its socket');
      socket.terminate();
      return;
    }
    if (!welcomed || socket.readyState !== socket.OPEN) return;
    socket.ping();
    write({ type: 'heartbeat' });
  }, options.heartbeatMs);
  heartbeat.unref();

  const hello = async (message: Extract<RunnerMessage, { type: 'hello' }>) => {
    // DESIGN §5 "Protocol versions": the newest version both speak, kept with the connection.
    const agreed = agreeProtocol(
      { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
      { min: message.minProtocol ?? message.protocol, max: message.protocol },
    );
    if ('message' in agreed) return refuse('incompatible-version', agreed.message);
    const identity = await core.authenticateRunner(message.credential);
    if (!identity) return refuse('bad-credential', 'runner credential rejected; re-register with a new token');
    if (closed) return;
    const connection: RunnerConnection = {
      id: randomUUID(),
      runnerId: identity.runnerId,
      name: message.name,
      tags: message.tags,
      slots: message.slots,
      protocol: agreed.version,
      sandbox: message.sandbox ?? { sandboxed: false, reason: 'the runner is older than task sandboxes' },
      send,
      // Removed by an admin: closed after what the core sent before (the runs' stops). The runner reconnects, and
      // its hello is refused for a bad credential, which is final (it exits).
      close: (reason) => {
        log.info({ reason }, 'closing a removed runner');
        close(CLOSE_POLICY, 'runner removed');
      },
    };
    log = options.logger.child({ runner: message.name, runnerId: identity.runnerId });
    const previous = connected.get(identity.runnerId);
    const served: ServedRunner = { connection, close: (reason) => close(CLOSE_AWAY, reason) };
    runner = served;
    connected.set(identity.runnerId, served);
    if (previous) {
      // The same runner reconnected before its old socket was seen to die: the old one goes, silently for the core
      // (the runner never stopped holding its runs).
      log.info('runner reconnected; closing its previous socket');
      previous.close('replaced by a newer connection');
      await core.runnerDisconnected(identity.runnerId, previous.connection);
    }
    const runs = await core.runnerConnected(connection, message.runs, message.version);
    write({
      type: 'welcome',
      protocol: agreed.version,
      runnerId: identity.runnerId,
      heartbeatMs: options.heartbeatMs,
      leaseMs: options.leaseMs,
      runs,
    });
    welcomed = true;
    for (const queued of early.splice(0)) write(queued);
    log.info(
      {
        tags: message.tags,
        slots: message.slots,
        version: message.version,
        protocol: agreed.version,
        held: runs.length,
        sandboxed: connection.sandbox.sandboxed,
      },
      'runner connected',
    );
  };

  const handle = async (message: RunnerMessage) => {
    if (message.type === 'hello') {
      if (runner) return answerBad('unexpected', 'hello was already said on this connection');
      return hello(message);
    }
    if (!runner || !welcomed) return refuse('bad-message', `say hello first (got ${message.type})`);
    const { runnerId } = runner.connection;
    switch (message.type) {
      case 'accept':
        return core.accepted(runnerId, message.runId, message.epoch);
      case 'decline':
        return core.declined(runnerId, message.runId, message.epoch, message.reason);
      case 'heartbeat':
        return core.heartbeat(runnerId, message.runs);
      case 'record': {
        const outcome = await core.records(runnerId, message.runId, message.epoch, message.records);
        if ('stale' in outcome) {
          log.info({ runId: message.runId, epoch: message.epoch, reason: outcome.reason }, 'stale run; stopping it');
          return write({ type: 'stop', runId: message.runId, epoch: message.epoch, reason: outcome.reason });
        }
        return write({ type: 'ack', runId: message.runId, seq: outcome.ackedSeq });
      }
    }
  };

  socket.on('message', (data: RawData, isBinary: boolean) => {
    lastHeard = Date.now();
    const decoded = decodeFrame(RunnerMessageSchema, isBinary ? toBytes(data) : toBytes(data).toString('utf8'));
    // A flood of heartbeats is dropped before anything else is done with it.
    if (decoded.ok && decoded.message.type === 'heartbeat' && !beatAllowed(lastHeard)) return;
    queue = queue.then(async () => {
      if (closed) return;
      if (!decoded.ok) return answerBad(decoded.code, decoded.message);
      try {
        await handle(decoded.message);
      } catch (err) {
        log.error({ err, type: decoded.message.type }, 'runner message failed');
        write({ type: 'error', code: 'internal', message: `the hub failed on ${decoded.message.type}; it is logged` });
        // A hello that failed leaves a runner waiting for a welcome that will not come: let it reconnect now.
        if (!welcomed) close(CLOSE_INTERNAL, 'hello failed');
      }
    });
  });
  socket.on('pong', () => {
    lastHeard = Date.now();
  });
  socket.on('error', (err) => log.warn({ err }, 'runner socket error'));
  socket.on('close', () => {
    closed = true;
    clearTimeout(helloTimer);
    clearInterval(heartbeat);
    // Only the runner's current socket speaks for it: a replaced socket closing late must not disconnect the newer.
    if (runner && connected.get(runner.connection.runnerId) === runner) {
      const { connection } = runner;
      const runnerId = connection.runnerId;
      connected.delete(runnerId);
      log.info('runner disconnected');
      queue = queue.then(() =>
        core
          .runnerDisconnected(runnerId, connection)
          .catch((err: unknown) => log.error({ err }, 'runnerDisconnected failed')),
      );
    }
  });
}

function toBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
