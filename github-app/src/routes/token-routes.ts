// `/api/tokens` and `/api/me` (DESIGN §8 "Credentials and keys"): admins make API tokens of any role; anyone
// can ask whose token they hold.
import { CreateTokenBodySchema } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/auth-hook.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

export async function tokenRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { hub } = options;

  app.get('/me', async (request) => callerOf(request));

  app.post('/tokens', { config: { role: 'admin' } }, async (request, reply) => {
    const body = parseInput(CreateTokenBodySchema, request.body, 'body');
    const token = await hub.createToken(body.name, body.role, callerOf(request));
    return reply.code(201).send({ token });
  });
}
