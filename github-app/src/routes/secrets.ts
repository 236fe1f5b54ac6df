// `/api/secrets` (DESIGN §8 "Credentials and keys"): admins set and remove secrets; anyone with a token lists their
// names. No endpoint ever returns a value.
import { PutSecretBodySchema, z } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/auth-hook.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

const RepoQuerySchema = z.object({ repo: z.string().optional() });
const NameParamsSchema = z.object({ name: z.string() });

export async function secretRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { hub } = options;

  app.get('/secrets', async (request) => {
    const { repo } = parseInput(RepoQuerySchema, request.query, 'query');
    return { secrets: await hub.secrets.list(repo || undefined) };
  });

  app.put('/secrets/:name', { config: { role: 'admin' } }, async (request) => {
    const { name } = parseInput(NameParamsSchema, request.params, 'query');
    const body = parseInput(PutSecretBodySchema, request.body, 'body');
    const stored = await hub.secrets.put(name, body.value, body.repo);
    await hub.audit(callerOf(request), 'secret.put', secretTarget(name, body.repo));
    return stored;
  });

  app.delete('/secrets/:name', { config: { role: 'admin' } }, async (request, reply) => {
    const { name } = parseInput(NameParamsSchema, request.params, 'query');
    const { repo } = parseInput(RepoQuerySchema, request.query, 'query');
    const removed = await hub.secrets.remove(name, repo || undefined);
    if (removed) await hub.audit(callerOf(request), 'secret.delete', secretTarget(name, repo || undefined));
    return reply
      .code(removed ? 204 : 404)
      .send(removed ? undefined : { code: 'FLOE_NOT_FOUND', message: `no secret ${name}` });
  });
}

/** A secret as the audit log names it: `NAME`, or `owner/repo/NAME` for a repository's. */
function secretTarget(name: string, repo: string | undefined): string {
  return repo === undefined ? name : `${repo}/${name}`;
}
