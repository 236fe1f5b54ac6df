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
  /**
   * When the token stops working, in milliseconds since the epoch; absent: never. The hub refuses a time that has
   * passed already, and an expired token with a 401 that says so.
   */
  expiresAt: z.number().int().positive().optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBodySchema>;

/** `POST /api/tokens` and `POST /api/runners/tokens`: the secret, shown once and stored by the hub only hashed. */
export const TokenResponseSchema = z.object({ token: z.string() });
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/** `GET /api/tokens` (admin): a token as the hub shows it — never its secret, which it does not keep. */
export const TokenInfoSchema = z.object({
  name: z.string(),
  role: RoleSchema,
  createdAt: z.number(),
  /** Absent: the token does not expire. */
  expiresAt: z.number().optional(),
  /** When it was last used, to the minute; absent: never. */
  lastUsedAt: z.number().optional(),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

export const TokenListSchema = z.object({ tokens: z.array(TokenInfoSchema) });
export type TokenList = z.infer<typeof TokenListSchema>;

/**
 * `POST /api/tokens/admin/rotate` (admin): a new admin token replaces the current one, which keeps working for
 * `graceSeconds` (default 0) so that clients can switch without a moment of refusal.
 */
export const RotateAdminTokenBodySchema = z.object({
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
});
export type RotateAdminTokenBody = z.infer<typeof RotateAdminTokenBodySchema>;
