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

  it('drains a runner: offered nothing, told so, its runs finish; undrained it takes the waiting run; audited', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1', [], 2);
    const held = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, held, offer.epoch);

    const view = await t.hub.drainRunner('vm-1', true, ADMIN);
    expect(view).toMatchObject({ name: 'vm-1', drained: true, runs: [{ id: held }] });
    expect(await runner.next('drain')).toEqual({ type: 'drain', drained: true });
    const waiting = await t.hub.startRun('slow', {}, ADMIN);
    await t.hub.settled();
    expect(await t.hub.store.getRun(waiting)).toMatchObject({ state: 'pending' });
    expect((await t.hub.store.getRun(waiting))?.runnerId).toBeUndefined();
    expect((await t.hub.run(waiting)).pendingReason).toContain('vm-1 is drained');
    // What it holds is still its own.
    expect(await t.hub.store.getRun(held)).toMatchObject({ state: 'active', runnerId: runner.runnerId });

    expect(await t.hub.drainRunner('vm-1', false, ADMIN)).toMatchObject({ drained: false });
    expect(await runner.next('drain')).toEqual({ type: 'drain', drained: false });
    expect((await runner.next('offer')).runId).toBe(waiting);
    const entries = (await t.hub.auditLog({})).entries.filter((entry) => entry.action.startsWith('runner.'));
    expect(entries).toMatchObject([
      { actor: 'ann', action: 'runner.undrain', target: 'vm-1' },
      { actor: 'ann', action: 'runner.drain', target: 'vm-1' },
    ]);
    await expect(t.hub.drainRunner('vm-9', true, ADMIN)).rejects.toMatchObject({ code: 'FLOE_RUNNER_NOT_FOUND' });
  });

  it('tells a drained runner again when it reconnects, and a hostile name is simply not found', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    await t.connect('vm-1');
    await t.hub.drainRunner('vm-1', true, ADMIN);
    const again = await t.connect('vm-1');
    expect(await again.next('drain')).toEqual({ type: 'drain', drained: true });
    expect((await t.hub.runners())[0]).toMatchObject({ drained: true, protocol: again.protocol });
    for (const name of ['../vm-1', 'vm-1\u0000', "vm-1' OR '1'='1", 'x'.repeat(10_000)])
      await expect(t.hub.drainRunner(name, true, ADMIN)).rejects.toMatchObject({ code: 'FLOE_RUNNER_NOT_FOUND' });
  });
});
