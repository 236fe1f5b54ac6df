/**
 * Heartbeats one runner may send a second (docs/security.md "Limits"); a runner sends one every few seconds. More
 * are dropped before they reach the core, so a flood costs a parse each, never a store write: `/healthz` and the
 * other runners do not slow down.
 */
export const MAX_HEARTBEATS_PER_SECOND = 10;

/** Counts one socket's heartbeats per second of the clock; tells once a second how many it dropped. */
export class HeartbeatRate {
  private second = 0;
  private inSecond = 0;
  private dropped = 0;

  constructor(private readonly onDropped: (dropped: number) => void) {}

  /** True for a heartbeat within the rate; false (and counted) for one over it. */
  allowed(now: number): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      if (this.dropped > 0) this.onDropped(this.dropped);
      this.second = second;
      this.inSecond = 0;
      this.dropped = 0;
    }
    this.inSecond += 1;
    if (this.inSecond <= MAX_HEARTBEATS_PER_SECOND) return true;
    this.dropped += 1;
    return false;
  }
}
