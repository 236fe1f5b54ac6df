// `GET /api/runners`: every registered runner, connected or not, with what it is running (DESIGN §7).
import { z } from 'zod';

export const RunnerRunSchema = z.object({
  id: z.string(),
  number: z.number().int().optional(),
  flowId: z.string().optional(),
});

export const RunnerViewSchema = z.object({
  name: z.string(),
  tags: z.array(z.string()),
  slots: z.number().int().nonnegative(),
  connected: z.boolean(),
  /** The runs it holds now. */
  runs: z.array(RunnerRunSchema),
  /** Milliseconds since the epoch of its last message, when it has ever connected. */
  lastSeenAt: z.number().optional(),
  /**
   * Whether it runs tasks in a sandbox, as an unprivileged user (docs/security.md "The runner sandbox"); untrusted
   * runs go only to runners that do. False for a runner that has not said since it was registered.
   */
  sandboxed: z.boolean(),
  /** Why not, in the runner's words. */
  sandboxReason: z.string().optional(),
  /**
   * Drained by an operator (`POST /api/runners/:name/drain`): offered no run until undrained; it finishes what it
   * holds (docs/runners.md "Draining a runner").
   */
  drained: z.boolean(),
  /** The floe version it said at its last hello. */
  version: z.string().optional(),
  /** The runner protocol version agreed at its last hello. */
  protocol: z.number().int().optional(),
  /** Why it should be updated (older than the hub's version or protocol); absent when it is up to date. */
  update: z.string().optional(),
});
export type RunnerView = z.infer<typeof RunnerViewSchema>;

export const RunnerListSchema = z.array(RunnerViewSchema);
