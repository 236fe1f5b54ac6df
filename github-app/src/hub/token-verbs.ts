import type { Me, Role, TokenInfo } from '@floe/shared';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApiTokens } from '../auth/api-tokens.js';
import type { HubChanges } from './hub-changes.js';

export interface TokenVerbs {
  /** Who a stored token belongs to; rejects with FLOE_UNAUTHENTICATED for an expired one (auth/api-tokens.ts). */
  verifyToken(token: string): Promise<Me | undefined>;
  /** True once the admin token was rotated: the configured one is refused from then on. */
  adminRotated(): Promise<boolean>;
  /** Makes an API token; the token is returned once and stored only hashed. */
  createToken(name: string, role: Role, by: Me, expiresAt?: number): Promise<string>;
  /** Every stored API token, without its hash. */
  listTokens(): Promise<TokenInfo[]>;
  /** Removes a token; it is refused from then on and the live sockets holding it close. FLOE_TOKEN_NOT_FOUND. */
  deleteToken(name: string, by: Me): Promise<void>;
  /** Replaces the admin token (`configured`: the one the hub started with); the outgoing one lasts `graceMs`. */
  rotateAdminToken(configured: string, graceMs: number, by: Me): Promise<string>;
}

/** API tokens as the hub serves them: every change logged, audited and announced (live sessions re-check theirs). */
export function tokenVerbs(parts: {
  tokens: ApiTokens;
  audit: AuditLog;
  log: Logger;
  changes: Pick<HubChanges, 'announce'>;
}): TokenVerbs {
  const { tokens, audit, log, changes } = parts;
  return {
    verifyToken: (token) => tokens.verify(token),

    adminRotated: () => tokens.adminRotated(),

    async createToken(name, role, by, expiresAt) {
      const token = await tokens.create(name, role, expiresAt);
      log.info({ name, role, by: by.name }, 'API token created');
      await audit.record(by, 'token.create', name, {
        role,
        ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
      });
      return token;
    },

    listTokens: () => tokens.list(),

    async deleteToken(name, by) {
      await tokens.remove(name);
      log.info({ name, by: by.name }, 'API token removed');
      await audit.record(by, 'token.delete', name);
      changes.announce({ kind: 'tokens' });
    },

    async rotateAdminToken(configured, graceMs, by) {
      const token = await tokens.rotateAdmin(configured, graceMs);
      log.warn({ by: by.name, graceMs }, 'admin token rotated');
      await audit.record(by, 'token.rotate-admin', 'admin', { graceSeconds: String(Math.round(graceMs / 1000)) });
      changes.announce({ kind: 'tokens' });
      return token;
    },
  };
}
