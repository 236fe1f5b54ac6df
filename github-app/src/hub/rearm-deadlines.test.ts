import { afterEach, describe, expect, it } from 'vitest';
import { ConnectedRunners } from '../runners/connected-runners.js';
import { RunDeadlines } from '../runs/run-deadlines.js';
import { FakeRunner } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';
import { rearmDeadlines } from './rearm-deadlines.js';

// What another hub on the database would do for the runs of this one: re-arm their deadlines from the store, and
// tell its runners of the cancels stored with them (resend-cancels.ts).
describe('rearmDeadlines', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('arms the deadline of every active run in the store, and resends the cancels of runs whose runners are here', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1', [], 2);
    const slow = await t.hub.startRun('slow', {}, ADMIN);
    const slowOffer = await runner.next('offer', (m) => m.runId === slow);
    await t.hub.core.accepted(runner.runnerId, slow, slowOffer.epoch);
    const other = await t.hub.startRun('deploy', {}, ADMIN);
    const otherOffer = await runner.next('offer', (m) => m.runId === other);
    await t.hub.core.accepted(runner.runnerId, other, otherOffer.epoch);
    await t.hub.cancelRun(other, ADMIN);

    // This "other hub" has its own timers and the runner connected to it.
    const timedOut: string[] = [];
    let fired: () => void = () => {};
    const firedOnce = new Promise<void>((resolve) => {
      fired = resolve;
    });
    const deadlines = new RunDeadlines(Date.now, 0, (runId) => {
      timedOut.push(runId);
      fired();
    });
    const here = new ConnectedRunners();
    const connected = new FakeRunner(runner.runnerId, 'vm-1');
    here.add(connected);
    await rearmDeadlines({ store: t.hub.store, deadlines, connections: here });
    expect(await connected.next('cancel')).toMatchObject({ runId: other, epoch: otherOffer.epoch, by: 'ann' });
    await firedOnce;
    expect(timedOut).toEqual([slow]);
    deadlines.clearAll();
  });
});
