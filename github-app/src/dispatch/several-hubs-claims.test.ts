// Three hubs on one PostgreSQL database dispatch at once, with no lease between their passes (DESIGN §4 "Several hubs
// on one database"): their dispatchers race over one queue of runs, half of them needing the resource tag `db`.
// Every run must be offered once, `db` held by one run at a time, and the `db` runs offered in the order they came.
import type { HubMessage } from '@floe/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../store/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../store/testing/test-database.js';
import { type FakeRunner, RecordMaker } from '../testing/fake-runner.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';

const FLOWS = `flows:
  - id: tagged
    resource-tags: [db]
    tasks:
      - {id: work, type: exec, listen: trigger.good, opts: {cmd: work}}
  - id: plain
    tasks:
      - {id: work, type: exec, listen: trigger.good, opts: {cmd: work}}
`;

type Offer = Extract<HubMessage, { type: 'offer' }>;

describe('several hubs dispatching at once on one PostgreSQL database', () => {
  let database: TestDatabase;
  let hubs: TestHub[];
  beforeEach(async () => {
    database = await createTestDatabase();
    hubs = [];
    for (let i = 0; i < 3; i++)
      hubs.push(await startTestHub({ 'FLOE.yaml': FLOWS }, { hub: { databaseUrl: database.url } }));
  });
  afterEach(async () => {
    await Promise.all(hubs.map((t) => t.close()));
    await database.drop();
  });

  it('offers every run once, gives db to one run at a time, and in the order the runs came', async () => {
    const offers: { runId: string; hub: number }[] = [];
    const dbOffers: string[] = [];
    /** The db runs offered and not yet ended by this test: more than one is the tag held twice. */
    const holdingDb = new Set<string>();
    const violations: string[] = [];
    const failures: unknown[] = [];
    const tagged = new Set<string>();
    const settled = () => Promise.all(hubs.map((t) => t.hub.settled()));

    /** Plays the runner: accepts at once; ends a plain run at once, a db run once every hub's pass has settled. */
    const play = async (t: TestHub, runner: FakeRunner, offer: Offer) => {
      await t.hub.core.accepted(runner.runnerId, offer.runId, offer.epoch);
      if (tagged.has(offer.runId)) {
        // A pass of another hub racing this offer would have offered a second db run by now.
        await settled();
        holdingDb.delete(offer.runId);
      }
      const records = new RecordMaker();
      const at = Date.now();
      await t.hub.core.records(runner.runnerId, offer.runId, offer.epoch, [
        records.start(at),
        records.input({
          type: 'task-finished',
          node: 'work',
          attempt: 1,
          outcome: { kind: 'exited', exitCode: 0 },
          at,
        }),
      ]);
    };
    for (const [i, t] of hubs.entries()) {
      for (const name of [`vm-${i}a`, `vm-${i}b`]) {
        const runner = await t.connect(name, [], 2);
        const send = runner.send.bind(runner);
        runner.send = (message) => {
          send(message);
          if (message.type !== 'offer') return;
          offers.push({ runId: message.runId, hub: i });
          if (tagged.has(message.runId)) {
            dbOffers.push(message.runId);
            if (holdingDb.size > 0) violations.push(`${message.runId} offered while ${[...holdingDb]} held db`);
            holdingDb.add(message.runId);
          }
          play(t, runner, message).catch((err: unknown) => failures.push(err));
        };
      }
    }

    // Started one after the other through the three hubs in turn, so that the order they came is known; the
    // dispatchers start offering while the later ones are being made.
    const created: string[] = [];
    const kinds = ['tagged', 'plain', 'tagged', 'tagged', 'plain', 'plain', 'tagged', 'plain', 'tagged', 'tagged'];
    for (const [i, flow] of [...kinds, ...kinds].entries()) {
      const t = hubs[i % hubs.length] as TestHub;
      const runId = await t.hub.startRun(flow, {}, ADMIN);
      if (flow === 'tagged') tagged.add(runId);
      created.push(runId);
    }

    await eventually(async () => {
      const archived = (await hubs[0]?.hub.runs({ state: 'archived', limit: 100 }))?.runs ?? [];
      return archived.length === created.length;
    }, 20_000);
    expect(failures).toEqual([]);
    expect(violations).toEqual([]);
    // Each run offered once (no decline here, so never again), and every run ended good.
    expect(offers.map((offer) => offer.runId).sort()).toEqual([...created].sort());
    const runs = (await hubs[1]?.hub.runs({ state: 'archived', limit: 100 }))?.runs ?? [];
    expect(runs.map((run) => run.result)).toEqual(created.map(() => 'good'));
    // First come, first served on db.
    expect(dbOffers).toEqual(created.filter((runId) => tagged.has(runId)));
    // The hubs did race: more than one of them made offers.
    expect(new Set(offers.map((offer) => offer.hub)).size).toBeGreaterThan(1);
  });
});

describe('the dispatch lease between hubs of this release and the one before', () => {
  it('keeps a hub of the earlier release from dispatching while one of these is up, and waits for its pass', async () => {
    const database = await createTestDatabase();
    const store = await openPostgresStore({ url: database.url, maxConnections: 2 });
    // A hub of the earlier release is in a pass: it holds the lease under its own name.
    const taken = Date.now();
    expect(await store.tryLease('dispatch', 'earlier-hub', taken, 8_000)).toBe(true);
    const t = await startTestHub({ 'FLOE.yaml': FLOWS }, { hub: { databaseUrl: database.url } });
    try {
      const runner = await t.connect('vm-1');
      const runId = await t.hub.startRun('plain', {}, ADMIN);
      await t.hub.settled();
      // A hub on PostgreSQL takes a while to start on a loaded machine: the earlier lease is long enough to see it wait.
      const early = Date.now() < taken + 7_900;
      if (early) expect(runner.of('offer')).toEqual([]);
      // Once that lease lapses, this hub takes it (with every hub of its release) and offers.
      expect((await runner.next('offer', () => true, 15_000)).runId).toBe(runId);
      expect(Date.now()).toBeGreaterThanOrEqual(taken + 8_000);
      expect(early).toBe(true);
      // Now the earlier release's hub cannot take it for its pass.
      expect(await store.tryLease('dispatch', 'earlier-hub', Date.now(), 1_500)).toBe(false);
    } finally {
      await t.close();
      await store.close();
      await database.drop();
    }
  });
});
