// Two hubs in this process on one PostgreSQL database (issue 7): wake-ups and live changes cross from one to the
// other through LISTEN/NOTIFY. Hub a's dispatcher sweeps once an hour, so an offer it makes comes from a signal.
import { parseFloeFile } from '@floe/shared';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubChange } from '../hub.js';
import { openPostgresStore, type PostgresStore } from '../store/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../store/testing/test-database.js';
import { FakeRunner, RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';
import { TriggerScheduler } from '../triggers/trigger-scheduler.js';

const FLOWS = `${TEST_FLOE}
  - id: brief
    timeout: 1s
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {cmd: sleep 60}}
`;

describe('several hubs on one PostgreSQL database', () => {
  let database: TestDatabase;
  let a: TestHub;
  let b: TestHub;
  beforeEach(async () => {
    database = await createTestDatabase();
    const options = { timing: { sweepMs: 3_600_000 }, hub: { databaseUrl: database.url } };
    a = await startTestHub({ 'FLOE.yaml': FLOWS }, options);
    // b sweeps often: its sweep re-arms the deadline timers of runs accepted through a.
    b = await startTestHub({ 'FLOE.yaml': FLOWS }, { ...options, timing: { sweepMs: 200 } });
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await database.drop();
  });

  it('offers a run started through one hub to a runner connected to the other, at once', async () => {
    const runner = await a.connect('vm-a');
    const runId = await b.hub.startRun('deploy', {}, ADMIN);
    // a sweeps once a minute: an offer within runner.next's 3 s came from b's signal.
    const offer = await runner.next('offer');
    expect(offer.runId).toBe(runId);
    expect(a.hub.store.constructor.name).toBe('PostgresStore');
  });

  it('drains, through one hub, a runner connected to the other: offered nothing there at once, and told', async () => {
    const runner = await a.connect('vm-a');
    expect((await b.hub.drainRunner('vm-a', true, ADMIN)).drained).toBe(true);
    // The drain reaches the runner on a through the relay between hubs.
    expect(await runner.next('drain')).toEqual({ type: 'drain', drained: true });
    const runId = await b.hub.startRun('approve', {}, ADMIN);
    await Promise.all([a.hub.settled(), b.hub.settled()]);
    expect(await a.hub.whyPending(runId)).toBe('the one matching runner is busy (vm-a is drained)');
    expect(runner.of('offer')).toEqual([]);
    expect((await a.hub.runners())[0]).toMatchObject({ name: 'vm-a', drained: true });
    await b.hub.drainRunner('vm-a', false, ADMIN);
    expect((await runner.next('offer')).runId).toBe(runId);
  });

  it('lets only one hub offer a run when runners wait on both', async () => {
    const [onA, onB] = [await a.connect('vm-a'), await b.connect('vm-b')];
    const ids = await Promise.all([1, 2, 3, 4].map((i) => (i % 2 ? a : b).hub.startRun('approve', {}, ADMIN)));
    await eventually(async () => onA.of('offer').length + onB.of('offer').length === 2);
    await Promise.all([a.hub.settled(), b.hub.settled()]);
    const offered = [...onA.of('offer'), ...onB.of('offer')].map((offer) => offer.runId);
    // One slot each: two runs offered, each once, to different runners.
    expect(new Set(offered).size).toBe(2);
    expect(onA.of('offer')).toHaveLength(1);
    expect(ids).toEqual(expect.arrayContaining(offered));
  });

  it('says why a run waits the same way on a hub with no runner of its own', async () => {
    const runner = await a.connect('vm-a');
    const first = await b.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await a.hub.core.accepted(runner.runnerId, first, offer.epoch);
    const second = await b.hub.startRun('deploy', {}, ADMIN);
    const busy = 'resource tag db is held by run #1 (deploy)';
    expect(await b.hub.whyPending(second)).toBe(busy);
    await eventually(async () => (await b.hub.runs({ state: 'pending' })).runs[0]?.pendingReason === busy);
    expect(await a.hub.whyPending(second)).toBe(busy);
  });

  it('forwards a form answer given through one hub to the runner on the other, and refuses it when that runner is gone', async () => {
    const runner = await a.connect('vm-a');
    const runId = await b.hub.startRun('approve', {}, ADMIN);
    const offer = await runner.next('offer');
    await a.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    await a.hub.core.records(runner.runnerId, runId, offer.epoch, [new RecordMaker().start(Date.now())]);
    await b.hub.submitData(runId, 'ask', { values: { ok: 'yes' } }, ADMIN);
    expect(await runner.next('data')).toMatchObject({ runId, node: 'ask', values: { ok: 'true' } });
    await a.hub.core.runnerDisconnected(runner.runnerId, runner);
    await expect(b.hub.submitData(runId, 'ask', { values: { ok: 'yes' } }, ADMIN)).rejects.toMatchObject({
      code: 'FLOE_NODE_NOT_AWAITING_INPUT',
      message: expect.stringContaining('vm-a, which runs #1, is not connected'),
    });
  });

  it('keeps a runner that moved to the other hub connected when the first sees its old socket close late', async () => {
    const old = await a.connect('vm-a');
    const runId = await b.hub.startRun('approve', {}, ADMIN);
    const offer = await old.next('offer');
    await a.hub.core.accepted(old.runnerId, runId, offer.epoch);
    await a.hub.core.records(old.runnerId, runId, offer.epoch, [new RecordMaker().start(Date.now())]);
    // The link to a is cut: the runner reconnects to b with its run before a's heartbeat drops the dead socket.
    const moved = new FakeRunner(old.runnerId, 'vm-a');
    await b.hub.core.runnerConnected(moved, [{ runId, epoch: offer.epoch, ackedSeq: 1 }], 'test');
    await a.hub.core.runnerDisconnected(old.runnerId, old);
    expect(await a.hub.store.getRunner(old.runnerId)).toMatchObject({ connected: true });
    // A form answer through a reaches it on b (before the fix: 409, "vm-a is not connected", for good).
    await a.hub.submitData(runId, 'ask', { values: { ok: 'yes' } }, ADMIN);
    expect(await moved.next('data')).toMatchObject({ runId, node: 'ask', values: { ok: 'true' } });
    // Its socket on b closing is a disconnect.
    await b.hub.core.runnerDisconnected(moved.runnerId, moved);
    expect(await a.hub.store.getRunner(old.runnerId)).toMatchObject({ connected: false });
  });

  it('carries a cancel asked for through one hub to the runner connected to the other', async () => {
    const runner = await a.connect('vm-a');
    const runId = await a.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await a.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    await b.hub.cancelRun(runId, ADMIN);
    expect(await runner.next('cancel')).toMatchObject({ runId, epoch: offer.epoch, by: 'ann' });
  });

  it('times out a run on another hub when the hub it was accepted through is gone', async () => {
    const runner = await a.connect('vm-a');
    const runId = await a.hub.startRun('brief', {}, ADMIN);
    const offer = await runner.next('offer');
    await a.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    await a.hub.close();
    const run = await eventually(async () => {
      const now = await b.hub.run(runId);
      return now.state === 'archived' && now;
    }, 5_000);
    expect(run).toMatchObject({ result: 'bad', reasonCode: 'timeout' });
  });

  it('tells live subscribers of one hub about runs and logs executing through the other', async () => {
    const changes: HubChange[] = [];
    const stop = b.hub.onChange((change) => changes.push(change));
    const runner = await a.connect('vm-a');
    const runId = await a.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await a.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const records = new RecordMaker();
    await a.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.start(Date.now()),
      records.log('ship', 'shipping\n'),
    ]);
    await eventually(async () => changes.some((c) => c.kind === 'log' && c.runId === runId && c.node === 'ship'));
    expect(changes).toContainEqual({ kind: 'run', runId });
    expect(changes).toContainEqual({ kind: 'runners' });
    expect((await b.hub.readLog(runId, 'ship', 0)).text).toBe('shipping\n');
    expect((await b.hub.run(runId)).state).toBe('active');
    stop();
  });
});

describe('triggers of several hubs on one PostgreSQL database', () => {
  it('fires each timer slot once, whichever hub gets there first', async () => {
    const database = await createTestDatabase();
    const stores = await Promise.all([1, 2].map(() => openPostgresStore({ url: database.url, maxConnections: 2 })));
    const [first] = stores as [PostgresStore];
    const parsed = parseFloeFile(
      'id: tick\ntriggers:\n  - {id: every, type: timer, opts: {period: 0.1}}\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: x}}\n',
    );
    const [flow] = parsed.flows;
    if (!flow) throw new Error('no flow parsed');
    await first.upsertRepo({ name: 'acme', url: '/x' });
    await first.replaceFlows('acme', [
      {
        repo: 'acme',
        id: flow.id,
        ver: flow.ver,
        name: flow.name,
        triggers: flow.triggers,
        flow,
        errors: [],
        sha: 'abc',
        updatedAt: 0,
      },
    ]);
    const fired: string[] = [];
    // Each hub logs the slot it fired: no slot may be fired by both.
    const slots: number[] = [];
    const schedulers = stores.map(
      (store, i) =>
        new TriggerScheduler({
          store,
          log: pino({ level: 'info' }, { write: (line: string) => void slots.push(JSON.parse(line).slot) }),
          hubId: `hub-${i}`,
          fire: async () => void fired.push(`hub-${i}`),
          minPeriodMs: 10,
        }),
    );
    await Promise.all(schedulers.map((scheduler) => scheduler.sync()));
    await eventually(async () => fired.length >= 4);
    await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
    const firedSlots = slots.filter((slot) => slot !== undefined);
    expect(firedSlots).toHaveLength(fired.length);
    expect(new Set(firedSlots).size).toBe(fired.length);
    expect((await first.getTriggerState('timer:acme/tick/every'))?.version).toBe(fired.length);
    await Promise.all(stores.map((store) => store.close()));
    await database.drop();
  });
});
