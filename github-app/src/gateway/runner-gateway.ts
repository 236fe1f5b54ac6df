// The runner gateway (DESIGN §5): the hub's end of the hub ↔ runner protocol. Two routes, both outside API
// auth (runners carry their own credentials; build-server.ts exempts RUNNER_PATHS):
//   POST /api/runners/register {token, name} → 201 {runnerId, credential}   (a one-time token, used once)
//   GET  /api/runners/connect                → the runner's WebSocket (serve-runner-socket.ts)
// The core (store, runs, dispatcher) is injected through the HubCore seam, so the gateway knows frames and
// sockets and nothing about runs.
import { z } from '@floe/shared';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { FloeError } from '../errors.js';
import type { HubCore } from './hub-core.js';
import { type ServedRunner, serveRunnerSocket } from './serve-runner-socket.js';

export interface GatewayOptions {
  core: HubCore;
  logger: FastifyBaseLogger;
  /** Between heartbeats sent to each runner; default 20 s (0.05 messages/s per idle runner). */
  heartbeatMs?: number;
  /** How long a run's lease lasts without a heartbeat, told to the runners; default 60 s. */
  leaseMs?: number;
  /** How long a new socket has to say hello; default 10 s. */
  helloTimeoutMs?: number;
}

/** What the gateway offers besides its routes. */
export interface RunnerGateway {
  /** Registers the routes on the server (pass it as build-server's `gateway`); @fastify/websocket must be there. */
  (app: FastifyInstance): Promise<void>;
  /** Runner ids with an open socket right now. */
  connectedRunners(): string[];
  /** Closes every runner socket (the hub is shutting down); the runners reconnect to the next hub. */
  closeAll(reason: string): void;
}

const RegisterBodySchema = z.object({ token: z.string().min(1), name: z.string().min(1).max(200) });

/** The gateway as a fastify plugin function plus a handle on its sockets. */
export function gatewayPlugin(options: GatewayOptions): RunnerGateway {
  const connected = new Map<string, ServedRunner>();
  const heartbeatMs = options.heartbeatMs ?? 20_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
  const logger = options.logger.child({ component: 'gateway' });

  const register = async (app: FastifyInstance): Promise<void> => {
    app.post('/api/runners/register', async (request, reply) => {
      const body = RegisterBodySchema.safeParse(request.body);
      if (!body.success) throw new FloeError('FLOE_BAD_REQUEST', 'send {"token": "…", "name": "…"}');
      const registered = await options.core.registerRunner(body.data.token, body.data.name);
      if (!registered) {
        logger.info({ name: body.data.name }, 'runner registration refused');
        throw new FloeError(
          'FLOE_UNAUTHENTICATED',
          'registration token unknown, expired or already used; an admin makes a new one with `floe runner token`',
        );
      }
      logger.info({ name: body.data.name, runnerId: registered.runnerId }, 'runner registered');
      return reply.code(201).send(registered);
    });

    app.get('/api/runners/connect', { websocket: true }, (socket) => {
      serveRunnerSocket(socket, { core: options.core, logger, heartbeatMs, leaseMs, helloTimeoutMs, connected });
    });
  };

  return Object.assign(register, {
    connectedRunners: () => [...connected.keys()],
    closeAll: (reason: string) => {
      for (const runner of connected.values()) runner.close(reason);
    },
  });
}
