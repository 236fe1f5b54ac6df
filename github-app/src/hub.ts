// The hub's core, assembled from a config: store, repositories, run verbs, dispatcher, leases, run deadlines
// and triggers. The server assembly (build-server.ts) serves its methods as routes and the live API; the runner
// gateway drives `core`. Nothing here listens on a port.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type {
  AuditPage,
  AuditQuery,
  FlowSummary,
  FormValues,
  Me,
  Role,
  RunDetail,
  RunnerView,
  RunSummary,
  RunsPage,
  RunsQuery,
  TokenInfo,
} from '@floe/shared';
import type { Cidr } from '@floe/shared/node';
import type { Logger } from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { ApiTokens } from './auth/api-tokens.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { type HubNotifier, type HubSignal, InProcessNotifier } from './dispatch/hub-notifier.js';
import { FloeError } from './errors.js';
import type { HubCore, RunnerConnection } from './gateway/hub-core.js';
import { type HubEventListener, HubEvents } from './hub-events.js';
import { LocalGitSource } from './repos/local-git-source.js';
import type { RepoSpec } from './repos/parse-repo-spec.js';
import { readFlowsAt } from './repos/read-flows-at.js';
import { refreshFlows } from './repos/refresh-flows.js';
import type { RepoSource } from './repos/repo-source.js';
import { RepoSources } from './repos/repo-sources.js';
import { type RetentionPolicy, RetentionPolicySchema } from './retention/retention-policy.js';
import { RetentionSweep } from './retention/retention-sweep.js';
import { ConnectedRunners } from './runners/connected-runners.js';
import { runnerViews } from './runners/runner-views.js';
import { cancelRun } from './runs/cancel-run.js';
import { createHubCore } from './runs/create-hub-core.js';
import { type CreateRunInput, createRun } from './runs/create-run.js';
import { DEFAULT_TIMING, type HubDeps, type HubTiming } from './runs/hub-deps.js';
import { keyedLock } from './runs/keyed-lock.js';
import { expireLeases } from './runs/lease.js';
import { removeRunner } from './runs/remove-runner.js';
import { retryRun } from './runs/retry-run.js';
import { RunDeadlines } from './runs/run-deadlines.js';
import { toRunDetail } from './runs/run-detail.js';
import { toRunSummary } from './runs/run-summary.js';
import { submitData } from './runs/submit-data.js';
import { timeOutRun } from './runs/time-out-run.js';
import { HubSecrets } from './secrets/hub-secrets.js';
import { secretCipher } from './secrets/secret-cipher.js';
import { hashSecret, newSecret } from './store/hash-secret.js';
import { openPostgresNotifier } from './store/postgres/postgres-notifier.js';
import { openPostgresStore } from './store/postgres/postgres-store.js';
import { openSqliteStore, sqliteFile } from './store/sqlite/sqlite-store.js';
import type { RunRow, Store } from './store/store.js';
import { StoreHealth } from './store/store-health.js';
import { TriggerScheduler } from './triggers/trigger-scheduler.js';

export type CreateHubOptions = {
  /** Where the hub keeps its database (`floe.db`) and repository mirrors. */
  dataDir: string;
  /** The root logger; the hub's parts log through children of it. */
  log: Logger;
  /** `--repo` repositories (parse them with parseRepoSpec). */
  repos?: RepoSpec[];
  /** More sources (GitHub installations); added after `repos`. */
  sources?: RepoSource[];
  /** Default: SQLite in `<dataDir>/floe.db`. The hub closes it on close(). */
  store?: Store;
  /**
   * `--database-url`: PostgreSQL, shared with any number of other hubs (DESIGN §4), signalling each other with
   * LISTEN/NOTIFY. Ignored when `store` is given.
   */
  databaseUrl?: string;
  /** Protocol and dispatch timings; defaults in DEFAULT_TIMING (tests pass short ones). */
  timing?: Partial<HubTiming>;
  /** The clock; default Date.now. */
  now?: () => number;
  /** How long a runner registration token stays valid; default 1 h. */
  registrationTokenTtlMs?: number;
  /** Run timer and poll-git triggers; default true. */
  triggers?: boolean;
  /** FLOE_SECRET_KEY: seals secrets at rest; without it the hub refuses to store secrets (DESIGN §8). */
  secretKey?: string;
  /** History limits; defaults in retention/retention-policy.ts. */
  retention?: Partial<RetentionPolicy>;
  /**
   * `--allow-network`: private networks that flow-file URLs may reach all the same (an internal server the team
   * trusts); default none — only public addresses (docs/security.md).
   */
  allowNetworks?: readonly Cidr[];
  /**
   * `--untrusted-network`: untrusted runs' tasks may use the network inside a runner's sandbox; default false —
   * they have none (docs/security.md "The runner sandbox").
   */
  untrustedNetwork?: boolean;
};

/** A change the live API passes on (it re-reads what changed). */
export type HubChange =
  | { kind: 'run'; runId: string }
  | { kind: 'runners' }
  /** API tokens were removed or rotated: live sessions check their token again (and close when it is refused). */
  | { kind: 'tokens' }
  | { kind: 'log'; runId: string; node: string };

export type LogText = { text: string; next: number; complete: boolean };

export interface Hub {
  /** The gateway's side of the runner protocol. */
  readonly core: HubCore;
  readonly events: HubEvents;
  readonly store: Store;
  readonly timing: HubTiming;
  /** This hub's id (the holder of trigger leases). */
  readonly hubId: string;

  /** Who a stored token belongs to; rejects with FLOE_UNAUTHENTICATED for an expired one (auth/api-tokens.ts). */
  verifyToken(token: string): Promise<Me | undefined>;
  /** True once the admin token was rotated: the configured one is refused from then on. */
  adminRotated(): Promise<boolean>;
  /** Makes an API token; the token is returned once and stored only hashed. */
  createToken(name: string, role: Role, by: Me, expiresAt?: number): Promise<string>;
  /** Every stored API token, without its hash. */
  listTokens(): Promise<TokenInfo[]>;
  /** Removes a token; it is refused from then on and the live sockets holding it close. FLOE_TOKEN_NOT_FOUND. */
  deleteToken(name: string, by: Me): Promise<void>;
  /** Replaces the admin token (`configured`: the one the hub started with); the outgoing one lasts `graceMs`. */
  rotateAdminToken(configured: string, graceMs: number, by: Me): Promise<string>;
  /** Removes a runner: credential refused, socket closed, active runs lost or re-queued. FLOE_RUNNER_NOT_FOUND. */
  removeRunner(name: string, by: Me): Promise<void>;
  /** Writes an audit entry for an action the routes carry out themselves (secrets). Never rejects. */
  audit: AuditLog['record'];
  /** `GET /api/audit`. */
  auditLog(query: AuditQuery): Promise<AuditPage>;
  /** Makes a one-time runner registration token. */
  createRunnerToken(by: Me): Promise<string>;
  flows(): Promise<FlowSummary[]>;
  /** `GET /api/runs`: the API's query (shared/src/api/runs-api.ts). */
  runs(query?: RunsQuery): Promise<RunsPage>;
  /** Throws FLOE_RUN_NOT_FOUND. */
  run(runId: string): Promise<RunDetail>;
  runSummary(runId: string): Promise<RunSummary | undefined>;
  /** A node's log from a byte offset. Throws FLOE_RUN_NOT_FOUND / FLOE_NODE_NOT_FOUND. */
  readLog(runId: string, node: string, from: number): Promise<LogText>;
  /** Starts a run by hand (the API and clients). Returns its id. */
  startRun(flowId: string, body: { data?: FormValues; repo?: string; ref?: string }, by: Me): Promise<string>;
  /** Pends a run for any trigger (the API, timers, polled refs, GitHub). */
  createRun(input: CreateRunInput): Promise<RunRow>;
  cancelRun(runId: string, by: Me): Promise<void>;
  retryRun(runId: string, from: string | undefined, by: Me): Promise<string>;
  submitData(
    runId: string,
    nodeId: string,
    body: { values: FormValues; reject?: boolean | undefined },
    by: Me,
  ): Promise<void>;
  runners(): Promise<RunnerView[]>;
  /** Secrets: put, list (names only), remove (routes/secrets.ts). */
  readonly secrets: HubSecrets;
  /** The periodic retention sweep; `sweep()` runs one now. */
  readonly retention: RetentionSweep;
  /** Why a pending run still waits, as a sentence; undefined when it is not pending. */
  whyPending(runId: string): Promise<string | undefined>;
  /** Re-reads the flows of one repository (or all) from its default branch, and reschedules triggers. */
  refreshRepos(name?: string): Promise<void>;
  /** Adds (or replaces) a repository source: GitHub installations add theirs as webhooks arrive (github/). */
  addSource(source: RepoSource): void;
  /** Calls `listener` on every change, in order; returns the unsubscribe function. */
  onChange(listener: (change: HubChange) => void): () => void;
  /** What keeps the hub from its work (its database out of reach), one sentence each: /healthz and /readyz. */
  problems(): string[];
  /** Resolves when the dispatcher has nothing left to do (tests). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const FINISHED = new Set(['good', 'bad', 'error', 'cancelled', 'skipped']);

/** Builds the hub: opens the store, reads the repositories' flows, starts dispatch, leases and triggers. */
export async function createHub(options: CreateHubOptions): Promise<Hub> {
  const log = options.log;
  const timing: HubTiming = { ...DEFAULT_TIMING, ...options.timing };
  const now = options.now ?? Date.now;
  const hubId = randomUUID();
  let store: Store;
  // Every store call is watched: an outage is reported, answered 503, and ends with every lease renewed (DESIGN §4
  // "When the database is out of reach").
  const health = new StoreHealth(now, (available, problem) => {
    if (available) log.warn('the database answers again');
    else log.error({ problem }, 'the database is out of reach; retrying');
  });
  // Several hubs share the database: dispatch takes turns, and the hubs signal each other (dispatch/hub-notifier.ts).
  let notifier: HubNotifier;
  const shared = options.store === undefined && options.databaseUrl !== undefined;
  if (options.store === undefined && options.databaseUrl !== undefined) {
    const postgres = await openPostgresStore({ url: options.databaseUrl });
    store = postgres;
    try {
      notifier = await openPostgresNotifier({ url: options.databaseUrl, pool: postgres.pool, hubId, log });
    } catch (err) {
      await postgres.close();
      throw err;
    }
  } else {
    store = options.store ?? openSqliteStore({ file: sqliteFile(options.dataDir) });
    notifier = new InProcessNotifier().forHub(hubId);
  }
  store = health.watch(store);
  const events = new HubEvents((err) => log.error({ err }, 'hub event listener failed'));
  const mirrorsDir = path.join(options.dataDir, 'mirrors');
  const sources = new RepoSources([
    ...(options.repos ?? []).map((repo) => new LocalGitSource({ ...repo, mirrorsDir })),
    ...(options.sources ?? []),
  ]);
  const connections = new ConnectedRunners();
  const retentionPolicy = RetentionPolicySchema.parse(options.retention ?? {});

  let dispatcher: Dispatcher | undefined;
  const deps: HubDeps = {
    hubId,
    store,
    events,
    log,
    now,
    connections,
    sources,
    timing,
    deadlines: new RunDeadlines(now, timing.stopGraceMs, (runId) => {
      timeOutRun(deps, runId).catch((err) => log.error({ err, runId }, 'run timeout failed'));
    }),
    wake: () => {
      dispatcher?.wake();
      notifier.publish({ kind: 'wake' });
    },
    avoid: (runId, runnerId, reason) => dispatcher?.avoid(runId, runnerId, reason),
    pendingReason: (runId) => dispatcher?.reasonFor(runId),
    withRun: keyedLock(),
    readFlows: (source, sha, only) =>
      readFlowsAt(source, sha, {
        ...(options.allowNetworks ? { allowNetworks: options.allowNetworks } : {}),
        ...(only !== undefined ? { only } : {}),
      }),
    secrets: new HubSecrets(store, secretCipher(options.secretKey), now),
    logCapBytes: retentionPolicy.maxLogBytesPerNode,
    untrustedNetwork: options.untrustedNetwork === true,
  };
  dispatcher = new Dispatcher(deps, shared);
  // What this hub's bus sees, the other hubs' live subscribers must hear of (they re-read it from the store), and
  // what the other hubs saw, ours must: a run executing through another hub is live here too.
  const changeOf = (event: Parameters<HubEventListener>[0]): HubChange =>
    event.type === 'runner-changed'
      ? { kind: 'runners' }
      : event.type === 'log'
        ? { kind: 'log', runId: event.runId, node: event.node }
        : { kind: 'run', runId: event.type === 'run-changed' ? event.run.id : event.runId };
  events.on((event) => notifier.publish(changeOf(event)));
  if (shared) connections.relayTo((runnerId, message) => notifier.publish({ kind: 'send', runnerId, message }));
  const remoteListeners = new Set<(change: HubChange) => void>();
  // Changes that are no run or runner event (tokens removed or rotated): told to this hub's listeners and the others'.
  const localListeners = new Set<(change: HubChange) => void>();
  const announce = (change: HubChange & { kind: 'tokens' | 'runners' }) => {
    for (const listener of localListeners) listener(change);
    notifier.publish(change);
  };
  /** Closes a removed runner's socket, here or on the hub that holds it. */
  const dropRunner = (runnerId: string, reason: string, connection: RunnerConnection | undefined) => {
    if (connection?.close) connection.close(reason);
    else notifier.publish({ kind: 'drop-runner', runnerId, reason });
  };
  notifier.subscribe((signal: HubSignal) => {
    if (signal.kind === 'wake') {
      dispatcher?.wake();
      return;
    }
    if (signal.kind === 'send') {
      connections.get(signal.runnerId)?.send(signal.message);
      return;
    }
    if (signal.kind === 'drop-runner') {
      connections.get(signal.runnerId)?.close?.(signal.reason);
      return;
    }
    for (const listener of remoteListeners) listener(signal);
  });
  const core = createHubCore(deps, { forgetRunner: (runnerId) => dispatcher?.forgetRunner(runnerId) });

  const triggers = new TriggerScheduler({
    store,
    log: log.child({ part: 'triggers' }),
    now,
    hubId,
    minPeriodMs: timing.minTriggerPeriodMs,
    fire: async ({ flow, trigger, target }) => {
      const sameRepo = target && sources.get(flow.repo)?.cloneUrl === target.url;
      await createRun(deps, {
        flowId: flow.id,
        repo: flow.repo,
        trigger: { type: trigger.type, id: trigger.id },
        ...(target && sameRepo ? { ref: target.ref, sha: target.sha } : {}),
        ...(target && !sameRepo ? { target: { cloneUrl: target.url, ref: target.ref, sha: target.sha } } : {}),
      });
    },
  });

  /** Re-reads the flows of one repository (or all); with `onlyIfMoved`, only where the default branch moved. */
  const refreshRepos = async (name?: string, onlyIfMoved = false) => {
    for (const source of sources.list()) {
      if (name !== undefined && source.name !== name) continue;
      try {
        if (onlyIfMoved) {
          const [head, known] = await Promise.all([source.head(), store.getRepo(source.name)]);
          if (head?.sha === known?.headSha) continue;
        }
        const rows = await refreshFlows(store, source, now(), deps.readFlows, log);
        log.info({ repo: source.name, flows: rows.length }, 'flows read');
      } catch (err) {
        log.warn({ err, repo: source.name }, 'could not read the flows of a repository');
      }
    }
    if (options.triggers !== false) await triggers.sync();
  };

  // Start-up: no runner is connected yet (the flag in the store is from the previous life); active runs get
  // their deadline timers back and a fresh lease.
  // (Not with a shared database: the flags there belong to the other hubs' runners.)
  for (const runner of shared ? [] : await store.listRunners()) {
    if (runner.connected) await store.updateRunner(runner.id, { connected: false });
  }
  for (const run of await store.listLiveRuns()) {
    if (run.state !== 'active') continue;
    deps.deadlines.arm(run);
    // Runners keep executing while the hub is down (DESIGN §5): give each one a full lease to reconnect before
    // its runs count as lost, or any outage longer than a lease would lose every active run.
    if (run.runnerId !== undefined) {
      await store.renewLeases(run.runnerId, [{ runId: run.id, epoch: run.epoch }], now() + timing.leaseMs);
    }
  }
  await refreshRepos();
  dispatcher.start();
  const retention = new RetentionSweep({ store, log, now, hubId }, retentionPolicy);
  retention.start();
  let checking = false;
  /** Sends again the cancels stored with active runs whose runners are connected here (the runner ignores a repeat). */
  const resendCancels = (runs: RunRow[]) => {
    for (const run of runs) {
      if (run.state !== 'active' || run.runnerId === undefined || run.cancelRequestedBy === undefined) continue;
      connections
        .get(run.runnerId)
        ?.send({ type: 'cancel', runId: run.id, epoch: run.epoch, by: run.cancelRequestedBy });
    }
  };
  /** After an outage no lease is judged before this: every runner has had a full lease to be heard again. */
  let judgeFrom = 0;
  const checkLeases = async () => {
    if (health.takeOutage()) {
      // The database was away: heartbeats could not be stored, so leases and offers lapsed for that alone. Renew
      // the leases of the runs whose runners are connected here, and judge nothing for a full lease, so every
      // runner (on this hub or another) is heard again first (DESIGN §4 "When the database is out of reach").
      judgeFrom = now() + timing.leaseMs;
      const live = await store.listLiveRuns();
      resendCancels(live);
      for (const run of live) {
        if (run.state !== 'active' || run.runnerId === undefined || !connections.get(run.runnerId)) continue;
        await store.renewLeases(run.runnerId, [{ runId: run.id, epoch: run.epoch }], now() + timing.leaseMs);
      }
      log.info({ judgeFrom }, 'leases renewed after the database outage');
      return;
    }
    await expireLeases(deps, judgeFrom);
  };
  const leaseTimer = setInterval(() => {
    if (checking) return;
    checking = true;
    checkLeases()
      .catch((err) => {
        if (health.available) log.error({ err }, 'lease check failed');
      })
      .finally(() => {
        checking = false;
      });
  }, timing.leaseCheckMs);
  leaseTimer.unref();
  // Several hubs: the hub a run was accepted through may die, taking its deadline timer along. Every hub keeps the
  // timers of every active run, re-read each sweep (timeOutRun re-reads the run and archives at its epoch, so
  // one hub ends it).
  // The same sweep tells this hub's runners again of cancels asked for through another hub: that hub's signal
  // (NOTIFY) is lost when the database connection breaks at that moment, and the run would go on to its end.
  const deadlineTimer = shared
    ? setInterval(() => {
        store
          .listLiveRuns()
          .then((runs) => {
            for (const run of runs) if (run.state === 'active') deps.deadlines.arm(run);
            resendCancels(runs);
          })
          .catch((err) => log.warn({ err }, 'could not re-arm run deadlines'));
      }, timing.sweepMs)
    : undefined;
  deadlineTimer?.unref();
  // A commit to the default branch changes the flows list, start forms and triggers without a restart.
  let refreshing = false;
  const refreshTimer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    refreshRepos(undefined, true)
      // The trigger sync after the read fails while the database is away; the next tick tries again. (Unhandled,
      // this rejection killed the hub: the fault soak found it.)
      .catch((err) => {
        if (health.available) log.warn({ err }, 'flow refresh failed');
      })
      .finally(() => {
        refreshing = false;
      });
  }, timing.repoRefreshMs);
  refreshTimer.unref();

  const summaryOf = async (run: RunRow) => toRunSummary(run, await extrasOf(run));
  const runnerNames = new Map<string, string>();
  const extrasOf = async (run: RunRow) => {
    let runner: string | undefined;
    if (run.runnerId !== undefined) {
      runner = connections.get(run.runnerId)?.name ?? runnerNames.get(run.runnerId);
      if (runner === undefined) {
        runner = (await store.getRunner(run.runnerId))?.name ?? run.runnerId;
        runnerNames.set(run.runnerId, runner);
      }
    }
    const pendingReason = run.state === 'pending' ? dispatcher?.reasonFor(run.id) : undefined;
    return { ...(runner !== undefined ? { runner } : {}), ...(pendingReason !== undefined ? { pendingReason } : {}) };
  };
  const mustRun = async (runId: string) => {
    const run = await store.getRun(runId);
    if (!run) throw new FloeError('FLOE_RUN_NOT_FOUND', `no run ${runId}`);
    return run;
  };

  const tokens = new ApiTokens(store, now);
  const audit = new AuditLog(store, log, now);

  let closed = false;
  return {
    core,
    events,
    store,
    timing,
    hubId,

    verifyToken: (token) => tokens.verify(token),

    adminRotated: () => tokens.adminRotated(),

    async createToken(name, role, by, expiresAt) {
      const token = await tokens.create(name, role, expiresAt);
      log.info({ name, role, by: by.name }, 'API token created');
      await audit.record(by, 'token.create', name, {
        role,
        ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
      });
      return token;
    },

    listTokens: () => tokens.list(),

    async deleteToken(name, by) {
      await tokens.remove(name);
      log.info({ name, by: by.name }, 'API token removed');
      await audit.record(by, 'token.delete', name);
      announce({ kind: 'tokens' });
    },

    async rotateAdminToken(configured, graceMs, by) {
      const token = await tokens.rotateAdmin(configured, graceMs);
      log.warn({ by: by.name, graceMs }, 'admin token rotated');
      await audit.record(by, 'token.rotate-admin', 'admin', { graceSeconds: String(Math.round(graceMs / 1000)) });
      announce({ kind: 'tokens' });
      return token;
    },

    async removeRunner(name, by) {
      const held = await removeRunner(deps, name, by.name, dropRunner);
      dispatcher?.forgetRunner(name);
      await audit.record(by, 'runner.delete', name, held.length > 0 ? { runs: held.join(' ') } : undefined);
      announce({ kind: 'runners' });
    },

    audit: (by, action, target, detail) => audit.record(by, action, target, detail),

    auditLog: (query) => audit.page(query),

    async createRunnerToken(by) {
      const token = newSecret('floe_reg');
      await store.createRegistrationToken({
        tokenHash: hashSecret(token),
        expiresAt: now() + (options.registrationTokenTtlMs ?? 3_600_000),
        createdAt: now(),
      });
      log.info({ by: by.name }, 'runner registration token created');
      await audit.record(by, 'runner-token.create', 'registration token');
      return token;
    },

    async flows() {
      return (await store.listFlows()).map((flow) => ({
        id: flow.id,
        ver: flow.ver,
        name: flow.name,
        repo: flow.repo,
        triggers: flow.triggers as FlowSummary['triggers'],
        ...(flow.errors.length > 0 ? { errors: flow.errors } : {}),
      }));
    },

    async runs(query = {}) {
      const page = await store.listRuns({
        ...(query.state !== undefined ? { state: query.state } : {}),
        ...(query.flow !== undefined ? { flowId: query.flow } : {}),
        ...(query.repo !== undefined ? { repo: query.repo } : {}),
        ...(query.ref !== undefined ? { ref: query.ref } : {}),
        ...(query.result !== undefined ? { result: query.result } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      const runs = await Promise.all(page.runs.map(summaryOf));
      return page.next !== undefined ? { runs, next: page.next } : { runs };
    },

    async run(runId) {
      const run = await mustRun(runId);
      return toRunDetail(run, await extrasOf(run));
    },

    async runSummary(runId) {
      const run = await store.getRun(runId);
      return run && summaryOf(run);
    },

    async readLog(runId, node, from) {
      const run = await mustRun(runId);
      if (!run.flow.tasks.some((task) => task.id === node)) {
        throw new FloeError('FLOE_NODE_NOT_FOUND', `run #${run.number} of ${run.flowId} has no node ${node}`);
      }
      const read = await store.readLog(runId, node, from);
      const state = run.engine?.nodes[node]?.state;
      const complete = run.state === 'archived' || (state !== undefined && FINISHED.has(state));
      return { text: read.chunks.map((chunk) => chunk.text).join(''), next: read.next, complete };
    },

    async startRun(flowId, body, by) {
      const run = await createRun(deps, {
        flowId,
        ...(body.repo !== undefined ? { repo: body.repo } : {}),
        ...(body.ref !== undefined ? { ref: body.ref } : {}),
        trigger: { type: 'manual', by: by.name },
        ...(body.data !== undefined ? { data: body.data } : {}),
      });
      await audit.record(by, 'run.start', run.id, {
        flow: flowId,
        repo: run.repo,
        ...(run.ref !== undefined ? { ref: run.ref } : {}),
      });
      return run.id;
    },

    createRun: (input) => createRun(deps, input),

    async cancelRun(runId, by) {
      await cancelRun(deps, runId, by.name);
      await audit.record(by, 'run.cancel', runId);
    },

    async retryRun(runId, from, by) {
      const retry = await retryRun(deps, runId, from, by.name);
      await audit.record(by, 'run.retry', runId, { newRun: retry.id, ...(from !== undefined ? { from } : {}) });
      return retry.id;
    },

    async submitData(runId, nodeId, body, by) {
      await submitData(deps, runId, nodeId, body, by.name);
      await audit.record(by, body.reject ? 'run.reject' : 'run.answer', runId, { node: nodeId });
    },

    runners: () => runnerViews(store, connections),

    secrets: deps.secrets,

    retention,

    whyPending: (runId) => (dispatcher as Dispatcher).whyPending(runId),

    refreshRepos: (name) => refreshRepos(name),

    addSource: (source) => sources.add(source),

    onChange(listener) {
      const forward: HubEventListener = (event) => listener(changeOf(event));
      const stopLocal = events.on(forward);
      remoteListeners.add(listener);
      localListeners.add(listener);
      return () => {
        stopLocal();
        remoteListeners.delete(listener);
        localListeners.delete(listener);
      };
    },

    problems: () => health.problems(),

    settled: () => (dispatcher as Dispatcher).idle(),

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(leaseTimer);
      clearInterval(deadlineTimer);
      clearInterval(refreshTimer);
      await triggers.stop();
      deps.deadlines.clearAll();
      await dispatcher?.stop();
      await retention.stop();
      await notifier.close();
      // Let a lease check in flight finish before the store goes away.
      while (checking || refreshing) await new Promise((resolve) => setTimeout(resolve, 5));
      await store.close();
    },
  };
}
