import { createBackoff } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { HubFailure, isRetryable } from './hub-failure.js';
import { retry } from './retry.js';

const network = () => new HubFailure({ kind: 'network', message: 'ECONNREFUSED' });

describe('back-off', () => {
  it('grows exponentially with jitter between half and all of the ceiling, up to the maximum', () => {
    const low = createBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = createBackoff({ initialMs: 100, maxMs: 1_000, random: () => 0.999_999 });
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    high.reset();
    expect(high.next()).toBe(100);
  });

  it('keeps under a limit that can change between attempts (a lease to reconnect within)', () => {
    let limit = Number.POSITIVE_INFINITY;
    const backoff = createBackoff({ initialMs: 100, maxMs: 10_000, random: () => 0.999_999, limitMs: () => limit });
    expect(Array.from({ length: 5 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1_600]);
    limit = 300;
    expect(backoff.next()).toBe(300);
    limit = Number.POSITIVE_INFINITY;
    expect(backoff.next()).toBe(6_400);
  });

  it('spreads the delays of runners that retry at the same moment', () => {
    const delays = new Set(Array.from({ length: 20 }, () => createBackoff({ initialMs: 1_000 }).next()));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('what is worth retrying', () => {
  it.each([
    [{ kind: 'network', message: '' }, true],
    [{ kind: 'refused', code: 'bad-credential', message: '' }, false],
    [{ kind: 'refused', code: 'incompatible-version', message: '' }, false],
    [{ kind: 'refused', code: 'incompatible-version', message: '', upgrade: 'the runner' }, false],
    [{ kind: 'refused', code: 'incompatible-version', message: '', upgrade: 'the hub' }, true],
    [{ kind: 'refused', code: 'bad-message', message: '' }, true],
    [{ kind: 'http', status: 401, message: '' }, false],
    [{ kind: 'http', status: 400, message: '' }, false],
    [{ kind: 'http', status: 503, message: '' }, true],
    [{ kind: 'http', status: 429, message: '' }, true],
  ] as const)('%o → %s', (reason, retryable) => {
    expect(isRetryable(reason)).toBe(retryable);
    expect(new HubFailure(reason).retryable).toBe(retryable);
  });
});

describe('retry', () => {
  it('retries retryable failures with the back-off delays until the attempt succeeds', async () => {
    const waits: number[] = [];
    const value = await retry(
      async (n) => {
        if (n < 3) throw network();
        return `ok after ${n}`;
      },
      { backoff: createBackoff({ initialMs: 4, random: () => 0 }), onRetry: (_, delay) => waits.push(delay) },
    );
    expect(value).toBe('ok after 3');
    expect(waits).toEqual([2, 4]);
  });

  it('gives up at once on a failure that is not retryable', async () => {
    let attempts = 0;
    const rejected = new HubFailure({ kind: 'refused', code: 'bad-credential', message: 'rejected' });
    await expect(
      retry(
        async () => {
          attempts++;
          throw rejected;
        },
        { backoff: createBackoff({ initialMs: 1 }) },
      ),
    ).rejects.toBe(rejected);
    expect(attempts).toBe(1);
  });

  it('treats an unexpected error as a bug, not as something to retry', async () => {
    await expect(
      retry(
        async () => {
          throw new TypeError('boom');
        },
        { backoff: createBackoff({ initialMs: 1 }) },
      ),
    ).rejects.toThrow('boom');
  });

  it('stops waiting when aborted, rejecting with the last failure', async () => {
    const abort = new AbortController();
    const pending = retry(
      async () => {
        throw network();
      },
      { backoff: createBackoff({ initialMs: 60_000 }), signal: abort.signal },
    );
    setTimeout(() => abort.abort(), 20);
    // Only the abort ends a 60 s back-off within the test's time.
    await expect(pending).rejects.toThrow('ECONNREFUSED');
  });
});
