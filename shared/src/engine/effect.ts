// What the engine asks its driver to do, or tells it, after a step (see the life of a run in run-engine.ts).
import { z } from 'zod';
import { ReasonCodeSchema, RunResultSchema } from './node-state.js';

export const EffectSchema = z.discriminatedUnion('type', [
  /**
   * Execute an exec / git-checkout / git-merge / fetch / timer task, then send `task-finished` with the same
   * attempt. `timeoutMs` is the task's own `timeout`: the executor kills it then and reports `timed-out`.
   */
  z.object({
    type: z.literal('execute'),
    node: z.string(),
    attempt: z.number().int().positive(),
    timeoutMs: z.number().optional(),
  }),
  /** A `data` node was reached: show its form; answer with a `data` input. */
  z.object({ type: z.literal('await-input'), node: z.string() }),
  /** Stop a running task: the run is ending. Report its `task-finished` as usual: the run ends once every task
   * told to stop has reported. */
  z.object({ type: z.literal('kill'), node: z.string() }),
  /** An event of the run (to store and stream to clients). */
  z.object({
    type: z.literal('event'),
    seq: z.number().int().positive(),
    tag: z.string(),
    good: z.boolean(),
    source: z.string(),
    at: z.number(),
    replayed: z.boolean().optional(),
  }),
  /** The run is over (every task has stopped); comes once. */
  z.object({ type: z.literal('ended'), result: RunResultSchema, reason: z.string(), reasonCode: ReasonCodeSchema }),
  /** The input did not apply (unknown node, stale attempt, run already ended, …); nothing changed. */
  z.object({ type: z.literal('ignored'), reason: z.string() }),
]);
export type Effect = z.infer<typeof EffectSchema>;
