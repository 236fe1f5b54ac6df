import { describe, expect, it } from 'vitest';
import { HeartbeatRate, MAX_HEARTBEATS_PER_SECOND } from './heartbeat-rate.js';

describe('HeartbeatRate', () => {
  it('lets the first heartbeats of a second through, drops the rest, and tells how many once the second is over', () => {
    const told: number[] = [];
    const rate = new HeartbeatRate((dropped) => told.push(dropped));
    const second = 1_700_000_000_000;
    const answers = Array.from({ length: MAX_HEARTBEATS_PER_SECOND + 3 }, (_, i) => rate.allowed(second + i));
    expect(answers.filter(Boolean)).toHaveLength(MAX_HEARTBEATS_PER_SECOND);
    expect(answers.slice(MAX_HEARTBEATS_PER_SECOND)).toEqual([false, false, false]);
    expect(told).toEqual([]);
    expect(rate.allowed(second + 1_000)).toBe(true);
    expect(told).toEqual([3]);
    expect(rate.allowed(second + 2_000)).toBe(true);
    expect(told).toEqual([3]);
  });
});
