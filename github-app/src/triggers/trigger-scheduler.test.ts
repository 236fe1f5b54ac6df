import path from 'node:path';
import { parseFloeFile } from '@floe/shared';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { FlowRow, Store } from '../store/store.js';
import { eventually } from '../testing/test-hub.js';
import { makeRepo, tempDir } from '../testing/test-repo.js';
import { lsRemote } from './ls-remote.js';
import { type FireRequest, TriggerScheduler } from './trigger-scheduler.js';

const { dir, cleanup } = tempDir('floe-triggers-');
afterAll(cleanup);
let count = 0;
const log = pino({ level: 'silent' });

async function storeWith(yaml: string): Promise<Store> {
  const store = openSqliteStore({ file: path.join(dir, `db-${++count}`, 'floe.db') });
  const parsed = parseFloeFile(yaml);
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  await store.upsertRepo({ name: 'acme', url: '/x' });
  const rows: FlowRow[] = parsed.flows.map((flow) => ({
    repo: 'acme',
    id: flow.id,
    ver: flow.ver,
    name: flow.name,
    triggers: flow.triggers,
    flow,
    errors: [],
    sha: 'abc',
    updatedAt: 0,
  }));
  await store.replaceFlows('acme', rows);
  return store;
}

describe('TriggerScheduler', () => {
  const running: TriggerScheduler[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((scheduler) => scheduler.stop()));
  });
  const scheduler = (
    store: Store,
    fired: FireRequest[],
    extra: Partial<ConstructorParameters<typeof TriggerScheduler>[0]> = {},
  ) => {
    const s = new TriggerScheduler({
      store,
      log,
      hubId: `hub-${running.length}`,
      fire: async (r) => void fired.push(r),
      // Periods of a tenth of a second, so that the tests fire often (the product's floor is 10 s).
      minPeriodMs: 10,
      ...extra,
    });
    running.push(s);
    return s;
  };

  it('fires a timer every period, once per slot however many hubs share the store', async () => {
    const store = await storeWith(
      'id: tick\ntriggers:\n  - {id: every, type: timer, opts: {period: 0.1}}\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: x}}\n',
    );
    const fired: FireRequest[] = [];
    // Each hub logs the slot it fired: every slot must be fired by exactly one of them.
    const slots: number[] = [];
    const slotLog = pino({ level: 'info' }, { write: (line: string) => void slots.push(JSON.parse(line).slot) });
    await scheduler(store, fired, { log: slotLog }).sync();
    await scheduler(store, fired, { log: slotLog }).sync();
    await eventually(async () => fired.length >= 4);
    await Promise.all(running.map((s) => s.stop()));
    const firedSlots = slots.filter((slot) => slot !== undefined);
    expect(firedSlots).toHaveLength(fired.length);
    expect(new Set(firedSlots).size).toBe(firedSlots.length);
    // Slots of the period (a loaded machine may skip some, never fire one twice).
    for (const slot of firedSlots) expect(slot % 100).toBe(0);
    const state = await store.getTriggerState('timer:acme/tick/every');
    expect(state?.version).toBe(fired.length);
    expect(fired[0]?.trigger.id).toBe('every');
    await store.close();
  });

  it('polls refs: the first poll is the baseline, then a new or moved ref fires with its full name and commit', async () => {
    const repo = makeRepo(dir, `watched-${++count}`, { a: '1' });
    const store = await storeWith(
      `id: watch\ntriggers:\n  - {id: refs, type: poll-git, opts: {url: ${repo.path}, refs: 'refs/heads/*', exclude: '^refs/heads/tmp-', period: 0.05}}\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: x}}\n`,
    );
    const fired: FireRequest[] = [];
    const s = scheduler(store, fired);
    await s.sync();
    expect(s.scheduled()).toEqual(['acme/watch/refs']);
    await eventually(async () => (await store.getTriggerState('poll:acme/watch/refs')) !== undefined);
    expect(fired).toEqual([]);
    const sha = repo.branch('feature/x');
    repo.branch('tmp-scratch');
    const fire = await eventually(async () => fired[0]);
    expect(fire.target).toEqual({ url: repo.path, ref: 'refs/heads/feature/x', sha });
    const moved = repo.commit({ a: '2' });
    await eventually(async () => fired.find((f) => f.target?.ref === 'refs/heads/main'));
    expect(fired.map((f) => `${f.target?.ref}@${f.target?.sha.slice(0, 7)}`)).toEqual([
      `refs/heads/feature/x@${sha.slice(0, 7)}`,
      `refs/heads/main@${moved.slice(0, 7)}`,
    ]);
    await store.close();
  });

  it('keeps the old snapshot when ls-remote fails, and still sees the change afterwards', async () => {
    const repo = makeRepo(dir, `flaky-${++count}`, { a: '1' });
    const store = await storeWith(
      `id: watch\ntriggers:\n  - {id: refs, type: poll-git, opts: {url: ${repo.path}, period: 0.05}}\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: x}}\n`,
    );
    let failures = 0;
    let failing = false;
    const flaky: typeof lsRemote = async (...args) => {
      if (failing) {
        failures += 1;
        throw new Error('network down');
      }
      return lsRemote(...args);
    };
    const fired: FireRequest[] = [];
    const s = scheduler(store, fired, { lsRemote: flaky });
    await s.sync();
    await eventually(async () => (await store.getTriggerState('poll:acme/watch/refs')) !== undefined);
    const before = await store.getTriggerState('poll:acme/watch/refs');
    failing = true;
    const sha = repo.commit({ a: '2' });
    await eventually(async () => failures >= 3);
    expect(await store.getTriggerState('poll:acme/watch/refs')).toEqual(before);
    failing = false;
    const fire = await eventually(async () => fired[0]);
    expect(fire.target).toMatchObject({ ref: 'refs/heads/main', sha });
    await store.close();
  });

  it('stops the triggers of flows that are gone', async () => {
    const store = await storeWith('id: tick\ntriggers:\n  - {id: t, type: timer, opts: {period: 3600}}\ntasks: []\n');
    const s = scheduler(store, []);
    await s.sync();
    expect(s.scheduled()).toEqual(['acme/tick/t']);
    await store.replaceFlows('acme', []);
    await s.sync();
    expect(s.scheduled()).toEqual([]);
    await store.close();
  });
});
