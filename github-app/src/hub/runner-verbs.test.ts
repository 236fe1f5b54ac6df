import { afterEach, describe, expect, it } from 'vitest';
import type { RunnerConnection } from '../gateway/hub-core.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

// The hub's runner verbs are these (hub.ts spreads them into the Hub).
describe('runnerVerbs', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('makes registration tokens that expire, audited', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { registrationTokenTtlMs: -1 } });
    const expired = await t.hub.createRunnerToken(ADMIN);
    expect(await t.hub.core.registerRunner(expired, 'vm-1')).toBeUndefined();
    expect((await t.hub.auditLog({})).entries).toMatchObject([
      { actor: 'ann', action: 'runner-token.create', target: 'registration token' },
    ]);
  });

  it('removes a runner: its socket closed, its active runs lost, its removal audited and announced', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1');
    const closed: string[] = [];
    const connection: RunnerConnection = runner;
    connection.close = (reason) => closed.push(reason);
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const changes: string[] = [];
    t.hub.onChange((change) => changes.push(change.kind));
    await t.hub.removeRunner('vm-1', ADMIN);
    expect(await t.hub.runners()).toEqual([]);
    expect(closed).toHaveLength(1);
    expect(await t.hub.store.getRun(runId)).toMatchObject({ state: 'archived', reasonCode: 'lost' });
    expect((await t.hub.auditLog({})).entries[0]).toMatchObject({
      action: 'runner.delete',
      target: 'vm-1',
      detail: { runs: runId },
    });
    expect(changes).toContain('runners');
    await expect(t.hub.removeRunner('vm-1', ADMIN)).rejects.toMatchObject({ code: 'FLOE_RUNNER_NOT_FOUND' });
  });
});
