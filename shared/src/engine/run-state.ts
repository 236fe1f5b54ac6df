// The state of one run: plain JSON, so the hub stores it as it is and a restarted hub or runner carries on from
// it. Only the engine (run-engine.ts) changes it, always into a new object.
import { z } from 'zod';
import { NodeStateSchema, ReasonCodeSchema, RunResultSchema } from './node-state.js';

const TimeSchema = z.number().describe('Milliseconds since the epoch, as given by the input.');

export const NodeRunSchema = z.object({
  state: NodeStateSchema,
  /** 0 until the node is first executed; then the number of the current (or last) attempt, from 1. */
  attempt: z.number().int().nonnegative(),
  /** The exit code of the last attempt, when the task exited. */
  exitCode: z.number().int().optional(),
  startedAt: TimeSchema.optional(),
  endedAt: TimeSchema.optional(),
  /** One line a person can read: "exited 2", "timed out after 30s", "could not run (…)", "rejected by ann". */
  reason: z.string().optional(),
  /** Form values of a `data` node (defaults filled in). */
  values: z.record(z.string(), z.string()).optional(),
  /** Who submitted or rejected a `data` node's form. */
  by: z.string().optional(),
  /** Not executed in this run: its result was taken from the run being retried (DESIGN §8 "Retry"). */
  replayed: z.boolean().optional(),
  /** The event tag this node emitted. */
  tag: z.string().optional(),
});
export type NodeRun = z.infer<typeof NodeRunSchema>;

export const RunEventSchema = z.object({
  /** Per run, from 1, strictly increasing. */
  seq: z.number().int().positive(),
  tag: z.string(),
  good: z.boolean(),
  at: TimeSchema,
  /** The node that emitted it (the trigger's id for `trigger.good`). */
  source: z.string(),
  replayed: z.boolean().optional(),
});
export type RunEvent = z.infer<typeof RunEventSchema>;

export const RunEndingSchema = z.object({
  result: RunResultSchema,
  reason: z.string(),
  reasonCode: ReasonCodeSchema,
  at: TimeSchema,
});
export type RunEnding = z.infer<typeof RunEndingSchema>;

export const RunStateSchema = z.object({
  startedAt: TimeSchema,
  /** When the run times out: start + the flow's `timeout` (default 6h). */
  deadline: TimeSchema,
  /** Trigger or start-form values. */
  data: z.record(z.string(), z.string()),
  /** Every node of the flow (tasks, merges, end nodes) by id. */
  nodes: z.record(z.string(), NodeRunSchema),
  /** Distinct wait tags arrived at each merge, in order of arrival. */
  merges: z.record(z.string(), z.object({ arrived: z.array(z.string()) })),
  events: z.array(RunEventSchema),
  /**
   * The first ending, decided while tasks were still running (`at` is when it was decided): those tasks are
   * being stopped, and the run ends once each has reported that it stopped. A run is over only when its
   * processes are: its slot and resource tags are not free before.
   */
  ending: RunEndingSchema.optional(),
  /** How many combinations of a matrix task without `max-parallel` run at once (the runner's slots); all if absent. */
  parallel: z.number().int().positive().optional(),
  /** Set once, when the run is over; nothing changes the run afterwards. */
  ended: RunEndingSchema.optional(),
});
export type RunState = z.infer<typeof RunStateSchema>;
