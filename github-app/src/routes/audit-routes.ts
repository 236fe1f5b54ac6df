// `GET /api/audit` (admin): the audit log of admin and operator actions, newest first, paged by cursor
// (docs/security.md "Revocation, expiry and audit"; audit/audit-log.ts writes it).
import { AuditQuerySchema } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

export async function auditRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  app.get('/audit', { config: { role: 'admin' } }, async (request) =>
    options.hub.auditLog(parseInput(AuditQuerySchema, request.query, 'query')),
  );
}
