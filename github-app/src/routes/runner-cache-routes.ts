// The runners' task-cache routes (docs/api.md "The runners' cache routes — runner credential"): the runner credential as the bearer
// token like the artifact routes, every request fenced by the run's epoch; bodies streamed, never held whole.
import { z } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

const RunParams = z.object({ runId: z.string().min(1).max(100) });
const Key = z.string().min(1).max(512);
const FindQuery = z.object({
  epoch: z.coerce.number().int().nonnegative(),
  key: Key,
  prefix: z.union([Key, z.array(Key).max(20)]).optional(),
});
const SaveQuery = z.object({ epoch: z.coerce.number().int().nonnegative(), key: Key });
const BlobQuery = z.object({ epoch: z.coerce.number().int().nonnegative() });
const RUNNER = { config: { auth: false as const } };

export async function runnerCacheRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { artifacts, caches } = options.hub;

  // Any body type, passed on unread: the PUT below streams it into the blob store.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.get('/runners/runs/:runId/caches', RUNNER, async (request) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId } = parseInput(RunParams, request.params, 'params');
    const { epoch, key, prefix } = parseInput(FindQuery, request.query, 'query');
    return caches.find(runnerId, runId, epoch, key, prefix === undefined ? [] : [prefix].flat());
  });

  app.get('/runners/runs/:runId/caches/:blobId', RUNNER, async (request, reply) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId, blobId } = parseInput(RunParams.extend({ blobId: z.string().uuid() }), request.params, 'params');
    const { epoch } = parseInput(BlobQuery, request.query, 'query');
    const { size, body } = await caches.read(runnerId, runId, epoch, blobId);
    return reply.type('application/octet-stream').header('content-length', String(size)).send(body);
  });

  app.put('/runners/runs/:runId/caches', RUNNER, async (request) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId } = parseInput(RunParams, request.params, 'params');
    const { epoch, key } = parseInput(SaveQuery, request.query, 'query');
    return caches.save(runnerId, runId, epoch, key, request.raw);
  });
}
