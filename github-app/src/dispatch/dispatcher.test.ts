import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('the dispatcher', () => {
  let t: TestHub;
  // The sweep is an hour: every offer below comes from an event, not from a tick.
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: { sweepMs: 3_600_000, offerTimeoutMs: 10_000 } });
  });
  afterEach(() => t.close());

  it('offers a new run at once to a connected runner', async () => {
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    // The sweep is an hour: an offer at all came from the new pend waking the dispatcher.
    const offer = await runner.next('offer');
    expect(offer).toMatchObject({ runId, epoch: 1, leaseMs: t.hub.timing.leaseMs });
    expect(offer.run).toMatchObject({ id: runId, number: 1, repo: 'acme', cloneUrl: t.repo.path, data: {} });
    expect(await t.hub.whyPending(runId)).toBe('offered to vm-1, waiting for it to accept');
  });

  it('never offers a run cancelled after the pass read it as pending: the offer is a compare-and-set', async () => {
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    await t.hub.settled();
    const read = t.hub.store.listLiveRuns.bind(t.hub.store);
    // The pass's view is read, then the run is cancelled before the pass offers it: the view is stale.
    const stale = vi.spyOn(t.hub.store, 'listLiveRuns').mockImplementationOnce(async () => {
      const runs = await read();
      await t.hub.cancelRun(runId, ADMIN);
      return runs;
    });
    const runner = await t.connect('vm-1');
    await t.hub.settled();
    expect(stale).toHaveBeenCalled();
    expect((await t.hub.store.getRun(runId))?.state).toBe('archived');
    expect(runner.of('offer')).toEqual([]);
    // The next run is offered as usual.
    const next = await t.hub.startRun('deploy', {}, ADMIN);
    expect((await runner.next('offer')).runId).toBe(next);
  });

  it('skips reading the live runs at a wake that finds no run pending (a run ended, the queue empty)', async () => {
    const read = t.hub.store.listLiveRuns.bind(t.hub.store);
    let planned = 0;
    vi.spyOn(t.hub.store, 'listLiveRuns').mockImplementation(() => {
      if (new Error().stack?.includes('Dispatcher.view')) planned += 1;
      return read();
    });
    const probed = vi.spyOn(t.hub.store, 'hasPendingRuns');
    const { runner, runId, offer } = await t.activeRun();
    expect(planned).toBe(1);
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.start(Date.now()),
      records.input({
        type: 'task-finished',
        node: 'ship',
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        at: Date.now(),
      }),
    ]);
    expect((await t.hub.store.getRun(runId))?.state).toBe('archived');
    await t.hub.settled();
    // The end woke the dispatcher: it probed, found nothing pending, and read no run.
    expect(probed.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(planned).toBe(1);
    // A new run is planned and offered as before.
    const next = await t.hub.startRun('deploy', {}, ADMIN);
    expect((await runner.next('offer', (message) => message.runId === next)).runId).toBe(next);
    expect(planned).toBe(2);
  });

  it('offers a waiting run when a matching runner connects, and says why it waited', async () => {
    const runId = await t.hub.startRun('gpu', {}, ADMIN);
    expect(await t.hub.whyPending(runId)).toBe('no runner is connected');
    const plain = await t.connect('vm-1', ['linux']);
    expect(await t.hub.whyPending(runId)).toBe('no connected runner has tags gpu');
    await t.hub.settled();
    expect((await t.hub.runs({ state: 'pending' })).runs[0]?.pendingReason).toBe('no connected runner has tags gpu');
    const gpu = await t.connect('vm-2', ['gpu', 'linux']);
    expect((await gpu.next('offer')).runId).toBe(runId);
    expect(plain.of('offer')).toEqual([]);
  });

  it('offers the next run when a slot frees', async () => {
    const runner = await t.connect('vm-1');
    const first = await t.hub.startRun('deploy', {}, ADMIN);
    const second = await t.hub.startRun('gpu', {}, ADMIN);
    const third = await t.hub.startRun('approve', {}, ADMIN);
    const offer = await runner.next('offer');
    expect(offer.runId).toBe(first);
    await t.hub.core.accepted(runner.runnerId, first, offer.epoch);
    await t.hub.settled();
    expect(await t.hub.whyPending(third)).toBe('the one matching runner is busy (vm-1 1/1)');
    expect(await t.hub.whyPending(second)).toBe('no connected runner has tags gpu');
    await t.hub.cancelRun(first, ADMIN);
    await t.hub.core.records(runner.runnerId, first, offer.epoch, [
      { kind: 'start', seq: 1, at: Date.now() },
      { kind: 'input', seq: 2, input: { type: 'cancel', by: 'ann', at: Date.now() } },
    ]);
    // The slot is the cancelled run's until its task has stopped: the runner would decline an offer now.
    await t.hub.settled();
    expect((await t.hub.runSummary(first))?.state).toBe('active');
    expect(runner.of('offer').map((m) => m.runId)).toEqual([first]);
    expect(await t.hub.whyPending(third)).toBe('the one matching runner is busy (vm-1 1/1)');
    await t.hub.core.records(runner.runnerId, first, offer.epoch, [
      {
        kind: 'input',
        seq: 3,
        input: { type: 'task-finished', node: 'ship', attempt: 1, outcome: { kind: 'cancelled' }, at: Date.now() },
      },
    ]);
    expect((await runner.next('offer', (m) => m.runId === third)).runId).toBe(third);
  });

  it('tries another runner after a decline', async () => {
    const one = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await one.next('offer');
    const two = await t.connect('vm-2');
    await t.hub.core.declined(one.runnerId, runId, offer.epoch, 'disk full');
    expect((await two.next('offer')).epoch).toBe(offer.epoch + 1);
    expect(one.of('offer')).toHaveLength(1);
  });

  it('takes back offers to a runner that disconnects', async () => {
    const one = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    await one.next('offer');
    await t.hub.core.runnerDisconnected(one.runnerId, one);
    expect(await t.hub.whyPending(runId)).toBe('no runner is connected');
    expect((await t.hub.runners()).map((r) => [r.name, r.connected])).toEqual([['vm-1', false]]);
  });

  it('keeps the newer connection when an old socket of the same runner closes late', async () => {
    const old = await t.connect('vm-1');
    const again = Object.assign(Object.create(Object.getPrototypeOf(old)), old, { messages: [] });
    await t.hub.core.runnerConnected(again, [], 'test');
    await t.hub.core.runnerDisconnected(old.runnerId, old);
    expect((await t.hub.runners())[0]?.connected).toBe(true);
  });
});

describe('the dispatch lease', () => {
  it('offers nothing while another hub holds the lease, and takes over when that hub stops renewing it', async () => {
    const { openSqliteStore, sqliteFile } = await import('../store/sqlite/sqlite-store.js');
    const { tempDir } = await import('../testing/test-repo.js');
    const tmp = tempDir('floe-lease-');
    const store = openSqliteStore({ file: sqliteFile(tmp.dir) });
    const taken = Date.now();
    expect(await store.tryLease('dispatch', 'another-hub', taken, 1_500)).toBe(true);
    await store.close();
    const t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { dataDir: tmp.dir, timing: { dispatchLeaseMs: 150 } });
    try {
      const runner = await t.connect('vm-1');
      const runId = await t.hub.startRun('deploy', {}, ADMIN);
      await t.hub.settled();
      const early = Date.now() < taken + 1_400;
      if (early) expect(runner.of('offer')).toEqual([]);
      const offer = await runner.next('offer');
      expect(offer.runId).toBe(runId);
      expect(Date.now()).toBeGreaterThanOrEqual(taken + 1_500);
      expect(early).toBe(true);
    } finally {
      await t.close();
      tmp.cleanup();
    }
  });
});
