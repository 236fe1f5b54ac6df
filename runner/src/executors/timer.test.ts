import { describe, expect, it } from 'vitest';
import { testContext } from '../testing/test-context.js';
import { executeTask } from './execute-task.js';

describe('timer task', () => {
  it('really waits its period, then exits 0', async () => {
    const t = await testContext({ type: 'timer', opts: { period: '150ms' } });
    const started = Date.now();
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(t.text('sys')).toBe('waiting 150ms\n');
  });

  it('ends promptly with cancelled when cancelled', async () => {
    const t = await testContext({ type: 'timer', opts: { period: '1h' } });
    const outcome = executeTask(t.ctx);
    setTimeout(() => t.cancel(), 20);
    // Only a cancel resolves an hour's timer within the test's time.
    expect(await outcome).toEqual({ kind: 'cancelled' });
  });

  it('waits periods longer than Node timers can hold (25 days) instead of firing at once', async () => {
    const t = await testContext({ type: 'timer', opts: { period: '25d' } });
    const outcome = executeTask(t.ctx);
    let settled = false;
    outcome.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    t.cancel();
    expect(await outcome).toEqual({ kind: 'cancelled' });
  });

  it('times out when its timeout is shorter than its period', async () => {
    const t = await testContext({ type: 'timer', timeout: '50ms', opts: { period: 10 } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'timed-out', afterMs: 50 });
  });
});

describe('executeTask', () => {
  it('leaves data and end nodes to the engine', async () => {
    for (const type of ['data', 'end']) {
      const t = await testContext({ type });
      expect(await executeTask(t.ctx)).toEqual({
        kind: 'error',
        message: `${type} task t1 is run by the engine, not an executor`,
      });
    }
  });
});
