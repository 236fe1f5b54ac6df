import { afterEach, describe, expect, it } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('heartbeat', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it("renews the lease of the runner's own run and tells it to stop the runs that are not its own", async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1', [], 2);
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const before = (await t.hub.store.getRun(runId))?.leaseExpiresAt ?? 0;
    await t.hub.core.heartbeat(runner.runnerId, [
      { runId, epoch: offer.epoch },
      { runId: 'no-such-run', epoch: 1 },
    ]);
    expect((await t.hub.store.getRun(runId))?.leaseExpiresAt ?? 0).toBeGreaterThanOrEqual(before);
    expect((await t.hub.store.getRunner(runner.runnerId))?.lastSeenAt).toBeGreaterThan(0);
    const stops = runner.of('stop').map(({ runId: id, epoch, reason }) => ({ id, epoch, reason }));
    expect(stops).toEqual([{ id: 'no-such-run', epoch: 1, reason: 'the hub has no such run' }]);
  });

  it('leaves an offer not yet accepted alone, and stops a run that was cancelled before it started', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.heartbeat(runner.runnerId, [{ runId, epoch: offer.epoch }]);
    expect(runner.of('stop')).toEqual([]);
    await t.hub.cancelRun(runId, ADMIN);
    await runner.next('stop', (m) => m.runId === runId);
    const taken = runner.of('stop').length;
    await t.hub.core.heartbeat(runner.runnerId, [{ runId, epoch: offer.epoch }]);
    const last = runner.of('stop').at(-1);
    expect(runner.of('stop')).toHaveLength(taken + 1);
    expect(last?.reason).toMatch(/^the run has ended: /);
  });

  it('does not stop a run that ended while its runner is still sending its last output', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId, offer } = await t.activeRun();
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
    expect(await t.hub.store.getRun(runId)).toMatchObject({ state: 'archived', result: 'good' });
    await t.hub.core.heartbeat(runner.runnerId, [{ runId, epoch: offer.epoch }]);
    expect(runner.of('stop')).toEqual([]);
  });
});
