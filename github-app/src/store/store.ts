// The hub's store: ONE async interface (DESIGN §4), implemented once (sql-store.ts) for SQLite (store/sqlite/, the
// default) and PostgreSQL (store/postgres/, several hubs on one database). Both pass one contract suite
// (testing/store.contract.ts), so code above the store never knows which it has. Async because PostgreSQL is.
// The rows below are what the store returns: each table's rows are parsed with these schemas (row-codec.ts).
//
// Every write that decides who owns a run is a compare-and-set on (state, epoch) inside the store, never a read
// followed by a write in the caller: that is what keeps a run from executing twice when offers, accepts, leases and
// late runners race (DESIGN §5), and what lets several hubs share one database.
//
// Secrets never reach the store: API tokens, registration tokens and runner credentials are stored as sha256
// hashes (hash-secret.ts), and looked up by hash.
import {
  AuditActionSchema,
  type ReasonCode,
  ReasonCodeSchema,
  type ResolvedFlow,
  type ResolvedTrigger,
  type RunState,
  TaskReportSchema,
  TrustSchema,
  z,
} from '@floe/shared';
import type { GitHubStateStore } from './github-state.js';
import type { NotificationStore } from './notify-deliveries.js';

// ---------------------------------------------------------------------------------------------------------------
// Rows

const Time = z.number().describe('Milliseconds since the epoch.');
// A flow (and its triggers) is parsed with ResolvedFlowSchema where it enters the hub (FLOE.yaml read, resolved and
// linted) and where it enters a runner (the offer); the store keeps what the hub wrote after that parse. Parsing it
// again on every read would cost ~30 µs a row on the hottest paths (every batch of records reads its run), so the
// row schema gives it ResolvedFlowSchema's type without walking it again.
const ResolvedFlowJson = z.custom<ResolvedFlow>((value) => typeof value === 'object' && value !== null);
const ResolvedTriggersJson = z.custom<ResolvedTrigger[]>((value) => Array.isArray(value));
const RunStateJson = z.custom<RunState>((value) => typeof value === 'object' && value !== null);

/** A repository the hub reads flows from (`--repo`, or one a GitHub App installation holds). */
export const RepoRowSchema = z.object({
  /** `owner/name` for GitHub, the folder name (or the given name) for `--repo`. */
  name: z.string(),
  /** Where runners clone from, and where the hub reads FLOE.yaml: a path or a URL. */
  url: z.string(),
  /** The default branch's full ref (`refs/heads/main`), once known. */
  defaultRef: z.string().optional(),
  /** The commit the flows table was last read at. */
  headSha: z.string().optional(),
  refreshedAt: Time.optional(),
});
export type RepoRow = z.infer<typeof RepoRowSchema>;

/** A flow of a repository's default branch, as read at `sha`. */
export const FlowRowSchema = z.object({
  repo: z.string(),
  id: z.string(),
  ver: z.number().int(),
  name: z.string(),
  /** The flow's triggers (resolved), for the trigger scheduler and start forms. */
  triggers: ResolvedTriggersJson,
  /** The resolved flow; absent when the flow has errors. */
  flow: ResolvedFlowJson.optional(),
  /** Errors that stop the flow from running, one line each; empty when it can run. */
  errors: z.array(z.string()),
  sha: z.string(),
  updatedAt: Time,
});
export type FlowRow = z.infer<typeof FlowRowSchema>;

export const RunStateListSchema = z.enum(['pending', 'active', 'archived']);
export type RunStateList = z.infer<typeof RunStateListSchema>;

/** What made a run: `manual`, `retry`, `timer`, `poll-git`, `push`, … with who and the trigger data. */
export const RunTriggerSchema = z.object({
  type: z.string(),
  /** The flow trigger's id, when a flow trigger fired. */
  id: z.string().optional(),
  by: z.string().optional(),
  data: z.record(z.string(), z.string()),
  /**
   * A pull request's head repository when it is not the base one (a fork's clone URL): an untrusted run may check
   * it out besides its own repository.
   */
  headCloneUrl: z.string().optional(),
  /** Hub-side findings when the run was made, e.g. `{{secret.X}}` naming no secret (DESIGN §8 "Lint severities"). */
  warnings: z.array(z.string()).optional(),
});
export type RunTrigger = z.infer<typeof RunTriggerSchema>;

export const RunRowSchema = z.object({
  /** Sortable: newer runs have greater ids (new-run-id.ts), so newest-first listing is an index scan. */
  id: z.string(),
  repo: z.string(),
  flowId: z.string(),
  /** Per (repo, flowId), from 1, allocated atomically. */
  number: z.number().int().positive(),
  state: RunStateListSchema,
  result: z.enum(['good', 'bad', 'cancelled']).optional(),
  reason: z.string().optional(),
  reasonCode: ReasonCodeSchema.optional(),
  trigger: RunTriggerSchema,
  /** `untrusted` for code from another repository than the base (docs/security.md); kept by every retry. */
  trust: TrustSchema,
  /** Full ref name (`refs/heads/feature/x`). */
  ref: z.string().optional(),
  sha: z.string().optional(),
  cloneUrl: z.string().optional(),
  /** The flow resolved at the triggering commit: what the run executes, whatever the repository does later. */
  flow: ResolvedFlowJson,
  /** The engine's state (shared/src/engine), from the `start` record on. */
  engine: RunStateJson.optional(),
  /**
   * The runner it is offered to (state pending) or running on (active); kept when archived. A pending run with a
   * runner is "offered": it holds its slot and tags until the runner accepts or the offer times out.
   */
  runnerId: z.string().optional(),
  /** Raised on every assignment; writes carrying another epoch are stale (DESIGN §5). */
  epoch: z.number().int().nonnegative(),
  /** Offer timeout while offered; lease expiry while active. */
  leaseExpiresAt: Time.optional(),
  /** The highest record seq stored (records are numbered per run from 1, without gaps). */
  lastSeq: z.number().int().nonnegative(),
  createdAt: Time,
  startedAt: Time.optional(),
  endedAt: Time.optional(),
  /** The run this one retries (DESIGN §8 "Retry"). */
  retryOf: z.string().optional(),
  /** Retry from this node: replay the retried run's upstream results (needs `pinnedRunnerId`). */
  replayFrom: z.string().optional(),
  /** Dispatch only to this runner (it holds the workspace of the run being retried). */
  pinnedRunnerId: z.string().optional(),
  /** Who asked to cancel the active run, and when; the run ends `cancelled` even if its runner is gone. */
  cancelRequestedBy: z.string().optional(),
  cancelRequestedAt: Time.optional(),
});
export type RunRow = z.infer<typeof RunRowSchema>;

/** What a runner's view lists of a run it holds (runner-views.ts). */
export const LiveRunRefSchema = RunRowSchema.pick({ id: true, number: true, flowId: true, runnerId: true });
export type LiveRunRef = z.infer<typeof LiveRunRefSchema>;

export const LogChunkRowSchema = z.object({
  runId: z.string(),
  node: z.string(),
  attempt: z.number().int().positive(),
  /** Byte offset (UTF-8) of the chunk's first byte within the node's log (all attempts, in order). */
  offset: z.number().int().nonnegative(),
  stream: z.string(),
  at: Time,
  text: z.string(),
});
export type LogChunkRow = z.infer<typeof LogChunkRowSchema>;

/**
 * A chunk to append: the store gives it its offset. Its text may be its UTF-8 bytes, as a binary log frame
 * brought them (shared/src/protocol/log-frame.ts): stored as they are where the database can (sql-store.ts).
 */
export type LogAppend = Omit<LogChunkRow, 'runId' | 'offset' | 'text'> & { text: string | Buffer };
/** A chunk appended, and where. */
export type AppendedLog = LogAppend & { runId: string; offset: number };

/** A task's report (an annotation, its summary, a test report), stored as its runner's record `seq` numbered it. */
export const ReportRowSchema = z.object({
  seq: z.number().int().positive(),
  node: z.string(),
  attempt: z.number().int().positive(),
  report: TaskReportSchema,
});
export type ReportRow = z.infer<typeof ReportRowSchema>;

export const RunnerRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  slots: z.number().int().nonnegative(),
  credentialHash: z.string(),
  connected: z.boolean(),
  lastSeenAt: Time.optional(),
  version: z.string().optional(),
  /** Its tasks run in a sandbox (hello's `sandbox`); false until it says so. */
  sandboxed: z.boolean().default(false),
  /** Why not, as the runner said. */
  sandboxReason: z.string().optional(),
  /** Drained by an operator (docs/runners.md "Draining a runner"): offered no run until undrained. */
  drained: z.boolean().default(false),
  /** The protocol version agreed at its last hello; absent before it said one. */
  protocol: z.number().int().optional(),
  createdAt: Time,
});
export type RunnerRow = z.infer<typeof RunnerRowSchema>;

export const ApiRoleSchema = z.enum(['viewer', 'operator', 'admin']);

export const ApiTokenRowSchema = z.object({
  name: z.string(),
  role: ApiRoleSchema,
  /** sha256 of the token, hex; the token itself is never stored. */
  tokenHash: z.string(),
  createdAt: Time,
  /** The token is refused from then on; absent: never. */
  expiresAt: Time.optional(),
  /** Updated at most once a minute (touchApiToken), so that checking a token is not a write per request. */
  lastUsedAt: Time.optional(),
});
export type ApiTokenRow = z.infer<typeof ApiTokenRowSchema>;

/** An admin's or operator's action (docs/security.md "Revocation, expiry and audit"). */
export const AuditRowSchema = z.object({
  /** Increasing; the cursor of the log's pages. */
  id: z.number().int().positive(),
  at: Time,
  actor: z.string(),
  role: ApiRoleSchema,
  action: AuditActionSchema,
  target: z.string(),
  detail: z.record(z.string(), z.string()).optional(),
});
export type AuditRow = z.infer<typeof AuditRowSchema>;
export type NewAuditRow = Omit<AuditRow, 'id'>;
export type AuditRowPage = { entries: AuditRow[]; next?: number };

export const TriggerStateRowSchema = z.object({
  key: z.string(),
  value: z.unknown(),
  /** Raised on every write: `putTriggerState` compares it (a fire happens once even with several hubs). */
  version: z.number().int().positive(),
});
export type TriggerStateRow = z.infer<typeof TriggerStateRowSchema>;

/** A secret, sealed (secrets/secret-cipher.ts); `repo` absent: the hub's, for every repository. */
export const SecretRowSchema = z.object({
  name: z.string(),
  repo: z.string().optional(),
  sealed: z.string(),
  updatedAt: Time,
});
export type SecretRow = z.infer<typeof SecretRowSchema>;

/** An artifact of a run (DESIGN §8 "Artifacts"); its files' bytes are in the blob store under their blob ids. */
export const ArtifactRowSchema = z.object({
  id: z.string(),
  runId: z.string(),
  name: z.string(),
  node: z.string(),
  /** The run's epoch when the upload began: only that runner may write it. */
  epoch: z.number().int().nonnegative(),
  state: z.enum(['uploading', 'stored']),
  /** The run's trust, copied: `fetch` takes only trusted artifacts. */
  trust: TrustSchema,
  /** Bytes of all its files, as declared when the upload began (what the caps count). */
  size: z.number().int().nonnegative(),
  createdAt: Time,
  storedAt: Time.optional(),
  /** `expire-in`; absent: it lives as long as its run. */
  expiresAt: Time.optional(),
});
export type ArtifactRow = z.infer<typeof ArtifactRowSchema>;

export const ArtifactFileRowSchema = z.object({
  artifactId: z.string(),
  path: z.string(),
  blobId: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  /** All its bytes arrived and their sha256 matched. */
  verified: z.boolean(),
});
export type ArtifactFileRow = z.infer<typeof ArtifactFileRowSchema>;

export type ArtifactWithFiles = ArtifactRow & { files: ArtifactFileRow[] };

/** What beginning an upload needs (see Store.beginArtifact). */
export type NewArtifact = Omit<ArtifactRow, 'state' | 'trust' | 'storedAt'> & {
  files: Omit<ArtifactFileRow, 'artifactId' | 'verified'>[];
};

export type ArtifactCaps = { maxRunBytes: number; maxHubBytes: number };

export type BeginArtifactOutcome =
  /** `replaced`: blobs of an earlier upload of this name (an earlier attempt or epoch) to remove from the blob store. */
  | { ok: true; artifact: ArtifactWithFiles; resumed: boolean; replaced: string[] }
  | { ok: false; reason: 'stale' }
  | { ok: false; reason: 'name-taken'; node: string }
  | { ok: false; reason: 'run-cap' | 'hub-cap'; used: number };

/**
 * A task cache kept on the hub (store migration 16; docs/floe-yaml.md "cache"): its bytes are the blob store's.
 * `space` is the keyspace the hub derives from the saving run (its trust and repository).
 */
export const TaskCacheRowSchema = z.object({
  space: z.string(),
  key: z.string(),
  blobId: z.string(),
  size: z.coerce.number(),
  savedAt: z.coerce.number(),
  usedAt: z.coerce.number(),
});
export type TaskCacheRow = z.infer<typeof TaskCacheRowSchema>;

/** Where `fetch` takes an artifact from (FetchArtifact of FLOE.yaml). */
export type ArtifactSourceQuery = { repo: string; flowId: string; name: string; ref?: string; runId?: string };

// ---------------------------------------------------------------------------------------------------------------
// Inputs and queries

export type NewRun = Pick<RunRow, 'id' | 'repo' | 'flowId' | 'trigger' | 'trust' | 'flow' | 'createdAt'> &
  Partial<Pick<RunRow, 'ref' | 'sha' | 'cloneUrl' | 'retryOf' | 'replayFrom' | 'pinnedRunnerId'>>;

export type RunQuery = {
  state?: RunStateList;
  repo?: string;
  flowId?: string;
  ref?: string;
  result?: RunRow['result'];
  /** Default 50. */
  limit?: number;
  /** The `next` of the previous page: runs older than it. */
  cursor?: string;
};
export type RunPage = { runs: RunRow[]; next?: string };

export type RunEnding = {
  result: 'good' | 'bad' | 'cancelled';
  reason: string;
  reasonCode: ReasonCode;
  endedAt: number;
};

/** What applying a batch of records changes, written at once (records.ts). */
export type RunProgress = {
  epoch: number;
  /** The caller read the run at this lastSeq; the write fails if another write came in between. */
  expectedLastSeq: number;
  lastSeq: number;
  engine: RunState;
  logs: LogAppend[];
  /** Reports of tasks (`report` records); none when absent. */
  reports?: ReportRow[];
  /** Archive the run in the same write. */
  ended?: RunEnding;
};

export type ProgressOutcome =
  | { ok: true; run: RunRow; logs: AppendedLog[] }
  | { ok: false; reason: 'stale' | 'conflict' | 'missing'; run?: RunRow };

/** What `GET /metrics` counts of the runs (metrics/hub-metrics.ts), read from indexes only. */
export const RunTalliesSchema = z.object({
  /** Runs in each list. */
  pending: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  archived: z.number().int().nonnegative(),
  /** Archived runs by result. */
  results: z.object({ good: z.number().int(), bad: z.number().int(), cancelled: z.number().int() }),
  /** Pending runs not offered to a runner: the queue. */
  waiting: z.number().int().nonnegative(),
  /** When the oldest run of the queue was made; absent when the queue is empty. */
  oldestWaitingAt: Time.optional(),
  /** Offered and active runs by the runner holding them. */
  byRunner: z.array(z.object({ runnerId: z.string(), runs: z.number().int().positive() })),
});
export type RunTallies = z.infer<typeof RunTalliesSchema>;

export type LogRead = {
  /** Chunks from `from` on; the first may start inside a stored chunk (cut at `from`). */
  chunks: LogChunkRow[];
  /** The log's length in bytes: ask from here next. */
  next: number;
};

// ---------------------------------------------------------------------------------------------------------------
// The store

export interface Store {
  // Repos and flows
  upsertRepo(repo: RepoRow): Promise<void>;
  getRepo(name: string): Promise<RepoRow | undefined>;
  listRepos(): Promise<RepoRow[]>;
  /** Replaces the repository's flows with these (flows gone from FLOE.yaml disappear). */
  replaceFlows(repo: string, flows: FlowRow[]): Promise<void>;
  listFlows(repo?: string): Promise<FlowRow[]>;
  getFlow(repo: string, id: string): Promise<FlowRow | undefined>;
  /** The repositories that have a flow of this id (starting a run without naming the repository). */
  listFlowRepos(id: string): Promise<string[]>;

  // Runs
  /** Inserts a pending run with the next number of its (repo, flowId). */
  createRun(run: NewRun): Promise<RunRow>;
  getRun(id: string): Promise<RunRow | undefined>;
  getRunByNumber(repo: string, flowId: string, number: number): Promise<RunRow | undefined>;
  /** Newest first, filtered, paged by `cursor`. */
  listRuns(query?: RunQuery): Promise<RunPage>;
  /** How many runs each list holds, the queue, and who holds the live ones (metrics; indexes only). */
  runTallies(): Promise<RunTallies>;
  /** Every pending and active run, oldest first (what the dispatcher looks at). */
  listLiveRuns(): Promise<RunRow[]>;
  /**
   * Whether any run is pending (offered or not): a dispatch pass that would find none has nothing to offer and no
   * run to say why it waits, so it skips reading every live run (one index probe instead).
   */
  hasPendingRuns(): Promise<boolean>;
  /** The pending and active runs (of one runner: offered to it or running there), oldest first; no bodies. */
  listLiveRunRefs(runnerId?: string): Promise<LiveRunRef[]>;
  /**
   * Offers a pending, unoffered run at `epoch` to a runner: epoch + 1, runnerId set, offer expiry set.
   * Undefined when the run moved meanwhile (another hub or a cancel got there first), or the runner is drained: a
   * pass planned before a drain was stored offers it nothing after (docs/runners.md "Draining a runner").
   */
  offerRun(id: string, epoch: number, runnerId: string, offerExpiresAt: number): Promise<RunRow | undefined>;
  /**
   * offerRun for hubs that share the database and plan at once (DESIGN §4 "Several hubs on one database"): the run's
   * row is locked, passed over when another hub is claiming it; a run with resource tags also holds each tag's lock
   * while it checks, in the database, that no live run holding a runner has one of its tags and no older pending
   * run waits for one (first come, first served). Undefined when another hub got there first, the run moved, the
   * runner is drained or a tag is not the run's to take now; the next plan says why.
   */
  claimRun(run: RunRow, runnerId: string, offerExpiresAt: number): Promise<RunRow | undefined>;
  /** The runner accepted the offer it got at `epoch`: active, lease set. Undefined when the offer is gone. */
  acceptRun(
    id: string,
    runnerId: string,
    epoch: number,
    leaseExpiresAt: number,
    at: number,
  ): Promise<RunRow | undefined>;
  /** An offer at `epoch` was declined or timed out: pending again, unassigned. Undefined when it moved. */
  withdrawOffer(id: string, epoch: number): Promise<RunRow | undefined>;
  /** Renews the leases of the runs this runner holds at these epochs; returns the ids renewed. */
  renewLeases(runnerId: string, runs: { runId: string; epoch: number }[], leaseExpiresAt: number): Promise<string[]>;
  /** Stores applied records and logs at once, if the run is still active at `epoch` and at `expectedLastSeq`. */
  saveProgress(id: string, progress: RunProgress): Promise<ProgressOutcome>;
  /**
   * Stores records that come after the run's end (the output of tasks being killed, their late finishes): logs
   * and lastSeq only, if the run is archived at `epoch` and at `expectedLastSeq`. The run's state stays as it is.
   */
  saveTrailingRecords(
    id: string,
    progress: Pick<RunProgress, 'epoch' | 'expectedLastSeq' | 'lastSeq' | 'logs' | 'reports'>,
  ): Promise<ProgressOutcome>;
  /**
   * Archives a run that is not archived yet (at `epoch` when given). `engine` replaces the stored state when given.
   * Undefined when it was archived already or its epoch moved.
   */
  archiveRun(id: string, ending: RunEnding, opts?: { epoch?: number; engine?: RunState }): Promise<RunRow | undefined>;
  /** A lost run goes back to pending, unassigned, with a new epoch and no engine state. Undefined when it moved. */
  requeueRun(id: string, epoch: number): Promise<RunRow | undefined>;
  /** Records that someone asked to cancel an active run (see RunRow.cancelRequestedBy). Undefined when not active. */
  requestCancel(id: string, by: string, at: number): Promise<RunRow | undefined>;
  /** Active or offered runs whose lease (or offer) expired before `now`. */
  listExpiredLeases(now: number): Promise<RunRow[]>;

  // Logs
  /** The reports of a run's tasks, in the order their runner sent them. */
  listReports(runId: string): Promise<ReportRow[]>;
  /** Appends outside of `saveProgress` (hub-written lines); returns the stored chunks with their offsets. */
  appendLogs(runId: string, node: string, chunks: LogAppend[]): Promise<AppendedLog[]>;
  /** A node's log from byte offset `from`, at most about `maxBytes` (default 1 MiB). */
  readLog(runId: string, node: string, from?: number, maxBytes?: number): Promise<LogRead>;

  // Runners
  /** Creates a runner, or gives an existing runner of that name a new credential (re-registration). */
  registerRunner(runner: { id: string; name: string; credentialHash: string; createdAt: number }): Promise<RunnerRow>;
  getRunner(id: string): Promise<RunnerRow | undefined>;
  findRunnerByCredential(credentialHash: string): Promise<RunnerRow | undefined>;
  listRunners(): Promise<RunnerRow[]>;
  updateRunner(
    id: string,
    patch: Partial<
      Pick<
        RunnerRow,
        'tags' | 'slots' | 'connected' | 'lastSeenAt' | 'version' | 'sandboxed' | 'drained' | 'protocol'
      > & {
        /** null clears it. */
        sandboxReason: string | null;
        /** The socket that speaks for the runner now (with `connected: true`; disconnectRunner clears it). */
        connection: string;
      }
    >,
  ): Promise<RunnerRow | undefined>;
  /**
   * Marks the runner not connected, unless another socket speaks for it now: with `connection`, only when the
   * store still names that one (several hubs: the runner may have moved before this hub saw its old socket close).
   * True when it was marked.
   */
  disconnectRunner(id: string, connection: string | undefined, at: number): Promise<boolean>;
  deleteRunner(id: string): Promise<boolean>;

  // Tokens
  createApiToken(token: ApiTokenRow): Promise<void>;
  findApiToken(tokenHash: string): Promise<ApiTokenRow | undefined>;
  /** The token of this name (a key probe: asked on every request that brings the configured admin token). */
  getApiToken(name: string): Promise<ApiTokenRow | undefined>;
  listApiTokens(): Promise<ApiTokenRow[]>;
  deleteApiToken(name: string): Promise<boolean>;
  /** Sets the token's lastUsedAt to `at`. */
  touchApiToken(name: string, at: number): Promise<void>;
  /**
   * In one transaction: removes the tokens named `token.name` and `previous.name`, then stores `previous` (when
   * given) and `token`. How the admin token is rotated: the new one and the outgoing one's grace are one write.
   */
  replaceApiToken(token: ApiTokenRow, previous?: ApiTokenRow): Promise<void>;
  createRegistrationToken(token: { tokenHash: string; expiresAt: number; createdAt: number }): Promise<void>;
  /** Marks a valid registration token used; true only once per token, and only before it expires. */
  useRegistrationToken(tokenHash: string, now: number): Promise<boolean>;

  // Retention (retention/retention-sweep.ts): bounded batches, so a sweep never holds the database for long.
  /**
   * Deletes, with their logs, up to `limit` archived runs that ended before `endedBefore` or are older than the
   * newest `keepPerFlow` archived runs of their flow. Returns how many it deleted.
   */
  pruneRuns(opts: { endedBefore: number; keepPerFlow: number; limit: number }): Promise<number>;
  /** Node logs over `maxBytes` of runs archived at or after `endedSince`, up to `limit`. */
  listOversizedLogs(
    maxBytes: number,
    endedSince: number,
    limit: number,
  ): Promise<{ runId: string; node: string; bytes: number }[]>;
  /**
   * Replaces a node's log by its first `headBytes` and last `tailBytes` (cut at character boundaries) with a
   * `sys` line between saying how many bytes were cut. Offsets stay contiguous from 0.
   */
  capLog(runId: string, node: string, headBytes: number, tailBytes: number): Promise<void>;

  // Artifacts (DESIGN §8 "Artifacts"): the metadata; the bytes are the blob store's.
  /**
   * Begins (or resumes) an artifact's upload, if the run is active at `artifact.epoch`, within the caps. The same
   * name, node and files at that epoch resume the upload begun before (`resumed`, the row's id kept); the same name
   * from the same node at another attempt or epoch replaces it; from another node it is refused. The caps count
   * the declared sizes of every artifact of the run, and of the hub, already begun.
   */
  beginArtifact(artifact: NewArtifact, caps: ArtifactCaps): Promise<BeginArtifactOutcome>;
  getArtifact(id: string): Promise<ArtifactWithFiles | undefined>;
  findArtifact(runId: string, name: string): Promise<ArtifactWithFiles | undefined>;
  listArtifacts(runId: string): Promise<ArtifactWithFiles[]>;
  /**
   * Marks one file verified; when it was the last, the artifact is `stored` at `at`. Undefined when the artifact is
   * gone or no longer the run's at its epoch (the run moved to another runner or ended).
   */
  verifyArtifactFile(artifactId: string, blobId: string, at: number): Promise<{ stored: boolean } | undefined>;
  /** Removes the artifact's rows; returns its blob ids (for the blob store), empty when it was gone. */
  deleteArtifact(id: string): Promise<string[]>;
  /**
   * Up to `limit` artifacts to delete: past their `expiresAt`, of runs that are gone (retention), or still
   * uploading when their run is archived (an upload a cancel or a lost runner cut short).
   */
  listDeadArtifacts(now: number, limit: number): Promise<string[]>;
  /** The stored artifact of the newest good trusted archived run matching the query, if any. */
  findArtifactSource(query: ArtifactSourceQuery): Promise<{ run: RunRow; artifact: ArtifactWithFiles } | undefined>;

  // Task caches on the hub (store migration 16): the index; the bytes are the blob store's.
  /**
   * The cache of `key` in `space`, else the newest (by `savedAt`) whose key starts with the first of `prefixes`
   * that has any; undefined when none.
   */
  findTaskCache(space: string, key: string, prefixes: readonly string[]): Promise<TaskCacheRow | undefined>;
  /** The cache whose bytes are blob `blobId`, if any. */
  getTaskCacheByBlob(blobId: string): Promise<TaskCacheRow | undefined>;
  /** Adds a cache; false (nothing written) when `space` already has `key`: the first save of a key wins. */
  addTaskCache(cache: TaskCacheRow): Promise<boolean>;
  /** Marks a cache used at `at` (a restore), for the least-recently-used eviction. */
  useTaskCache(space: string, key: string, at: number): Promise<void>;
  /** Removes the least recently used caches until all of them take at most `maxBytes`; returns their blob ids. */
  evictTaskCaches(maxBytes: number): Promise<string[]>;

  // Secrets (DESIGN §8 "Credentials and keys"): stored sealed; the store never sees a value.
  /** Inserts or replaces the secret (name, repo). */
  putSecret(secret: SecretRow): Promise<void>;
  /** The hub's secrets and, with `repo`, that repository's; without it, every secret. Ordered by repo, name. */
  listSecrets(repo?: string): Promise<SecretRow[]>;
  deleteSecret(name: string, repo?: string): Promise<boolean>;

  // Audit log (append only)
  appendAudit(entry: NewAuditRow): Promise<void>;
  /** Newest first, `limit` (default 50) entries older than `before` (the `next` of the previous page). */
  listAudit(query: { limit?: number; before?: number }): Promise<AuditRowPage>;
  /** Deletes up to `limit` of the oldest entries made before `before` (retention); returns how many. */
  pruneAudit(opts: { before: number; limit: number }): Promise<number>;

  // Trigger state and leases
  getTriggerState(key: string): Promise<TriggerStateRow | undefined>;
  /**
   * Writes `value` if the stored version is still `expectedVersion` (undefined: no row yet). True when written.
   * This is how a timer fires once: every hub computes the same slot, one write wins.
   */
  putTriggerState(key: string, value: unknown, expectedVersion: number | undefined): Promise<boolean>;
  /** Takes (or renews) the lease `name` for `holder` until `now + ttlMs`; false when another holder has it. */
  tryLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  /** The GitHub App's state (github-state.ts). */
  readonly github: GitHubStateStore;
  /** Outgoing webhooks' deliveries and their attempts (notify-deliveries.ts). */
  readonly notifications: NotificationStore;

  /** The database's size on disk in bytes (SQLite's pages, PostgreSQL's `pg_database_size`). */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
