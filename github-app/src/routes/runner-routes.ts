// `/api/runners`: the runners and what they run; one-time registration tokens (DESIGN §5 "Runner auth"). The
// runners' own routes (`/api/runners/connect`, `/api/runners/register`) belong to the gateway (gateway/).
import { z } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/auth-hook.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

const NameParamsSchema = z.object({ name: z.string().min(1) });

export async function runnerRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { hub } = options;

  app.get('/runners', async () => hub.runners());

  app.post('/runners/tokens', { config: { role: 'admin' } }, async (request, reply) => {
    const token = await hub.createRunnerToken(callerOf(request));
    return reply.code(201).send({ token });
  });

  // Maintenance (runs/drain-runner.ts): an operator's, like cancelling a run — nothing is lost, runs only wait.
  app.post('/runners/:name/drain', { config: { role: 'operator' } }, async (request) => {
    const { name } = parseInput(NameParamsSchema, request.params, 'params');
    return hub.drainRunner(name, true, callerOf(request));
  });
  app.post('/runners/:name/undrain', { config: { role: 'operator' } }, async (request) => {
    const { name } = parseInput(NameParamsSchema, request.params, 'params');
    return hub.drainRunner(name, false, callerOf(request));
  });

  // Revocation (runs/remove-runner.ts): the credential is refused from now on, the socket closed, the runs ended.
  app.delete('/runners/:name', { config: { role: 'admin' } }, async (request, reply) => {
    const { name } = parseInput(NameParamsSchema, request.params, 'params');
    await hub.removeRunner(name, callerOf(request));
    return reply.code(204).send();
  });
}
