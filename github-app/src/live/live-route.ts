// `GET /api/live`: the live API's one WebSocket (DESIGN §8 "Live API"). The auth hook runs before the upgrade:
// a bad Authorization header is refused there with 401; without one the client authenticates with its first
// message (browsers cannot set headers on a WebSocket), which live-session.ts enforces.
import type { FastifyInstance } from 'fastify';
import type { Authenticate } from '../auth/create-authenticator.js';
import type { HubApi } from '../routes/hub-api.js';
import { createLiveSession } from './live-session.js';

/** Unsent bytes a live socket may hold before the hub closes it (a client too slow to keep up). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface LiveRouteOptions {
  hub: HubApi;
  authenticate: Authenticate;
  /** Default 10 s. */
  authTimeoutMs?: number;
  /** How often a socket's token is checked again (expiry); default 60 s. */
  recheckMs?: number;
}

/** Registers the live route; @fastify/websocket must be registered on `app` first. */
export async function liveRoute(app: FastifyInstance, options: LiveRouteOptions): Promise<void> {
  app.get('/live', { websocket: true, config: { auth: 'optional' } }, (socket, request) => {
    const session = createLiveSession({
      hub: options.hub,
      authenticate: options.authenticate,
      ...(request.caller ? { caller: request.caller, callerToken: bearerOf(request.headers.authorization) } : {}),
      ...(options.authTimeoutMs !== undefined ? { authTimeoutMs: options.authTimeoutMs } : {}),
      ...(options.recheckMs !== undefined ? { recheckMs: options.recheckMs } : {}),
      logger: request.log,
      send: (message) => {
        if (socket.readyState !== socket.OPEN) return;
        // A client that does not read would make the hub buffer without end. Closed, it reconnects and resumes
        // from its cursors (connectLive does), which costs nothing it had not already fallen behind on.
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.close(1013, 'too far behind; reconnect and resume');
          return;
        }
        socket.send(JSON.stringify(message));
      },
      close: (code, reason) => socket.close(code, reason),
    });
    // Handlers are attached synchronously: @fastify/websocket drops messages that arrive before they are.
    socket.on('message', (data, isBinary) => {
      session.receive(isBinary ? '' : data.toString());
    });
    const untrack = options.hub.metrics.trackLive(session);
    socket.on('close', () => {
      untrack();
      session.dispose();
    });
    socket.on('error', (err) => request.log.warn({ err }, 'live socket error'));
  });
}

function bearerOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}
