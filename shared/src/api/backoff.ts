// Jittered exponential back-off between attempts to reach the hub (docs/design.md §5): the one used by runners
// reconnecting and by the live API clients (dashboard, VS Code). Browser-safe.

export interface BackoffOptions {
  /** The first delay's ceiling; default 500 ms. */
  initialMs?: number;
  /** The largest delay; default 30 s. */
  maxMs?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** A number in [0, 1); default Math.random. */
  random?: () => number;
  /** A ceiling that changes with circumstances, read at each attempt (e.g. a lease to reconnect within). */
  limitMs?: () => number;
}

export interface Backoff {
  /** The delay before the next attempt: between half and all of the current ceiling, which then grows. */
  next(): number;
  /** Back to the first delay (after a success). */
  reset(): void;
}

/**
 * "Equal jitter": half the ceiling plus a random half, so a fleet of runners that lost the same hub spreads its
 * reconnects over time instead of arriving at once, and no runner retries in a tight loop.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  let ceiling = initialMs;
  return {
    next() {
      const top = Math.min(ceiling, options.limitMs?.() ?? ceiling);
      const delay = Math.round(top / 2 + (random() * top) / 2);
      ceiling = Math.min(maxMs, ceiling * factor);
      return delay;
    },
    reset() {
      ceiling = initialMs;
    },
  };
}
