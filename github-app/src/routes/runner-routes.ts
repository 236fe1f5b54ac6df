// `/api/runners`: the runners and what they run; one-time registration tokens (DESIGN §5 "Runner auth"). The
// runners' own routes (`/api/runners/connect`, `/api/runners/register`) belong to the gateway (gateway/).
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/auth-hook.js';
import type { HubApi } from './hub-api.js';

export async function runnerRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { hub } = options;

  app.get('/runners', async () => hub.runners());

  app.post('/runners/tokens', { config: { role: 'admin' } }, async (request, reply) => {
    const token = await hub.createRunnerToken(callerOf(request));
    return reply.code(201).send({ token });
  });
}
