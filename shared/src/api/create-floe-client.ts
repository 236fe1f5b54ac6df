// The typed client of the hub's REST API (docs/api.md), the one way the dashboard, VS Code and the `floe` command
// reach the hub (DESIGN §2). Browser-safe: it uses only `fetch`. Every answer is checked against its schema, so a
// hub of another version fails loudly here instead of somewhere in a view.
import type { z } from 'zod';
import { ApiErrorBodySchema, FloeApiError } from './api-error.js';
import { ArtifactListSchema, type ArtifactView } from './artifacts-api.js';
import { type AuditPage, AuditPageSchema, type AuditQuery } from './audit-api.js';
import {
  type CreateTokenBody,
  type Me,
  MeSchema,
  type RotateAdminTokenBody,
  type TokenInfo,
  TokenListSchema,
  type TokenResponse,
  TokenResponseSchema,
} from './auth-api.js';
import {
  DeliveryListSchema,
  type DeliveryView,
  type FlowReportQuery,
  type FlowTrends,
  FlowTrendsSchema,
} from './flow-reports-api.js';
import { type FlakyTest, FlakyTestsSchema, FlowListSchema, type FlowSummary } from './flows-api.js';
import { type Health, HealthSchema } from './health-api.js';
import { RunnerListSchema, type RunnerView, RunnerViewSchema } from './runners-api.js';
import {
  type Accepted,
  AcceptedSchema,
  LOG_COMPLETE_HEADER,
  LOG_NEXT_OFFSET_HEADER,
  type RetryRunBody,
  type RunCreated,
  RunCreatedSchema,
  type RunDetail,
  RunDetailSchema,
  type RunsPage,
  RunsPageSchema,
  type RunsQuery,
  type StartRunBody,
  type SubmitDataBody,
} from './runs-api.js';
import { type PutSecretBody, SecretListSchema, type SecretView, SecretViewSchema } from './secrets-api.js';
import { utf8Length } from './utf8-length.js';

export interface FloeClientOptions {
  /** The hub's URL, e.g. `http://127.0.0.1:4040` (a trailing slash is fine). */
  baseUrl: string;
  /** An API token (`Authorization: Bearer …`); absent: only `health()` works. */
  token?: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** A node's log from a byte offset: `next` is the offset to ask from next; `complete` once the node has ended. */
export interface LogSlice {
  text: string;
  next: number;
  complete: boolean;
}

export interface FloeClient {
  health(): Promise<Health>;
  me(): Promise<Me>;
  flows(): Promise<FlowSummary[]>;
  /** Tests of the flow that failed and then passed in a retry at the same commit (of `repo`, when given). */
  flakyTests(flowId: string, repo?: string): Promise<FlakyTest[]>;
  runs(query?: RunsQuery): Promise<RunsPage>;
  /** A flow's durations (p50 / p95) and the tasks that fail most. */
  flowTrends(flowId: string, query?: FlowReportQuery): Promise<FlowTrends>;
  /** A flow's outgoing webhooks, newest first, with every attempt. */
  deliveries(flowId: string, query?: Pick<FlowReportQuery, 'repo'>): Promise<DeliveryView[]>;
  run(runId: string): Promise<RunDetail>;
  logs(runId: string, node: string, from?: number): Promise<LogSlice>;
  /** The run's artifacts: names, files, sizes, sha256s, expiry. */
  artifacts(runId: string): Promise<ArtifactView[]>;
  /**
   * One artifact's bytes, as the hub streams them: a one-file artifact as that file, a folder as a zip; with `path`,
   * that one file of it. Read the body as a stream, never whole: an artifact may be gigabytes.
   */
  downloadArtifact(runId: string, name: string, path?: string): Promise<Response>;
  startRun(flowId: string, body?: StartRunBody): Promise<RunCreated>;
  cancelRun(runId: string): Promise<Accepted>;
  retryRun(runId: string, body?: RetryRunBody): Promise<RunCreated>;
  submitData(runId: string, nodeId: string, body: SubmitDataBody): Promise<Accepted>;
  runners(): Promise<RunnerView[]>;
  /** A one-time runner registration token (admin). */
  createRunnerToken(): Promise<TokenResponse>;
  /** An API token of any role (admin). */
  createToken(body: CreateTokenBody): Promise<TokenResponse>;
  /** Every API token, without its secret (admin). */
  tokens(): Promise<TokenInfo[]>;
  /** Removes an API token (admin); it is refused from then on. */
  deleteToken(name: string): Promise<void>;
  /** Replaces the admin token; the old one works for `graceSeconds` more (admin). */
  rotateAdminToken(body?: RotateAdminTokenBody): Promise<TokenResponse>;
  /** Removes a runner (admin): its socket is closed, its credential refused, its active runs lost or re-queued. */
  deleteRunner(name: string): Promise<void>;
  /** Drains a runner (operator): it is offered no run until undrained, and finishes what it holds. */
  drainRunner(name: string): Promise<RunnerView>;
  /** Undrains a runner (operator): it is offered runs again. */
  undrainRunner(name: string): Promise<RunnerView>;
  /** The audit log, newest first (admin). */
  audit(query?: AuditQuery): Promise<AuditPage>;
  /** Secret names (never values); with `repo`, the hub's and that repository's. */
  secrets(repo?: string): Promise<SecretView[]>;
  /** Sets a secret (admin). */
  putSecret(name: string, body: PutSecretBody): Promise<SecretView>;
  /** Removes a secret (admin). */
  deleteSecret(name: string, repo?: string): Promise<void>;
}

/**
 * Makes a client. Methods resolve to the parsed answer and reject with `FloeApiError` — the hub's `{code,
 * message}` and HTTP status, or status 0 and `FLOE_UNREACHABLE` when the hub could not be reached, or
 * `FLOE_BAD_RESPONSE` when the answer does not match its schema.
 */
export function createFloeClient(options: FloeClientOptions): FloeClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new FloeApiError(0, 'FLOE_UNREACHABLE', `cannot reach the hub at ${base}: ${describe(err)}`);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async function json<S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown) {
    const response = await send(method, path, body);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new FloeApiError(response.status, 'FLOE_BAD_RESPONSE', `unexpected answer from ${method} ${path}`);
    }
    return parsed.data as z.infer<S>;
  }

  const id = encodeURIComponent;
  return {
    health: () => json(HealthSchema, 'GET', '/healthz'),
    me: () => json(MeSchema, 'GET', '/api/me'),
    flows: () => json(FlowListSchema, 'GET', '/api/flows'),
    flakyTests: async (flowId, repo) =>
      (await json(FlakyTestsSchema, 'GET', `/api/flows/${id(flowId)}/flaky-tests${queryString({ repo })}`)).tests,
    runs: (query = {}) => json(RunsPageSchema, 'GET', `/api/runs${queryString(query)}`),
    flowTrends: (flowId, query = {}) =>
      json(FlowTrendsSchema, 'GET', `/api/flows/${id(flowId)}/trends${queryString(query)}`),
    deliveries: async (flowId, query = {}) =>
      (await json(DeliveryListSchema, 'GET', `/api/flows/${id(flowId)}/deliveries${queryString(query)}`)).deliveries,
    run: (runId) => json(RunDetailSchema, 'GET', `/api/runs/${id(runId)}`),
    async logs(runId, node, from = 0) {
      const response = await send('GET', `/api/runs/${id(runId)}/logs${queryString({ node, from })}`);
      const text = await response.text();
      const next = Number(response.headers.get(LOG_NEXT_OFFSET_HEADER));
      return {
        text,
        next: Number.isFinite(next) ? next : from + utf8Length(text),
        complete: response.headers.get(LOG_COMPLETE_HEADER) === 'true',
      };
    },
    artifacts: async (runId) => (await json(ArtifactListSchema, 'GET', `/api/runs/${id(runId)}/artifacts`)).artifacts,
    downloadArtifact: (runId, name, path) =>
      send('GET', `/api/runs/${id(runId)}/artifacts/${id(name)}${queryString({ path })}`),
    startRun: (flowId, body = {}) => json(RunCreatedSchema, 'POST', `/api/flows/${id(flowId)}/runs`, body),
    cancelRun: (runId) => json(AcceptedSchema, 'POST', `/api/runs/${id(runId)}/cancel`, {}),
    retryRun: (runId, body = {}) => json(RunCreatedSchema, 'POST', `/api/runs/${id(runId)}/retry`, body),
    submitData: (runId, nodeId, body) =>
      json(AcceptedSchema, 'POST', `/api/runs/${id(runId)}/nodes/${id(nodeId)}/data`, body),
    runners: () => json(RunnerListSchema, 'GET', '/api/runners'),
    createRunnerToken: () => json(TokenResponseSchema, 'POST', '/api/runners/tokens', {}),
    createToken: (body) => json(TokenResponseSchema, 'POST', '/api/tokens', body),
    tokens: async () => (await json(TokenListSchema, 'GET', '/api/tokens')).tokens,
    async deleteToken(name) {
      await send('DELETE', `/api/tokens/${id(name)}`);
    },
    rotateAdminToken: (body = {}) => json(TokenResponseSchema, 'POST', '/api/tokens/admin/rotate', body),
    async deleteRunner(name) {
      await send('DELETE', `/api/runners/${id(name)}`);
    },
    drainRunner: (name) => json(RunnerViewSchema, 'POST', `/api/runners/${id(name)}/drain`, {}),
    undrainRunner: (name) => json(RunnerViewSchema, 'POST', `/api/runners/${id(name)}/undrain`, {}),
    audit: (query = {}) => json(AuditPageSchema, 'GET', `/api/audit${queryString(query)}`),
    secrets: async (repo) => (await json(SecretListSchema, 'GET', `/api/secrets${queryString({ repo })}`)).secrets,
    putSecret: (name, body) => json(SecretViewSchema, 'PUT', `/api/secrets/${id(name)}`, body),
    async deleteSecret(name, repo) {
      await send('DELETE', `/api/secrets/${id(name)}${queryString({ repo })}`);
    },
  };
}

async function errorOf(response: Response): Promise<FloeApiError> {
  const body = ApiErrorBodySchema.safeParse(await response.json().catch(() => undefined));
  if (body.success) return new FloeApiError(response.status, body.data.code, body.data.message);
  return new FloeApiError(response.status, 'FLOE_BAD_RESPONSE', `the hub answered HTTP ${response.status}`);
}

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
