// What the flow page reads besides its runs (docs/api.md "Trends" and "Notifications"):
// `GET /api/flows/:flowId/trends` — how long the flow's last runs took and which tasks fail most — and
// `GET /api/flows/:flowId/deliveries` — its outgoing webhooks and every attempt to send them.
import { z } from 'zod';

export const FlowReportQuerySchema = z.object({
  /** The repository, when several have a flow of this id (else FLOE_FLOW_AMBIGUOUS). */
  repo: z.string().min(1).max(200).optional(),
  /** How many of the newest ended runs the trends cover; default 50, at most 500. */
  last: z.coerce.number().int().min(1).max(500).optional(),
});
export type FlowReportQuery = z.infer<typeof FlowReportQuerySchema>;

export const FlowTrendsSchema = z.object({
  repo: z.string(),
  flowId: z.string(),
  /** Ended runs looked at (newest first, at most `last`). */
  runs: z.number().int().nonnegative(),
  /** Of those, the ones that ran (a run cancelled while it waited has no duration). */
  timed: z.number().int().nonnegative(),
  /** Duration percentiles (nearest rank) of the timed runs, start to end; absent without one. */
  durationMs: z.object({ p50: z.number(), p95: z.number() }).optional(),
  /** The timed runs, oldest first: a bar each on the flow page. */
  recent: z.array(
    z.object({
      runId: z.string(),
      number: z.number().int(),
      result: z.enum(['good', 'bad', 'cancelled']),
      durationMs: z.number(),
    }),
  ),
  /** Tasks that ended bad or in error, most failures first (at most 10). */
  failingTasks: z.array(
    z.object({
      node: z.string(),
      name: z.string(),
      failures: z.number().int().positive(),
      /** Runs of those looked at in which the task ran at all. */
      ran: z.number().int().positive(),
      /** The newest run it failed in. */
      lastRunId: z.string(),
    }),
  ),
});
export type FlowTrends = z.infer<typeof FlowTrendsSchema>;

export const DeliveryViewSchema = z.object({
  id: z.string(),
  runId: z.string(),
  repo: z.string(),
  flowId: z.string(),
  /** `hub` (the hub's --notify-url) or `notify.<index>` (the flow's entry). */
  target: z.string(),
  /** As configured: a URL kept in a secret shows as `{{secret.NAME}}`, never its value. */
  url: z.string(),
  format: z.enum(['floe', 'slack']),
  signed: z.boolean(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int().nonnegative(),
  /** When the next attempt is due (pending). */
  nextAt: z.number().optional(),
  createdAt: z.number(),
  log: z.array(
    z.object({
      attempt: z.number().int().positive(),
      at: z.number(),
      status: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
    }),
  ),
});
export type DeliveryView = z.infer<typeof DeliveryViewSchema>;

export const DeliveryListSchema = z.object({ deliveries: z.array(DeliveryViewSchema) });
export type DeliveryList = z.infer<typeof DeliveryListSchema>;
