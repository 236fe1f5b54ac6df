import { MIN_TRIGGER_PERIOD_MS } from '@floe/shared';
import type { Logger } from 'pino';
import type { HubEvents } from '../hub-events.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { FlowsAt } from '../repos/read-flows-at.js';
import type { RepoSource } from '../repos/repo-source.js';
import type { RepoSources } from '../repos/repo-sources.js';
import type { ConnectedRunners } from '../runners/connected-runners.js';
import type { HubSecrets } from '../secrets/hub-secrets.js';
import type { Store } from '../store/store.js';
import type { RunDeadlines } from './run-deadlines.js';

/** Timings of the protocol and the dispatcher; short in tests (DESIGN §8 "CI shape"). */
export type HubTiming = {
  /** How often runners send heartbeats; default 10 s. */
  heartbeatMs: number;
  /** A run whose runner is silent this long is lost; default 60 s. */
  leaseMs: number;
  /** An offer not accepted within this goes back to the queue (another runner is tried); default 15 s. */
  offerTimeoutMs: number;
  /** How often leases and offers are checked for expiry; default 1 s. */
  leaseCheckMs: number;
  /** The dispatcher's safety-net sweep (it is otherwise woken by events); default 30 s. */
  sweepMs: number;
  /**
   * One hub dispatches at a time; its lease lasts this long and is renewed every third of it, so after a crash
   * another hub (or the restarted one) takes over within it. Default 10 s.
   */
  dispatchLeaseMs: number;
  /** How often each repository's default branch is checked for a new head (flows and triggers re-read); 60 s. */
  repoRefreshMs: number;
  /**
   * How long past an active run's deadline the hub waits for its runner to end it (the runner times the run out
   * itself and ends it once its tasks have stopped) before the hub ends it on its own; default 30 s.
   */
  stopGraceMs: number;
  /** The shortest period of a timer or poll-git trigger: shorter ones wait this long; 10 s (docs/floe-yaml.md "Limits"). */
  minTriggerPeriodMs: number;
};

export const DEFAULT_TIMING: HubTiming = {
  heartbeatMs: 10_000,
  leaseMs: 60_000,
  offerTimeoutMs: 15_000,
  leaseCheckMs: 1_000,
  sweepMs: 30_000,
  dispatchLeaseMs: 10_000,
  repoRefreshMs: 60_000,
  stopGraceMs: 30_000,
  minTriggerPeriodMs: MIN_TRIGGER_PERIOD_MS,
};

/** What the run verbs work with: built once by hub.ts and passed to each verb. */
export interface HubDeps {
  /** This hub's id: the holder of its leases in the store. */
  hubId: string;
  store: Store;
  events: HubEvents;
  log: Logger;
  /** The clock (ms since the epoch); the engine gets time only from here (DESIGN §2). */
  now: () => number;
  connections: ConnectedRunners;
  sources: RepoSources;
  timing: HubTiming;
  deadlines: RunDeadlines;
  /** Wakes the dispatcher: a new pend, a freed slot, a released tag, a runner connecting (DESIGN §4). */
  wake: () => void;
  /** Keeps a runner away from a run for a while (it declined the offer, or let it time out). */
  avoid: (runId: string, runnerId: string, reason: string) => void;
  /** Why a pending run waits, as of the dispatcher's last pass. */
  pendingReason: (runId: string) => string | undefined;
  /** Runs `fn` holding the run's lock: changes to one run happen one at a time in this hub. */
  withRun: <T>(runId: string, fn: () => Promise<T>) => Promise<T>;
  /**
   * Reads FLOE.yaml at a commit, flow-files included (repos/read-flows-at.ts, with the hub's URL policy); with
   * `only`, that flow's flow-file alone.
   */
  readFlows: (source: RepoSource, sha: string, only?: string) => Promise<FlowsAt>;
  /** Sealed secrets: the values a run gets at offer, the names a new run references (secrets/hub-secrets.ts). */
  secrets: HubSecrets;
  /** The cap on one node's log (retention policy), sent with every offer: runners keep logs within it. */
  logCapBytes: number;
  /** Untrusted runs' tasks may use the network in a runner's sandbox (`--untrusted-network`), sent with offers. */
  untrustedNetwork: boolean;
  /** The hub's metrics: what happens is counted where it happens (metrics/hub-metrics.ts). */
  metrics: HubMetrics;
}
