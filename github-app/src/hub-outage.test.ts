// A hub whose database is away (DESIGN §4 "When the database is out of reach"), with a store that fails as
// `pg` does when the server is gone, and the hub's clock in the test's hand: the outage is reported, and once the
// store answers, no run is judged lost for the heartbeats it could not store.
import { afterEach, describe, expect, it } from 'vitest';
import { storeThatGoesAway } from './store/testing/store-that-goes-away.js';
import { FakeRunner, RecordMaker } from './testing/fake-runner.js';
import { TEST_FLOE } from './testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from './testing/test-hub.js';
import { tempDir } from './testing/test-repo.js';

describe('a hub whose database goes away', () => {
  let t: TestHub | undefined;
  const dirs: { cleanup(): void }[] = [];
  let database: ReturnType<typeof storeThatGoesAway> | undefined;
  afterEach(async () => {
    if (database) database.down = false;
    await t?.close();
    for (const dir of dirs.splice(0)) dir.cleanup();
  });

  it('reports the outage, answers 503, and judges no lease before its runners were heard again', async () => {
    const dir = tempDir('floe-outage-');
    dirs.push(dir);
    const db = storeThatGoesAway(`${dir.dir}/floe.db`);
    database = db;
    let clock = Date.now();
    t = await startTestHub(
      { 'FLOE.yaml': TEST_FLOE },
      { timing: { leaseMs: 5_000, leaseCheckMs: 20 }, hub: { store: db.store, now: () => clock } },
    );
    const hub = t.hub;
    const activate = async (name: string) => {
      const runner = await t?.connect(name);
      if (!runner) throw new Error('no hub');
      const runId = await hub.startRun('approve', {}, ADMIN);
      const offer = await runner.next('offer', (m) => m.runId === runId);
      await hub.core.accepted(runner.runnerId, runId, offer.epoch);
      await hub.core.records(runner.runnerId, runId, offer.epoch, [new RecordMaker().start(clock)]);
      return { runner, runId, epoch: offer.epoch };
    };
    // One runner stays connected through the outage; another is between two sockets when it begins (it is
    // reconnecting, to this hub or to another sharing the database).
    const { runner, runId, epoch } = await activate('vm-1');
    const away = await activate('vm-2');
    await hub.core.runnerDisconnected(away.runner.runnerId, away.runner);
    expect(hub.problems()).toEqual([]);

    db.down = true;
    await eventually(async () => hub.problems().length > 0);
    expect(hub.problems()[0]).toMatch(/^the database is out of reach since \d+ s ago \(connect ECONNREFUSED/);
    await expect(hub.runs()).rejects.toMatchObject({ code: 'FLOE_STORE_UNAVAILABLE', status: 503 });
    // A minute passes: every lease has lapsed in the store, as no heartbeat could be stored.
    clock += 60_000;
    await expect(hub.core.heartbeat(runner.runnerId, [{ runId, epoch }])).rejects.toThrow();

    db.down = false;
    await eventually(async () => t?.logs.some((line) => line.msg === 'leases renewed after the database outage'));
    expect(hub.problems()).toEqual([]);
    // Lease checks go on, and judge nothing yet: both runs are still their runners'.
    const checks = db.calls.listExpiredLeases ?? 0;
    await eventually(async () => (db.calls.listExpiredLeases ?? 0) > checks + 5);
    expect((await hub.run(runId)).state).toBe('active');
    expect((await hub.run(away.runId)).state).toBe('active');
    expect(runner.messages.some((message) => message.type === 'stop')).toBe(false);
    // The runner between sockets comes back within that lease and is told to go on.
    const back = new FakeRunner(away.runner.runnerId, 'vm-2', [], 1);
    expect(
      await hub.core.runnerConnected(back, [{ runId: away.runId, epoch: away.epoch, ackedSeq: 1 }], 'test'),
    ).toEqual([{ runId: away.runId, epoch: away.epoch, action: 'continue', ackedSeq: 1 }]);

    // The runner is heard again: the run goes on. A runner that is not heard for a lease after that is lost.
    await hub.core.heartbeat(runner.runnerId, [{ runId, epoch }]);
    expect((await hub.run(runId)).state).toBe('active');
    clock += 5_001;
    const lost = await eventually(async () => {
      const run = await hub.run(runId);
      return run.state === 'archived' && run;
    });
    expect(lost).toMatchObject({ result: 'bad', reasonCode: 'lost' });
  });

  it('keeps running while its periodic work meets the outage (the flow refresh and its trigger sync)', async () => {
    const dir = tempDir('floe-outage-');
    dirs.push(dir);
    const db = storeThatGoesAway(`${dir.dir}/floe.db`);
    database = db;
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: { repoRefreshMs: 20 }, hub: { store: db.store } });
    const hub = t.hub;
    // The hub process would die of an unhandled rejection (as it did in the fault soak): caught here instead.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      db.down = true;
      const syncs = db.calls.listFlows ?? 0;
      // Each refresh reads the repositories (failing) and then syncs the triggers, which reads the flows (failing).
      await eventually(async () => (db.calls.listFlows ?? 0) >= syncs + 3);
      db.down = false;
      await eventually(async () => hub.problems().length === 0);
      expect((await hub.flows()).map((flow) => flow.id)).toContain('approve');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
