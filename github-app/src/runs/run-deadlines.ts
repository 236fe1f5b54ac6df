// The hub's own run timeout (the runner and the hub both enforce it: DESIGN §8 "Why a run ended"). The runner's engine
// ends the run at its deadline, once its tasks have stopped; if the runner is partitioned or hung, this timer ends it
// on the hub a grace period later and sends `cancel`, so a run never stays active much past its timeout. The grace lets
// the runner's own ending, which comes only once the run's processes are gone, come first: the hub ending it at the
// deadline would free its slot and resource tags while its tasks were still being killed.
import { durationMs } from '@floe/shared';
import type { RunRow } from '../store/store.js';

/** setTimeout fires at once for longer delays; a longer deadline is re-armed when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_RUN_TIMEOUT_MS = 6 * 3_600_000;

/** When an active run times out: the engine's deadline, else its start plus the flow's timeout. */
export function runDeadline(run: RunRow): number | undefined {
  if (run.engine) return run.engine.deadline;
  if (run.startedAt === undefined) return undefined;
  const timeout = run.flow.timeout === undefined ? undefined : durationMs(run.flow.timeout);
  return run.startedAt + (timeout ?? DEFAULT_RUN_TIMEOUT_MS);
}

export class RunDeadlines {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** `graceMs`: how long after a run's deadline the timer fires (HubTiming.stopGraceMs). */
  constructor(
    private readonly now: () => number,
    private readonly graceMs: number,
    private readonly onDeadline: (runId: string) => void,
  ) {}

  /** (Re)arms the run's timer; nothing for a run that is not active. */
  arm(run: RunRow): void {
    this.clear(run.id);
    const runEnds = runDeadline(run);
    if (run.state !== 'active' || runEnds === undefined) return;
    const deadline = runEnds + this.graceMs;
    const schedule = () => {
      const wait = deadline - this.now();
      const timer = setTimeout(
        () => {
          if (deadline - this.now() > 0) schedule();
          else {
            this.timers.delete(run.id);
            this.onDeadline(run.id);
          }
        },
        Math.min(Math.max(wait, 0), MAX_TIMER_MS),
      );
      timer.unref();
      this.timers.set(run.id, timer);
    };
    schedule();
  }

  clear(runId: string): void {
    const timer = this.timers.get(runId);
    if (timer) clearTimeout(timer);
    this.timers.delete(runId);
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
