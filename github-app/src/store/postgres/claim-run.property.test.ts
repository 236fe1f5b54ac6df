// Store.claimRun on PostgreSQL under a race (DESIGN §4 "Several hubs on one database"): three hubs — three stores,
// each with its own pool — claim every pending run they see at the same time, with no plan to keep them apart. The
// store alone must keep each run claimed once, each resource tag with one run at a time, and each tag's runs in the
// order they came.
import { ResolvedFlowSchema } from '@floe/shared';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRunId } from '../new-run-id.js';
import type { RunRow } from '../store.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { openPostgresStore, type PostgresStore } from './postgres-store.js';

const HUBS = 3;
const T = Date.UTC(2026, 0, 1);

const tagsOf = (run: RunRow) => run.flow['resource-tags'] ?? [];

describe('claiming runs from several hubs at once (PostgreSQL)', () => {
  let database: TestDatabase;
  let hubs: PostgresStore[];
  let clock = T;
  beforeAll(async () => {
    database = await createTestDatabase();
    hubs = [];
    for (let i = 0; i < HUBS; i++) hubs.push(await openPostgresStore({ url: database.url, maxConnections: 4 }));
  });
  afterAll(async () => {
    await Promise.all(hubs.map((hub) => hub.close()));
    await database.drop();
  });

  /** Creates the runs one after the other (first come is creation order), each with its resource tags. */
  async function createRuns(specs: string[][]): Promise<RunRow[]> {
    const [first] = hubs as [PostgresStore];
    const runs: RunRow[] = [];
    for (const [i, tags] of specs.entries()) {
      clock += 1;
      const flow = ResolvedFlowSchema.parse({
        id: `f${i % 3}`,
        name: 'f',
        triggers: [],
        tasks: [],
        ...(tags.length ? { 'resource-tags': tags } : {}),
      });
      runs.push(
        await first.createRun({
          id: newRunId(clock),
          repo: 'acme',
          flowId: flow.id,
          trigger: { type: 'manual', data: {} },
          trust: 'trusted',
          flow,
          createdAt: clock,
        }),
      );
    }
    return runs;
  }

  it('offers each run once, lets one run hold a tag at a time, and gives a tag to its runs in the order they came', async () => {
    const spec = fc.record({
      runs: fc.array(fc.subarray(['db', 'cache']), { minLength: 1, maxLength: 14 }),
      /** Per round, which of the runs holding a runner end (the oldest ends anyway when nothing moved). */
      endings: fc.array(fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }), { minLength: 1, maxLength: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(spec, async ({ runs: specs, endings }) => {
        const runs = await createRuns(specs);
        const ids = new Set(runs.map((run) => run.id));
        const claims = new Map<string, string>();
        const claimedOrder: string[] = [];
        for (let round = 0; claims.size < runs.length; round++) {
          expect(round).toBeLessThan(4 * runs.length + 4);
          // Every hub reads the queue and claims all of it, oldest first, at the same time as the others.
          const won = await Promise.all(
            hubs.map(async (hub, h) => {
              const pending = (await hub.listLiveRuns()).filter(
                (run) => ids.has(run.id) && run.state === 'pending' && run.runnerId === undefined,
              );
              const mine: RunRow[] = [];
              for (const run of pending) {
                const claimed = await hub.claimRun(run, `runner-of-hub-${h}`, clock + 60_000);
                if (claimed) mine.push(claimed);
              }
              return mine;
            }),
          );
          // A tag is claimed at most once a round (its holder ends only between rounds): the order across rounds is its order.
          for (const claimed of won.flat()) {
            expect(claims.has(claimed.id), `run ${claimed.id} claimed twice`).toBe(false);
            claims.set(claimed.id, claimed.runnerId ?? '');
            claimedOrder.push(claimed.id);
            expect(claimed.epoch).toBe(1);
          }
          // What the database holds now: no tag with two runs holding runners.
          const holding = (await hubs[0]?.listLiveRuns())?.filter((run) => ids.has(run.id) && run.runnerId) ?? [];
          for (const tag of ['db', 'cache']) {
            expect(holding.filter((run) => tagsOf(run).includes(tag)).length).toBeLessThanOrEqual(1);
          }
          // Some holders end (archived, their tags free); the oldest always does when no claim was won.
          const ends = endings[round % endings.length] ?? [];
          const ending = holding.filter((_, i) => ends[i]);
          if (ending.length === 0 && won.flat().length === 0 && holding[0]) ending.push(holding[0]);
          for (const run of ending) {
            clock += 1;
            await hubs[1]?.archiveRun(run.id, { result: 'good', reason: 'done', reasonCode: 'end', endedAt: clock });
          }
        }
        // First come, first served: the runs naming a tag got a runner in the order they were created. A tag
        // claimed in another order would mean a younger run overtook an older one waiting for it.
        for (const tag of ['db', 'cache']) {
          const byCreation = runs.filter((run) => tagsOf(run).includes(tag)).map((run) => run.id);
          const byClaim = claimedOrder.filter((id) => byCreation.includes(id));
          expect(byClaim).toEqual(byCreation);
        }
        // Leave nothing live for the next case.
        for (const run of (await hubs[0]?.listLiveRuns()) ?? []) {
          await hubs[0]?.archiveRun(run.id, { result: 'good', reason: 'done', reasonCode: 'end', endedAt: clock });
        }
      }),
      { numRuns: 12 },
    );
  });

  it("makes a claim wait for a tag another hub's claim holds, so a run dated earlier but stored late does not take it too", async () => {
    // Hub a's claim of the younger run gets as far as its COMMIT and waits there, holding the tag's lock.
    let reached: () => void = () => undefined;
    const atCommit = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const a = await openPostgresStore({ url: database.url, maxConnections: 2 });
    const { pool } = a;
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    Object.assign(pool, {
      connect: async () => {
        const client = await connect();
        const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<unknown>;
        Object.assign(client, {
          query: async (text: string, values?: unknown[]) => {
            if (text === 'COMMIT') {
              reached();
              await gate;
            }
            return query(text, values);
          },
        });
        return client;
      },
    });
    const b = hubs[1] as PostgresStore;
    const [younger] = await createRuns([['db']]);
    if (!younger) throw new Error('no run');
    const aClaim = a.claimRun(younger, 'runner-of-a', clock + 60_000);
    await atCommit;
    // A run of another hub, whose clock is behind, stored only now: by its time it came first.
    clock -= 10;
    const [older] = await createRuns([['db']]);
    clock += 20;
    if (!older) throw new Error('no run');
    expect(older.createdAt).toBeLessThan(younger.createdAt);
    const bClaim = b.claimRun(older, 'runner-of-b', clock + 60_000);
    // b waits for the tag's lock (without it, it would see the tag free and a's run younger, and take the tag too).
    const waiting = async () => {
      for (;;) {
        const found = await hubs[2]?.pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        if (found?.rowCount) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.race([bClaim, waiting()]);
    open();
    expect((await aClaim)?.runnerId).toBe('runner-of-a');
    expect(await bClaim).toBeUndefined();
    for (const run of [younger, older]) {
      await b.archiveRun(run.id, { result: 'good', reason: 'done', reasonCode: 'end', endedAt: clock });
    }
    await a.close();
  });

  it('lets a hub pass over a run another hub is claiming instead of waiting for it', async () => {
    const [run] = await createRuns([['db']]);
    if (!run) throw new Error('no run');
    const [a, b] = hubs as [PostgresStore, PostgresStore];
    // Hub a is in the middle of its claim: the run's row is locked, its transaction open.
    const client = await a.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT id FROM runs WHERE id = $1 FOR UPDATE', [run.id]);
      // b does not wait for a's transaction (this would hang until the test's timeout): it passes over the run.
      expect(await b.claimRun(run, 'runner-of-b', clock + 60_000)).toBeUndefined();
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect((await b.claimRun(run, 'runner-of-b', clock + 60_000))?.runnerId).toBe('runner-of-b');
    await b.archiveRun(run.id, { result: 'good', reason: 'done', reasonCode: 'end', endedAt: clock });
  });
});
