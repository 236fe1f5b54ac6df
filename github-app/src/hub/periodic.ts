/**
 * Work the hub does on a timer (lease checks, flow refreshes, deadline sweeps): never two rounds at once — a tick
 * while one runs is skipped — and the timer does not keep the process alive.
 */
export class Periodic {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(everyMs: number, task: () => Promise<void>, onError: (err: unknown) => void) {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = task()
        .catch(onError)
        .finally(() => {
          this.running = undefined;
        });
    }, everyMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a round in flight: the store it uses must outlive it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
