import { createHash, randomBytes } from 'node:crypto';

/** sha256 of a token or credential, hex: what the store keeps instead of the secret (DESIGN §5 "Runner auth"). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new random secret (a token or a credential): 32 bytes, base64url, with a prefix saying what it is. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
