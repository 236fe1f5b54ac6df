// Every error the hub's API answers is this one JSON shape (CONTRIBUTING.md "Errors at the edges"): a stable code a
// program can branch on and a sentence that says what to do next. The codes are listed here, once, for the hub that
// answers them and the clients that branch on them; the hub's catalogue (github-app/src/errors.ts) gives each its
// HTTP status and default message, and docs/api.md explains them.
import { z } from 'zod';

/** The codes the hub answers. Stable: a retired code is never reused; a new one is added at the end. */
export const ApiErrorCodeSchema = z.enum([
  'FLOE_BAD_REQUEST',
  'FLOE_DATA_INVALID',
  'FLOE_BAD_SIGNATURE',
  'FLOE_UNAUTHENTICATED',
  'FLOE_FORBIDDEN',
  'FLOE_NOT_FOUND',
  'FLOE_FLOW_NOT_FOUND',
  'FLOE_RUN_NOT_FOUND',
  'FLOE_NODE_NOT_FOUND',
  'FLOE_TOKEN_NOT_FOUND',
  'FLOE_RUNNER_NOT_FOUND',
  'FLOE_FLOW_AMBIGUOUS',
  'FLOE_FLOW_INVALID',
  'FLOE_RUN_ENDED',
  'FLOE_NODE_NOT_AWAITING_INPUT',
  'FLOE_RETRY_UNAVAILABLE',
  'FLOE_SECRETS_DISABLED',
  'FLOE_PAYLOAD_TOO_LARGE',
  'FLOE_UNSUPPORTED_MEDIA_TYPE',
  'FLOE_INTERNAL',
  'FLOE_STORE_UNAVAILABLE',
  'FLOE_LIVE_BAD_MESSAGE',
  'FLOE_LIVE_NOT_AUTHENTICATED',
  'FLOE_LIVE_AUTH_TIMEOUT',
  'FLOE_LIVE_DUPLICATE_SUB',
  'FLOE_LIVE_TOO_MANY_SUBS',
  'FLOE_CONFIG_INVALID',
  'FLOE_ARTIFACT_NOT_FOUND',
  'FLOE_CACHES_OFF',
  'FLOE_ARTIFACT_REFUSED',
  'FLOE_STALE_EPOCH',
  'FLOE_BAD_RANGE',
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

/**
 * The codes the typed clients make themselves: a hub they could not reach, an answer they could not read, a live
 * connection that closed.
 */
export const ClientErrorCodeSchema = z.enum(['FLOE_UNREACHABLE', 'FLOE_BAD_RESPONSE', 'FLOE_LIVE_CLOSED']);
export type ClientErrorCode = z.infer<typeof ClientErrorCodeSchema>;

export const ApiErrorBodySchema = z.object({
  /**
   * One of ApiErrorCodeSchema. Read as any string: a newer hub may answer a code this client does not know yet, and
   * the client must still show its message rather than call the answer unreadable.
   */
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
    // `string & {}` keeps the known codes in an editor's completion while allowing a newer hub's.
    readonly code: ApiErrorCode | ClientErrorCode | (string & {}),
    message: string,
  ) {
    super(message);
  }
}
