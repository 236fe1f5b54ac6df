// API auth (DESIGN §5): every request carries `Authorization: Bearer <token>`; each route names the least role it
// needs in its config (`config: { role: 'operator' }`). One `onRequest` hook checks both — it runs before a
// WebSocket upgrade too — so no route can forget. Exempt: routes with `config: { auth: false }` (/healthz), the
// runner gateway's routes (runners use their own credentials, DESIGN §5) and the live API, whose clients may
// authenticate with their first message instead (browsers cannot set headers on a WebSocket).
import { type Me, type Role, roleAllows } from '@floe/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FloeError } from '../errors.js';
import type { Authenticate } from './create-authenticator.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a caller needs; default viewer. */
    role?: Role;
    /** `false`: no API token needed; `'optional'`: checked only when given (the live API). */
    auth?: false | 'optional';
  }
  interface FastifyRequest {
    /** Who is calling, once the auth hook has checked the token. */
    caller?: Me;
  }
}

export interface AuthOptions {
  authenticate: Authenticate;
  /** URL paths served without API tokens by plugins we do not configure (the runner gateway, the webhook). */
  exemptPaths: readonly string[];
}

/** Adds the auth hook to `app` (call before registering routes: hooks apply to routes registered after them). */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const exempt = new Set(options.exemptPaths);

  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    const path = request.url.split('?', 1)[0] ?? '';
    if (config.auth === false || exempt.has(path)) return;
    const token = bearerToken(request);
    if (token === undefined) {
      if (config.auth === 'optional') return;
      throw new FloeError('FLOE_UNAUTHENTICATED');
    }
    const caller = await options.authenticate(token);
    if (caller === undefined) throw new FloeError('FLOE_UNAUTHENTICATED');
    request.caller = caller;
    const needed = config.role ?? 'viewer';
    if (!roleAllows(caller.role, needed)) {
      throw new FloeError(
        'FLOE_FORBIDDEN',
        `this needs the ${needed} role; your token (${caller.name}) is ${caller.role}`,
      );
    }
  });
}

/** The caller the hook recorded; only for routes that are not exempt. */
export function callerOf(request: FastifyRequest): Me {
  if (request.caller === undefined) throw new FloeError('FLOE_UNAUTHENTICATED');
  return request.caller;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
