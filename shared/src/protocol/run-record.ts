import { z } from 'zod';
import { EngineInputSchema } from '../engine/engine-input.js';
import { LogChunkSchema } from './log-chunk.js';
import { TaskReportSchema } from './task-report.js';

// ---------------------------------------------------------------------------------------------------------------
// Records: what a runner reports about a run, in order (DESIGN §5). The local run (`floe run`) and the runner
// daemon both get them from the run driver; the daemon spools and sends them, the hub applies them.

export const RunRecordSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('start'),
    seq: z.number().int().positive(),
    /** The engine's start time; the hub calls startRun with the same value. */
    at: z.number(),
    /**
     * How many combinations of a matrix task without `max-parallel` run at once (the runner's slots); the hub
     * calls startRun with the same value. Since protocol 2: sent only when both sides speak it, all at once
     * without it (on both sides alike).
     */
    parallel: z.number().int().positive().optional(),
  }),
  z.object({ kind: z.literal('input'), seq: z.number().int().positive(), input: EngineInputSchema }),
  z.object({
    kind: z.literal('log'),
    seq: z.number().int().positive(),
    node: z.string(),
    attempt: z.number().int().positive(),
    chunk: LogChunkSchema,
  }),
  /** Since protocol 2: what a task reported besides its log (task-report.ts). Sent only to a hub that agreed on
   * 2 or later; an older hub gets a `sys` log line in its place (the seqs stay without gaps). */
  z.object({
    kind: z.literal('report'),
    seq: z.number().int().positive(),
    node: z.string(),
    attempt: z.number().int().positive(),
    report: TaskReportSchema,
  }),
]);
export type RunRecord = z.infer<typeof RunRecordSchema>;
