import { afterEach, describe, expect, it } from 'vitest';
import { FakeRunner } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('runnerDisconnected', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('marks the runner disconnected and puts its offers back, but leaves its active runs their leases', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1', [], 2);
    const active = await t.hub.startRun('deploy', {}, ADMIN);
    const first = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, active, first.epoch);
    const offered = await t.hub.startRun('approve', {}, ADMIN);
    await runner.next('offer', (m) => m.runId === offered);
    await t.hub.core.runnerDisconnected(runner.runnerId, runner);
    expect((await t.hub.store.getRunner(runner.runnerId))?.connected).toBe(false);
    expect(await t.hub.store.getRun(offered)).toMatchObject({ state: 'pending' });
    expect((await t.hub.store.getRun(offered))?.runnerId).toBeUndefined();
    expect(await t.hub.store.getRun(active)).toMatchObject({ state: 'active', runnerId: runner.runnerId });
  });

  it("ignores an old socket's close once the runner has connected again", async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const old = await t.connect('vm-1');
    const fresh = new FakeRunner(old.runnerId, 'vm-1');
    await t.hub.core.runnerConnected(fresh, [], 'test');
    await t.hub.core.runnerDisconnected(old.runnerId, old);
    expect((await t.hub.store.getRunner(old.runnerId))?.connected).toBe(true);
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    expect(await fresh.next('offer')).toMatchObject({ runId });
  });
});
