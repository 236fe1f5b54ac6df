import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord, RunState } from '@floe/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunDriver } from '../execution/drive-run.js';
import { RunSpool } from '../spool/run-spool.js';
import { type HeldRun, HeldRuns } from './held-runs.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'floe-held-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A small fake of the RunDriver interface: says what it was told, ends when the test says. */
function fakeDriver() {
  const told: string[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<RunState>((resolve) => {
    finish = () => resolve({} as RunState);
  });
  const driver = {
    done,
    ended: false as boolean,
    cancel: (by?: string) => told.push(`cancel ${by}`),
    data: () => undefined,
    kill: () => told.push('kill'),
    get state(): RunState {
      throw new Error('no state in this fake');
    },
  } satisfies RunDriver;
  return { driver, told, finish };
}

const lost = (seq: number): RunRecord => ({ kind: 'input', seq, input: { type: 'lost', runner: 'r', at: 0 } });

/** A run held with a real spool holding `records` records; running with a fake driver unless `running: false`. */
function held(
  runId: string,
  epoch: number,
  options: { records?: number; running?: boolean; requeueLost?: boolean } = {},
) {
  const spool = RunSpool.create(root, { runId, epoch, acceptedAt: 0, mark: `test.${runId}.${epoch}.x` });
  spool.append(Array.from({ length: options.records ?? 0 }, (_, i) => lost(i + 1)));
  const fake = fakeDriver();
  const gate: boolean[] = [];
  const run: HeldRun = {
    runId,
    epoch,
    spool,
    driver: fake.driver,
    running: options.running ?? true,
    open: (mine) => gate.push(mine),
    pending: [],
    sentSeq: 0,
    requeueLost: options.requeueLost,
    log: pino({ level: 'silent' }),
  };
  return { run, gate, ...fake };
}

describe('HeldRuns', () => {
  it('declines an offer while an earlier attempt of the run is still ending here, and takes it once that has ended', async () => {
    const runs = new HeldRuns();
    const first = held('run-1', 1);
    runs.add(first.run);
    runs.watchEnding('run-1', first.driver.done);

    // Offered again at a newer epoch: the held attempt stops (killed, its spool gone) but its driver still ends.
    expect(runs.claim('run-1', 2)).toEqual({ decline: 'an earlier attempt of this run is still ending here' });
    expect(runs.get('run-1')).toBeUndefined();
    expect(first.told).toEqual(['cancel hub', 'kill']);
    expect(first.gate).toEqual([false]);
    expect(existsSync(first.run.spool.dir)).toBe(false);
    expect(runs.claim('run-1', 2)).toEqual({ decline: 'an earlier attempt of this run is still ending here' });

    first.finish();
    await first.driver.done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs.claim('run-1', 2)).toEqual({ take: true });
  });

  it('accepts again an offer of a run it holds at that epoch, and declines one older than the epoch it holds', () => {
    const runs = new HeldRuns();
    const current = held('run-1', 3);
    runs.add(current.run);
    expect(runs.claim('run-1', 3)).toEqual({ again: true });
    expect(runs.claim('run-1', 2)).toEqual({ decline: 'this runner holds the run at a newer epoch 3' });
    expect(runs.get('run-1')).toBe(current.run);
    expect(current.told).toEqual([]);
  });

  it("opens a run's gate at the first ack and forgets a finished run once the hub has every record", () => {
    const runs = new HeldRuns();
    const { run, gate } = held('run-1', 1, { records: 3 });
    runs.add(run);
    runs.acked('run-1', 1);
    expect(gate).toEqual([true]);
    expect(run.open).toBeUndefined();

    // Everything stored, but its driver is still working: still held.
    runs.acked('run-1', 3);
    expect(runs.get('run-1')).toBe(run);
    run.running = false;
    run.spool.markFinished();
    runs.forgetIfDelivered(run);
    expect(runs.get('run-1')).toBeUndefined();
    expect(existsSync(run.spool.dir)).toBe(false);
  });

  it("cancels only at the hub's cancel for the epoch held, and stops only for that epoch or a newer one", () => {
    const runs = new HeldRuns();
    const { run, told } = held('run-1', 2);
    runs.add(run);
    runs.cancel('run-1', 1, 'ann');
    expect(told).toEqual([]);
    runs.cancel('run-1', 2, 'ann');
    expect(told).toEqual(['cancel ann']);
    told.length = 0;
    runs.stopAt('run-1', 1, 'stale');
    expect(runs.get('run-1')).toBe(run);
    runs.stopAt('run-1', 2, 'cancelled elsewhere');
    expect(runs.get('run-1')).toBeUndefined();
    expect(told).toEqual(['cancel hub', 'kill']);
  });

  it('resumes after a welcome: stops what the hub no longer gives it, resends after what the hub has stored', () => {
    const runs = new HeldRuns();
    const kept = held('kept', 1, { records: 5 });
    const moved = held('moved', 1, { records: 2 });
    const unnamed = held('unnamed', 1, { records: 2 });
    for (const h of [kept, moved, unnamed]) {
      h.run.sentSeq = h.run.spool.lastSeq;
      runs.add(h.run);
    }
    unnamed.run.spool.ack(1);
    runs.resume([
      { runId: 'kept', epoch: 1, action: 'continue', ackedSeq: 3 },
      { runId: 'moved', epoch: 2, action: 'continue', ackedSeq: 0 },
    ]);
    expect(runs.values().map((run) => run.runId)).toEqual(['kept', 'unnamed']);
    expect(kept.run.spool.ackedSeq).toBe(3);
    expect(kept.run.sentSeq).toBe(3);
    expect(kept.gate).toEqual([true]);
    expect(moved.gate).toEqual([false]);
    expect(existsSync(moved.run.spool.dir)).toBe(false);
    expect(unnamed.run.sentSeq).toBe(1);
    expect(runs.forHello()).toEqual([
      { runId: 'kept', epoch: 1, ackedSeq: 3 },
      { runId: 'unnamed', epoch: 1, ackedSeq: 1 },
    ]);
  });

  it('fences only the running runs of requeue-lost flows, once', () => {
    const runs = new HeldRuns();
    const requeued = held('requeued', 1, { requeueLost: true });
    const other = held('other', 1);
    const ended = held('ended', 1, { requeueLost: true, running: false });
    for (const h of [requeued, other, ended]) runs.add(h.run);
    runs.fence(5_000);
    runs.fence(5_250);
    expect(requeued.told).toEqual(['cancel runner: no contact with the hub past the lease']);
    expect(other.told).toEqual([]);
    expect(ended.told).toEqual([]);
  });

  it('frees a slot once the engine has ended the run, while its driver still counts as running', () => {
    const runs = new HeldRuns();
    const a = held('a', 1);
    const b = held('b', 1);
    runs.add(a.run);
    runs.add(b.run);
    expect([runs.running(), runs.slotsTaken()]).toEqual([2, 2]);
    a.driver.ended = true;
    expect([runs.running(), runs.slotsTaken()]).toEqual([2, 1]);
  });
});
