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

/** A test that failed in a run and passed in a retry of that run at the same commit (docs/api.md). */
export const FlakyTestSchema = z.object({
  node: z.string(),
  name: z.string(),
  classname: z.string().optional(),
  file: z.string().optional(),
  sha: z.string(),
  failedRun: z.object({ id: z.string(), number: z.number().int() }),
  passedRun: z.object({ id: z.string(), number: z.number().int() }),
});
export type FlakyTest = z.infer<typeof FlakyTestSchema>;

/** `GET /api/flows/:flowId/flaky-tests?repo=`: among the flow's last 100 archived runs, newest first. */
export const FlakyTestsSchema = z.object({ tests: z.array(FlakyTestSchema) });
export type FlakyTests = z.infer<typeof FlakyTestsSchema>;

export const FlakyTestsQuerySchema = z.object({ repo: z.string().min(1).optional() });
