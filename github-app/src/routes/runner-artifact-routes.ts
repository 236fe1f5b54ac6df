// The runner's artifact routes (DESIGN §8 "Artifacts"): they take the runner's credential as the bearer token, not
// an API token (the auth hook skips them: `auth: false`), and every one is fenced by the run's epoch. Bodies of
// PUT are read as a stream and written as they arrive: an artifact is never held whole in memory.
import { ArtifactBeginBodySchema, ArtifactSourceQuerySchema, z } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import { parseContentRange } from '../artifacts/hub-artifacts.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

const RunParams = z.object({ runId: z.string().min(1).max(100) });
const BlobParams = RunParams.extend({ blobId: z.string().min(1).max(100) });
const SourceBlobParams = BlobParams.extend({ artifactId: z.string().min(1).max(100) });
const EpochQuery = z.object({ epoch: z.coerce.number().int().nonnegative() });
const RUNNER = { config: { auth: false as const } };

export async function runnerArtifactRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { artifacts } = options.hub;

  // Any body type, passed on unread: the PUT below streams it into the blob store.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post('/runners/runs/:runId/artifacts', RUNNER, async (request, reply) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId } = parseInput(RunParams, request.params, 'params');
    const body = parseInput(ArtifactBeginBodySchema, request.body, 'body');
    return reply.code(201).send(await artifacts.begin(runnerId, runId, body));
  });

  app.put('/runners/runs/:runId/blobs/:blobId', RUNNER, async (request) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId, blobId } = parseInput(BlobParams, request.params, 'params');
    const { epoch } = parseInput(EpochQuery, request.query, 'query');
    const range = parseContentRange(request.headers['content-range']);
    return artifacts.put(runnerId, runId, epoch, blobId, range, request.raw);
  });

  app.delete('/runners/runs/:runId/artifacts/:artifactId', RUNNER, async (request, reply) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId, artifactId } = parseInput(
      RunParams.extend({ artifactId: z.string().min(1).max(100) }),
      request.params,
      'params',
    );
    const { epoch } = parseInput(EpochQuery, request.query, 'query');
    await artifacts.abandon(runnerId, runId, epoch, artifactId);
    return reply.code(204).send();
  });

  app.get('/runners/runs/:runId/artifact-source', RUNNER, async (request) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId } = parseInput(RunParams, request.params, 'params');
    return artifacts.source(runnerId, runId, parseInput(ArtifactSourceQuerySchema, request.query, 'query'));
  });

  app.get('/runners/runs/:runId/sources/:artifactId/blobs/:blobId', RUNNER, async (request, reply) => {
    const runnerId = await artifacts.runnerOf(request.headers.authorization);
    const { runId, artifactId, blobId } = parseInput(SourceBlobParams, request.params, 'params');
    const { epoch } = parseInput(EpochQuery, request.query, 'query');
    const { file, body } = await artifacts.sourceBlob(runnerId, runId, epoch, artifactId, blobId);
    return reply
      .type('application/octet-stream')
      .header('content-length', String(file.size))
      .header('x-floe-sha256', file.sha256)
      .send(body);
  });
}
