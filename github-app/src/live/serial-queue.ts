/**
 * Runs one subscription's jobs one after another; the first job that fails stops the queue and is handed to
 * `failed` (the subscription ends with an error). A job pushed with a key is dropped while another with that key
 * waits to start: it would read the same thing again.
 */
export class SerialQueue {
  private chain = Promise.resolve();
  private stopped = false;
  private readonly waiting = new Set<string>();

  constructor(
    private readonly failed: (err: unknown) => void,
    /** True once the whole session is over: no job starts, no failure is told. */
    private readonly over: () => boolean = () => false,
  ) {}

  push(key: string, job: () => Promise<void>): void {
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.chain = this.chain.then(async () => {
      this.waiting.delete(key);
      if (this.stopped || this.over()) return;
      try {
        await job();
      } catch (err) {
        if (this.stopped || this.over()) return;
        this.stopped = true;
        this.failed(err);
      }
    });
  }

  /** No job starts after this (one running finishes). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves when every job pushed so far has run or been skipped (tests). */
  drained(): Promise<void> {
    return this.chain;
  }
}
