import type { Backoff } from '@floe/shared';
import { HubFailure } from './hub-failure.js';

export interface RetryOptions {
  backoff: Backoff;
  /** Stops the retries: the pending wait ends and retry rejects with the last failure. */
  signal?: AbortSignal;
  /** Told before each wait (for the log). */
  onRetry?: (failure: HubFailure, delayMs: number, attempt: number) => void;
}

/**
 * Calls `attempt` until it resolves, waiting a back-off delay after each retryable HubFailure. Rejects with the
 * first failure that is not retryable (any error that is not a HubFailure counts as not retryable: it is a bug),
 * or with the last one when `signal` aborts. Resets the back-off on success.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      const value = await attempt(n);
      options.backoff.reset();
      return value;
    } catch (err) {
      if (!(err instanceof HubFailure) || !err.retryable || options.signal?.aborted) throw err;
      const delay = options.backoff.next();
      options.onRetry?.(err, delay, n);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
