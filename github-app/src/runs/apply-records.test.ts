import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../hub-events.js';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('applying records', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
  });
  afterEach(() => t.close());

  async function activeBuild() {
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('build', { data: { size: 3 } }, ADMIN);
    const offer = await runner.next('offer', (m) => m.runId === runId);
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    return { runner, runId, epoch: offer.epoch, records: new RecordMaker() };
  }

  it('runs the flow with the engine and archives it with the engine’s result', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    const at = Date.now();
    const batch = [
      records.start(at),
      records.input({
        type: 'task-finished',
        node: 'compile',
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        at: at + 1,
      }),
    ];
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, batch)).toEqual({ ackedSeq: 2 });
    let run = await t.hub.run(runId);
    expect(run.state).toBe('active');
    expect(run.nodes.map((n) => `${n.id}:${n.state}`)).toEqual(['compile:good', 'test:running']);
    expect(run.data).toEqual({ size: '3', mode: 'fast' });
    const last = records.input({
      type: 'task-finished',
      node: 'test',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 2 },
      at: at + 2,
    });
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, [last])).toEqual({ ackedSeq: 3 });
    run = await t.hub.run(runId);
    expect(run).toMatchObject({ state: 'archived', result: 'bad', reasonCode: 'unhandled-failure', runner: 'vm-1' });
    expect(run.reason).toMatch(/test/);
    expect(run.events?.map((e) => e.tag)).toEqual(['trigger.good', 'task.compile.good', 'task.test.bad']);
  });

  it('stores log chunks at byte offsets and serves them from any offset', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.start(Date.now()),
      records.log('compile', 'héllo\n'),
      records.log('compile', 'wörld\n', 'err'),
    ]);
    expect(await t.hub.readLog(runId, 'compile', 0)).toEqual({ text: 'héllo\nwörld\n', next: 14, complete: false });
    expect(await t.hub.readLog(runId, 'compile', 7)).toEqual({ text: 'wörld\n', next: 14, complete: false });
    expect((await t.hub.store.readLog(runId, 'compile')).chunks.map((c) => c.stream)).toEqual(['out', 'err']);
  });

  it('skips records it already has and stops at a gap, so nothing is doubled or lost', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    const start = records.start(Date.now());
    const one = records.log('compile', 'one\n');
    const two = records.log('compile', 'two\n');
    const three = records.log('compile', 'three\n');
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, [start, one])).toEqual({ ackedSeq: 2 });
    // A resend after a reconnect: 1–2 again, then 4 without 3.
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, [start, one, three])).toEqual({ ackedSeq: 2 });
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, [three, two])).toEqual({ ackedSeq: 4 });
    expect((await t.hub.readLog(runId, 'compile', 0)).text).toBe('one\ntwo\nthree\n');
  });

  it('applies concurrent batches of one run one after another', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    const all = [records.start(Date.now()), ...Array.from({ length: 20 }, (_, i) => records.log('compile', `${i}\n`))];
    const outcomes = await Promise.all([
      t.hub.core.records(runner.runnerId, runId, epoch, all.slice(0, 11)),
      t.hub.core.records(runner.runnerId, runId, epoch, all),
      t.hub.core.records(runner.runnerId, runId, epoch, all.slice(0, 5)),
    ]);
    expect(Math.max(...outcomes.map((o) => ('ackedSeq' in o ? o.ackedSeq : 0)))).toBe(21);
    const text = (await t.hub.readLog(runId, 'compile', 0)).text;
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `${i}\n`).join(''));
  });

  it('keeps the output of tasks killed after the run ended, and acknowledges it', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    const at = Date.now();
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.start(at),
      records.input({ type: 'cancel', by: 'ann', at: at + 1 }),
    ]);
    const late = [
      records.log('compile', 'interrupted\n', 'sys'),
      records.input({ type: 'task-finished', node: 'compile', attempt: 1, outcome: { kind: 'cancelled' }, at: at + 2 }),
    ];
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, late)).toEqual({ ackedSeq: 4 });
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, late)).toEqual({ ackedSeq: 4 });
    expect((await t.hub.readLog(runId, 'compile', 0)).text).toBe('interrupted\n');
    expect(await t.hub.runSummary(runId)).toMatchObject({
      state: 'archived',
      result: 'cancelled',
      reason: 'cancelled by ann',
    });
  });

  it('refuses records from a stale epoch or another runner', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    const other = await t.connect('vm-2');
    const start = records.start(Date.now());
    expect(await t.hub.core.records(runner.runnerId, runId, epoch - 1, [start])).toMatchObject({ stale: true });
    expect(await t.hub.core.records(other.runnerId, runId, epoch, [start])).toMatchObject({ stale: true });
    expect(await t.hub.core.records(runner.runnerId, 'nope', epoch, [start])).toMatchObject({ stale: true });
    expect((await t.hub.store.getRun(runId))?.lastSeq).toBe(0);
  });

  it('stores the reports of tasks with the run and says the run changed, so live run pages show them at once', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    await t.hub.core.records(runner.runnerId, runId, epoch, [records.start(Date.now())]);
    const seen: HubEvent[] = [];
    t.hub.events.on((event) => seen.push(event));
    const report = {
      type: 'annotation',
      level: 'error',
      message: 'boom',
      file: 'src/a.ts',
      line: 3,
      logLine: 1,
    } as const;
    const batch = [
      records.log('compile', '::error file=src/a.ts,line=3::boom\n'),
      { kind: 'report' as const, seq: 3, node: 'compile', attempt: 1, report },
    ];
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, batch)).toEqual({ ackedSeq: 3 });
    expect((await t.hub.run(runId)).reports).toEqual([{ node: 'compile', attempt: 1, report }]);
    expect(seen.some((e) => e.type === 'run-changed' && e.run.id === runId)).toBe(true);
    // Sent again after a reconnect: stored once.
    expect(await t.hub.core.records(runner.runnerId, runId, epoch, batch)).toEqual({ ackedSeq: 3 });
    expect((await t.hub.run(runId)).reports).toHaveLength(1);
  });

  it('emits numbered events: run changes, node changes, engine events and log appends', async () => {
    const seen: HubEvent[] = [];
    t.hub.events.on((event) => seen.push(event));
    const { runner, runId, epoch, records } = await activeBuild();
    await t.hub.core.records(runner.runnerId, runId, epoch, [records.start(Date.now()), records.log('compile', 'x\n')]);
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => (seen[0]?.seq ?? 0) + i));
    expect(seen.filter((e) => e.type === 'run-changed').map((e) => e.type === 'run-changed' && e.run.state)).toEqual([
      'pending',
      'pending',
      'active',
      'active',
    ]);
    expect(seen.find((e) => e.type === 'run-event')).toMatchObject({ runId, event: { seq: 1, tag: 'trigger.good' } });
    expect(seen.find((e) => e.type === 'node-changed')).toMatchObject({
      runId,
      node: { id: 'compile', state: 'running' },
    });
    expect(seen.find((e) => e.type === 'log')).toMatchObject({ runId, node: 'compile', offset: 0, text: 'x\n' });
  });

  it('releases the resource tag when the run ends — once its tasks have stopped — and the next run that wants it is offered at once', async () => {
    const { runner, runId, epoch, records } = await activeBuild();
    const second = await t.connect('vm-2');
    const deployId = await t.hub.startRun('deploy', {}, ADMIN);
    await t.hub.settled();
    expect((await t.hub.runSummary(deployId))?.pendingReason).toMatch(/^resource tag db is held by run #1 \(build\)$/);
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.start(Date.now()),
      records.input({ type: 'cancel', by: 'ann', at: Date.now() }),
    ]);
    // Held while the cancelled run's task is still being stopped: its processes may still use the database.
    await t.hub.settled();
    expect((await t.hub.run(runId)).state).toBe('active');
    expect((await t.hub.runSummary(deployId))?.pendingReason).toMatch(/^resource tag db is held by run #1 \(build\)$/);
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.input({
        type: 'task-finished',
        node: 'compile',
        attempt: 1,
        outcome: { kind: 'cancelled' },
        at: Date.now(),
      }),
    ]);
    expect((await t.hub.run(runId)).result).toBe('cancelled');
    const offer = await eventually(async () =>
      [...runner.of('offer'), ...second.of('offer')].find((m) => m.runId === deployId),
    );
    expect(offer.run.flow.id).toBe('deploy');
  });
});
