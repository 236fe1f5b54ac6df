// Runs through the API: the list, one run with its nodes, its logs, and the verbs that start and steer runs
// (DESIGN §4, §7, §8 "Starting runs", "Retry", "Why a run ended"). Times are milliseconds since the
// epoch, as in the engine.
import { z } from 'zod';
import { NodeStateSchema, ReasonCodeSchema, RunResultSchema } from '../engine/node-state.js';
import { FormSchema } from '../flow/flow-schema.js';
import { CombinationOfSchema } from '../flow/matrix-schema.js';
import { TaskReportSchema } from '../protocol/task-report.js';
import { TrustSchema } from '../protocol/trust.js';
import { FormTextSchema } from './form-text.js';

/** The three lists every run is in, one at a time (DESIGN §1). */
export const RunListStateSchema = z.enum(['pending', 'active', 'archived']);
export type RunListState = z.infer<typeof RunListStateSchema>;
export const RunListState = RunListStateSchema.enum;

/** What made the run: `manual` (API, dashboard, VS Code), `retry`, `push`, `pull-request`, `timer`, … */
export const RunTriggerViewSchema = z.looseObject({
  type: z.string(),
  /** The trigger's id in the flow, when a flow trigger fired. */
  id: z.string().optional(),
  /** The person or token that started it. */
  by: z.string().optional(),
});
export type RunTriggerView = z.infer<typeof RunTriggerViewSchema>;

/** One run as the lists show it. */
export const RunSummarySchema = z.object({
  id: z.string(),
  /** Per (repo, flow), from 1. */
  number: z.number().int().positive(),
  flowId: z.string(),
  repo: z.string(),
  ref: z.string().optional(),
  sha: z.string().optional(),
  state: RunListStateSchema,
  result: RunResultSchema.optional(),
  reason: z.string().optional(),
  reasonCode: ReasonCodeSchema.optional(),
  /** Why a pending run still waits, in a sentence ("no runner has tags gpu"). */
  pendingReason: z.string().optional(),
  /** An active run that is ending (cancelled, failed, timed out) while its tasks are being stopped: why it ends. */
  stopping: z.string().optional(),
  /** The name of the runner it was dispatched to. */
  runner: z.string().optional(),
  trigger: RunTriggerViewSchema,
  /**
   * `untrusted`: code from another repository than the base (a fork's pull request, any `refs/pull/` ref), run
   * without secrets, in a fresh workspace, with the base branch's tags (docs/security.md). A retry keeps it.
   */
  trust: TrustSchema,
  /** The run this one retries (DESIGN §8 "Retry"). */
  retryOf: z.string().optional(),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** A node (task, merge, end) of one run. */
export const NodeViewSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  /** The task type (`exec`, `data`, …) or `merge`. */
  type: z.string().optional(),
  state: NodeStateSchema,
  exitCode: z.number().int().optional(),
  /** The current or last attempt, from 1 (0: never executed). */
  attempt: z.number().int().nonnegative().optional(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  reason: z.string().optional(),
  /** The event tag it emitted. */
  tag: z.string().optional(),
  /** Form answers of a `data` node, who gave them and when. */
  values: z.record(z.string(), z.string()).optional(),
  by: z.string().optional(),
  answeredAt: z.number().optional(),
  /** The listen tag, so clients can draw the graph. */
  listen: z.string().optional(),
  /** A merge's wait tags. */
  wait: z.array(z.string()).optional(),
  /** Not executed in this run: taken from the run it retries. */
  replayed: z.boolean().optional(),
  /** A `data` task's form, so that a client can show it when the node awaits input. */
  form: FormSchema.optional(),
  /** A combination of a matrix task: the task's id and the combination's values (docs/floe-yaml.md "Matrices"). */
  combination: CombinationOfSchema.optional(),
});
export type NodeView = z.infer<typeof NodeViewSchema>;

/** An engine event of a run; `seq` is per run, from 1, the cursor of the live API's run topic. */
export const RunEventViewSchema = z.object({
  seq: z.number().int().positive(),
  tag: z.string(),
  good: z.boolean(),
  at: z.number(),
  source: z.string(),
  replayed: z.boolean().optional(),
});
export type RunEventView = z.infer<typeof RunEventViewSchema>;

/** `GET /api/runs/:runId`. */
/** A task's report as the run page and the check run show it (shared/src/protocol/task-report.ts). */
export const RunReportViewSchema = z.object({
  node: z.string(),
  attempt: z.number().int().positive(),
  report: TaskReportSchema,
});
export type RunReportView = z.infer<typeof RunReportViewSchema>;

export const RunDetailSchema = RunSummarySchema.extend({
  nodes: z.array(NodeViewSchema),
  events: z.array(RunEventViewSchema).optional(),
  /** Trigger or start-form values. */
  data: z.record(z.string(), z.string()).optional(),
  /** Found by the hub when the run was made, e.g. a `{{secret.NAME}}` that names no secret (DESIGN §8). */
  warnings: z.array(z.string()).optional(),
  /** What the tasks reported besides their logs, in the order they did: annotations, summaries, test reports. */
  reports: z.array(RunReportViewSchema).optional(),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** `GET /api/runs` query. */
export const RunsQuerySchema = z.object({
  state: RunListStateSchema.optional(),
  flow: z.string().min(1).optional(),
  repo: z.string().min(1).optional(),
  ref: z.string().min(1).optional(),
  /** How archived runs ended; only archived runs have one. */
  result: RunResultSchema.optional(),
  /** Page size, 1–500; default 50. */
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `next` of the previous page. */
  cursor: z.string().min(1).optional(),
});
/** What a client passes: every field optional. */
export type RunsQuery = Partial<z.infer<typeof RunsQuerySchema>>;

/** `GET /api/runs`: newest first; `next` is present when there is another page. */
export const RunsPageSchema = z.object({ runs: z.array(RunSummarySchema), next: z.string().optional() });
export type RunsPage = z.infer<typeof RunsPageSchema>;

/** `GET /api/runs/:runId/logs` query: the node's log from a byte offset. */
export const LogsQuerySchema = z.object({
  node: z.string().min(1),
  from: z.coerce.number().int().nonnegative().default(0),
});
export type LogsQuery = z.infer<typeof LogsQuerySchema>;

/** Response headers of the logs route: the byte offset to ask from next, and whether the node's log is complete. */
export const LOG_NEXT_OFFSET_HEADER = 'x-floe-log-next';
export const LOG_COMPLETE_HEADER = 'x-floe-log-complete';

/**
 * A form answer: strings, numbers and booleans are accepted and checked against the form's field types. Names and
 * text refuse NUL, other control characters but tab, newline and carriage return, and lone surrogates (form-text.ts),
 * so the API answers 400 naming the field, e.g. `body.data.note: holds a NUL character at index 3; …`.
 */
export const FormValuesSchema = z.record(FormTextSchema, z.union([FormTextSchema, z.number(), z.boolean()]));
export type FormValues = z.infer<typeof FormValuesSchema>;

/** `POST /api/flows/:flowId/runs`. `repo` may be left out when only one repository has that flow id. */
export const StartRunBodySchema = z.object({
  data: FormValuesSchema.optional(),
  repo: z.string().min(1).optional(),
  /** Default: the repository's default branch. */
  ref: z.string().min(1).optional(),
});
export type StartRunBody = z.infer<typeof StartRunBodySchema>;

/** `POST /api/flows/:flowId/runs` and `POST /api/runs/:runId/retry` answer 201 with the new run's id. */
export const RunCreatedSchema = z.object({ runId: z.string() });
export type RunCreated = z.infer<typeof RunCreatedSchema>;

/** `POST /api/runs/:runId/retry`: a new run of the same flow, commit and data; `from` replays upstream nodes. */
export const RetryRunBodySchema = z.object({ from: z.string().min(1).optional() });
export type RetryRunBody = z.infer<typeof RetryRunBodySchema>;

/** `POST /api/runs/:runId/nodes/:nodeId/data`: answer a waiting `data` node, or reject it (the node goes bad). */
export const SubmitDataBodySchema = z.object({
  values: FormValuesSchema.default({}),
  reject: z.boolean().optional(),
});
export type SubmitDataBody = z.input<typeof SubmitDataBodySchema>;

/** `POST /api/runs/:runId/cancel` and `…/data`: accepted (202); what follows arrives through the run's state. */
export const AcceptedSchema = z.object({ ok: z.literal(true) });
export type Accepted = z.infer<typeof AcceptedSchema>;
