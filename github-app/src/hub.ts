// The hub's core, assembled from a config: store, repositories, run verbs, dispatcher, leases, run deadlines
// and triggers. The server assembly (build-server.ts) serves its methods as routes and the live API; the runner
// gateway drives `core`. Nothing here listens on a port.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type {
  FlowSummary,
  FormValues,
  Me,
  Role,
  RunDetail,
  RunnerView,
  RunSummary,
  RunsPage,
  RunsQuery,
} from '@floe/shared';
import type { Cidr } from '@floe/shared/node';
import type { Logger } from 'pino';
import { ConnectedRunners } from './dispatch/connected-runners.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { type HubNotifier, type HubSignal, InProcessNotifier } from './dispatch/hub-notifier.js';
import { runnerViews } from './dispatch/runner-views.js';
import { FloeError } from './errors.js';
import type { HubCore } from './gateway/hub-core.js';
import { type HubEventListener, HubEvents } from './hub-events.js';
import { LocalGitSource } from './repos/local-git-source.js';
import type { RepoSpec } from './repos/parse-repo-spec.js';
import { readFlowsAt } from './repos/read-flows-at.js';
import { refreshFlows } from './repos/refresh-flows.js';
import type { RepoSource } from './repos/repo-source.js';
import { RepoSources } from './repos/repo-sources.js';
import { type RetentionPolicy, RetentionPolicySchema } from './retention/retention-policy.js';
import { RetentionSweep } from './retention/retention-sweep.js';
import { cancelRun } from './runs/cancel-run.js';
import { createHubCore } from './runs/create-hub-core.js';
import { type CreateRunInput, createRun } from './runs/create-run.js';
import { DEFAULT_TIMING, type HubDeps, type HubTiming } from './runs/hub-deps.js';
import { keyedLock } from './runs/keyed-lock.js';
import { expireLeases } from './runs/lease.js';
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

  verifyToken(token: string): Promise<Me | undefined>;
  /** Makes an API token; the token is returned once and stored only hashed. */
  createToken(name: string, role: Role, by: Me): Promise<string>;
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
  notifier.subscribe((signal: HubSignal) => {
    if (signal.kind === 'wake') {
      dispatcher?.wake();
      return;
    }
    if (signal.kind === 'send') {
      connections.get(signal.runnerId)?.send(signal.message);
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
  const leaseTimer = setInterval(() => {
    if (checking) return;
    checking = true;
    expireLeases(deps)
      .catch((err) => log.error({ err }, 'lease check failed'))
      .finally(() => {
        checking = false;
      });
  }, timing.leaseCheckMs);
  leaseTimer.unref();
  // Several hubs: the hub a run was accepted through may die, taking its deadline timer along. Every hub keeps the
  // timers of every active run, re-read each sweep (timeOutRun re-reads the run and archives at its epoch, so
  // one hub ends it).
  const deadlineTimer = shared
    ? setInterval(() => {
        store
          .listLiveRuns()
          .then((runs) => {
            for (const run of runs) if (run.state === 'active') deps.deadlines.arm(run);
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
    refreshRepos(undefined, true).finally(() => {
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

  let closed = false;
  return {
    core,
    events,
    store,
    timing,
    hubId,

    async verifyToken(token) {
      const row = await store.findApiToken(hashSecret(token));
      return row && { name: row.name, role: row.role };
    },

    async createToken(name, role, by) {
      if ((await store.listApiTokens()).some((row) => row.name === name)) {
        throw new FloeError('FLOE_BAD_REQUEST', `a token named ${name} exists already; choose another name`);
      }
      const token = newSecret('floe');
      await store.createApiToken({ name, role, tokenHash: hashSecret(token), createdAt: now() });
      log.info({ name, role, by: by.name }, 'API token created');
      return token;
    },

    async createRunnerToken(by) {
      const token = newSecret('floe_reg');
      await store.createRegistrationToken({
        tokenHash: hashSecret(token),
        expiresAt: now() + (options.registrationTokenTtlMs ?? 3_600_000),
        createdAt: now(),
      });
      log.info({ by: by.name }, 'runner registration token created');
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
      return run.id;
    },

    createRun: (input) => createRun(deps, input),

    cancelRun: (runId, by) => cancelRun(deps, runId, by.name),

    async retryRun(runId, from, by) {
      return (await retryRun(deps, runId, from, by.name)).id;
    },

    submitData: (runId, nodeId, body, by) => submitData(deps, runId, nodeId, body, by.name),

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
      return () => {
        stopLocal();
        remoteListeners.delete(listener);
      };
    },

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
