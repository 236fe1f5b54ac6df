// How the daemon ends (DESIGN §5): `stop` cancels the running runs and lets their kill ladders run, a second `stop`
// kills every task at once, and `drain` (SIGQUIT, or an ephemeral runner after its run) takes no new run and
// stops once the running ones have finished. The daemon waits on `requested`, then for the runs and the hub's last
// acknowledgements. An operator's drain through the hub (`drain`, docs/runners.md "Draining a runner") only makes
// the runner decline runs until it is undrained — or, with --exit-when-drained, drains it as SIGQUIT does.
import type { Logger } from 'pino';
import type { HeldRuns } from './held-runs.js';

export class Shutdown {
  private stoppingNow = false;
  private drainingNow = false;
  private hurried = false;
  private drainedByHub = false;
  private request: () => void = () => {};
  /** Resolves at the first stop(). */
  readonly requested = new Promise<void>((resolve) => {
    this.request = resolve;
  });

  constructor(
    private readonly runs: HeldRuns,
    private readonly logger: Logger,
  ) {}

  /** No new run is taken, and a session that drops is not opened again. */
  get stopping(): boolean {
    return this.stoppingNow;
  }

  /** stop() was called again: nothing is waited for any more. */
  get hurry(): boolean {
    return this.hurried;
  }

  /** drain() was called: the runner ends once its runs have. */
  get draining(): boolean {
    return this.drainingNow;
  }

  /** Why an offer is declined now; undefined when the runner takes runs. */
  refusal(): string | undefined {
    if (this.stoppingNow) return 'the runner is stopping';
    if (this.drainingNow) return 'the runner is draining';
    if (this.drainedByHub) return 'the runner is drained (floe runner undrain takes it back)';
    return undefined;
  }

  /**
   * The hub says an operator drained (or undrained) this runner. Drained, it declines what is still on its way and
   * finishes what it holds; with `exit` (--exit-when-drained) it then stops, as after SIGQUIT.
   */
  hubDrained(drained: boolean, exit: boolean): void {
    if (this.drainedByHub === drained) return;
    this.drainedByHub = drained;
    this.logger.info(
      { running: this.runs.running(), exitWhenDrained: exit },
      drained ? 'drained by the hub: taking no new runs' : 'undrained by the hub: taking runs again',
    );
    if (drained && exit) this.drain();
  }

  drain(): void {
    if (this.drainingNow || this.stoppingNow) return;
    this.drainingNow = true;
    this.logger.info({ running: this.runs.running() }, 'draining: finishing the running runs, taking no new ones');
    if (this.runs.running() === 0) this.stop();
  }

  stop(): void {
    if (this.stoppingNow) {
      this.hurried = true;
      this.logger.warn('stopping now: killing every task');
      for (const run of this.runs.values()) this.runs.kill(run);
      return;
    }
    this.stoppingNow = true;
    this.logger.info({ running: this.runs.running() }, 'stopping: cancelling runs');
    for (const run of this.runs.values()) if (run.running) run.driver?.cancel('runner stopping');
    this.request();
  }

  /** A run's driver has ended: a draining runner stops after its last one (in the next turn, once the run's
   * last records are on their way). */
  runEnded(): void {
    if (this.drainingNow && !this.stoppingNow && this.runs.running() === 0) setImmediate(() => this.stop());
  }

  /** The hub refused the runner for good: its runs cannot report anywhere, so they are killed at once (their
   * spools stay for a later start). */
  abandon(): void {
    this.stoppingNow = true;
    for (const run of this.runs.values()) if (run.running) this.runs.kill(run);
  }
}
