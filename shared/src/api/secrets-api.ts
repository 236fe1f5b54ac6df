// `/api/secrets` (DESIGN §8 "Credentials and keys"): names only ever come back, never values.
import { z } from 'zod';

/** A secret as the API shows it: no value. `repo` absent: the hub's, for every repository. */
export const SecretViewSchema = z.object({ name: z.string(), repo: z.string().optional(), updatedAt: z.number() });
export type SecretView = z.infer<typeof SecretViewSchema>;

/** `GET /api/secrets`. */
export const SecretListSchema = z.object({ secrets: z.array(SecretViewSchema) });
export type SecretList = z.infer<typeof SecretListSchema>;

/** `PUT /api/secrets/:name`; the hub refuses values shorter than 4 characters (they cannot be masked in logs). */
export const PutSecretBodySchema = z.object({ value: z.string(), repo: z.string().min(1).optional() });
export type PutSecretBody = z.infer<typeof PutSecretBodySchema>;
