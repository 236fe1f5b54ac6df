// One WebSocket session with the hub (DESIGN §5; the lifecycle is told at the top of
// shared/src/protocol/runner-protocol.ts): hello, then welcome or refused, then messages both ways with
// heartbeats, until the socket closes. Reconnecting is the daemon's business (retry.ts); a session is one try.
import {
  agreeProtocol,
  decodeFrame,
  type Hello,
  type HubMessage,
  HubMessageSchema,
  MAX_FRAME_BYTES,
  type RunnerMessage,
  type RunnerMetrics,
  SINCE_PROTOCOL,
  z,
} from '@floe/shared';
import WebSocket from 'ws';
import { HubFailure } from './hub-failure.js';

/** Enough of an offer to decline it: a hub newer than this runner may offer a run in a shape it cannot read. */
const OfferRefSchema = z.object({ type: z.literal('offer'), runId: z.string(), epoch: z.number().int() });

export type Welcome = Extract<HubMessage, { type: 'welcome' }>;

export interface HubSessionOptions {
  /** The hub's base URL (http or https); the socket goes to /api/runners/connect on it. */
  hubUrl: string;
  hello: Hello;
  /** Called with the session as soon as `welcome` arrives, before any later message is handled. */
  onWelcome: (session: HubSession) => void;
  /** Every message after `welcome`, in order. */
  onMessage: (message: HubMessage, session: HubSession) => void;
  /** The runs to name in each heartbeat (it renews their leases). */
  heldRuns: () => { runId: string; epoch: number }[];
  /** The runner's figures, sent with each heartbeat to a hub that agreed on protocol version 2 or later. */
  metrics?: () => RunnerMetrics;
  /** How long to wait for the socket to open and the welcome; default 30 s. */
  welcomeTimeoutMs?: number;
  /** Aborted when the runner stops: a hello still waiting for its welcome is given up at once. */
  signal?: AbortSignal;
  /** Told about frames the runner could not read (they are skipped). */
  onBadFrame?: (problem: string) => void;
}

export interface HubSession {
  readonly welcome: Welcome;
  /** The hub's base URL this session went to: HTTP requests of the runner (artifacts) go there too. */
  readonly hubUrl: string;
  /** Queues a message (or a prepared frame); false when the socket is no longer open. */
  send(message: RunnerMessage | string | Buffer): boolean;
  /** Queues a binary frame (log records, protocol 6: shared/src/protocol/log-frame.ts); false when closed. */
  sendBinary(frame: Uint8Array): boolean;
  /** Bytes queued in the socket and not yet written: the sender's back-pressure signal. */
  readonly bufferedAmount: number;
  /** Called whenever a queued send has been written out (a chance to send more). */
  onWritten(listener: () => void): void;
  /** Resolves, never rejects, when the socket has closed, with why. */
  readonly closed: Promise<HubFailure>;
  close(): void;
}

/**
 * Opens a session: resolves once the hub has said `welcome`, rejects with a HubFailure when it refuses, cannot
 * be reached, or does not answer in time. A session whose hub stays silent for three heartbeats is dropped
 * (the hub pings and sends `heartbeat` every `heartbeatMs`), so a half-open connection is noticed.
 */
export function openHubSession(options: HubSessionOptions): Promise<HubSession> {
  const url = new URL('/api/runners/connect', options.hubUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, {
    maxPayload: MAX_FRAME_BYTES,
    handshakeTimeout: options.welcomeTimeoutMs ?? 30_000,
    // A client masks its frames so that an intermediary reading the bytes cannot be fooled by what they hold (a
    // task's output). Nothing reads them inside TLS or on loopback: there, a zero mask, which ws skips, saves
    // XORing every byte of a chatty task's log on both sides.
    ...(unreadOnTheWay(url) ? { generateMask: (mask: Buffer) => mask.fill(0) } : {}),
  });
  const writtenListeners: Array<() => void> = [];
  let lastHeard = Date.now();
  let watchdog: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let refusal: HubFailure | undefined;
  let session: HubSession | undefined;

  const closed = new Promise<HubFailure>((resolve) => {
    ws.on('close', (code, reason) => {
      clearInterval(watchdog);
      clearInterval(heartbeat);
      resolve(
        refusal ??
          new HubFailure({
            kind: 'network',
            message: `connection closed (${code}${reason.length ? ` ${reason}` : ''})`,
          }),
      );
    });
  });
  const written = () => {
    for (const listener of writtenListeners) listener();
  };
  const send = (message: RunnerMessage | string | Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (Buffer.isBuffer(message)) ws.send(message, { binary: false }, written);
    else ws.send(typeof message === 'string' ? message : JSON.stringify(message), written);
    return true;
  };
  const sendBinary = (frame: Uint8Array) => {
    if (ws.readyState !== WebSocket.OPEN) return false;
    ws.send(frame, { binary: true }, written);
    return true;
  };

  return new Promise<HubSession>((resolve, reject) => {
    const timeout = setTimeout(() => {
      ws.terminate();
      reject(new HubFailure({ kind: 'network', message: `no welcome from ${options.hubUrl} in time` }));
    }, options.welcomeTimeoutMs ?? 30_000);
    ws.on('error', (err) => {
      clearTimeout(timeout);
      reject(new HubFailure({ kind: 'network', message: `cannot reach ${options.hubUrl}: ${err.message}` }));
    });
    const stop = () => {
      if (session) return;
      clearTimeout(timeout);
      ws.terminate();
      reject(new HubFailure({ kind: 'network', message: 'the runner is stopping' }));
    };
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
    void closed.then(() => options.signal?.removeEventListener('abort', stop));
    ws.on('open', () => send(options.hello));
    ws.on('ping', () => {
      lastHeard = Date.now();
    });
    ws.on('message', (data, isBinary) => {
      lastHeard = Date.now();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const decoded = decodeFrame(HubMessageSchema, isBinary ? bytes : bytes.toString('utf8'));
      if (!decoded.ok) {
        options.onBadFrame?.(decoded.message);
        // An offer left unanswered would only time out and come back; declined, the run goes to another runner now
        // and the hub's log says why.
        const offer = session ? offerRef(bytes) : undefined;
        if (offer) {
          const reason = `this runner cannot read the run the hub offered (${decoded.message}); is it older than the hub?`;
          send({ type: 'decline', runId: offer.runId, epoch: offer.epoch, reason: reason.slice(0, 500) });
        }
        return;
      }
      const message = decoded.message;
      if (session) {
        options.onMessage(message, session);
        return;
      }
      clearTimeout(timeout);
      const ours = { min: options.hello.minProtocol ?? options.hello.protocol, max: options.hello.protocol };
      if (message.type === 'refused') {
        const hubs = { min: message.minProtocol ?? message.protocol, max: message.protocol };
        const agreed = message.code === 'incompatible-version' ? agreeProtocol(hubs, ours) : undefined;
        refusal = new HubFailure({
          kind: 'refused',
          code: message.code,
          message: message.message,
          ...(agreed && 'upgrade' in agreed ? { upgrade: agreed.upgrade } : {}),
        });
        reject(refusal);
        ws.close();
        return;
      }
      // A hub must answer with a version of our range; one that does not is refused here as the hub would.
      const chosen =
        message.type === 'welcome' ? agreeProtocol({ min: message.protocol, max: message.protocol }, ours) : undefined;
      if (chosen && 'upgrade' in chosen) {
        refusal = new HubFailure({
          kind: 'refused',
          code: 'incompatible-version',
          message: `the hub chose protocol version ${message.type === 'welcome' ? message.protocol : '?'}: ${chosen.message}`,
          upgrade: chosen.upgrade,
        });
        reject(refusal);
        ws.close(1002, 'incompatible protocol version');
        return;
      }
      if (message.type !== 'welcome') {
        reject(new HubFailure({ kind: 'network', message: `the hub said ${message.type} before welcome` }));
        ws.terminate();
        return;
      }
      const beat = message.heartbeatMs;
      // A hub that agreed on version 1 does not know `metrics` (runner-protocol.ts): it is not sent there.
      const reports = message.protocol >= SINCE_PROTOCOL.runnerMetrics ? options.metrics : undefined;
      heartbeat = setInterval(
        () => send({ type: 'heartbeat', runs: options.heldRuns(), ...(reports ? { metrics: reports() } : {}) }),
        beat,
      );
      watchdog = setInterval(() => {
        if (Date.now() - lastHeard > 3 * beat) ws.terminate();
      }, beat);
      session = {
        welcome: message,
        hubUrl: options.hubUrl,
        send,
        sendBinary,
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        onWritten: (listener) => writtenListeners.push(listener),
        closed,
        close: () => ws.close(1000, 'runner stopping'),
      };
      options.onWelcome(session);
      resolve(session);
    });
    ws.on('close', () => {
      clearTimeout(timeout);
      reject(refusal ?? new HubFailure({ kind: 'network', message: `${options.hubUrl} closed the connection` }));
    });
  });
}

function offerRef(bytes: Buffer): z.infer<typeof OfferRefSchema> | undefined {
  try {
    const parsed = OfferRefSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The connection is TLS, or to this machine: no intermediary reads its frames. */
function unreadOnTheWay(url: URL): boolean {
  if (url.protocol === 'wss:') return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
