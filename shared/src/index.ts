// The public surface of @floe/shared, chosen on purpose (CONTRIBUTING.md "One entry per package"). Browser-safe:
// Node-only code lives under src/node/ and is exported from `@floe/shared/node`.

// zod itself, so that packages which define their own schemas (the hub's store rows) use the same zod instance.
export { z } from 'zod';
// The hub's API: request/response schemas, the typed REST client and the live API client (docs/api.md).
export {
  type ApiErrorBody,
  ApiErrorBodySchema,
  type ApiErrorCode,
  ApiErrorCodeSchema,
  type ClientErrorCode,
  ClientErrorCodeSchema,
  FloeApiError,
} from './api/api-error.js';
export * from './api/artifacts-api.js';
export * from './api/audit-api.js';
export {
  type CreateTokenBody,
  CreateTokenBodySchema,
  type Me,
  MeSchema,
  Role,
  RoleSchema,
  type RotateAdminTokenBody,
  RotateAdminTokenBodySchema,
  roleAllows,
  type TokenInfo,
  TokenInfoSchema,
  type TokenList,
  TokenListSchema,
  type TokenResponse,
  TokenResponseSchema,
} from './api/auth-api.js';
export { type Backoff, type BackoffOptions, createBackoff } from './api/backoff.js';
export {
  type ConnectLiveOptions,
  connectLive,
  type LiveConnection,
  type LiveSocket,
  type LiveSocketConstructor,
  type LiveStatus,
  type LiveSubscription,
  type LiveTopicMessage,
} from './api/connect-live.js';
export { createFloeClient, type FloeClient, type FloeClientOptions, type LogSlice } from './api/create-floe-client.js';
export * from './api/flow-reports-api.js';
export {
  type FlakyTest,
  FlakyTestSchema,
  type FlakyTests,
  FlakyTestsQuerySchema,
  FlakyTestsSchema,
  FlowListSchema,
  type FlowSummary,
  FlowSummarySchema,
  type FlowTriggerView,
  FlowTriggerViewSchema,
} from './api/flows-api.js';
export { FormTextSchema, formTextProblem } from './api/form-text.js';
export { type Health, HealthSchema, type Readiness, ReadinessSchema } from './api/health-api.js';
export { RunnerListSchema, RunnerRunSchema, type RunnerView, RunnerViewSchema } from './api/runners-api.js';
export * from './api/runs-api.js';
export {
  type PutSecretBody,
  PutSecretBodySchema,
  type SecretList,
  SecretListSchema,
  type SecretView,
  SecretViewSchema,
} from './api/secrets-api.js';
export { utf8Length } from './api/utf8-length.js';
export { downstreamNodes, startTags } from './engine/downstream-nodes.js';
export { type Effect, EffectSchema } from './engine/effect.js';
export { type EngineInput, EngineInputSchema } from './engine/engine-input.js';
export {
  NodeState,
  NodeStateSchema,
  ReasonCode,
  ReasonCodeSchema,
  RunResult,
  RunResultSchema,
} from './engine/node-state.js';
export { runData } from './engine/run-data.js';
export { abandonRun, type EngineStep, type StartRunOptions, startRun, stepRun } from './engine/run-engine.js';
export {
  type NodeRun,
  NodeRunSchema,
  type RunEnding,
  RunEndingSchema,
  type RunEvent,
  RunEventSchema,
  type RunState,
  RunStateSchema,
} from './engine/run-state.js';
export { type TaskOutcome, TaskOutcomeSchema } from './engine/task-outcome.js';
export { type CacheKeyPart, MAX_CACHE_KEY_LENGTH, parseCacheKey } from './flow/cache-key.js';
export { type Cache, CacheSchema } from './flow/cache-schema.js';
export type { Diagnostic, Range, Severity } from './flow/diagnostic.js';
export { DiagnosticSchema, RangeSchema } from './flow/diagnostic.js';
export { DIAGNOSTIC_CODES, type DiagnosticCode } from './flow/diagnostic-codes.js';
export { didYouMean } from './flow/did-you-mean.js';
export { durationMs, formatDuration } from './flow/duration.js';
export { envEntries } from './flow/env-entries.js';
export {
  canEmit,
  type EmitterNode,
  emittableTags,
  mergeGood,
  type ParsedTag,
  parseTag,
  TRIGGER_GOOD,
  taskTag,
} from './flow/event-tags.js';
export { floeJsonSchema } from './flow/floe-json-schema.js';
export { type EdgeNode, type FlowEdge, type FlowEdgeOptions, flowEdges, TRIGGER_NODE } from './flow/flow-edges.js';
export {
  FLOW_FILE_MAX_BYTES,
  FLOW_FILE_TIMEOUT_MS,
  type FlowFileRef,
  flowFileRef,
} from './flow/flow-file-ref.js';
export { MAX_FLOE_FILE_BYTES, MAX_FLOW_NODES, MIN_TRIGGER_PERIOD_MS } from './flow/flow-limits.js';
export * from './flow/flow-schema.js';
export type { FlowSource } from './flow/flow-source.js';
export { lintFlow } from './flow/lint-flow.js';
export { inMatrixOrder } from './flow/matrix-order.js';
export {
  type CombinationOf,
  MAX_MATRIX_COMBINATIONS,
  type Matrix,
  MatrixSchema,
} from './flow/matrix-schema.js';
export { type Migration, migrateFloeFile } from './flow/migrate-floe-file.js';
export * from './flow/notify-target.js';
export { type ParsedFloeFile, parseFloeFile } from './flow/parse-floe-file.js';
export { type FlowFileReaders, type FlowFileResult, resolveFlowFile } from './flow/resolve-flow-file.js';
export { combinationId, matrixVariable } from './flow/resolve-matrix.js';
export { firedTrigger, repoName, triggerCheckout } from './flow/trigger-checkout.js';
export {
  agreeProtocol,
  type ProtocolRange,
  ProtocolRangeSchema,
  type ProtocolUpgrade,
  showRange,
} from './protocol/agree-protocol.js';
export {
  CACHE_OUTCOMES,
  type CacheLine,
  type CacheOutcome,
  cacheLine,
  parseCacheLine,
} from './protocol/cache-line.js';
export * from './protocol/live-protocol.js';
export { type LogChunk, LogChunkSchema, type LogStream, LogStreamSchema } from './protocol/log-chunk.js';
export {
  type DecodedLogFrame,
  decodeLogFrame,
  encodeLogFrame,
  type LogFrameHeader,
  LogFrameHeaderSchema,
  logFrameAround,
} from './protocol/log-frame.js';
export { GROUP_END_LINE, groupStartLine, logGroupLine } from './protocol/log-group.js';
export { type RunRecord, RunRecordSchema } from './protocol/run-record.js';
export { type RunSpec, RunSpecSchema } from './protocol/run-spec.js';
export {
  type DecodedFrame,
  decodeFrame,
  type FrameErrorCode,
  FrameErrorCodeSchema,
  type HeldRun,
  HeldRunSchema,
  type Hello,
  HelloSchema,
  type HubMessage,
  HubMessageSchema,
  MAX_BAD_FRAMES,
  MAX_FRAME_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type RefusalCode,
  RefusalCodeSchema,
  type RunnerMessage,
  RunnerMessageSchema,
  type RunnerMetrics,
  RunnerMetricsSchema,
  type RunnerSandbox,
  RunnerSandboxSchema,
  SINCE_PROTOCOL,
  WelcomeRunSchema,
} from './protocol/runner-protocol.js';
export * from './protocol/task-report.js';
export { Trust, TrustSchema, UNTRUSTED_SUMMARY } from './protocol/trust.js';
