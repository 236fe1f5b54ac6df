// Who an API token belongs to: the admin token of the configuration, or a token made through POST /api/tokens
// (stored by the hub only hashed). Shared by the auth hook and the live API's auth message.
import { timingSafeEqual } from 'node:crypto';
import type { Me } from '@floe/shared';

/** Finds the caller of a token; undefined when the token is unknown or revoked. */
export type Authenticate = (token: string) => Promise<Me | undefined>;

export function createAuthenticator(
  adminToken: string,
  verifyToken: (token: string) => Promise<Me | undefined>,
): Authenticate {
  return async (token) => (sameSecret(token, adminToken) ? { name: 'admin', role: 'admin' } : await verifyToken(token));
}

/** Compares secrets in constant time, so response timing does not leak the admin token byte by byte. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
