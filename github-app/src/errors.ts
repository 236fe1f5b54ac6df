// The hub's error catalogue (CONTRIBUTING.md "Errors at the edges"): every error the API answers has a stable code (the
// list is ApiErrorCodeSchema in @floe/shared, which clients branch on), an HTTP status and a message that says what to
// do next. One fastify error handler (build-server.ts) turns a FloeError
// into `{code, message}`; docs/api.md lists every code (errors.test.ts checks it). A retired code is never reused.

import type { ApiErrorCode } from '@floe/shared';

export const ERROR_CATALOGUE = {
  FLOE_BAD_REQUEST: { status: 400, message: 'the request is not valid' },
  FLOE_DATA_INVALID: { status: 400, message: 'the form values are not valid' },
  FLOE_BAD_SIGNATURE: {
    status: 400,
    message:
      'the webhook is not signed by GitHub: X-Hub-Signature-256 must be the HMAC-SHA256 of the body with the webhook secret',
  },
  FLOE_UNAUTHENTICATED: {
    status: 401,
    message: 'missing or unknown API token; send "Authorization: Bearer <token>" (GET /api/me tells whose it is)',
  },
  FLOE_FORBIDDEN: { status: 403, message: 'your token does not have the role this needs' },
  FLOE_NOT_FOUND: { status: 404, message: 'no such route; see docs/api.md' },
  FLOE_FLOW_NOT_FOUND: { status: 404, message: 'no such flow; GET /api/flows lists them' },
  FLOE_RUN_NOT_FOUND: { status: 404, message: 'no such run' },
  FLOE_NODE_NOT_FOUND: { status: 404, message: 'the run has no such node' },
  FLOE_TOKEN_NOT_FOUND: { status: 404, message: 'no such API token; GET /api/tokens lists them' },
  FLOE_RUNNER_NOT_FOUND: { status: 404, message: 'no such runner; GET /api/runners lists them' },
  FLOE_FLOW_AMBIGUOUS: { status: 409, message: 'several repositories have this flow id; say which with "repo"' },
  FLOE_FLOW_INVALID: { status: 409, message: 'the flow has lint errors and cannot run; fix FLOE.yaml' },
  FLOE_RUN_ENDED: { status: 409, message: 'the run has already ended' },
  FLOE_NODE_NOT_AWAITING_INPUT: { status: 409, message: 'the node is not waiting for input' },
  FLOE_RETRY_UNAVAILABLE: { status: 409, message: 'the run cannot be retried that way' },
  FLOE_SECRETS_DISABLED: {
    status: 409,
    message: 'this hub has no FLOE_SECRET_KEY, so it cannot store secrets; set it on every hub sharing the database',
  },
  FLOE_PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  FLOE_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as JSON (Content-Type: application/json)' },
  FLOE_INTERNAL: { status: 500, message: 'the hub failed; its log has the details' },
  FLOE_STORE_UNAVAILABLE: {
    status: 503,
    message: 'the hub cannot reach its database just now; it reconnects by itself, try again shortly (GET /readyz)',
  },
  FLOE_LIVE_BAD_MESSAGE: { status: 400, message: 'the live API message is not valid; see docs/api.md' },
  FLOE_LIVE_NOT_AUTHENTICATED: { status: 401, message: 'send {"type":"auth","token":…} first' },
  FLOE_LIVE_AUTH_TIMEOUT: { status: 401, message: 'no auth message within 10 s' },
  FLOE_LIVE_DUPLICATE_SUB: { status: 409, message: 'a subscription with this id is already open' },
  FLOE_LIVE_TOO_MANY_SUBS: {
    status: 429,
    message: 'too many subscriptions on this socket; unsubscribe from one first',
  },
  FLOE_CONFIG_INVALID: { status: 500, message: 'the hub configuration is not valid' },
  FLOE_ARTIFACT_NOT_FOUND: {
    status: 404,
    message: "no such artifact; GET /api/runs/:id/artifacts lists the run's artifacts",
  },
  FLOE_ARTIFACT_REFUSED: {
    status: 413,
    message: 'the artifact is over a size cap of the hub; keep less, or raise the cap',
  },
  FLOE_CACHES_OFF: {
    status: 409,
    message: 'this hub keeps no task caches (start it with --shared-caches); the runner keeps them itself',
  },
  FLOE_STALE_EPOCH: {
    status: 409,
    message:
      "the run is no longer this runner's at this epoch (it ended, or went to another runner); stop writing to it",
  },
  FLOE_BAD_RANGE: {
    status: 416,
    message: 'the Content-Range does not continue the stored bytes; ask again where to resume (POST …/artifacts)',
  },
} as const satisfies Record<ApiErrorCode, { status: number; message: string }>;

export type FloeErrorCode = ApiErrorCode;

/** An error the hub answers to a client: thrown by routes and hub verbs, answered by the error handler. */
export class FloeError extends Error {
  override readonly name = 'FloeError';
  readonly status: number;
  constructor(
    readonly code: FloeErrorCode,
    /** Default: the catalogue's message. */
    message?: string,
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.status = ERROR_CATALOGUE[code].status;
  }
}
