import { describe, expect, it } from 'vitest';
import { nextFire, pollPeriodMs } from './next-fire.js';

const timer = (opts: { period?: number | string; cron?: string; timezone?: string }) =>
  ({ type: 'timer', id: 't', name: 't', opts }) as const;

describe('nextFire', () => {
  it('fires periods on multiples of the period, so every hub picks the same slot', () => {
    expect(nextFire(timer({ period: 10 }), 1_000_001)).toBe(1_010_000);
    expect(nextFire(timer({ period: '1m' }), 60_000)).toBe(120_000);
    expect(nextFire(timer({ period: 0 }), 5)).toBeUndefined();
    expect(nextFire(timer({}), 5)).toBeUndefined();
  });

  it('raises a period under 10 s to 10 s, for timers and for polls', () => {
    expect(nextFire(timer({ period: 1 }), 1_000_001)).toBe(1_010_000);
    expect(nextFire(timer({ period: '500ms' }), 20_000)).toBe(30_000);
    expect(nextFire(timer({ period: 30 }), 20_000)).toBe(30_000);
    expect(pollPeriodMs({ opts: { period: 1 } })).toBe(10_000);
    expect(pollPeriodMs({ opts: { period: '2s' } })).toBe(10_000);
    expect(pollPeriodMs({ opts: { period: '5m' } })).toBe(300_000);
    expect(pollPeriodMs({ opts: {} })).toBe(60_000);
  });

  it('reads cron in UTC unless the trigger gives a timezone', () => {
    const now = Date.UTC(2026, 0, 1, 8, 30);
    expect(new Date(nextFire(timer({ cron: '0 9 * * *' }), now) ?? 0).toISOString()).toBe('2026-01-01T09:00:00.000Z');
    expect(new Date(nextFire(timer({ cron: '0 9 * * *', timezone: 'Europe/Paris' }), now) ?? 0).toISOString()).toBe(
      '2026-01-02T08:00:00.000Z',
    );
    expect(nextFire(timer({ cron: 'not cron' }), now)).toBeUndefined();
  });
});
