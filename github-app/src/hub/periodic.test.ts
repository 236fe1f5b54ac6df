import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Periodic } from './periodic.js';

// The clock is faked (vitest's timers), the work is real promises: what is under test is when rounds start.
describe('Periodic', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('skips the ticks while a round is still running, then runs again', async () => {
    let release = () => {};
    let rounds = 0;
    const work = new Periodic(
      10,
      () => {
        rounds += 1;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      () => {},
    );
    await vi.advanceTimersByTimeAsync(55);
    expect(rounds).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(10);
    expect(rounds).toBe(2);
    release();
    await work.stop();
  });

  it('hands a failed round to onError and keeps going', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const work = new Periodic(
      10,
      async () => {
        rounds += 1;
        throw new Error(`round ${rounds}`);
      },
      (err) => errors.push(err),
    );
    await vi.advanceTimersByTimeAsync(30);
    expect(rounds).toBe(3);
    expect(errors.map((err) => (err as Error).message)).toEqual(['round 1', 'round 2', 'round 3']);
    await work.stop();
  });

  it('stop waits for the round in flight and no round starts after it', async () => {
    let release = () => {};
    let rounds = 0;
    const work = new Periodic(
      10,
      () => {
        rounds += 1;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      () => {},
    );
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = work.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    expect(rounds).toBe(1);
  });
});
