// Assembles the hub's HTTP server (CONTRIBUTING.md "Adding a route or a command"): error handler, auth hook, REST
// routes under /api, the live API, and the runner gateway. Building is separate from listening (main.ts listens), so
// tests drive the very same server through `inject()` / `injectWS()` or a real port.
import websocket from '@fastify/websocket';
import type { Readiness, Role } from '@floe/shared';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { registerAuth } from './auth/auth-hook.js';
import { createAuthenticator } from './auth/create-authenticator.js';
import { FloeError } from './errors.js';
import type { MountGithubOptions } from './github/mount-github.js';
import { liveRoute } from './live/live-route.js';
import { artifactRoutes } from './routes/artifact-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import { badgeRoute } from './routes/badge-route.js';
import { flowRoutes } from './routes/flow-routes.js';
import type { HubApi } from './routes/hub-api.js';
import { metricsRoute } from './routes/metrics-route.js';
import { runRoutes } from './routes/run-routes.js';
import { runnerArtifactRoutes } from './routes/runner-artifact-routes.js';
import { runnerCacheRoutes } from './routes/runner-cache-routes.js';
import { runnerRoutes } from './routes/runner-routes.js';
import { secretRoutes } from './routes/secrets.js';
import { registerSecurityHeaders } from './routes/security-headers.js';
import { tokenRoutes } from './routes/token-routes.js';
import { webStatic } from './routes/web-static.js';

/** Paths that runners call with their own credentials (DESIGN §5), not API tokens: the gateway checks them. */
export const RUNNER_PATHS = ['/api/runners/connect', '/api/runners/register'] as const;

export interface BuildServerOptions {
  hub: HubApi;
  /** The admin API token (role admin, name "admin") the hub started with, until an admin rotates it. */
  adminToken: string;
  /** The file that keeps the admin token (<data-dir>/admin-token), rewritten on rotation; absent: given by config. */
  adminTokenFile?: string;
  /** The hub's version, answered by /healthz. */
  version: string;
  /** The root logger (pino); default none (tests). */
  logger?: FastifyBaseLogger;
  /** Registers the runner gateway's routes (RUNNER_PATHS) on the server; default none. */
  gateway?: (app: FastifyInstance) => Promise<void>;
  /** The GitHub App (webhooks at /api/github/webhooks, check runs) when its credentials are set; default none. */
  github?: MountGithubOptions;
  /** How long the live API waits for the auth message; default 10 s. */
  liveAuthTimeoutMs?: number;
  /** How often a live socket's token is checked again, so that an expired one closes it; default 60 s. */
  liveRecheckMs?: number;
  /** Largest request body in bytes; default 1 MiB. */
  bodyLimit?: number;
  /** `GET /metrics` without a token (`--metrics-public`); default false: a viewer token. */
  metricsPublic?: boolean;
  /** `--public-badges`: /badge/… answers without an API token; default false (a viewer token). */
  publicBadges?: boolean;
}

/** A route the server registered, with what the auth hook reads from it (auth/auth-hook.ts). */
export type RegisteredRoute = {
  method: string;
  url: string;
  websocket: boolean;
  auth?: false | 'optional';
  role?: Role;
};

const routeTables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/**
 * Every route `app` registered, plugins' included, in order (Fastify's own HEAD twins of GET routes too): the
 * security tests check each against their 401/403 matrix, so a route added without a row there fails them.
 */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return routeTables.get(app) ?? [];
}

/** Builds the server, ready to `listen()` or `inject()`. Rejects only when a plugin fails to load. */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // A line per request drowns what matters (runs, runners); failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Runs are addressed by id in paths; trailing slashes from hand-typed URLs are forgiven.
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  const routes: RegisteredRoute[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { auth?: false | 'optional'; role?: Role };
    for (const method of [route.method].flat()) {
      routes.push({
        method: String(method),
        url: route.url,
        websocket: Boolean((route as { websocket?: boolean }).websocket),
        ...(config.auth !== undefined ? { auth: config.auth } : {}),
        ...(config.role !== undefined ? { role: config.role } : {}),
      });
    }
  });

  app.setErrorHandler((err: FastifyError | FloeError, request, reply) => {
    const answer = errorAnswer(err);
    if (answer.status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(answer.status).send({ code: answer.code, message: answer.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      code: 'FLOE_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}; see docs/api.md`,
    }),
  );

  // A refused WebSocket upgrade (say a 401 from the auth hook) is answered on the raw socket, and nothing closes
  // that socket afterwards: without this, each refused client holds a connection and the server cannot close.
  app.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket' && reply.statusCode >= 400) request.raw.socket.end();
  });

  registerSecurityHeaders(app);
  const authenticate = createAuthenticator(
    options.adminToken,
    (token) => options.hub.verifyToken(token),
    () => options.hub.adminRotated(),
  );
  registerAuth(app, { authenticate, exemptPaths: RUNNER_PATHS });
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });

  const hub = options.hub;
  // Liveness and readiness (DESIGN §8 "Links and health"): a hub whose database is away is alive — it catches up by
  // itself, and restarting it would help nothing — but not ready for work.
  app.get('/healthz', { config: { auth: false } }, async () => ({
    ok: true,
    version: options.version,
    problems: hub.problems(),
  }));
  app.get('/readyz', { config: { auth: false } }, async (_request, reply) => {
    const problems = hub.problems();
    const answer: Readiness = { ready: problems.length === 0, problems };
    return reply.code(answer.ready ? 200 : 503).send(answer);
  });
  await app.register(metricsRoute, { hub, public: options.metricsPublic === true });
  await app.register(
    async (api) => {
      await api.register(flowRoutes, { hub });
      await api.register(runRoutes, { hub });
      await api.register(artifactRoutes, { hub });
      // In a plugin of its own: its body parser (a stream, passed on unread) is for these routes only.
      await api.register(runnerArtifactRoutes, { hub });
      await api.register(runnerCacheRoutes, { hub });
      await api.register(runnerRoutes, { hub });
      await api.register(tokenRoutes, {
        hub,
        adminToken: options.adminToken,
        ...(options.adminTokenFile !== undefined ? { adminTokenFile: options.adminTokenFile } : {}),
      });
      await api.register(auditRoutes, { hub });
      await api.register(secretRoutes, { hub });
      await api.register(liveRoute, {
        hub,
        authenticate,
        ...(options.liveAuthTimeoutMs !== undefined ? { authTimeoutMs: options.liveAuthTimeoutMs } : {}),
        ...(options.liveRecheckMs !== undefined ? { recheckMs: options.liveRecheckMs } : {}),
      });
    },
    { prefix: '/api' },
  );
  await app.register(badgeRoute, { hub, publicBadges: options.publicBadges === true });
  if (options.gateway) await options.gateway(app);
  if (options.github) await app.register((await import('./github/mount-github.js')).mountGithub, options.github);
  await app.register(webStatic);
  return app;
}

/** Every error becomes `{code, message}` with its status (CONTRIBUTING.md "Errors at the edges"); fastify's own 4xx
 * keep their status. */
function errorAnswer(err: FastifyError | FloeError): { status: number; code: string; message: string } {
  if (err instanceof FloeError) return { status: err.status, code: err.code, message: err.message };
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'FLOE_PAYLOAD_TOO_LARGE', message: new FloeError('FLOE_PAYLOAD_TOO_LARGE').message };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'FLOE_UNSUPPORTED_MEDIA_TYPE',
        message: new FloeError('FLOE_UNSUPPORTED_MEDIA_TYPE').message,
      };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: 'FLOE_BAD_REQUEST', message: err.message };
  return { status: 500, code: 'FLOE_INTERNAL', message: new FloeError('FLOE_INTERNAL').message };
}
