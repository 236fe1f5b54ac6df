// Who an API token belongs to: the admin token of the configuration (until an admin rotates it), or a token kept in
// the store — made through POST /api/tokens, or the rotated admin token (auth/api-tokens.ts). Shared by the auth
// hook and the live API's auth message.
import { timingSafeEqual } from 'node:crypto';
import type { Me } from '@floe/shared';

/**
 * Finds the caller of a token; undefined when the token is unknown or revoked. Rejects with FLOE_UNAUTHENTICATED
 * (and a message saying why) for an expired token.
 */
export type Authenticate = (token: string) => Promise<Me | undefined>;

export function createAuthenticator(
  adminToken: string,
  verifyToken: (token: string) => Promise<Me | undefined>,
  adminRotated: () => Promise<boolean>,
): Authenticate {
  return async (token) => {
    const stored = await verifyToken(token);
    if (stored) return stored;
    return sameSecret(token, adminToken) && !(await adminRotated()) ? { name: 'admin', role: 'admin' } : undefined;
  };
}

/** Compares secrets in constant time, so response timing does not leak the admin token byte by byte. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
