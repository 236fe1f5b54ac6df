// Who may do what through the API (DESIGN §5 "API auth"): bearer tokens, each with one role. Roles are ordered:
// viewer reads; operator also starts, cancels, retries runs and answers forms; admin also makes tokens.
import { z } from 'zod';

export const RoleSchema = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof RoleSchema>;
export const Role = RoleSchema.enum;

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` grants at least what `needed` grants. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}

/** `GET /api/me`: who the caller's token belongs to. */
export const MeSchema = z.object({ name: z.string(), role: RoleSchema });
export type Me = z.infer<typeof MeSchema>;

/** `POST /api/tokens` (admin). */
export const CreateTokenBodySchema = z.object({
  name: z.string().trim().min(1).max(100).describe('Who or what the token is for; shown by GET /api/me.'),
  role: RoleSchema,
});
export type CreateTokenBody = z.infer<typeof CreateTokenBodySchema>;

/** `POST /api/tokens` and `POST /api/runners/tokens`: the secret, shown once and stored by the hub only hashed. */
export const TokenResponseSchema = z.object({ token: z.string() });
export type TokenResponse = z.infer<typeof TokenResponseSchema>;
