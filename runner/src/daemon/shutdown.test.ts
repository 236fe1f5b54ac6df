import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunState } from '@floe/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunDriver } from '../execution/drive-run.js';
import { RunSpool } from '../spool/run-spool.js';
import { type HeldRun, HeldRuns } from './held-runs.js';
import { Shutdown } from './shutdown.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'floe-shutdown-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A run held with a real spool and a small fake of the RunDriver interface that says what it was told. */
function hold(runs: HeldRuns, runId: string, running = true): { run: HeldRun; told: string[] } {
  const told: string[] = [];
  const driver: RunDriver = {
    done: new Promise<RunState>(() => undefined),
    ended: false,
    cancel: (by) => told.push(`cancel ${by}`),
    data: () => undefined,
    kill: () => told.push('kill'),
    get state(): RunState {
      throw new Error('no state in this fake');
    },
  };
  const run: HeldRun = {
    runId,
    epoch: 1,
    spool: RunSpool.create(root, { runId, epoch: 1, acceptedAt: 0, mark: `test.${runId}.1.x` }),
    driver,
    running,
    pending: [],
    sentSeq: 0,
    log: pino({ level: 'silent' }),
  };
  runs.add(run);
  return { run, told };
}

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('Shutdown', () => {
  it('drains: declines new runs, lets the running one finish, then stops', async () => {
    const runs = new HeldRuns();
    const { run, told } = hold(runs, 'run-1');
    const shutdown = new Shutdown(runs, pino({ level: 'silent' }));
    expect(shutdown.refusal()).toBeUndefined();
    shutdown.drain();
    expect(shutdown.refusal()).toBe('the runner is draining');
    expect(await settled(shutdown.requested)).toBe(false);
    expect(told).toEqual([]);

    run.running = false;
    shutdown.runEnded();
    await shutdown.requested;
    expect(shutdown.refusal()).toBe('the runner is stopping');
    expect(shutdown.stopping).toBe(true);
  });

  it('drains at once when nothing runs', async () => {
    const runs = new HeldRuns();
    hold(runs, 'delivering', false);
    const shutdown = new Shutdown(runs, pino({ level: 'silent' }));
    shutdown.drain();
    expect(await settled(shutdown.requested)).toBe(true);
  });

  it('stops by cancelling the running runs; a second stop kills every task and stops waiting', async () => {
    const runs = new HeldRuns();
    const running = hold(runs, 'running');
    const delivering = hold(runs, 'delivering', false);
    const shutdown = new Shutdown(runs, pino({ level: 'silent' }));
    shutdown.stop();
    expect(await settled(shutdown.requested)).toBe(true);
    expect(running.told).toEqual(['cancel runner stopping']);
    expect(delivering.told).toEqual([]);
    expect(shutdown.hurry).toBe(false);

    shutdown.stop();
    expect(shutdown.hurry).toBe(true);
    expect(running.told).toEqual(['cancel runner stopping', 'kill']);
    expect(delivering.told).toEqual(['kill']);
  });

  it('abandons the running runs at once when the hub refused the runner for good', () => {
    const runs = new HeldRuns();
    const running = hold(runs, 'running');
    const shutdown = new Shutdown(runs, pino({ level: 'silent' }));
    shutdown.abandon();
    expect(running.told).toEqual(['kill']);
    expect(shutdown.refusal()).toBe('the runner is stopping');
  });

  it('declines runs while the hub has it drained and takes them again once undrained, without stopping', async () => {
    const runs = new HeldRuns();
    const { told } = hold(runs, 'run-1');
    const shutdown = new Shutdown(runs, pino({ level: 'silent' }));
    shutdown.hubDrained(true, false);
    expect(shutdown.refusal()).toBe('the runner is drained (floe runner undrain takes it back)');
    expect(shutdown.draining).toBe(false);
    shutdown.runEnded();
    expect(await settled(shutdown.requested)).toBe(false);
    shutdown.hubDrained(false, false);
    expect(shutdown.refusal()).toBeUndefined();
    expect(told).toEqual([]);
  });

  it('drains when the hub drains it and it was started with --exit-when-drained, stopping after its last run', async () => {
    const runs = new HeldRuns();
    const { run, told } = hold(runs, 'run-1');
    const shutdown = new Shutdown(runs, pino({ level: 'silent' }));
    shutdown.hubDrained(true, true);
    expect(shutdown.draining).toBe(true);
    expect(await settled(shutdown.requested)).toBe(false);
    // Undrained on its way out: it still goes.
    shutdown.hubDrained(false, true);
    run.running = false;
    shutdown.runEnded();
    await shutdown.requested;
    expect(told).toEqual([]);
  });
});
