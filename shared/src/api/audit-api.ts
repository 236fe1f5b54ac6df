// `GET /api/audit` (admin): the audit log of admin and operator actions (docs/security.md "Revocation, expiry and
// audit"): who did what, when, to what. Newest first, paged by cursor like the runs list.
import { z } from 'zod';
import { RoleSchema } from './auth-api.js';

/** What was done. A released action keeps its name for good: audit readers filter on it. */
export const AuditActionSchema = z.enum([
  'token.create',
  'token.delete',
  'token.rotate-admin',
  'runner-token.create',
  'runner.delete',
  'runner.drain',
  'runner.undrain',
  'secret.put',
  'secret.delete',
  'run.start',
  'run.cancel',
  'run.retry',
  'run.answer',
  'run.reject',
]);
export type AuditAction = z.infer<typeof AuditActionSchema>;
export const AuditAction = AuditActionSchema.enum;

export const AuditEntrySchema = z.object({
  /** Increasing: a newer entry has a greater id. */
  id: z.string(),
  at: z.number(),
  /** The token's name (`admin` for the admin token). */
  actor: z.string(),
  role: RoleSchema,
  action: AuditActionSchema,
  /** What it was done to: a token or runner name, a secret (`NAME` or `repo/NAME`), a run id. */
  target: z.string(),
  /** A few words more where they help: the new token's role, the flow of a started run, a retry's new run. */
  detail: z.record(z.string(), z.string()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditPageSchema = z.object({ entries: z.array(AuditEntrySchema), next: z.string().optional() });
export type AuditPage = z.infer<typeof AuditPageSchema>;

export const AuditQuerySchema = z.object({
  /** 1–500, default 50. */
  limit: z.coerce.number().int().min(1).max(500).optional(),
  /** The `next` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor is the next of a previous page')
    .optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
