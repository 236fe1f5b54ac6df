// The public surface of @floe/shared, chosen on purpose (STYLE §15). Browser-safe: Node-only code lives under
// src/node/ and is exported from `@floe/shared/node`.

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
export { type EngineStep, type StartRunOptions, startRun, stepRun } from './engine/run-engine.js';
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
export { durationMs, formatDuration } from './flow/duration.js';
export { envEntries } from './flow/env-entries.js';
export {
  canEmit,
  emittableTags,
  mergeGood,
  type ParsedTag,
  parseTag,
  TRIGGER_GOOD,
  taskTag,
} from './flow/event-tags.js';
export * from './flow/flow-schema.js';
