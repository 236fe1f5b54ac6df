import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('waits between half and all of a ceiling that doubles up to the maximum', () => {
    const low = createBackoff({ initialMs: 100, maxMs: 500, random: () => 0 });
    const high = createBackoff({ initialMs: 100, maxMs: 500, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([50, 100, 200, 250, 250]);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 500, 500]);
  });

  it('starts again from the first delay after a reset', () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 10_000, random: () => 0 });
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBe(200);
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });

  it('never waits beyond a limit read at each attempt (a lease to come back within)', () => {
    let limit = 10_000;
    const backoff = createBackoff({ initialMs: 1_000, maxMs: 60_000, random: () => 0.999999, limitMs: () => limit });
    expect(backoff.next()).toBe(1_000);
    limit = 300;
    expect(backoff.next()).toBe(300);
  });
});
