// The client of the live API (shared/src/protocol/live-protocol.ts). Browser-safe: it takes the WebSocket
// implementation — the browser's own, or `ws` in Node 20, which has none built in (DESIGN §8 "Live API").
//
// It reconnects by itself with jittered exponential back-off and resubscribes every open subscription from where
// it left off: a run from the last event seq it delivered, a log from the byte offset after the last chunk — so
// a view sees every event and every byte once, across reconnects.
import { type LiveServerMessage, LiveServerMessageSchema, type LiveTopic } from '../protocol/live-protocol.js';
import { type ApiErrorCode, type ClientErrorCode, FloeApiError } from './api-error.js';
import type { Me } from './auth-api.js';
import { createBackoff } from './backoff.js';
import { utf8Length } from './utf8-length.js';

/** The part of the WebSocket interface we use; both the browser's and `ws`'s sockets have it. */
export interface LiveSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type LiveSocketConstructor = new (url: string) => LiveSocket;

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A message of one subscription (what the topic sends, without the protocol's own messages). */
export type LiveTopicMessage = Extract<
  LiveServerMessage,
  { type: 'run-changed' | 'run' | 'run-event' | 'runners' | 'log' | 'log-end' }
>;

export interface ConnectLiveOptions {
  /** The hub's base URL (`http(s)://host:port`) or the socket's URL (`ws(s)://host:port/api/live`). */
  url: string;
  token: string;
  WebSocket: LiveSocketConstructor;
  /** Back-off between reconnects (backoff.ts); default 500 ms doubling to 15 s. `false`: never reconnect. */
  reconnect?: { minMs?: number; maxMs?: number } | false;
  /** Called on every change of the connection's status. */
  onStatus?: (status: LiveStatus) => void;
}

export interface LiveSubscription {
  /** Stops the subscription (no more messages). */
  close(): void;
}

export interface LiveConnection {
  /** Resolves with who we are once the hub accepted the token; rejects with `FloeApiError` when it did not. */
  readonly ready: Promise<Me>;
  /**
   * Subscribes to a topic; `onMessage` gets its messages in order. `onError` gets the hub's refusal of this
   * subscription (e.g. FLOE_RUN_NOT_FOUND), after which it is closed.
   */
  subscribe(
    topic: LiveTopic,
    onMessage: (message: LiveTopicMessage) => void,
    onError?: (error: FloeApiError) => void,
  ): LiveSubscription;
  /** Closes the socket for good. */
  close(): void;
}

interface Subscription {
  topic: LiveTopic;
  onMessage: (message: LiveTopicMessage) => void;
  onError: ((error: FloeApiError) => void) | undefined;
}

const OPEN = 1;

/** Opens the live connection (see the file's opening comment). Never throws; failures reach `ready` and `onStatus`. */
export function connectLive(options: ConnectLiveOptions): LiveConnection {
  const url = liveUrl(options.url);
  const subscriptions = new Map<string, Subscription>();
  const backoff =
    options.reconnect === false
      ? undefined
      : createBackoff({ initialMs: options.reconnect?.minMs ?? 500, maxMs: options.reconnect?.maxMs ?? 15_000 });
  let nextSub = 1;
  let socket: LiveSocket | undefined;
  let authenticated = false;
  let closed = false;
  let reconnecting = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let settle: { resolve: (me: Me) => void; reject: (err: FloeApiError) => void } | undefined;
  const ready = new Promise<Me>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A rejected `ready` nobody awaits must not crash a Node process.
  ready.catch(() => {});

  const status = (value: LiveStatus) => options.onStatus?.(value);
  const send = (message: unknown) => {
    if (socket?.readyState === OPEN) socket.send(JSON.stringify(message));
  };
  const sendSubscribe = (sub: string, topic: LiveTopic) => send({ type: 'subscribe', sub, topic });

  function open(): void {
    status(reconnecting ? 'reconnecting' : 'connecting');
    const current = new options.WebSocket(url);
    socket = current;
    authenticated = false;
    current.onopen = () => current.send(JSON.stringify({ type: 'auth', token: options.token }));
    current.onmessage = (event) => {
      if (socket === current) receive(event.data);
    };
    current.onerror = () => {};
    current.onclose = (event) => {
      if (socket !== current) return;
      socket = undefined;
      if (closed) return;
      // 4401: the hub refused the token; trying again would only be refused again.
      if (event.code === 4401 || backoff === undefined) {
        finish(new FloeApiError(event.code === 4401 ? 401 : 0, codeOfClose(event.code), closeMessage(event)));
        return;
      }
      reconnecting = true;
      status('reconnecting');
      retryTimer = setTimeout(open, backoff.next());
    };
  }

  function receive(data: unknown): void {
    let parsed: ReturnType<typeof LiveServerMessageSchema.safeParse>;
    try {
      parsed = LiveServerMessageSchema.safeParse(JSON.parse(String(data)));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case 'authenticated':
        authenticated = true;
        reconnecting = false;
        backoff?.reset();
        status('open');
        settle?.resolve({ name: message.name, role: message.role });
        for (const [sub, subscription] of subscriptions) sendSubscribe(sub, subscription.topic);
        return;
      case 'subscribed':
      case 'unsubscribed':
        return;
      case 'error': {
        const error = new FloeApiError(0, message.code, message.message);
        if (message.sub !== undefined) {
          const subscription = subscriptions.get(message.sub);
          subscriptions.delete(message.sub);
          subscription?.onError?.(error);
        } else if (!authenticated) {
          finish(error);
        }
        return;
      }
      default: {
        const subscription = subscriptions.get(message.sub);
        if (subscription === undefined) return;
        advance(subscription, message);
        subscription.onMessage(message);
      }
    }
  }

  /** Moves a subscription's cursor past what it delivered, so that a resubscription resumes right after it. */
  function advance(subscription: Subscription, message: LiveTopicMessage): void {
    const topic = subscription.topic;
    if (topic.topic === 'run' && message.type === 'run-event') {
      subscription.topic = { ...topic, after: Math.max(topic.after ?? 0, message.event.seq) };
    } else if (topic.topic === 'log' && message.type === 'log') {
      subscription.topic = { ...topic, from: message.offset + utf8Length(message.text) };
    }
  }

  function finish(error: FloeApiError): void {
    closed = true;
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    settle?.reject(error);
    status('closed');
    socket?.close();
  }

  open();
  return {
    ready,
    subscribe(topic, onMessage, onError) {
      const sub = `s${nextSub++}`;
      subscriptions.set(sub, { topic, onMessage, onError });
      if (authenticated) sendSubscribe(sub, topic);
      return {
        close() {
          if (subscriptions.delete(sub) && authenticated) send({ type: 'unsubscribe', sub });
        },
      };
    },
    close() {
      if (closed) return;
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      settle?.reject(new FloeApiError(0, 'FLOE_LIVE_CLOSED', 'the live connection was closed'));
      status('closed');
      socket?.close(1000, 'closed by the client');
    },
  };
}

/** `http://h:p` → `ws://h:p/api/live`; a `ws(s)://` URL or one with a path is kept as it is. */
function liveUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/api/live';
  return parsed.toString();
}

function codeOfClose(code: number): ApiErrorCode | ClientErrorCode {
  return code === 4401 ? 'FLOE_UNAUTHENTICATED' : 'FLOE_LIVE_CLOSED';
}

function closeMessage(event: { code: number; reason: string }): string {
  return event.reason !== '' ? event.reason : `the live connection closed (code ${event.code})`;
}
