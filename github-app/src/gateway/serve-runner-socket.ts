// One runner's WebSocket, from hello to close (DESIGN §5; the lifecycle is told at the top of
// shared/src/protocol/runner-protocol.ts). The socket knows frames; every decision about runs is the core's. What
// is written to it is runner-socket-writer.ts's, the hello greet-runner.ts's, the heartbeat rate heartbeat-rate.ts's.

import { isUtf8 } from 'node:buffer';
import {
  decodeFrame,
  decodeLogFrame,
  type FrameErrorCode,
  MAX_BAD_FRAMES,
  type RunnerMessage,
  RunnerMessageSchema,
  SINCE_PROTOCOL,
} from '@floe/shared';
import { utf8Text } from '@floe/shared/node';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { greetRunner } from './greet-runner.js';
import { HeartbeatRate } from './heartbeat-rate.js';
import type { HubCore, IncomingRecord, RunnerConnection } from './hub-core.js';
import { CLOSE_INTERNAL, CLOSE_POLICY, RunnerSocketWriter } from './runner-socket-writer.js';

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

/** Serves one runner socket until it closes. Never throws; every failure becomes a frame, a close, or a log line. */
export function serveRunnerSocket(socket: WebSocket, options: RunnerSocketOptions): void {
  const { core, connected } = options;
  const writer = new RunnerSocketWriter(socket, options.logger);
  let runner: ServedRunner | undefined;
  let badFrames = 0;
  let lastHeard = Date.now();
  const beats = new HeartbeatRate((dropped) => writer.log.warn({ dropped }, 'runner heartbeats over the rate dropped'));
  // Frames are handled one after another, so that a run's records reach the core in the order they were sent.
  let queue: Promise<void> = Promise.resolve();

  const answerBad = (code: FrameErrorCode, message: string) => {
    badFrames += 1;
    writer.log.warn({ code, reason: message, badFrames }, 'bad frame from runner');
    writer.write({ type: 'error', code, message });
    if (badFrames >= MAX_BAD_FRAMES) writer.close(CLOSE_POLICY, 'too many bad frames');
  };

  const helloTimer = setTimeout(() => {
    if (!runner) writer.refuse('bad-message', `no hello within ${options.helloTimeoutMs} ms`);
  }, options.helloTimeoutMs);
  helloTimer.unref();

  const heartbeat = setInterval(() => {
    if (Date.now() - lastHeard > options.leaseMs) {
      writer.log.warn({ silentMs: Date.now() - lastHeard }, 'runner silent; dropping its socket');
      socket.terminate();
      return;
    }
    if (!writer.isWelcomed || socket.readyState !== socket.OPEN) return;
    socket.ping();
    writer.write({ type: 'heartbeat' });
  }, options.heartbeatMs);
  heartbeat.unref();

  const handle = async (message: RunnerMessage) => {
    if (message.type === 'hello') {
      if (runner) return answerBad('unexpected', 'hello was already said on this connection');
      return greetRunner(message, writer, options, (served) => {
        runner = served;
      });
    }
    if (!runner || !writer.isWelcomed) return writer.refuse('bad-message', `say hello first (got ${message.type})`);
    const { runnerId } = runner.connection;
    switch (message.type) {
      case 'accept':
        return core.accepted(runnerId, message.runId, message.epoch);
      case 'decline':
        return core.declined(runnerId, message.runId, message.epoch, message.reason);
      case 'heartbeat':
        // Its figures come with protocol version 2 (runner-protocol.ts); an older runner's are not looked at.
        return core.heartbeat(
          runnerId,
          message.runs,
          runner.connection.protocol >= SINCE_PROTOCOL.runnerMetrics ? message.metrics : undefined,
        );
      case 'draining':
        return core.draining(runner.connection);
      case 'record':
        return records(runnerId, message.runId, message.epoch, message.records);
    }
  };

  /** Stores a run's records (a JSON `record` frame's or a binary log frame's), then acks them or stops the run. */
  const records = async (runnerId: string, runId: string, epoch: number, batch: IncomingRecord[]) => {
    const outcome = await core.records(runnerId, runId, epoch, batch);
    if ('stale' in outcome) {
      writer.log.info({ runId, epoch, reason: outcome.reason }, 'stale run; stopping it');
      return writer.write({ type: 'stop', runId, epoch, reason: outcome.reason });
    }
    return writer.write({ type: 'ack', runId, seq: outcome.ackedSeq });
  };

  /** A binary log frame (protocol 6, shared/src/protocol/log-frame.ts), checked whole before anything is stored. */
  const handleBinary = async (bytes: Buffer) => {
    if (!runner || !writer.isWelcomed) return writer.refuse('bad-message', 'say hello first (got a binary frame)');
    if (runner.connection.protocol < SINCE_PROTOCOL.binaryLogs)
      return answerBad(
        'bad-message',
        `binary frames need protocol ${SINCE_PROTOCOL.binaryLogs} (agreed ${runner.connection.protocol})`,
      );
    const decoded = decodeLogFrame(bytes, isUtf8);
    if (!decoded.ok) return answerBad('bad-message', decoded.message);
    const { runId, epoch } = decoded.header;
    const batch = decoded.header.records.map(({ bytes: _, stream, at, ...record }, i): IncomingRecord => {
      const text = decoded.texts[i] as Uint8Array;
      return {
        kind: 'log',
        ...record,
        chunk: { stream, at, text: Buffer.from(text.buffer, text.byteOffset, text.length) },
      };
    });
    return records(runner.connection.runnerId, runId, epoch, batch);
  };

  /** Runs `work` once the frames before it are handled; a failure is logged and answered `internal`. */
  const inTurn = (what: string, work: () => Promise<unknown>) => {
    queue = queue.then(async () => {
      if (writer.closed) return;
      try {
        await work();
      } catch (err) {
        writer.log.error({ err, type: what }, 'runner message failed');
        writer.write({ type: 'error', code: 'internal', message: `the hub failed on ${what}; it is logged` });
        // A hello that failed leaves a runner waiting for a welcome that will not come: let it reconnect now.
        if (!writer.isWelcomed) writer.close(CLOSE_INTERNAL, 'hello failed');
      }
    });
  };

  socket.on('message', (data: RawData, isBinary: boolean) => {
    lastHeard = Date.now();
    const bytes = toBytes(data);
    if (isBinary) return inTurn('a binary log frame', () => handleBinary(bytes));
    // Bytes, text frame or not: their size is known without encoding them again, and they are decoded once.
    const decoded = decodeFrame(RunnerMessageSchema, bytes, utf8Text);
    if (!decoded.ok) return inTurn('a bad frame', async () => answerBad(decoded.code, decoded.message));
    // A flood of heartbeats is dropped before anything else is done with it.
    if (decoded.message.type === 'heartbeat' && !beats.allowed(lastHeard)) return;
    inTurn(decoded.message.type, () => handle(decoded.message));
  });
  socket.on('pong', () => {
    lastHeard = Date.now();
  });
  socket.on('error', (err) => writer.log.warn({ err }, 'runner socket error'));
  socket.on('close', () => {
    writer.closed = true;
    clearTimeout(helloTimer);
    clearInterval(heartbeat);
    // Only the runner's current socket speaks for it: a replaced socket closing late must not disconnect the newer.
    if (runner && connected.get(runner.connection.runnerId) === runner) {
      const { connection } = runner;
      const runnerId = connection.runnerId;
      connected.delete(runnerId);
      writer.log.info('runner disconnected');
      queue = queue.then(() =>
        core
          .runnerDisconnected(runnerId, connection)
          .catch((err: unknown) => writer.log.error({ err }, 'runnerDisconnected failed')),
      );
    }
  });
}

function toBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
