import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectedRunners } from '../runners/connected-runners.js';
import { DEFAULT_TIMING, type HubDeps } from '../runs/hub-deps.js';
import { FakeRunner } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';
import { LeaseCheck } from './lease-check.js';

// The lease check of a hub whose database was away (DESIGN §4 "When the database is out of reach"), run over the
// store of a real test hub with a clock of its own. Judging leases itself is runs/lease.ts's (lease.test.ts).
describe('LeaseCheck after an outage', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('renews the leases of the runs whose runners are connected here, resends their cancels, and judges none for a lease', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId } = await t.activeRun();
    await t.hub.cancelRun(runId, ADMIN);
    // A run whose runner is connected to another hub: its lease is not renewed here.
    const elsewhere = await t.connect('vm-2');
    const otherId = await t.hub.startRun('again', {}, ADMIN);
    const otherOffer = await elsewhere.next('offer');
    await t.hub.core.accepted(elsewhere.runnerId, otherId, otherOffer.epoch);
    const otherLease = (await t.hub.store.getRun(otherId))?.leaseExpiresAt;

    let now = Date.now() + 60_000;
    const here = new ConnectedRunners();
    const connected = new FakeRunner(runner.runnerId, 'vm-1');
    here.add(connected);
    let outage = true;
    // Which runs the check would judge (runs/lease.ts judges each holding its lock).
    const judged: string[] = [];
    const deps = {
      withRun: async (id: string) => void judged.push(id),
      store: t.hub.store,
      connections: here,
      now: () => now,
      timing: { ...DEFAULT_TIMING, leaseMs: 10_000 },
      log: pino({ level: 'silent' }),
    } as unknown as HubDeps;
    const check = new LeaseCheck(deps, {
      takeOutage: () => {
        const was = outage;
        outage = false;
        return was;
      },
    });

    await check.check();
    expect((await t.hub.store.getRun(runId))?.leaseExpiresAt).toBe(now + 10_000);
    expect(await connected.next('cancel')).toMatchObject({ runId, by: 'ann' });
    expect((await t.hub.store.getRun(otherId))?.leaseExpiresAt).toBe(otherLease);

    // The other run's lease has expired, but within a lease of the outage nothing is judged: its runner may not
    // have been heard yet.
    now += 5_000;
    await check.check();
    expect(judged).toEqual([]);
    // A lease after the outage, it is judged.
    now += 5_001;
    await check.check();
    expect(judged).toContain(otherId);
  });
});
