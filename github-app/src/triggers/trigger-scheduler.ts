// Timers and polled refs (DESIGN §1, §8): the triggers that fire without anyone asking. Each fires ONCE per
// database however many hubs share it (the original fired once per host): a timer slot
// is claimed by a compare-and-set on its trigger state before the run is made, and a poll's snapshot is updated
// the same way, so of two hubs polling at once only the one whose write wins starts runs.
import type { ResolvedTrigger } from '@floe/shared';
import type { Logger } from 'pino';
import type { FlowRow, Store } from '../store/store.js';
import { lsRemote } from './ls-remote.js';
import { nextFire, pollPeriodMs } from './next-fire.js';

/** setTimeout fires at once for longer delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type FireRequest = {
  flow: FlowRow;
  trigger: ResolvedTrigger;
  /** For poll-git: the ref that is new or moved (full name) and its commit, in the polled repository. */
  target?: { url: string; ref: string; sha: string };
};

export type TriggerSchedulerOptions = {
  store: Store;
  log: Logger;
  now?: () => number;
  /** Makes the run; a rejection is logged, never fatal. */
  fire: (request: FireRequest) => Promise<void>;
  /** This hub's id: the holder of poll leases (one hub polls each trigger at a time). */
  hubId: string;
  /** Lists refs; default `git ls-remote` (tests may pass a slow or failing one). */
  lsRemote?: typeof lsRemote;
  /** The shortest period a timer or poll waits; default 10 s (docs/floe-yaml.md "Limits"). Tests pass a short one. */
  minPeriodMs?: number;
};

type Job = { definition: string; stop: () => void };

type PollSnapshot = { url: string; refs: Record<string, string> };

export class TriggerScheduler {
  private readonly jobs = new Map<string, Job>();
  /** Fires in flight, so that stop() can wait for them before the store closes. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: TriggerSchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  private syncing: Promise<void> = Promise.resolve();

  /**
   * Schedules the timer and poll-git triggers of every runnable flow; unchanged ones keep their schedule. Calls
   * run one after another (two at once would both schedule a new trigger, and one schedule would leak).
   */
  sync(): Promise<void> {
    const next = this.syncing.then(() => this.syncNow());
    this.syncing = next.catch(() => undefined);
    return next;
  }

  private async syncNow(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, { flow: FlowRow; trigger: ResolvedTrigger }>();
    for (const flow of await this.options.store.listFlows()) {
      if (!flow.flow) continue;
      for (const trigger of flow.flow.triggers) {
        if (trigger.type !== 'timer' && trigger.type !== 'poll-git') continue;
        wanted.set(`${flow.repo}/${flow.id}/${trigger.id}`, { flow, trigger });
      }
    }
    for (const [key, job] of this.jobs) {
      if (!wanted.has(key)) {
        job.stop();
        this.jobs.delete(key);
      }
    }
    for (const [key, { flow, trigger }] of wanted) {
      const definition = JSON.stringify(trigger);
      if (this.jobs.get(key)?.definition === definition) continue;
      this.jobs.get(key)?.stop();
      this.jobs.set(key, {
        definition,
        stop:
          trigger.type === 'timer'
            ? this.scheduleTimer(key, flow, trigger)
            : this.schedulePoll(key, flow, trigger as Extract<ResolvedTrigger, { type: 'poll-git' }>),
      });
    }
  }

  /** Stops every schedule; resolves once the fires in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs `work` counted as in flight. */
  private track(work: () => Promise<void>): Promise<void> {
    const promise = work().finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
    return promise;
  }

  /** Keys (`repo/flow/trigger`) of the triggers scheduled now. */
  scheduled(): string[] {
    return [...this.jobs.keys()].sort();
  }

  private scheduleTimer(key: string, flow: FlowRow, trigger: Extract<ResolvedTrigger, { type: 'timer' }>) {
    const log = this.options.log.child({ trigger: key });
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const arm = () => {
      if (stopped) return;
      const slot = nextFire(trigger, this.now(), this.options.minPeriodMs);
      if (slot === undefined) {
        log.warn('timer trigger can never fire; check its period or cron');
        return;
      }
      const wait = () => {
        const left = slot - this.now();
        timer = setTimeout(
          () => (slot - this.now() > 0 ? wait() : void this.track(() => fire(slot))),
          Math.min(Math.max(left, 0), MAX_TIMER_MS),
        );
        timer.unref();
      };
      wait();
    };
    const fire = async (slot: number) => {
      if (stopped) return;
      try {
        if (await this.claimSlot(`timer:${key}`, slot)) {
          log.info({ slot }, 'timer fired');
          await this.options.fire({ flow, trigger });
        }
      } catch (err) {
        log.warn({ err }, 'timer trigger failed');
      }
      arm();
    };
    arm();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  /** True for exactly one caller per (key, slot), across every hub on this store. */
  private async claimSlot(stateKey: string, slot: number): Promise<boolean> {
    const { store } = this.options;
    const state = await store.getTriggerState(stateKey);
    const last = (state?.value as { last?: number } | undefined)?.last ?? 0;
    if (last >= slot) return false;
    return store.putTriggerState(stateKey, { last: slot }, state?.version);
  }

  private schedulePoll(key: string, flow: FlowRow, trigger: Extract<ResolvedTrigger, { type: 'poll-git' }>) {
    const log = this.options.log.child({ trigger: key });
    const periodMs = pollPeriodMs(trigger, this.options.minPeriodMs);
    let exclude: RegExp | undefined;
    try {
      exclude = trigger.opts.exclude === undefined ? undefined : new RegExp(trigger.opts.exclude);
    } catch {
      log.warn({ exclude: trigger.opts.exclude }, 'poll-git exclude is not a regular expression; ignored');
    }
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const poll = async () => {
      try {
        await this.pollOnce(key, flow, trigger, exclude, log);
      } catch (err) {
        log.warn({ err }, 'poll-git trigger failed');
      }
      if (!stopped && !this.stopped) {
        timer = setTimeout(() => void this.track(poll), periodMs);
        timer.unref();
      }
    };
    timer = setTimeout(() => void this.track(poll), 0);
    timer.unref();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  private async pollOnce(
    key: string,
    flow: FlowRow,
    trigger: Extract<ResolvedTrigger, { type: 'poll-git' }>,
    exclude: RegExp | undefined,
    log: Logger,
  ): Promise<void> {
    const { store } = this.options;
    const { url, refs: pattern } = trigger.opts;
    const periodMs = pollPeriodMs(trigger, this.options.minPeriodMs);
    // One hub polls a trigger at a time; the others skip while its lease lasts (two periods).
    if (!(await store.tryLease(`poll:${key}`, this.options.hubId, this.now(), 2 * periodMs))) return;
    let refs: Record<string, string>;
    try {
      refs = await (this.options.lsRemote ?? lsRemote)(url, pattern, exclude);
    } catch (err) {
      // The original panicked here; we keep the old snapshot and try again next period.
      log.warn({ err, url }, 'git ls-remote failed; keeping the previous snapshot');
      return;
    }
    const stateKey = `poll:${key}`;
    const state = await store.getTriggerState(stateKey);
    const previous = state?.value as PollSnapshot | undefined;
    const next: PollSnapshot = { url, refs };
    const changed =
      previous && previous.url === url
        ? Object.entries(refs).filter(([ref, sha]) => previous.refs[ref] !== sha)
        : // The first poll (or a new url) only sets the baseline.
          [];
    if (previous && JSON.stringify(previous) === JSON.stringify(next)) return;
    // Only the hub whose snapshot write wins starts the runs (several hubs, one database).
    if (!(await store.putTriggerState(stateKey, next, state?.version))) return;
    for (const [ref, sha] of changed) {
      log.info({ ref, sha }, 'polled ref changed');
      try {
        await this.options.fire({ flow, trigger, target: { url, ref, sha } });
      } catch (err) {
        log.warn({ err, ref }, 'could not start a run for a polled ref');
      }
    }
  }
}
