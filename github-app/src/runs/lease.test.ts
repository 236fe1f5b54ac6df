import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../hub.js';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';

// Short leases and offers, so that they expire within the test.
const SHORT = { leaseMs: 400, offerTimeoutMs: 300 };

describe('leases', () => {
  let t: TestHub;
  afterEach(() => t.close());

  async function activeRun(flowId: string, name = 'vm-1') {
    const runner = await t.connect(name);
    const runId = await t.hub.startRun(flowId, {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    return { runner, runId, epoch: offer.epoch };
  }

  it('archives a run as lost when its runner stops renewing the lease, and frees its resource tag', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT });
    const { runner, runId, epoch } = await activeRun('deploy');
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, epoch, [records.start(Date.now())]);
    const run = await eventually(async () => {
      const r = await t.hub.run(runId);
      return r.state === 'archived' && r;
    });
    expect(run).toMatchObject({ result: 'bad', reasonCode: 'lost', reason: 'runner vm-1 lost' });
    expect(run.nodes[0]?.state).toBe('cancelled');
    expect(t.logs.some((l) => l.msg === 'runner lost; run archived' && l.runId === runId && l.level === 40)).toBe(true);
    expect(await runner.next('stop', (m) => m.runId === runId)).toMatchObject({ epoch });
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, [records.log('ship', 'late\n')])).toMatchObject({
      stale: true,
    });
    const next = await t.hub.startRun('build', {}, ADMIN);
    expect((await runner.next('offer', (m) => m.runId === next)).run.flow['resource-tags']).toEqual(['db']);
  });

  it('gives the runs of a restarted hub a full lease for their runners to reconnect', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT });
    const { runId } = await activeRun('deploy');
    await t.hub.close();
    // The restarted hub's clock: down for ten leases, so the stored lease has long lapsed when it starts again.
    let clock = Date.now() + 10 * SHORT.leaseMs;
    const restartedAt = clock;
    const restarted = await createHub({
      dataDir: t.dataDir,
      log: pino({ level: 'silent' }),
      repos: [],
      timing: { ...SHORT, leaseCheckMs: 25 },
      now: () => clock,
    });
    try {
      expect((await restarted.store.getRun(runId))?.leaseExpiresAt).toBe(restartedAt + SHORT.leaseMs);
      expect((await restarted.runSummary(runId))?.state).toBe('active');
      // Lost only once the runner has stayed silent for that whole lease after the restart.
      clock = restartedAt + SHORT.leaseMs + 1;
      const lost = await eventually(async () => {
        const r = await restarted.run(runId);
        return r.state === 'archived' && r;
      });
      expect(lost).toMatchObject({ reasonCode: 'lost' });
    } finally {
      await restarted.close();
    }
  });

  it('keeps a run whose runner sends heartbeats past the lease', async () => {
    let clock = Date.now();
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT, hub: { now: () => clock } });
    const { runner, runId, epoch } = await activeRun('deploy');
    // Two leases of the hub's time pass, a heartbeat every quarter lease: the lease is renewed each time.
    for (let beat = 0; beat < 8; beat++) {
      clock += SHORT.leaseMs / 4;
      await t.hub.core.heartbeat(runner.runnerId, [{ runId, epoch }]);
      expect((await t.hub.store.getRun(runId))?.leaseExpiresAt).toBe(clock + SHORT.leaseMs);
    }
    expect((await t.hub.runSummary(runId))?.state).toBe('active');
    // Without them it is lost a lease later.
    clock += SHORT.leaseMs + 1;
    expect(await eventually(async () => (await t.hub.runSummary(runId))?.state === 'archived')).toBe(true);
  });

  it('tells a runner to stop a run it holds at a stale epoch when it sends a heartbeat', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT });
    const { runner, runId, epoch } = await activeRun('deploy');
    await t.hub.core.heartbeat(runner.runnerId, [{ runId, epoch: epoch + 5 }]);
    expect(await runner.next('stop')).toMatchObject({ runId, epoch: epoch + 5 });
  });

  it('does not stop a run whose accept is stored while a heartbeat naming it is handled', async () => {
    // The acceptance can be stored between the lease renewal and the read after it (a reconnect's hello on the
    // runner's new socket takes it while the old socket's heartbeat is handled).
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT });
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const { epoch } = await runner.next('offer');
    const store = t.hub.store;
    const updateRunner = store.updateRunner.bind(store);
    store.updateRunner = async (...args) => {
      store.updateRunner = updateRunner;
      await t.hub.core.accepted(runner.runnerId, runId, epoch);
      return updateRunner(...args);
    };
    await t.hub.core.heartbeat(runner.runnerId, [{ runId, epoch }]);
    expect((await t.hub.run(runId)).state).toBe('active');
    expect(runner.of('stop')).toEqual([]);
  });

  it('does not stop a runner still sending the last output of a run that ended', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT });
    const { runner, runId, epoch } = await activeRun('deploy');
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.start(Date.now()),
      records.input({ type: 'cancel', by: 'ann', at: Date.now() }),
    ]);
    await t.hub.core.heartbeat(runner.runnerId, [{ runId, epoch }]);
    expect(runner.of('stop')).toEqual([]);
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, [records.log('ship', 'bye\n')])).toEqual({
      ackedSeq: 3,
    });
  });

  it('re-queues a lost run of a requeue-lost flow with a new epoch, fencing off the lost runner', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT });
    const { runner, runId, epoch } = await activeRun('again');
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, epoch, [records.start(Date.now())]);
    // The lost runner is still connected but silent; another runner comes.
    const other = await t.connect('vm-2');
    const offer = await other.next('offer', (m) => m.runId === runId, 5_000);
    expect(offer.epoch).toBeGreaterThan(epoch);
    expect(await runner.next('stop', (m) => m.runId === runId)).toMatchObject({ epoch });
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, [records.log('work', 'late\n')])).toMatchObject({
      stale: true,
    });
    expect((await t.hub.runSummary(runId))?.state).toBe('pending');
  });

  it('puts an offer nobody accepts back in the queue and offers it to another runner', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: SHORT });
    const silent = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const first = await silent.next('offer');
    const other = await t.connect('vm-2');
    const second = await other.next('offer', (m) => m.runId === runId);
    expect(second.epoch).toBe(first.epoch + 1);
    await t.hub.core.accepted(silent.runnerId, runId, first.epoch);
    expect(await silent.next('stop', (m) => m.runId === runId)).toBeDefined();
  });
});
