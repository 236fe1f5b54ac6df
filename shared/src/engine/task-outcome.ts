// What an executor resolves to (CONTRIBUTING.md "Outcomes are values"): it never throws because a task failed.
import { z } from 'zod';

export const TaskOutcomeSchema = z.discriminatedUnion('kind', [
  /** The process ran and exited (or died: a signal is reported as a code, e.g. -1 or 128+n). */
  z.object({ kind: z.literal('exited'), exitCode: z.number().int() }),
  /** The task could not execute at all (no such command, download failed, bad checksum…). */
  z.object({ kind: z.literal('error'), message: z.string() }),
  /** The task's own `timeout` passed and it was killed (DESIGN §8: counts bad, no exit code). */
  z.object({ kind: z.literal('timed-out'), afterMs: z.number().nonnegative() }),
  /** The task was killed because it was told to stop. */
  z.object({ kind: z.literal('cancelled') }),
]);
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;
