import { afterEach, describe, expect, it } from 'vitest';
import { ConnectedRunners } from '../runners/connected-runners.js';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';
import { runReads } from './run-reads.js';

describe('runReads', () => {
  let t: TestHub;
  afterEach(() => t.close());

  /** The reads over the test hub's store, with a dispatcher that says why every run waits. */
  const readsOf = (connections = new ConnectedRunners()) =>
    runReads(
      { store: t.hub.store, connections },
      { reasonFor: (runId) => `waiting: ${runId}`, whyPending: async (runId) => `why: ${runId}` },
    );

  it("lists flows and runs, a pending run's summary saying why it waits", async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { triggers: false } });
    const reads = readsOf();
    expect((await reads.flows()).map((flow) => flow.id)).toContain('deploy');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    await t.hub.startRun('build', {}, ADMIN);
    const page = await reads.runs({ flow: 'deploy' });
    expect(page.runs).toEqual([
      expect.objectContaining({ id: runId, flowId: 'deploy', pendingReason: `waiting: ${runId}` }),
    ]);
    expect(await reads.runSummary(runId)).toMatchObject({ id: runId, state: 'pending' });
    expect(await reads.runSummary('no-such-run')).toBeUndefined();
    expect(await reads.whyPending(runId)).toBe(`why: ${runId}`);
  });

  it("names a run's runner and reads a node's log from an offset, complete once the node has ended", async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId, offer } = await t.activeRun();
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.start(Date.now()),
      records.log('ship', 'hello\n'),
      records.log('ship', 'world\n'),
    ]);
    const reads = readsOf();
    expect(await reads.run(runId)).toMatchObject({ id: runId, runner: 'vm-1', state: 'active' });
    expect(await reads.readLog(runId, 'ship', 0)).toEqual({ text: 'hello\nworld\n', next: 12, complete: false });
    expect(await reads.readLog(runId, 'ship', 6)).toEqual({ text: 'world\n', next: 12, complete: false });
  });

  it('refuses an unknown run or node with its catalogued error', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { triggers: false } });
    const reads = readsOf();
    await expect(reads.run('no-such-run')).rejects.toMatchObject({ code: 'FLOE_RUN_NOT_FOUND' });
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    await expect(reads.readLog(runId, 'nope', 0)).rejects.toMatchObject({ code: 'FLOE_NODE_NOT_FOUND' });
  });
});
