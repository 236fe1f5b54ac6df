import { afterEach, describe, expect, it } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('the hub’s run timeout', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('ends an active run past its deadline (and a grace) when the runner reports nothing, and tells it to cancel', async () => {
    // A long lease, so the timeout (0.3 s) and not a lost runner ends the run.
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: { leaseMs: 60_000 } });
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('slow', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [new RecordMaker().start(Date.now())]);
    const run = await eventually(async () => {
      const r = await t.hub.run(runId);
      return r.state === 'archived' && r;
    });
    expect(run).toMatchObject({ result: 'bad', reasonCode: 'timeout', reason: 'timed out after 300ms' });
    expect(run.nodes[0]?.state).toBe('cancelled');
    expect(await runner.next('cancel')).toMatchObject({ runId, epoch: offer.epoch, by: 'timeout' });
    // What the runner reports while it kills the task is kept; it changes nothing about how the run ended.
    expect(
      await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
        { kind: 'log', seq: 2, node: 'nap', attempt: 1, chunk: { stream: 'sys', at: 1, text: 'killed\n' } },
        { kind: 'input', seq: 3, input: { type: 'cancel', by: 'timeout', at: Date.now() } },
      ]),
    ).toEqual({ ackedSeq: 3 });
    expect((await t.hub.readLog(runId, 'nap', 0)).text).toBe('killed\n');
    expect(await t.hub.runSummary(runId)).toMatchObject({ result: 'bad', reasonCode: 'timeout' });
  });
});
