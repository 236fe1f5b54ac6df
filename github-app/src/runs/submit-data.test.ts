import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('submitData', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
  });
  afterEach(() => t.close());

  async function awaitingApproval() {
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('approve', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [records.start(Date.now())]);
    return { runner, runId, epoch: offer.epoch, records };
  }

  it('checks the values against the node’s form and forwards them to the runner', async () => {
    const { runner, runId, epoch, records } = await awaitingApproval();
    expect((await t.hub.run(runId)).nodes[0]?.state).toBe('awaiting-input');
    await t.hub.submitData(runId, 'ask', { values: { ok: 'yes' } }, { name: 'bob', role: 'operator' });
    const data = await runner.next('data');
    expect(data).toEqual({ type: 'data', runId, epoch, node: 'ask', values: { ok: 'true' }, by: 'bob' });
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.input({ type: 'data', node: 'ask', values: data.values, by: 'bob', at: Date.now() }),
    ]);
    const run = await t.hub.run(runId);
    expect(run).toMatchObject({ state: 'archived', result: 'good' });
    expect(run.nodes[0]).toMatchObject({ state: 'good', values: { ok: 'true' }, by: 'bob' });
  });

  it('refuses values the form does not accept, and nodes that are not waiting', async () => {
    const { runId } = await awaitingApproval();
    await expect(t.hub.submitData(runId, 'ask', { values: { ok: 'maybe' } }, ADMIN)).rejects.toMatchObject({
      code: 'FLOE_DATA_INVALID',
      message: 'node ask: field ok is a bool: give true or false, not "maybe"',
    });
    await expect(t.hub.submitData(runId, 'ask', { values: {} }, ADMIN)).rejects.toMatchObject({
      message: 'node ask: field ok is required',
    });
    await expect(t.hub.submitData(runId, 'nope', { values: {} }, ADMIN)).rejects.toMatchObject({
      code: 'FLOE_NODE_NOT_FOUND',
    });
    const other = await t.hub.startRun('deploy', {}, ADMIN);
    await expect(t.hub.submitData(other, 'ship', { values: {} }, ADMIN)).rejects.toMatchObject({
      code: 'FLOE_NODE_NOT_AWAITING_INPUT',
    });
  });

  it('forwards a rejection without values', async () => {
    const { runner, runId } = await awaitingApproval();
    await t.hub.submitData(runId, 'ask', { values: { ok: 'junk' }, reject: true }, ADMIN);
    expect(await runner.next('data')).toMatchObject({ node: 'ask', values: {}, reject: true });
  });
});
