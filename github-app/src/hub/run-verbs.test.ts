import { afterEach, describe, expect, it } from 'vitest';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

// The hub's run verbs are these (hub.ts spreads them into the Hub): each one a person does is audited.
describe('runVerbs', () => {
  let t: TestHub;
  afterEach(() => t.close());

  const audited = async () =>
    (await t.hub.auditLog({})).entries.map(({ actor, action, target, detail }) => ({ actor, action, target, detail }));

  it('starts, cancels and retries runs by hand, each audited with who and what', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { triggers: false } });
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    await t.hub.cancelRun(runId, ADMIN);
    const retryId = await t.hub.retryRun(runId, undefined, ADMIN);
    expect(await t.hub.store.getRun(retryId)).toMatchObject({ flowId: 'deploy', retryOf: runId });
    expect((await audited()).reverse()).toEqual([
      {
        actor: 'ann',
        action: 'run.start',
        target: runId,
        detail: { flow: 'deploy', repo: 'acme', ref: 'refs/heads/main' },
      },
      { actor: 'ann', action: 'run.cancel', target: runId, detail: undefined },
      { actor: 'ann', action: 'run.retry', target: runId, detail: { newRun: retryId } },
    ]);
  });

  it('pends a run for a trigger without an audit entry (no person did it)', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { triggers: false } });
    const run = await t.hub.createRun({ flowId: 'deploy', repo: 'acme', trigger: { type: 'timer', id: 'nightly' } });
    expect(run).toMatchObject({ state: 'pending', trigger: { type: 'timer', id: 'nightly' } });
    expect(await audited()).toEqual([]);
  });
});
