import { afterEach, describe, expect, it } from 'vitest';
import { FakeRunner, RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('runnerConnected', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('records what the runner says of itself and answers each run it holds: continue its own, stop the rest', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId, offer } = await t.activeRun();
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [records.start(Date.now())]);

    const again = new FakeRunner(runner.runnerId, 'vm-1', ['linux'], 3);
    const answers = await t.hub.core.runnerConnected(
      again,
      [
        { runId, epoch: offer.epoch, ackedSeq: 1 },
        { runId: 'no-such-run', epoch: 4, ackedSeq: 0 },
      ],
      '1.2.3',
    );
    expect(answers).toEqual([
      { runId, epoch: offer.epoch, action: 'continue', ackedSeq: 1 },
      { runId: 'no-such-run', epoch: 4, action: 'stop', ackedSeq: 0 },
    ]);
    expect(await t.hub.store.getRunner(runner.runnerId)).toMatchObject({
      connected: true,
      tags: ['linux'],
      slots: 3,
      version: '1.2.3',
    });
  });

  it('sends again, after the welcome, a cancel asked for while the runner was away', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId, offer } = await t.activeRun();
    await t.hub.core.runnerDisconnected(runner.runnerId, runner);
    await t.hub.cancelRun(runId, ADMIN);
    const again = new FakeRunner(runner.runnerId, 'vm-1');
    await t.hub.core.runnerConnected(again, [{ runId, epoch: offer.epoch, ackedSeq: 0 }], 'test');
    expect(again.of('cancel')).toEqual([]);
    expect(await again.next('cancel')).toMatchObject({ runId, epoch: offer.epoch, by: 'ann' });
  });

  it('loses at once an active run the runner came back without, and takes back its offers', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1', [], 2);
    const active = await t.hub.startRun('deploy', {}, ADMIN);
    const first = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, active, first.epoch);
    const offered = await t.hub.startRun('approve', {}, ADMIN);
    await runner.next('offer', (m) => m.runId === offered);
    await t.hub.core.runnerConnected(new FakeRunner(runner.runnerId, 'vm-1', [], 0), [], 'test');
    expect(await t.hub.store.getRun(active)).toMatchObject({ state: 'archived', reasonCode: 'lost' });
    expect(await t.hub.store.getRun(offered)).toMatchObject({ state: 'pending' });
  });
});
