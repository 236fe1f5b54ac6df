// `/api/tokens` and `/api/me` (DESIGN §8 "Credentials and keys", docs/security.md "Revocation, expiry and audit"):
// admins make, list, remove and expire API tokens and rotate the admin token; anyone can ask whose token they hold.
import { chmod, writeFile } from 'node:fs/promises';
import { CreateTokenBodySchema, RotateAdminTokenBodySchema, z } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/auth-hook.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

const NameParamsSchema = z.object({ name: z.string().min(1) });

export interface TokenRoutesOptions {
  hub: HubApi;
  /** The admin token the hub started with: the one a first rotation replaces. */
  adminToken: string;
  /** Where the hub keeps its admin token (<data-dir>/admin-token), rewritten on rotation; absent: given by config. */
  adminTokenFile?: string;
}

export async function tokenRoutes(app: FastifyInstance, options: TokenRoutesOptions): Promise<void> {
  const { hub } = options;

  app.get('/me', async (request) => callerOf(request));

  app.post('/tokens', { config: { role: 'admin' } }, async (request, reply) => {
    const body = parseInput(CreateTokenBodySchema, request.body, 'body');
    const token = await hub.createToken(body.name, body.role, callerOf(request), body.expiresAt);
    return reply.code(201).send({ token });
  });

  app.get('/tokens', { config: { role: 'admin' } }, async () => ({ tokens: await hub.listTokens() }));

  app.delete('/tokens/:name', { config: { role: 'admin' } }, async (request, reply) => {
    const { name } = parseInput(NameParamsSchema, request.params, 'params');
    await hub.deleteToken(name, callerOf(request));
    return reply.code(204).send();
  });

  app.post('/tokens/admin/rotate', { config: { role: 'admin' } }, async (request, reply) => {
    const body = parseInput(RotateAdminTokenBodySchema, request.body ?? {}, 'body');
    const token = await hub.rotateAdminToken(options.adminToken, (body.graceSeconds ?? 0) * 1000, callerOf(request));
    // A restart must start with the new token: the old one is refused once its grace is over.
    if (options.adminTokenFile !== undefined) {
      await writeFile(options.adminTokenFile, `${token}\n`, { mode: 0o600 });
      await chmod(options.adminTokenFile, 0o600);
    }
    return reply.code(201).send({ token });
  });
}
