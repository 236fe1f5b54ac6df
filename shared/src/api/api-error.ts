// Every error the hub's API answers is this one JSON shape (CONTRIBUTING.md "Errors at the edges"): a stable code a
// program can branch on and a sentence that says what to do next. The codes are catalogued in github-app/src/errors.ts
// and docs/api.md.
import { z } from 'zod';

export const ApiErrorBodySchema = z.object({
  /** Stable, e.g. `FLOE_RUN_NOT_FOUND`; a retired code is never reused. */
  code: z.string(),
  message: z.string(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/**
 * What the typed client throws when the hub answers an error (or cannot be reached: status 0, code
 * `FLOE_UNREACHABLE`). Throwing is right here: the client is an edge.
 */
export class FloeApiError extends Error {
  override readonly name = 'FloeApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
