// One connection of the live API (shared/src/protocol/live-protocol.ts tells the protocol). The session knows
// messages, not sockets: live-route.ts wires it to a WebSocket, so its rules — auth first, errors that keep the
// socket usable, gap-free logs — are the same whatever carries the frames.
//
// Every subscription sends from one serial queue of jobs, and every job re-reads the hub from the subscription's
// cursor (a log's byte offset, a run's last event seq) instead of forwarding what the change carried. So the
// stored part and the live part of a log meet exactly at the cursor, with no gap and no repeat, whatever the
// order in which appends and the first read interleave.
import {
  LIVE_AUTH_TIMEOUT_MS,
  LiveClientMessageSchema,
  type LiveServerMessage,
  type LiveTopicSchema,
  type Me,
  type z,
} from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import { ERROR_CATALOGUE, FloeError } from '../errors.js';
import type { HubChange } from '../hub.js';
import type { HubApi } from '../routes/hub-api.js';

/**
 * Open subscriptions one socket may hold (docs/security.md "Limits"): each costs the hub re-reads on every change,
 * and a client needs a handful (the dashboard's busiest page holds four).
 */
export const MAX_LIVE_SUBSCRIPTIONS = 100;

/** WebSocket close codes of the live API: 4401 bad token (do not retry), 4408 no auth in time. */
export const LIVE_CLOSE_UNAUTHENTICATED = 4401;
export const LIVE_CLOSE_AUTH_TIMEOUT = 4408;

export interface LiveSessionOptions {
  hub: HubApi;
  /** Who an API token (admin token included) belongs to. */
  authenticate: (token: string) => Promise<Me | undefined>;
  send: (message: LiveServerMessage) => void;
  close: (code: number, reason: string) => void;
  /** Already authenticated by an Authorization header on the upgrade request. */
  caller?: Me;
  /** The token of that header, checked again when tokens are removed or rotated. */
  callerToken?: string;
  /** Default 10 s (LIVE_AUTH_TIMEOUT_MS). */
  authTimeoutMs?: number;
  /** How often the token is checked again, so that one that expires closes its socket; default 60 s. */
  recheckMs?: number;
  logger: FastifyBaseLogger;
}

export interface LiveSession {
  /** Handles one text frame from the client. */
  receive(data: string): void;
  /** The socket closed: stops every subscription and timer. */
  dispose(): void;
}

type Topic = z.infer<typeof LiveTopicSchema>;

interface Subscription {
  onChange(change: HubChange): void;
  dispose(): void;
}

export function createLiveSession(options: LiveSessionOptions): LiveSession {
  const { hub, send, logger } = options;
  const subscriptions = new Map<string, Subscription>();
  let caller = options.caller;
  let token = options.callerToken;
  let disposed = false;
  // A client may send `auth` and its subscriptions in one burst: what arrives while the token is being checked
  // waits for the answer, in order, instead of being refused as unauthenticated.
  let heldDuringAuth: z.infer<typeof LiveClientMessageSchema>[] | undefined;
  const authTimer = caller
    ? undefined
    : setTimeout(() => {
        if (caller || disposed) return;
        sendError('FLOE_LIVE_AUTH_TIMEOUT');
        options.close(LIVE_CLOSE_AUTH_TIMEOUT, 'no auth message in time');
      }, options.authTimeoutMs ?? LIVE_AUTH_TIMEOUT_MS);
  if (caller) send({ type: 'authenticated', name: caller.name, role: caller.role });

  const stopListening = hub.onChange((change) => {
    if (change.kind === 'tokens') {
      void recheck();
      return;
    }
    for (const subscription of subscriptions.values()) subscription.onChange(change);
  });

  // A token that expires while its socket is open is caught by this; removed and rotated ones at once, above.
  const recheckTimer = setInterval(() => void recheck(), options.recheckMs ?? 60_000);
  recheckTimer.unref();

  /** A token removed, rotated away or expired while its socket is open: the socket closes (docs/security.md). */
  async function recheck(): Promise<void> {
    if (caller === undefined || token === undefined || disposed) return;
    let refusal = 'your API token was removed or rotated; sign in again';
    let unchecked = false;
    const who = await options.authenticate(token).catch((err: unknown) => {
      if (err instanceof FloeError && err.code === 'FLOE_UNAUTHENTICATED') refusal = err.message;
      // The database is away: the token is not known to be bad, and is checked again next time.
      else unchecked = true;
      return undefined;
    });
    if (who !== undefined || unchecked || disposed) return;
    sendError('FLOE_UNAUTHENTICATED', refusal);
    options.close(LIVE_CLOSE_UNAUTHENTICATED, 'token revoked');
  }

  function sendError(code: keyof typeof ERROR_CATALOGUE, message?: string, sub?: string): void {
    send({ type: 'error', code, message: message ?? ERROR_CATALOGUE[code].message, ...(sub ? { sub } : {}) });
  }

  async function authenticate(given: string): Promise<void> {
    let refusal: string | undefined;
    const who = await options.authenticate(given).catch((err: unknown) => {
      // An expired token is refused with a message that says so; anything else is the hub's failure.
      if (err instanceof FloeError && err.code === 'FLOE_UNAUTHENTICATED') refusal = err.message;
      else logger.error({ err }, 'live auth failed');
      return undefined;
    });
    if (disposed) return;
    if (who === undefined) {
      sendError('FLOE_UNAUTHENTICATED', refusal);
      options.close(LIVE_CLOSE_UNAUTHENTICATED, 'unknown API token');
      return;
    }
    caller = who;
    token = given;
    if (authTimer) clearTimeout(authTimer);
    send({ type: 'authenticated', name: who.name, role: who.role });
  }

  function handle(message: z.infer<typeof LiveClientMessageSchema>): void {
    if (disposed) return;
    if (heldDuringAuth !== undefined) {
      heldDuringAuth.push(message);
      return;
    }
    if (message.type === 'auth') {
      heldDuringAuth = [];
      void authenticate(message.token).finally(() => {
        const held = heldDuringAuth ?? [];
        heldDuringAuth = undefined;
        // A held `auth` starts a new hold, and the messages behind it queue again in order.
        for (const next of held) handle(next);
      });
      return;
    }
    if (caller === undefined) {
      sendError('FLOE_LIVE_NOT_AUTHENTICATED', undefined, message.sub);
      return;
    }
    if (message.type === 'unsubscribe') {
      subscriptions.get(message.sub)?.dispose();
      subscriptions.delete(message.sub);
      send({ type: 'unsubscribed', sub: message.sub });
      return;
    }
    if (subscriptions.has(message.sub)) {
      sendError('FLOE_LIVE_DUPLICATE_SUB', `subscription "${message.sub}" is already open`, message.sub);
      return;
    }
    if (subscriptions.size >= MAX_LIVE_SUBSCRIPTIONS) {
      sendError(
        'FLOE_LIVE_TOO_MANY_SUBS',
        `at most ${MAX_LIVE_SUBSCRIPTIONS} subscriptions per socket; unsubscribe from one first`,
        message.sub,
      );
      return;
    }
    send({ type: 'subscribed', sub: message.sub });
    subscriptions.set(message.sub, subscribe(message.sub, message.topic));
  }

  /**
   * Runs a subscription's jobs one after another; a failed job ends the subscription with an error. A job pushed
   * with a key is dropped while another with that key waits to start: it would read the same thing again.
   */
  function serialQueue(sub: string) {
    let chain = Promise.resolve();
    let stopped = false;
    const waiting = new Set<string>();
    return {
      push(key: string, job: () => Promise<void>): void {
        if (waiting.has(key)) return;
        waiting.add(key);
        chain = chain.then(async () => {
          waiting.delete(key);
          if (stopped || disposed) return;
          try {
            await job();
          } catch (err) {
            if (stopped || disposed) return;
            stopped = true;
            subscriptions.delete(sub);
            if (err instanceof FloeError) {
              send({ type: 'error', code: err.code, message: err.message, sub });
            } else {
              logger.error({ err, sub }, 'live subscription failed');
              sendError('FLOE_INTERNAL', undefined, sub);
            }
          }
        });
      },
      stop(): void {
        stopped = true;
      },
    };
  }

  function subscribe(sub: string, topic: Topic): Subscription {
    const queue = serialQueue(sub);
    switch (topic.topic) {
      case 'runs': {
        // Node changes and engine events also say "run changed"; a list shows only what its summary shows.
        const lastSent = new Map<string, string>();
        return {
          onChange(change) {
            if (change.kind !== 'run') return;
            queue.push(change.runId, async () => {
              const run = await hub.runSummary(change.runId);
              if (run === undefined) return;
              if (topic.flow !== undefined && run.flowId !== topic.flow) return;
              if (topic.state !== undefined && run.state !== topic.state) {
                // A run that leaves the filtered list is sent once more, so the client can take it out.
                if (lastSent.delete(run.id)) send({ type: 'run-changed', sub, run });
                return;
              }
              const json = JSON.stringify(run);
              if (lastSent.get(run.id) === json) return;
              if (lastSent.size >= 1000) lastSent.clear();
              lastSent.set(run.id, json);
              send({ type: 'run-changed', sub, run });
            });
          },
          dispose: queue.stop,
        };
      }
      case 'run': {
        let lastSeq = topic.after ?? 0;
        let lastSnapshot = '';
        const refresh = async () => {
          const { events = [], ...run } = await hub.run(topic.runId);
          const snapshot = JSON.stringify(run);
          if (snapshot !== lastSnapshot) send({ type: 'run', sub, run });
          lastSnapshot = snapshot;
          for (const event of events) {
            if (event.seq <= lastSeq) continue;
            send({ type: 'run-event', sub, runId: topic.runId, event });
            lastSeq = event.seq;
          }
        };
        queue.push('run', refresh);
        return {
          onChange(change) {
            if (change.kind === 'run' && change.runId === topic.runId) queue.push('run', refresh);
          },
          dispose: queue.stop,
        };
      }
      case 'runners': {
        const refresh = async () => send({ type: 'runners', sub, runners: await hub.runners() });
        queue.push('runners', refresh);
        return {
          onChange(change) {
            if (change.kind === 'runners') queue.push('runners', refresh);
          },
          dispose: queue.stop,
        };
      }
      case 'log':
        return followLog(sub, topic, queue);
    }
  }

  /**
   * A node's log from `from`: every pump reads the store from the cursor to its end, so the stored part and the
   * live appends join without a gap or a repeat. A pump is queued on subscribe, on every append to this node's
   * log and on every change of its run (the node may have finished); a pump already waiting is not repeated.
   */
  function followLog(
    sub: string,
    topic: Extract<Topic, { topic: 'log' }>,
    queue: ReturnType<typeof serialQueue>,
  ): Subscription {
    let next = topic.from;
    let ended = false;
    const pump = () => {
      if (ended) return;
      queue.push('pump', async () => {
        for (;;) {
          const slice = await hub.readLog(topic.runId, topic.node, next);
          if (slice.text !== '')
            send({ type: 'log', sub, runId: topic.runId, node: topic.node, offset: next, text: slice.text });
          const moved = slice.next > next;
          next = Math.max(next, slice.next);
          if (moved) continue;
          if (slice.complete) {
            ended = true;
            send({ type: 'log-end', sub, runId: topic.runId, node: topic.node, offset: next });
          }
          return;
        }
      });
    };
    pump();
    return {
      onChange(change) {
        if (change.kind === 'log' && change.runId === topic.runId && change.node === topic.node) pump();
        if (change.kind === 'run' && change.runId === topic.runId) pump();
      },
      dispose: queue.stop,
    };
  }

  return {
    receive(data) {
      if (disposed) return;
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        sendError('FLOE_LIVE_BAD_MESSAGE', 'the message is not JSON');
        return;
      }
      const parsed = LiveClientMessageSchema.safeParse(json);
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `${['message', ...issue.path.map(String)].join('.')}: ${issue.message}`,
        );
        sendError('FLOE_LIVE_BAD_MESSAGE', problems.join('; '));
        return;
      }
      handle(parsed.data);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (authTimer) clearTimeout(authTimer);
      clearInterval(recheckTimer);
      stopListening();
      for (const subscription of subscriptions.values()) subscription.dispose();
      subscriptions.clear();
    },
  };
}
