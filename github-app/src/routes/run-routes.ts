// `/api/runs`: the lists, one run, its logs, and the verbs that steer it (DESIGN §7, §8 "Retry").
import {
  LOG_COMPLETE_HEADER,
  LOG_NEXT_OFFSET_HEADER,
  LogsQuerySchema,
  RetryRunBodySchema,
  RunsQuerySchema,
  SubmitDataBodySchema,
} from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/auth-hook.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

type RunParams = { Params: { runId: string } };

export async function runRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { hub } = options;

  app.get('/runs', async (request) => hub.runs(parseInput(RunsQuerySchema, request.query, 'query')));

  app.get<RunParams>('/runs/:runId', async (request) => hub.run(request.params.runId));

  // Plain text from a byte offset, so `curl …/logs?node=build` shows the log as it is; the next offset and
  // whether the node has finished travel in headers (the same cursor as the live API's log chunks).
  app.get<RunParams>('/runs/:runId/logs', async (request, reply) => {
    const query = parseInput(LogsQuerySchema, request.query, 'query');
    const slice = await hub.readLog(request.params.runId, query.node, query.from);
    return reply
      .type('text/plain; charset=utf-8')
      .header(LOG_NEXT_OFFSET_HEADER, String(slice.next))
      .header(LOG_COMPLETE_HEADER, String(slice.complete))
      .send(slice.text);
  });

  app.post<RunParams>('/runs/:runId/cancel', { config: { role: 'operator' } }, async (request, reply) => {
    await hub.cancelRun(request.params.runId, callerOf(request));
    return reply.code(202).send({ ok: true });
  });

  app.post<RunParams>('/runs/:runId/retry', { config: { role: 'operator' } }, async (request, reply) => {
    const body = parseInput(RetryRunBodySchema, request.body, 'body');
    const runId = await hub.retryRun(request.params.runId, body.from, callerOf(request));
    return reply.code(201).send({ runId });
  });

  app.post<{ Params: { runId: string; nodeId: string } }>(
    '/runs/:runId/nodes/:nodeId/data',
    { config: { role: 'operator' } },
    async (request, reply) => {
      const body = parseInput(SubmitDataBodySchema, request.body, 'body');
      await hub.submitData(request.params.runId, request.params.nodeId, body, callerOf(request));
      return reply.code(202).send({ ok: true });
    },
  );
}
