// The hub's Prometheus metrics (`GET /metrics`, docs/operations.md "Metrics"). One registry per hub, so that tests
// with several hubs in one process each see their own. Two kinds of metric, chosen by what they cost:
//  - what the store already knows (runs by list and result, the queue, runners, the database's size) is read when
//    Prometheus scrapes, from indexes only (`Store.runTallies`): no counter on the dispatch or record paths;
//  - what happens and is gone (a dispatch, a webhook delivery, a notification, a store call, log bytes written) is
//    counted where it happens, one histogram observation or counter increment, which costs well under a microsecond.
// Runners report their own figures on their heartbeats (protocol version 2, RunnerMetricsSchema); the hub shows those
// of the runners connected to it, labelled with the runner's name.
import type { RunnerMetrics } from '@floe/shared';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RunnerConnection } from '../gateway/hub-core.js';
import type { RunnerRow, RunTallies } from '../store/store.js';

/** What a scrape reads; hub.ts gives it once the parts exist. */
export type MetricsSources = {
  tallies: () => Promise<RunTallies>;
  runners: () => Promise<RunnerRow[]>;
  /** The runners connected to this hub (whose reports it shows). */
  connected: () => RunnerConnection[];
  storeBytes: () => Promise<number>;
  now: () => number;
};

/** Outcomes of a GitHub webhook delivery, as `floe_webhook_deliveries_total{outcome}` counts them. */
export const WEBHOOK_OUTCOMES = ['handled', 'bad-signature', 'store-unavailable', 'failed'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** A live socket as the metrics see it. */
export type LiveGaugeSource = { subscriptionCount(): number };

/**
 * Node's own metrics (CPU, memory, event loop lag, handles), one registry per process: they describe the process,
 * and prom-client's collectors (an event loop monitor, a GC observer) cannot be stopped, so one per hub would pile up
 * in a process that makes many hubs (tests).
 */
let processMetricsRegistry: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetricsRegistry) {
    processMetricsRegistry = new Registry();
    collectDefaultMetrics({ register: processMetricsRegistry });
  }
  return processMetricsRegistry;
}

export class HubMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources | undefined;
  /** The last figures each connected runner reported, by runner id. */
  private readonly reports = new Map<string, RunnerMetrics>();
  private readonly liveSockets = new Set<LiveGaugeSource>();
  private artifactBytesSource: (() => Promise<number> | number) | undefined;

  /** From a run's creation to a runner accepting it (runs/answer-offer.ts). */
  readonly dispatchLatency = new Histogram({
    name: 'floe_dispatch_latency_seconds',
    help: "Time from a run's creation to a runner accepting it.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  /** Every store call, by method (store/store-health.ts watches each). */
  readonly storeQuery = new Histogram({
    name: 'floe_store_query_seconds',
    help: 'Time a store call took, by store method.',
    labelNames: ['method'],
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'floe_webhook_deliveries_total',
    help: 'GitHub webhook deliveries received, by outcome (handled, bad-signature, store-unavailable, failed).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  /**
   * Outgoing notifications (chat, mail, webhooks out), by channel and outcome (`sent`, `failed`, …): the
   * notifications code increments it, `notifications.inc({channel, outcome})`.
   */
  readonly notifications = new Counter({
    name: 'floe_notifications_total',
    help: 'Outgoing notifications, by channel and outcome.',
    labelNames: ['channel', 'outcome'],
    registers: [this.registry],
  });

  /** UTF-8 bytes of run output this hub stored (runs/apply-records.ts and hub-written lines). */
  readonly logBytesWritten = new Counter({
    name: 'floe_log_bytes_written_total',
    help: 'Bytes of run output this hub stored since it started.',
    registers: [this.registry],
  });

  /** Bytes of artifacts this hub stored: the artifact store increments it as it writes. */
  readonly artifactBytesWritten = new Counter({
    name: 'floe_artifact_bytes_written_total',
    help: 'Bytes of artifacts this hub stored since it started.',
    registers: [this.registry],
  });

  private readonly artifactBytesStored = new Gauge({
    name: 'floe_artifact_bytes_stored',
    help: 'Bytes of artifacts kept (0 while the hub keeps none).',
    registers: [this.registry],
  });

  private readonly runs = new Gauge({
    name: 'floe_runs',
    help: 'Runs in each list (pending, active, archived); archived ones by result.',
    labelNames: ['state', 'result'],
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'floe_queue_depth',
    help: 'Pending runs not offered to any runner yet.',
    registers: [this.registry],
  });
  private readonly queueOldest = new Gauge({
    name: 'floe_queue_oldest_age_seconds',
    help: 'Age of the oldest run waiting in the queue; 0 when none waits.',
    registers: [this.registry],
  });
  private readonly runnersGauge = new Gauge({
    name: 'floe_runners',
    help: 'Runners by state: registered, connected, busy (holding a run), sandboxed (connected and sandboxed).',
    labelNames: ['state'],
    registers: [this.registry],
  });
  private readonly slots = new Gauge({
    name: 'floe_runner_slots',
    help: 'Slots of connected runners: total, and free (not holding an offered or active run).',
    labelNames: ['state'],
    registers: [this.registry],
  });
  private readonly liveSocketsGauge = new Gauge({
    name: 'floe_live_sockets',
    help: 'Live API sockets open on this hub.',
    registers: [this.registry],
  });
  private readonly liveSubscriptions = new Gauge({
    name: 'floe_live_subscriptions',
    help: 'Live API subscriptions open on this hub.',
    registers: [this.registry],
  });
  private readonly storeBytes = new Gauge({
    name: 'floe_store_bytes',
    help: "The database's size on disk (SQLite's file pages and log files, or pg_database_size): runs, logs and everything else.",
    registers: [this.registry],
  });
  private readonly runnerGauges = {
    runs: this.reported('floe_runner_runs', 'Runs the runner holds, by its own count.'),
    running: this.reported('floe_runner_running_runs', 'Runs whose tasks are still running on the runner.'),
    unacked: this.reported('floe_runner_unacked_records', "Records in the runner's spool the hub has not stored yet."),
    rss: this.reported('floe_runner_resident_memory_bytes', "The runner process's resident memory."),
    cpu: this.reported('floe_runner_cpu_seconds', 'CPU time the runner process used since it started (a counter).'),
  };

  constructor(options: { version: string; processMetrics?: boolean }) {
    new Gauge({
      name: 'floe_hub_info',
      help: "The hub's version (always 1).",
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version: options.version }, 1);
    // Every outcome shows from the start, at 0: a rate over a series that appears only at its first event misses it.
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookDeliveries.inc({ outcome }, 0);
    this.processMetrics = options.processMetrics !== false;
  }

  private readonly processMetrics: boolean;

  private reported(name: string, help: string): Gauge<'runner'> {
    return new Gauge({ name, help, labelNames: ['runner'], registers: [this.registry] });
  }

  /** Where a scrape reads the store's figures (hub.ts, once the hub's parts exist). */
  readFrom(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Where a scrape reads the bytes of artifacts kept: the artifact store sets it when the hub has one. */
  artifactBytesFrom(source: () => Promise<number> | number): void {
    this.artifactBytesSource = source;
  }

  /** A runner's heartbeat carried its figures. */
  runnerReported(runnerId: string, metrics: RunnerMetrics): void {
    this.reports.set(runnerId, metrics);
  }

  /** A live socket opened; the function returned forgets it (the socket closed). */
  trackLive(socket: LiveGaugeSource): () => void {
    this.liveSockets.add(socket);
    return () => this.liveSockets.delete(socket);
  }

  /** The metrics in Prometheus' text format, the store's figures read now. */
  async scrape(): Promise<string> {
    if (this.sources) await this.refresh(this.sources);
    return (this.processMetrics ? Registry.merge([this.registry, processRegistry()]) : this.registry).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async refresh(sources: MetricsSources): Promise<void> {
    const [tallies, runners, storeBytes] = await Promise.all([
      sources.tallies(),
      sources.runners(),
      sources.storeBytes(),
    ]);
    this.runs.reset();
    this.runs.set({ state: 'pending' }, tallies.pending);
    this.runs.set({ state: 'active' }, tallies.active);
    for (const [result, count] of Object.entries(tallies.results)) this.runs.set({ state: 'archived', result }, count);
    this.queueDepth.set(tallies.waiting);
    this.queueOldest.set(
      tallies.oldestWaitingAt === undefined ? 0 : Math.max(0, (sources.now() - tallies.oldestWaitingAt) / 1000),
    );

    const held = new Map(tallies.byRunner.map((entry) => [entry.runnerId, entry.runs]));
    const connected = runners.filter((runner) => runner.connected);
    const totalSlots = connected.reduce((sum, runner) => sum + runner.slots, 0);
    const freeSlots = connected.reduce(
      (sum, runner) => sum + Math.max(0, runner.slots - (held.get(runner.id) ?? 0)),
      0,
    );
    this.runnersGauge.set({ state: 'registered' }, runners.length);
    this.runnersGauge.set({ state: 'connected' }, connected.length);
    this.runnersGauge.set({ state: 'busy' }, connected.filter((runner) => held.has(runner.id)).length);
    this.runnersGauge.set({ state: 'sandboxed' }, connected.filter((runner) => runner.sandboxed).length);
    this.slots.set({ state: 'total' }, totalSlots);
    this.slots.set({ state: 'free' }, freeSlots);

    this.liveSocketsGauge.set(this.liveSockets.size);
    let subscriptions = 0;
    for (const socket of this.liveSockets) subscriptions += socket.subscriptionCount();
    this.liveSubscriptions.set(subscriptions);
    this.storeBytes.set(storeBytes);
    if (this.artifactBytesSource) this.artifactBytesStored.set(await this.artifactBytesSource());

    // Reports of runners connected here only: one that left (or moved to another hub) is not shown stale.
    for (const gauge of Object.values(this.runnerGauges)) gauge.reset();
    const here = new Map(sources.connected().map((connection) => [connection.runnerId, connection.name]));
    for (const runnerId of [...this.reports.keys()]) if (!here.has(runnerId)) this.reports.delete(runnerId);
    for (const [runnerId, report] of this.reports) {
      const labels = { runner: here.get(runnerId) as string };
      this.runnerGauges.runs.set(labels, report.runs);
      this.runnerGauges.running.set(labels, report.running);
      this.runnerGauges.unacked.set(labels, report.unackedRecords);
      this.runnerGauges.rss.set(labels, report.rssBytes);
      this.runnerGauges.cpu.set(labels, report.cpuSeconds);
    }
  }
}
