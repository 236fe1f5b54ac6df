// What the REST routes and the live API need from the hub, in the API's own words (shared/src/api). The
// adapter that implements it over the hub core (hub.ts) is in api-hub-adapter.ts; keeping this seam narrow lets
// the routes stay thin and the live API be tested against the real hub without knowing its internals.
import type {
  FlowSummary,
  Me,
  Role,
  RunDetail,
  RunnerView,
  RunSummary,
  RunsPage,
  RunsQuerySchema,
  StartRunBody,
  SubmitDataBodySchema,
  z,
} from '@floe/shared';

/** A change the live API passes on; it re-reads what changed, so a change carries only what to re-read. */
export type HubChange =
  | { kind: 'run'; runId: string }
  | { kind: 'runners' }
  | { kind: 'log'; runId: string; node: string };

/** A node's log from a byte offset; `complete` once the node has finished (nothing more will be appended). */
export interface LogText {
  text: string;
  next: number;
  complete: boolean;
}

/** Every method rejects with a FloeError for what a client did wrong (not found, ambiguous, ended, …). */
export interface HubApi {
  /** The caller an API token (not the admin token) belongs to; undefined when unknown. */
  verifyToken(token: string): Promise<Me | undefined>;
  createToken(name: string, role: Role, by: Me): Promise<string>;
  createRunnerToken(by: Me): Promise<string>;
  flows(): Promise<FlowSummary[]>;
  runs(query: z.infer<typeof RunsQuerySchema>): Promise<RunsPage>;
  run(runId: string): Promise<RunDetail>;
  runSummary(runId: string): Promise<RunSummary | undefined>;
  readLog(runId: string, node: string, from: number): Promise<LogText>;
  startRun(flowId: string, body: StartRunBody, by: Me): Promise<string>;
  cancelRun(runId: string, by: Me): Promise<void>;
  retryRun(runId: string, from: string | undefined, by: Me): Promise<string>;
  submitData(runId: string, nodeId: string, body: z.infer<typeof SubmitDataBodySchema>, by: Me): Promise<void>;
  runners(): Promise<RunnerView[]>;
  /** Calls `listener` on every change, in the order they happen; returns the unsubscribe function. */
  onChange(listener: (change: HubChange) => void): () => void;
}
