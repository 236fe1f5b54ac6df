import { afterEach, describe, expect, it } from 'vitest';
import { storeThatGoesAway } from '../store/testing/store-that-goes-away.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';
import { tempDir } from '../testing/test-repo.js';

describe('offerAccepted and offerDeclined', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('makes an accepted run active on its runner with a lease, and tells the live API', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    const changes: string[] = [];
    t.hub.events.on((event) => {
      if (event.type === 'run-changed') changes.push(event.run.state);
      if (event.type === 'runner-changed') changes.push(`runner ${event.runnerId}`);
    });
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const run = await t.hub.store.getRun(runId);
    expect(run).toMatchObject({ state: 'active', runnerId: runner.runnerId, epoch: offer.epoch });
    expect(run?.leaseExpiresAt).toBeGreaterThan(Date.now());
    expect(changes).toContain('active');
    expect(changes).toContain(`runner ${runner.runnerId}`);
    // The runner hears that its accept is stored (its tasks may start), once.
    expect(runner.of('accepted')).toEqual([{ type: 'accepted', runId, epoch: offer.epoch }]);
    // The event names the runner; its view (read when asked) holds the run.
    expect((await t.hub.runners()).find((view) => view.name === 'vm-1')?.runs.map((r) => r.id)).toEqual([runId]);
    // Accepting again (a duplicate accept: the first answer may have been lost) changes nothing and stops nothing;
    // the runner hears again that the run is its own.
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    expect(runner.of('stop')).toEqual([]);
    expect(runner.of('accepted')).toHaveLength(2);
  });

  it('tells the runner to stop when it accepts an offer that is gone', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch + 1);
    expect(await runner.next('stop')).toMatchObject({ runId, reason: 'the offer was withdrawn' });
    await t.hub.cancelRun(runId, ADMIN);
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    expect(await runner.next('stop', (m) => m.reason.startsWith('the run has ended'))).toMatchObject({ runId });
    // An accept the store did not take is never answered `accepted`: the runner's tasks must not start.
    expect(runner.of('accepted')).toEqual([]);
  });

  it('says `accepted` only once the accept is stored: not while the database is out of reach', async () => {
    const dir = tempDir('floe-accepted-');
    const database = storeThatGoesAway(`${dir.dir}/floe.db`);
    try {
      t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { store: database.store } });
      const runner = await t.connect('vm-1');
      const runId = await t.hub.startRun('deploy', {}, ADMIN);
      const offer = await runner.next('offer');
      database.down = true;
      await expect(t.hub.core.accepted(runner.runnerId, runId, offer.epoch)).rejects.toThrow(
        'cannot reach its database',
      );
      expect(runner.of('accepted')).toEqual([]);
      database.down = false;
      expect((await t.hub.store.getRun(runId))?.state).toBe('pending');
      await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
      expect(runner.of('accepted')).toEqual([{ type: 'accepted', runId, epoch: offer.epoch }]);
    } finally {
      database.down = false;
      await t.close();
      dir.cleanup();
    }
  });

  it('puts a declined run back in the queue, and offers it to another runner, not the one that declined', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const first = await t.connect('vm-1');
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await first.next('offer');
    const second = await t.connect('vm-2');
    await t.hub.core.declined(first.runnerId, runId, offer.epoch, 'disk full');
    expect(t.logs.some((line) => line.msg === 'offer declined' && line.reason === 'disk full')).toBe(true);
    const again = await second.next('offer');
    expect(again).toMatchObject({ runId });
    expect(again.epoch).toBeGreaterThan(offer.epoch);
    await eventually(async () => (await t.hub.store.getRun(runId))?.runnerId === second.runnerId);
    expect(first.of('offer')).toHaveLength(1);
  });
});
