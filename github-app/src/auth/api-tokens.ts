// API tokens kept in the store (DESIGN §5 "API auth"): made, listed, removed and expired by admins, and the admin
// token's rotation (docs/security.md "Revocation, expiry and audit").
//
// Rotation: the admin token the hub starts with (--admin-token, FLOE_ADMIN_TOKEN or <data-dir>/admin-token) is
// the admin token only until an admin rotates it. A rotation stores the new admin token's hash under the reserved
// name `admin` — from then on the configured one is refused, on every hub of the database — and the outgoing token
// under `admin (previous)`, expiring after a grace the admin chooses, so clients switch without a moment of 401s.
import type { Me, Role, TokenInfo } from '@floe/shared';
import { FloeError } from '../errors.js';
import { hashSecret, newSecret } from '../store/hash-secret.js';
import type { ApiTokenRow, Store } from '../store/store.js';

/** The rotated admin token's row, and the outgoing one's during its grace: names no admin may take or remove. */
export const ADMIN_TOKEN_NAME = 'admin';
export const PREVIOUS_ADMIN_TOKEN_NAME = 'admin (previous)';

/** lastUsedAt is written at most this often per token: checking a token must not be a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiTokens {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /**
   * The caller a stored token belongs to; undefined when unknown. Throws FLOE_UNAUTHENTICATED naming the token
   * and when it expired for an expired one: its holder should learn why, not guess.
   */
  async verify(token: string): Promise<Me | undefined> {
    const row = await this.store.findApiToken(hashSecret(token));
    if (!row) return undefined;
    const now = this.now();
    if (row.expiresAt !== undefined && row.expiresAt <= now) {
      throw new FloeError(
        'FLOE_UNAUTHENTICATED',
        `the API token "${row.name}" expired at ${new Date(row.expiresAt).toISOString()}; ask an admin for a new one`,
      );
    }
    if (row.lastUsedAt === undefined || now - row.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      await this.store.touchApiToken(row.name, now);
    }
    return { name: row.name, role: row.role };
  }

  /** Once true, for good: the `admin` row cannot be removed, only replaced. */
  private rotated = false;

  /** True once the admin token was rotated (by any hub): the configured admin token is refused from then on. */
  async adminRotated(): Promise<boolean> {
    if (!this.rotated) this.rotated = (await this.store.getApiToken(ADMIN_TOKEN_NAME)) !== undefined;
    return this.rotated;
  }

  /** Makes a token; returned once, stored only hashed. Throws FLOE_BAD_REQUEST for a taken name or a past expiry. */
  async create(name: string, role: Role, expiresAt?: number): Promise<string> {
    if (name === ADMIN_TOKEN_NAME || name === PREVIOUS_ADMIN_TOKEN_NAME) {
      throw new FloeError('FLOE_BAD_REQUEST', `the name "${name}" is the admin token's; choose another name`);
    }
    if (expiresAt !== undefined && expiresAt <= this.now()) {
      throw new FloeError('FLOE_BAD_REQUEST', 'body.expiresAt: the expiry has passed already; give a future time');
    }
    if ((await this.store.getApiToken(name)) !== undefined) {
      throw new FloeError('FLOE_BAD_REQUEST', `a token named ${name} exists already; choose another name`);
    }
    const token = newSecret('floe');
    await this.store.createApiToken({
      name,
      role,
      tokenHash: hashSecret(token),
      createdAt: this.now(),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    return token;
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.store.listApiTokens()).map(({ tokenHash: _secret, ...info }) => info);
  }

  /** Throws FLOE_TOKEN_NOT_FOUND, or FLOE_BAD_REQUEST for the admin token (rotate it instead). */
  async remove(name: string): Promise<void> {
    if (name === ADMIN_TOKEN_NAME) {
      throw new FloeError('FLOE_BAD_REQUEST', 'the admin token cannot be removed; rotate it (floe token rotate-admin)');
    }
    if (!(await this.store.deleteApiToken(name))) {
      throw new FloeError('FLOE_TOKEN_NOT_FOUND', `no API token named ${name}; GET /api/tokens lists them`);
    }
  }

  /**
   * Replaces the admin token: `configured` is the token the hub started with (the current one until a first
   * rotation). The outgoing token keeps working for `graceMs`. Returns the new token.
   */
  async rotateAdmin(configured: string, graceMs: number): Promise<string> {
    const now = this.now();
    const current = await this.store.getApiToken(ADMIN_TOKEN_NAME);
    const token = newSecret('floe');
    const outgoing: ApiTokenRow = {
      name: PREVIOUS_ADMIN_TOKEN_NAME,
      role: 'admin',
      tokenHash: current?.tokenHash ?? hashSecret(configured),
      createdAt: current?.createdAt ?? now,
      expiresAt: now + graceMs,
    };
    await this.store.replaceApiToken(
      { name: ADMIN_TOKEN_NAME, role: 'admin', tokenHash: hashSecret(token), createdAt: now },
      outgoing,
    );
    return token;
  }
}
