// The dispatcher (DESIGN §4): woken by events — a new pend, a freed slot, a released tag, a runner connecting —
// with a slow periodic sweep as a safety net, never a fixed tick. Each pass plans with planDispatch and offers
// through the store's compare-and-set, so a run is offered once even if two passes (or two hubs) race. Hubs that
// share a database plan at the same time and claim each run with its row and resource tags locked (Store.claimRun).
import { type HubMessage, MAX_FRAME_BYTES } from '@floe/shared';
import { publishRunner } from '../runners/runner-views.js';
import { archiveRun } from '../runs/archive-run.js';
import type { HubDeps } from '../runs/hub-deps.js';
import { publishRun } from '../runs/publish-run.js';
import { toRunSpec } from '../runs/run-spec.js';
import type { RunnerRow, RunRow } from '../store/store.js';
import { planDispatch } from './plan-dispatch.js';

type Avoid = { reason: string; until: number };

const DISPATCH_LEASE = 'dispatch';
/**
 * The holder of the `dispatch` lease that every hub claiming runs with row locks keeps at once: hubs of an earlier
 * release, which offer only while they hold that lease, offer nothing while one of these is up (a rolling upgrade),
 * and these claim only while they hold it (none of the earlier hubs is in a pass).
 */
const ROW_LOCK_HUBS = 'hubs claiming runs with row locks';

type DispatchView = { runs: RunRow[]; known: RunnerRow[] };

export class Dispatcher {
  private reasons = new Map<string, string>();
  private readonly avoided = new Map<string, Map<string, Avoid>>();
  private running: Promise<void> | undefined;
  private again = false;
  private sweep: NodeJS.Timeout | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private leased = false;
  /** When the dispatch lease was last taken or renewed (the `now` it was asked with): it holds until + lease ms. */
  private leasedAt = Number.NEGATIVE_INFINITY;
  /** A lease renewal in flight: stop() waits for it, so the lease it may take is handed back too. */
  private leasing: Promise<boolean> | undefined;
  /** The reason last published for each waiting run: a client sees a new reason when it changes. */
  private readonly announced = new Map<string, string>();

  /** A pass that found the dispatch lease taken by another hub, waiting to try again. */
  private retry: NodeJS.Timeout | undefined;

  /**
   * `shared`: several hubs share the database (PostgreSQL). Each hub offers runs to the runners connected to it, so
   * every hub dispatches, all at once: each plans from its own view and claims every run it offers with
   * Store.claimRun, which keeps a run offered once and a resource tag with one run at a time, first come first
   * served, whatever the other hubs do (DESIGN §4). The `dispatch` lease is then only a fence against hubs of the
   * earlier release, held jointly (ROW_LOCK_HUBS).
   */
  constructor(
    private readonly deps: HubDeps,
    private readonly shared = false,
  ) {}

  /** Starts the safety-net sweep and the dispatch lease, and runs a first pass. */
  start(): void {
    this.sweep = setInterval(() => this.wake(), this.deps.timing.sweepMs);
    this.sweep.unref();
    this.leaseTimer = setInterval(
      () => {
        const had = this.leased;
        this.holdLease()
          .then((has) => {
            // Taken over from a hub that stopped renewing it: there may be work it left.
            if (has && !had) this.wake();
          })
          .catch((err) => this.deps.log.error({ err }, 'dispatch lease failed'));
      },
      Math.max(this.deps.timing.dispatchLeaseMs / 3, 10),
    );
    this.leaseTimer.unref();
    this.wake();
  }

  private holdLease(): Promise<boolean> {
    const { store, hubId, now, timing } = this.deps;
    const holder = this.shared ? ROW_LOCK_HUBS : hubId;
    const at = now();
    const leasing = store.tryLease(DISPATCH_LEASE, holder, at, timing.dispatchLeaseMs).then(
      (has) => {
        this.leased = has;
        if (has) this.leasedAt = at;
        return has;
      },
      (err: unknown) => {
        // Not renewed: it may lapse, and another holder take it, before the next renewal says so.
        this.leased = false;
        throw err;
      },
    );
    this.leasing = leasing;
    return leasing;
  }

  /**
   * Stops sweeping, waits for a pass in progress and hands the dispatch lease back; a second call joins the first.
   * Never rejects: a lease that cannot be handed back (the database is out of reach) expires by itself after
   * `dispatchLeaseMs`, and a stopping hub must not fail for it.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      if (this.sweep) clearInterval(this.sweep);
      if (this.leaseTimer) clearInterval(this.leaseTimer);
      if (this.retry) clearTimeout(this.retry);
      await this.running;
      await this.leasing?.catch(() => false);
      // The other hubs of this release hold it with this one; it lapses by itself when the last one stops.
      if (this.shared) return;
      try {
        await this.deps.store.releaseLease(DISPATCH_LEASE, this.deps.hubId);
      } catch (err) {
        this.deps.log.warn({ err }, 'could not hand back the dispatch lease; it expires by itself');
      }
    })();
    return this.stopping;
  }

  /** Asks for a pass; passes never overlap, and a wake during a pass makes one more pass after it. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        // A microtask, not the next turn of the event loop: the wakes of one synchronous stretch still make one
        // pass, and a run created by an API call is offered before the call's answer is written (setImmediate
        // waited for that write and cost ~1.5 ms of every dispatch on the benchmark machine).
        await Promise.resolve();
        try {
          await this.pass();
        } catch (err) {
          this.deps.log.error({ err }, 'dispatch pass failed');
        }
      } while (this.again && !this.stopped);
      this.running = undefined;
    })();
  }

  /** Resolves when no pass is running or asked for (tests wait on this instead of sleeping). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Why the run is still pending, as of the last pass. */
  reasonFor(runId: string): string | undefined {
    return this.reasons.get(runId);
  }

  /** Why the run is still pending, computed now; undefined when it is not pending. */
  async whyPending(runId: string): Promise<string | undefined> {
    const run = await this.deps.store.getRun(runId);
    if (run?.state !== 'pending') return undefined;
    const plan = this.plan(await this.view(), this.shared);
    if (plan.offers.some((offer) => offer.run.id === runId)) return 'a runner is free; it is being offered now';
    return plan.waiting.get(runId);
  }

  /** Leaves `runnerId` out for this run until the next sweep (it declined the offer or let it time out). */
  avoid(runId: string, runnerId: string, reason: string): void {
    const forRun = this.avoided.get(runId) ?? new Map<string, Avoid>();
    forRun.set(runnerId, { reason, until: this.deps.now() + this.deps.timing.sweepMs });
    this.avoided.set(runId, forRun);
  }

  /** A runner (re)connected: it gets a fresh chance at every run it declined. */
  forgetRunner(runnerId: string): void {
    for (const forRun of this.avoided.values()) forRun.delete(runnerId);
  }

  /**
   * Plans from the runners connected here (what this hub may offer to), or, with `everywhere`, from every runner
   * the store says is connected to some hub (why a run waits is the same answer on every hub).
   */
  private plan({ runs, known }: DispatchView, everywhere = false) {
    const { connections, now } = this.deps;
    const at = now();
    const avoid = new Map<string, Map<string, string>>();
    for (const [runId, forRun] of this.avoided) {
      for (const [runnerId, entry] of forRun) if (entry.until <= at) forRun.delete(runnerId);
      if (forRun.size === 0 || !runs.some((run) => run.id === runId && run.state === 'pending')) {
        this.avoided.delete(runId);
        continue;
      }
      avoid.set(runId, new Map([...forRun].map(([runnerId, entry]) => [runnerId, entry.reason])));
    }
    // Drained is read from the store at every pass, so a drain through any hub holds on every hub at once
    // (docs/runners.md "Draining a runner"); a runner draining on its own is known to the hub it is connected to.
    const drained = new Set(known.filter((runner) => runner.drained).map((runner) => runner.id));
    return planDispatch({
      runs,
      runners: everywhere
        ? known
            .filter((runner) => runner.connected)
            .map(({ id, name, tags, slots, sandboxed }) => ({
              id,
              name,
              tags,
              slots,
              sandboxed,
              drained: drained.has(id),
            }))
        : connections.list().map(({ runnerId, name, tags, slots, sandbox, draining }) => ({
            id: runnerId,
            name,
            tags,
            slots,
            sandboxed: sandbox.sandboxed,
            drained: drained.has(runnerId) || draining,
          })),
      runnerNames: new Map(known.map((runner) => [runner.id, runner.name])),
      avoid,
    });
  }

  /** What a plan is made from: the pending and active runs, and every registered runner. */
  private async view(): Promise<DispatchView> {
    const [runs, known] = await Promise.all([this.deps.store.listLiveRuns(), this.deps.store.listRunners()]);
    return { runs, known };
  }

  /**
   * The lease this hub holds is good for most of its time still: no store write for it on this pass. No other hub
   * can take it before it expires (store.tryLease), and it is renewed once a third of it has gone.
   */
  private leaseIsFresh(): boolean {
    return this.leased && this.deps.now() - this.leasedAt < this.deps.timing.dispatchLeaseMs / 3;
  }

  private async pass(): Promise<void> {
    // Most wakes (a run ended, an offer answered, another hub's change) find no pending run when the queue is empty:
    // such a pass would offer nothing and find no run waiting, so it is skipped after one index probe instead of
    // reading every live run and runner; what it leaves is what such a pass would: no run waiting, so no reason.
    if (!(await this.deps.store.hasPendingRuns())) {
      this.reasons = new Map();
      this.announced.clear();
      return;
    }
    if (!this.shared) return this.offerPass();
    // Nothing to offer without a runner here (the hubs the runners are connected to dispatch for them), but this
    // hub's API and live clients still say why each run waits.
    if (this.deps.connections.list().length === 0) {
      await this.announce(this.plan(await this.view(), true).waiting);
      return;
    }
    // A hub of the earlier release is in its pass under the lease (a few ms): try again shortly rather than wait
    // for a signal or the sweep. The lease timer renews it in between, not every pass.
    if (!this.leased && !(await this.holdLease())) return this.retrySoon();
    await this.offerPass(true);
  }

  /** Another pass in 20 ms, not at once: what stopped this one (another hub's pass or claim) takes a few ms. */
  private retrySoon(): void {
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.wake();
    }, 20);
    this.retry.unref();
  }

  /** Plans and makes the offers; `leased` when the caller holds the dispatch lease already (shared mode). */
  private async offerPass(leased = false): Promise<void> {
    const { store, connections, now, timing, log } = this.deps;
    const view = await this.view();
    const plan = this.plan(view);
    // Why a run waits is planned from the runners of every hub; the offers only from the ones connected here.
    this.reasons = this.shared ? this.plan(view, true).waiting : plan.waiting;
    // One hub offers at a time (of all the hubs sharing the database): resource tags are planned from one consistent
    // view. Every pass renews the lease.
    if (!leased && !this.leaseIsFresh() && !(await this.holdLease())) return;
    for (const { run, runner } of plan.offers) {
      const connection = connections.get(runner.id);
      if (!connection) continue;
      const expiry = now() + timing.offerTimeoutMs;
      const offered = this.shared
        ? await store.claimRun(run, runner.id, expiry)
        : await store.offerRun(run.id, run.epoch, runner.id, expiry);
      // Another pass, hub or a cancel moved the run since the plan was made: the next pass sees the new state (soon
      // when other hubs plan meanwhile: the runner's slot may take another run).
      if (!offered) {
        if (this.shared) this.retrySoon();
        continue;
      }
      const previous =
        offered.replayFrom !== undefined && offered.retryOf !== undefined
          ? await store.getRun(offered.retryOf)
          : undefined;
      const offer: HubMessage = {
        type: 'offer',
        runId: offered.id,
        epoch: offered.epoch,
        leaseMs: timing.leaseMs,
        run: {
          ...toRunSpec(offered, previous),
          ...(await this.cloneToken(offered)),
          secrets: await this.deps.secrets.forRun(offered),
          logCapBytes: this.deps.logCapBytes,
          ...(offered.trust === 'untrusted' && this.deps.untrustedNetwork ? { network: true } : {}),
        },
      };
      // An offer is one protocol message: one too large would never reach any runner, and the run would wait for
      // ever ("runner is busy"). It ends now, saying why (docs/floe-yaml.md "Limits").
      const bytes = Buffer.byteLength(JSON.stringify(offer));
      if (bytes > MAX_FRAME_BYTES) {
        await this.refuseOversized(offered, bytes);
        continue;
      }
      const reason = `offered to ${runner.name}, waiting for it to accept`;
      this.reasons.set(run.id, reason);
      // Published just below with this reason: announce() need not read and publish the run once more.
      this.announced.set(run.id, reason);
      log.info({ runId: run.id, runner: runner.name, epoch: offered.epoch }, 'run offered');
      connection.send(offer);
      await publishRun(this.deps, offered);
      publishRunner(this.deps, runner.id);
    }
    await this.announce(this.reasons);
  }

  /** Ends a run whose offer is too large to send: bad, `refused`, with the sizes in its reason. */
  private async refuseOversized(run: RunRow, bytes: number): Promise<void> {
    const reason =
      `the run's offer is ${bytes} bytes, more than the ${MAX_FRAME_BYTES} bytes the runner protocol carries in ` +
      'one message; make its flow smaller (docs/floe-yaml.md "Limits")';
    this.deps.log.warn({ runId: run.id, bytes }, 'offer too large; run refused');
    await this.deps.withRun(run.id, () =>
      archiveRun(this.deps, run, undefined, { result: 'bad', reason, reasonCode: 'refused' }),
    );
  }

  /** Keeps `waiting` as the reasons of pending runs and tells live subscribers about the ones that changed. */
  private async announce(waiting: Map<string, string>): Promise<void> {
    this.reasons = waiting;
    for (const [runId, reason] of waiting) {
      if (this.announced.get(runId) !== reason) {
        this.announced.set(runId, reason);
        const run = await this.deps.store.getRun(runId);
        if (run?.state === 'pending') await publishRun(this.deps, run);
      }
    }
    for (const runId of this.announced.keys()) if (!waiting.has(runId)) this.announced.delete(runId);
  }

  /**
   * The source's clone credential, minted for this offer (github/github-repo-source.ts: one repository,
   * `contents: read`; none for an untrusted run of a public repository); none on failure.
   */
  private async cloneToken(run: RunRow): Promise<{ token?: string }> {
    try {
      const token = await this.deps.sources.get(run.repo)?.cloneToken?.({ trust: run.trust });
      return token !== undefined ? { token } : {};
    } catch (err) {
      this.deps.log.warn({ err, repo: run.repo }, 'could not get a clone token; offering the run without one');
      return {};
    }
  }
}
