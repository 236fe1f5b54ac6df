import {
  type HubMessage,
  MAX_FRAME_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type RefusalCode,
} from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';

/** Above this many bytes waiting in the socket, acks are coalesced (the latest per run is enough). */
const ACK_HIGH_WATER = 1024 * 1024;
/** Above this many, the runner is not reading at all: drop the socket, its lease decides (DESIGN §5). */
const BUFFER_LIMIT = 32 * 1024 * 1024;

/** Close codes: 1008 policy violation (refused, abuse), 1001 going away (replaced, shutting down), 1011 the hub failed. */
export const CLOSE_POLICY = 1008;
export const CLOSE_AWAY = 1001;
export const CLOSE_INTERNAL = 1011;

/**
 * What the hub writes to one runner socket: nothing before `welcome` but refusals (what the core sends meanwhile
 * waits for it), acks coalesced while the socket is congested, a message too large for the runner not sent, and a
 * socket the runner does not read dropped.
 */
export class RunnerSocketWriter {
  /** The socket is closing or closed: nothing more is written. */
  closed = false;
  /** Becomes the runner's own logger once it is known. */
  log: FastifyBaseLogger;
  private welcomed = false;
  /** Messages the core sent before `welcome` went out (an offer made while the runner is being connected). */
  private readonly early: HubMessage[] = [];
  /** Acks held back while the socket is congested, the latest per run. */
  private readonly heldAcks = new Map<string, HubMessage>();

  constructor(
    private readonly socket: WebSocket,
    log: FastifyBaseLogger,
  ) {
    this.log = log;
  }

  get isWelcomed(): boolean {
    return this.welcomed;
  }

  /** Sends `welcome`, then what the core sent before it. */
  welcome(message: Extract<HubMessage, { type: 'welcome' }>): void {
    this.write(message);
    this.welcomed = true;
    for (const queued of this.early.splice(0)) this.write(queued);
  }

  /** What the core sends (RunnerConnection.send): after the welcome, in order. */
  send(message: HubMessage): void {
    if (this.welcomed) this.write(message);
    else this.early.push(message);
  }

  write(message: HubMessage): void {
    const { socket } = this;
    if (this.closed || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > BUFFER_LIMIT) {
      this.log.warn({ buffered: socket.bufferedAmount }, 'runner not reading; dropping its socket');
      socket.terminate();
      return;
    }
    if (message.type === 'ack' && (socket.bufferedAmount > ACK_HIGH_WATER || this.heldAcks.size > 0)) {
      this.heldAcks.set(message.runId, message);
      return;
    }
    const frame = JSON.stringify(message);
    if (frame.length * 3 > MAX_FRAME_BYTES && Buffer.byteLength(frame) > MAX_FRAME_BYTES) {
      // The runner would drop the socket for it (close 1009) and reconnect into the same message.
      this.log.error({ type: message.type, bytes: Buffer.byteLength(frame) }, 'message for runner too large; not sent');
      return;
    }
    socket.send(frame, () => this.flushAcks());
  }

  /** Refuses the runner (its hello, or a frame before it) and closes the socket. */
  refuse(code: RefusalCode, message: string): void {
    this.log.info({ code, reason: message }, 'runner refused');
    this.write({ type: 'refused', code, message, protocol: PROTOCOL_VERSION, minProtocol: MIN_PROTOCOL_VERSION });
    this.close(CLOSE_POLICY, code);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    // A peer that never answers the close handshake must not keep the socket open.
    setTimeout(() => this.socket.terminate(), 2_000).unref();
  }

  private flushAcks(): void {
    if (this.heldAcks.size === 0 || this.socket.bufferedAmount > ACK_HIGH_WATER) return;
    const acks = [...this.heldAcks.values()];
    this.heldAcks.clear();
    for (const ack of acks) this.write(ack);
  }
}
