// One connection of the live API (shared/src/protocol/live-protocol.ts tells the protocol). The session knows
// messages, not sockets: live-route.ts wires it to a WebSocket, so its rules — auth first, errors that keep the
// socket usable, gap-free logs — are the same whatever carries the frames. Who it speaks for is live-auth.ts's;
// what each topic sends, live-topics.ts's, each subscription on its own serial queue (serial-queue.ts).
import { LiveClientMessageSchema, type LiveServerMessage, type z } from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import { FloeError } from '../errors.js';
import type { HubApi } from '../routes/hub-api.js';
import { LiveAuth, type LiveAuthOptions } from './live-auth.js';
import { liveError } from './live-error.js';
import { type Subscription, subscribeTopic, type Topic } from './live-topics.js';
import { SerialQueue } from './serial-queue.js';

/**
 * Open subscriptions one socket may hold (docs/security.md "Limits"): each costs the hub re-reads on every change,
 * and a client needs a handful (the dashboard's busiest page holds four).
 */
export const MAX_LIVE_SUBSCRIPTIONS = 100;

export interface LiveSessionOptions extends LiveAuthOptions {
  hub: HubApi;
  send: (message: LiveServerMessage) => void;
  logger: FastifyBaseLogger;
}

export interface LiveSession {
  /** Handles one text frame from the client. */
  receive(data: string): void;
  /** The socket closed: stops every subscription and timer. */
  dispose(): void;
  /** Subscriptions open now (metrics). */
  subscriptionCount(): number;
}

type ClientMessage = z.infer<typeof LiveClientMessageSchema>;

export function createLiveSession(options: LiveSessionOptions): LiveSession {
  const { hub, send, logger } = options;
  const subscriptions = new Map<string, Subscription>();
  let disposed = false;
  // A client may send `auth` and its subscriptions in one burst: what arrives while the token is being checked
  // waits for the answer, in order, instead of being refused as unauthenticated.
  let heldDuringAuth: ClientMessage[] | undefined;
  const auth = new LiveAuth(options);

  const stopListening = hub.onChange((change) => {
    if (change.kind === 'tokens') {
      void auth.recheck();
      return;
    }
    for (const subscription of subscriptions.values()) subscription.onChange(change);
  });

  function handle(message: ClientMessage): void {
    if (disposed) return;
    if (heldDuringAuth !== undefined) {
      heldDuringAuth.push(message);
      return;
    }
    if (message.type === 'auth') {
      heldDuringAuth = [];
      void auth.authenticate(message.token).finally(() => {
        const held = heldDuringAuth ?? [];
        heldDuringAuth = undefined;
        // A held `auth` starts a new hold, and the messages behind it queue again in order.
        for (const next of held) handle(next);
      });
      return;
    }
    if (!auth.authenticated) {
      send(liveError('FLOE_LIVE_NOT_AUTHENTICATED', undefined, message.sub));
      return;
    }
    if (message.type === 'unsubscribe') {
      subscriptions.get(message.sub)?.dispose();
      subscriptions.delete(message.sub);
      send({ type: 'unsubscribed', sub: message.sub });
      return;
    }
    if (subscriptions.has(message.sub)) {
      send(liveError('FLOE_LIVE_DUPLICATE_SUB', `subscription "${message.sub}" is already open`, message.sub));
      return;
    }
    if (subscriptions.size >= MAX_LIVE_SUBSCRIPTIONS) {
      const why = `at most ${MAX_LIVE_SUBSCRIPTIONS} subscriptions per socket; unsubscribe from one first`;
      send(liveError('FLOE_LIVE_TOO_MANY_SUBS', why, message.sub));
      return;
    }
    send({ type: 'subscribed', sub: message.sub });
    subscriptions.set(message.sub, subscribe(message.sub, message.topic));
  }

  function subscribe(sub: string, topic: Topic): Subscription {
    // A failed read ends the subscription with an error; the socket and its other subscriptions go on.
    const queue = new SerialQueue(
      (err) => {
        subscriptions.delete(sub);
        if (err instanceof FloeError) {
          send({ type: 'error', code: err.code, message: err.message, sub });
        } else {
          logger.error({ err, sub }, 'live subscription failed');
          send(liveError('FLOE_INTERNAL', undefined, sub));
        }
      },
      () => disposed,
    );
    return subscribeTopic({ hub, sub, queue, send }, topic);
  }

  return {
    receive(data) {
      if (disposed) return;
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        send(liveError('FLOE_LIVE_BAD_MESSAGE', 'the message is not JSON'));
        return;
      }
      const parsed = LiveClientMessageSchema.safeParse(json);
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `${['message', ...issue.path.map(String)].join('.')}: ${issue.message}`,
        );
        send(liveError('FLOE_LIVE_BAD_MESSAGE', problems.join('; ')));
        return;
      }
      handle(parsed.data);
    },
    subscriptionCount: () => subscriptions.size,
    dispose() {
      if (disposed) return;
      disposed = true;
      auth.dispose();
      stopListening();
      for (const subscription of subscriptions.values()) subscription.dispose();
      subscriptions.clear();
    },
  };
}
