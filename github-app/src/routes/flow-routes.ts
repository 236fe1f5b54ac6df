// `/api/flows`: the flows the hub knows, and starting a run of one (DESIGN §8 "Starting runs").
import { FlakyTestsQuerySchema, FlowReportQuerySchema, StartRunBodySchema } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/auth-hook.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

export async function flowRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { hub } = options;

  app.get('/flows', async () => hub.flows());

  app.get<{ Params: { flowId: string } }>('/flows/:flowId/flaky-tests', async (request) => {
    const { repo } = parseInput(FlakyTestsQuerySchema, request.query, 'query');
    return { tests: await hub.flakyTests(request.params.flowId, repo) };
  });

  // What the flow page shows beside its runs (docs/api.md "Trends", "Notifications").
  app.get<{ Params: { flowId: string } }>('/flows/:flowId/trends', async (request) =>
    hub.flowTrends(request.params.flowId, parseInput(FlowReportQuerySchema, request.query, 'query')),
  );
  app.get<{ Params: { flowId: string } }>('/flows/:flowId/deliveries', async (request) => {
    const { repo } = parseInput(FlowReportQuerySchema, request.query, 'query');
    return { deliveries: await hub.deliveries(request.params.flowId, repo !== undefined ? { repo } : {}) };
  });

  app.post<{ Params: { flowId: string } }>(
    '/flows/:flowId/runs',
    { config: { role: 'operator' } },
    async (request, reply) => {
      const body = parseInput(StartRunBodySchema, request.body, 'body');
      const runId = await hub.startRun(request.params.flowId, body, callerOf(request));
      return reply.code(201).send({ runId });
    },
  );
}
