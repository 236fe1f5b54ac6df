// The hub's composition root: wires its parts (hub/: the store, the changes between hubs, the periodic work, the
// verbs) with the run verbs, the dispatcher and the triggers. The server assembly (build-server.ts) serves its methods as routes and the live API; the runner
// gateway drives `core`. Nothing here listens on a port.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AuditPage, AuditQuery } from '@floe/shared';
import type { Cidr } from '@floe/shared/node';
import type { Logger } from 'pino';
import { type ArtifactLimits, ArtifactLimitsSchema } from './artifacts/artifact-limits.js';
import { HubArtifacts } from './artifacts/hub-artifacts.js';
import { HubCaches } from './artifacts/hub-caches.js';
import { AuditLog } from './audit/audit-log.js';
import { ApiTokens } from './auth/api-tokens.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import type { HubCore } from './gateway/hub-core.js';
import { type FlowReports, flowReports } from './hub/flow-reports.js';
import { type HubChange, HubChanges } from './hub/hub-changes.js';
import { hubTriggers } from './hub/hub-triggers.js';
import { LeaseCheck } from './hub/lease-check.js';
import { openHubStore } from './hub/open-hub-store.js';
import { Periodic } from './hub/periodic.js';
import { rearmDeadlines } from './hub/rearm-deadlines.js';
import { recoverAtStart } from './hub/recover-at-start.js';
import { refreshRepos } from './hub/refresh-repos.js';
import { type RunReads, runReads } from './hub/run-reads.js';
import { type RunVerbs, runVerbs } from './hub/run-verbs.js';
import { type RunnerVerbs, runnerVerbs } from './hub/runner-verbs.js';
import { type TokenVerbs, tokenVerbs } from './hub/token-verbs.js';
import { HubEvents } from './hub-events.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import { NotificationQueue, type NotificationTiming } from './notify/notification-queue.js';
import type { HubNotify } from './notify/notify-targets.js';
import { LocalGitSource } from './repos/local-git-source.js';
import type { RepoSpec } from './repos/parse-repo-spec.js';
import { readFlowsAt } from './repos/read-flows-at.js';
import type { RepoSource } from './repos/repo-source.js';
import { RepoSources } from './repos/repo-sources.js';
import { type RetentionPolicy, RetentionPolicySchema } from './retention/retention-policy.js';
import { RetentionSweep } from './retention/retention-sweep.js';
import { ConnectedRunners } from './runners/connected-runners.js';
import { createHubCore } from './runs/create-hub-core.js';
import { DEFAULT_TIMING, type HubDeps, type HubTiming } from './runs/hub-deps.js';
import { keyedLock } from './runs/keyed-lock.js';
import { RunDeadlines } from './runs/run-deadlines.js';
import { timeOutRun } from './runs/time-out-run.js';
import { HubSecrets } from './secrets/hub-secrets.js';
import { secretCipher } from './secrets/secret-cipher.js';
import type { RunRow, Store } from './store/store.js';

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
  /** The hub's version (the `floe_hub_info` metric); default `0.0.0`. */
  version?: string;
  /** Node's process metrics in `GET /metrics` (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
  /** Artifact caps (per file, per run, for the hub); defaults in artifacts/artifact-limits.ts. */
  artifacts?: Partial<ArtifactLimits>;
  /** `--shared-caches`: tasks' caches kept on the hub for every runner (artifacts/hub-caches.ts); default false. */
  sharedCaches?: boolean;
  /** `--notify-url` and its secret and format: every trusted run's end is POSTed there; default none. */
  notify?: HubNotify;
  /** The dashboard's base URL (`--public-url`, else where the hub listens), for links in notifications. */
  publicUrl?: () => string | undefined;
  /** Outgoing webhooks' back-off and polling (notify/notification-queue.ts); tests pass short ones. */
  notificationTiming?: Partial<NotificationTiming>;
  /** Extra certificate authorities trusted for webhook receivers (PEM); default Node's (NODE_EXTRA_CA_CERTS). */
  notifyCa?: string;
};

export type { HubChange } from './hub/hub-changes.js';
export type { LogText } from './hub/run-reads.js';

export interface Hub extends TokenVerbs, RunnerVerbs, RunReads, RunVerbs, FlowReports {
  /** The gateway's side of the runner protocol. */
  readonly core: HubCore;
  readonly events: HubEvents;
  readonly store: Store;
  readonly timing: HubTiming;
  /** This hub's id (the holder of trigger leases). */
  readonly hubId: string;
  /** Writes an audit entry for an action the routes carry out themselves (secrets). Never rejects. */
  audit: AuditLog['record'];
  /** `GET /api/audit`. */
  auditLog(query: AuditQuery): Promise<AuditPage>;
  /** Secrets: put, list (names only), remove (routes/secrets.ts). */
  readonly secrets: HubSecrets;
  /** `GET /metrics` (metrics/hub-metrics.ts), and the counters other parts increment. */
  readonly metrics: HubMetrics;
  /** Artifacts: uploads from runners, reads from the API, sources of `fetch` (artifacts/hub-artifacts.ts). */
  readonly artifacts: HubArtifacts;
  /** Task caches shared by every runner, when `sharedCaches` (artifacts/hub-caches.ts). */
  readonly caches: HubCaches;
  /** Outgoing webhooks (notify/): stored when a run ends, sent and retried from the store. */
  readonly notifications: NotificationQueue;
  /** The periodic retention sweep; `sweep()` runs one now. */
  readonly retention: RetentionSweep;
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
  /**
   * Offers no more runs (the first step of a hub's SIGTERM, main.ts): its runners then move to the other hubs with
   * no offer of this hub's in flight. close() does it too. Never rejects.
   */
  stopOffering(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the hub from its parts (hub/): opens the store, reads the repositories' flows, starts dispatch, the
 * periodic work (lease checks, flow refreshes, retention, deadline sweeps) and triggers.
 */
export async function createHub(options: CreateHubOptions): Promise<Hub> {
  const log = options.log;
  const timing: HubTiming = { ...DEFAULT_TIMING, ...options.timing };
  const now = options.now ?? Date.now;
  const hubId = randomUUID();
  const metrics = new HubMetrics({
    version: options.version ?? '0.0.0',
    ...(options.processMetrics !== undefined ? { processMetrics: options.processMetrics } : {}),
  });
  const { store, health, notifier, shared, blobs } = await openHubStore({
    ...options,
    hubId,
    log,
    now,
    observe: (method, seconds) => metrics.storeQuery.observe({ method }, seconds),
  });
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
    metrics,
  };
  metrics.readFrom({
    tallies: () => store.runTallies(),
    runners: () => store.listRunners(),
    connected: () => connections.list(),
    storeBytes: () => store.sizeBytes(),
    now,
  });
  const dispatch = new Dispatcher(deps, shared);
  dispatcher = dispatch;
  const changes = new HubChanges({ events, notifier, connections, shared, wake: () => dispatch.wake() });
  const core = createHubCore(deps, { forgetRunner: (runnerId) => dispatch.forgetRunner(runnerId) });
  const triggers = hubTriggers(deps);
  const refresh = (name?: string, onlyIfMoved = false) =>
    refreshRepos(deps, {
      name,
      onlyIfMoved,
      afterRead: async () => {
        if (options.triggers !== false) await triggers.sync();
      },
    });

  await recoverAtStart(deps, shared);
  await refresh();
  dispatch.start();
  const limits = ArtifactLimitsSchema.parse(options.artifacts ?? {});
  const caches = new HubCaches({
    store,
    blobs,
    enabled: options.sharedCaches === true,
    limits,
    log: log.child({ part: 'caches' }),
    now,
  });
  const artifacts = new HubArtifacts({
    store,
    blobs,
    limits,
    log: log.child({ part: 'artifacts' }),
    now,
    authenticateRunner: (credential) => core.authenticateRunner(credential),
  });
  const retention = new RetentionSweep(
    { store, log, now, hubId, sweepArtifacts: () => artifacts.sweep() },
    retentionPolicy,
  );
  retention.start();
  // The periodic work's failures while the database is away are that outage's, which is reported once; the next
  // round tries again. (Unhandled, a rejection killed the hub: the fault soak found it.)
  const leases = new LeaseCheck(deps, health);
  const periodic = [
    new Periodic(
      timing.leaseCheckMs,
      () => leases.check(),
      (err) => {
        if (health.available) log.error({ err }, 'lease check failed');
      },
    ),
    // A commit to the default branch changes the flows list, start forms and triggers without a restart.
    new Periodic(
      timing.repoRefreshMs,
      () => refresh(undefined, true),
      (err) => {
        if (health.available) log.warn({ err }, 'flow refresh failed');
      },
    ),
    ...(shared
      ? [
          new Periodic(
            timing.sweepMs,
            () => rearmDeadlines(deps),
            (err) => log.warn({ err }, 'could not re-arm run deadlines'),
          ),
        ]
      : []),
  ];

  const notifications = new NotificationQueue({
    store,
    secrets: deps.secrets,
    log: log.child({ component: 'notify' }),
    now,
    ...(options.notify ? { hub: options.notify } : {}),
    ...(options.allowNetworks ? { allowNetworks: options.allowNetworks } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.notificationTiming ? { timing: options.notificationTiming } : {}),
    ...(options.notifyCa !== undefined ? { ca: options.notifyCa } : {}),
    keepMs: retentionPolicy.maxRunAgeMs,
  });
  // Every hub that sees a run end (or a task wait for a person) stores its deliveries; their ids make the second
  // store a no-op.
  const stopNotifying = events.on((event) => {
    const notify = (runId: string, send: (run: RunRow) => Promise<void>) =>
      store
        .getRun(runId)
        .then((run) => run && send(run))
        .catch((err) => log.error({ err, runId }, 'could not read a run to notify'));
    if (event.type === 'run-changed' && event.run.state === 'archived') {
      notify(event.run.id, (run) => notifications.runEnded(run));
    } else if (event.type === 'node-changed' && event.node.state === 'awaiting-input') {
      const node = { id: event.node.id, name: event.node.name ?? event.node.id };
      notify(event.runId, (run) => notifications.runWaiting(run, node));
    }
  });

  const tokens = new ApiTokens(store, now);
  const audit = new AuditLog(store, log, now);
  const registrationTokenTtlMs = options.registrationTokenTtlMs ?? 3_600_000;

  let closed = false;
  return {
    core,
    events,
    store,
    timing,
    hubId,
    ...tokenVerbs({ tokens, audit, log, changes }),
    ...runnerVerbs({ deps, audit, dispatcher: dispatch, changes, registrationTokenTtlMs }),
    ...runReads(deps, dispatch),
    ...runVerbs(deps, audit),
    audit: (by, action, target, detail) => audit.record(by, action, target, detail),
    auditLog: (query) => audit.page(query),
    secrets: deps.secrets,
    metrics,
    artifacts,
    caches,
    retention,
    notifications,
    ...flowReports(store),
    refreshRepos: (name) => refresh(name),
    addSource: (source) => sources.add(source),
    onChange: (listener) => changes.onChange(listener),
    problems: () => health.problems(),
    settled: () => dispatch.idle(),
    stopOffering: () => dispatch.stop(),

    async close() {
      if (closed) return;
      closed = true;
      const stopping = periodic.map((work) => work.stop());
      await triggers.stop();
      deps.deadlines.clearAll();
      await dispatch.stop();
      await retention.stop();
      stopNotifying();
      await notifications.close();
      await notifier.close();
      // Let a lease check or refresh in flight finish before the store goes away.
      await Promise.all(stopping);
      await store.close();
    },
  };
}
