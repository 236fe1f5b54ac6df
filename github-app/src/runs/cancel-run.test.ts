import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('cancelRun', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
  });
  afterEach(() => t.close());

  it('archives a pending run as cancelled at once', async () => {
    const runId = await t.hub.startRun('gpu', {}, ADMIN);
    await t.hub.cancelRun(runId, { name: 'bob', role: 'operator' });
    expect(await t.hub.runSummary(runId)).toMatchObject({
      state: 'archived',
      result: 'cancelled',
      reason: 'cancelled by bob',
    });
    await expect(t.hub.cancelRun(runId, ADMIN)).rejects.toMatchObject({ code: 'FLOE_RUN_ENDED' });
    await expect(t.hub.cancelRun('nope', ADMIN)).rejects.toMatchObject({ code: 'FLOE_RUN_NOT_FOUND' });
  });

  it('takes back an offer in flight and tells the runner to stop', async () => {
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.cancelRun(runId, ADMIN);
    expect(await runner.next('stop')).toMatchObject({ runId, epoch: offer.epoch });
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    expect((await t.hub.runSummary(runId))?.state).toBe('archived');
  });

  it('asks the runner of an active run to cancel, and archives the run when the runner reports it', async () => {
    const { runner, runId, offer } = await t.activeRun();
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [records.start(Date.now())]);
    await t.hub.cancelRun(runId, { name: 'bob', role: 'operator' });
    expect(await runner.next('cancel')).toMatchObject({ runId, epoch: offer.epoch, by: 'bob' });
    expect((await t.hub.runSummary(runId))?.state).toBe('active');
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.input({ type: 'cancel', by: 'bob', at: Date.now() }),
    ]);
    // Ending: active until the runner reports its task stopped.
    expect((await t.hub.runSummary(runId))?.state).toBe('active');
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.input({
        type: 'task-finished',
        node: 'ship',
        attempt: 1,
        outcome: { kind: 'cancelled' },
        at: Date.now(),
      }),
    ]);
    expect(await t.hub.run(runId)).toMatchObject({ state: 'archived', result: 'cancelled', reasonCode: 'cancelled' });
    expect((await t.hub.run(runId)).nodes[0]?.state).toBe('cancelled');
  });

  it('ends an active run as cancelled when its runner is gone and the lease expires', async () => {
    await t.close();
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: { leaseMs: 300 } });
    const { runner, runId } = await t.activeRun();
    await t.hub.core.runnerDisconnected(runner.runnerId, runner);
    await t.hub.cancelRun(runId, { name: 'bob', role: 'operator' });
    const run = await eventually(async () => {
      const summary = await t.hub.runSummary(runId);
      return summary?.state === 'archived' && summary;
    });
    expect(run).toMatchObject({ result: 'cancelled', reasonCode: 'cancelled' });
    expect(run.reason).toBe('cancelled by bob (runner vm-1 lost before it confirmed)');
  });

  it('tells a runner that reconnects about a cancel asked for while it was away', async () => {
    const { runner, runId, offer } = await t.activeRun();
    await t.hub.core.runnerDisconnected(runner.runnerId, runner);
    await t.hub.cancelRun(runId, ADMIN);
    const answers = await t.hub.core.runnerConnected(runner, [{ runId, epoch: offer.epoch, ackedSeq: 0 }], 'test');
    expect(answers).toEqual([{ runId, epoch: offer.epoch, action: 'continue', ackedSeq: 0 }]);
    expect(await runner.next('cancel', (m) => m.runId === runId)).toMatchObject({ by: 'ann' });
  });
});
