import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Seals and opens secret values at rest (DESIGN §8 "Credentials and keys"): AES-256-GCM, a fresh IV per value. */
export type SecretCipher = {
  seal(plain: string): string;
  /** The value, or undefined when it was sealed with another key or altered (GCM authenticates it). */
  open(sealed: string): string | undefined;
};

const VERSION = 'v1';

/**
 * The cipher for FLOE_SECRET_KEY, or undefined without one (the hub then refuses to store secrets). The key is any
 * string — `openssl rand -base64 32` makes a good one — hashed to the 32 bytes AES-256 needs, so every hub sharing
 * a database must have the same string. Sealed form: `v1:<iv>:<tag>:<ciphertext>`, base64 parts.
 */
export function secretCipher(secretKey: string | undefined): SecretCipher | undefined {
  if (!secretKey) return undefined;
  const key = createHash('sha256').update(secretKey, 'utf8').digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(
        ':',
      );
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(':');
      if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
