// `GET /metrics`: the hub's metrics in Prometheus' text format (metrics/hub-metrics.ts, docs/operations.md
// "Metrics"). A viewer token by default — the figures name runners and repositories' load — or open to anyone who
// can reach the port with `--metrics-public`, for a Prometheus that cannot send a bearer token.
import type { FastifyInstance } from 'fastify';
import type { HubApi } from './hub-api.js';

export interface MetricsRouteOptions {
  hub: HubApi;
  /** Serve without a token; default false (a viewer token). */
  public?: boolean;
}

export async function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): Promise<void> {
  app.get(
    '/metrics',
    { config: options.public === true ? { auth: false } : { role: 'viewer' } },
    async (_request, reply) => {
      const text = await options.hub.metrics.scrape();
      return reply.type(options.hub.metrics.contentType).send(text);
    },
  );
}
