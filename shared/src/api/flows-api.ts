// `GET /api/flows`: the flows the hub knows, one entry per (repo, flow id) (DESIGN §8 "Starting runs").
import { z } from 'zod';

/** A trigger as resolved by the parser (`ResolvedTrigger`): its type, id, name and `opts` (a data form, …). */
export const FlowTriggerViewSchema = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  name: z.string().optional(),
  opts: z.record(z.string(), z.unknown()).optional(),
});
export type FlowTriggerView = z.infer<typeof FlowTriggerViewSchema>;

export const FlowSummarySchema = z.object({
  id: z.string(),
  ver: z.number().int(),
  name: z.string(),
  /** `owner/name` for GitHub repositories, the folder's name (or the given name) for `--repo`. */
  repo: z.string(),
  triggers: z.array(FlowTriggerViewSchema),
  /** Lint errors that stop this flow from running, one line each (absent when it can run). */
  errors: z.array(z.string()).optional(),
});
export type FlowSummary = z.infer<typeof FlowSummarySchema>;

export const FlowListSchema = z.array(FlowSummarySchema);
