// Every body and query is checked against its zod schema from shared/src/api (CONTRIBUTING.md "One definition"); a
// failure is a 400 naming the field, e.g. `body.role: Invalid option: expected one of "viewer"|"operator"|"admin"`.
import type { z } from '@floe/shared';
import { FloeError } from '../errors.js';

/** Parses `value` or throws FloeError FLOE_BAD_REQUEST naming every bad field under `where`. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  throw new FloeError('FLOE_BAD_REQUEST', problems.join('; '));
}
