// What happens to a run from outside the engine. Time comes only from `at` (ms since the epoch): the engine has
// no clock (DESIGN §2).
import { z } from 'zod';
import { TaskOutcomeSchema } from './task-outcome.js';

export const EngineInputSchema = z.discriminatedUnion('type', [
  /** An attempt of an executed task finished. */
  z.object({
    type: z.literal('task-finished'),
    node: z.string(),
    attempt: z.number().int().positive(),
    outcome: TaskOutcomeSchema,
    at: z.number(),
  }),
  /** A person submitted (or, with `reject`, refused) the form of a `data` node awaiting input. */
  z.object({
    type: z.literal('data'),
    node: z.string(),
    values: z.record(z.string(), z.string()),
    by: z.string().optional(),
    reject: z.boolean().optional(),
    at: z.number(),
  }),
  z.object({ type: z.literal('cancel'), by: z.string().optional(), at: z.number() }),
  /** Time passes: ends the run when `at` is at or past its deadline. */
  z.object({ type: z.literal('tick'), at: z.number() }),
  /** The runner holding the run vanished (DESIGN §5), or an admin removed it (`how`: "removed by ann"). */
  z.object({ type: z.literal('lost'), runner: z.string(), at: z.number(), how: z.string().optional() }),
]);
export type EngineInput = z.infer<typeof EngineInputSchema>;
