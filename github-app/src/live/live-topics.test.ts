import type { LiveServerMessage } from '@floe/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from '../testing/test-hub.js';
import { followLog, followRuns } from './live-topics.js';
import { SerialQueue } from './serial-queue.js';

describe('live topics', () => {
  let t: TestHub;
  afterEach(() => t.close());

  /** A topic's context over the test hub, its frames collected. */
  function contextOf(sub: string) {
    const sent: LiveServerMessage[] = [];
    const queue = new SerialQueue((err) => {
      throw err;
    });
    return { context: { hub: t.hub, sub, queue, send: (message: LiveServerMessage) => sent.push(message) }, sent };
  }

  async function activeRun() {
    const { runner, runId, offer } = await t.activeRun();
    return { runner, runId, epoch: offer.epoch, records: new RecordMaker() };
  }

  it('follows a log from an offset: the stored part, then each append, then its end, without a gap or a repeated byte', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId, epoch, records } = await activeRun();
    await t.hub.core.records(runner.runnerId, runId, epoch, [records.start(Date.now()), records.log('ship', 'one\n')]);
    const { context, sent } = contextOf('s1');
    const log = followLog(context, { topic: 'log', runId, node: 'ship', from: 2 });
    const stop = t.hub.onChange((change) => log.onChange(change));
    await eventually(async () => sent.length === 1);
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.log('ship', 'two\n'),
      records.input({
        type: 'task-finished',
        node: 'ship',
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        at: Date.now(),
      }),
    ]);
    await eventually(async () => sent.some((message) => message.type === 'log-end'));
    // Changes of the run after its end queue more pumps (one may already be queued): none may say the end again.
    log.onChange({ kind: 'run', runId });
    log.onChange({ kind: 'log', runId, node: 'ship' });
    await context.queue.drained();
    stop();
    expect(sent).toEqual([
      { type: 'log', sub: 's1', runId, node: 'ship', offset: 2, text: 'e\n' },
      { type: 'log', sub: 's1', runId, node: 'ship', offset: 4, text: 'two\n' },
      { type: 'log-end', sub: 's1', runId, node: 'ship', offset: 8 },
    ]);
  });

  it("sends a run that leaves a list's state once more, so the client can take it out", async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { triggers: false } });
    const { context, sent } = contextOf('s2');
    const runs = followRuns(context, { topic: 'runs', state: 'pending' });
    const stop = t.hub.onChange((change) => runs.onChange(change));
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    await eventually(async () => sent.length > 0);
    await t.hub.cancelRun(runId, ADMIN);
    await eventually(async () => sent.some((m) => m.type === 'run-changed' && m.run.state === 'archived'));
    await context.queue.drained();
    stop();
    const states = sent.map((m) => (m.type === 'run-changed' ? m.run.state : m.type));
    expect(states.filter((state) => state === 'archived')).toHaveLength(1);
    expect(states[0]).toBe('pending');
  });

  it("sends a runs list the summaries this hub publishes without reading the run, and reads it at another hub's change", async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { hub: { triggers: false } });
    const { runner, runId, epoch, records } = await activeRun();
    const { context, sent } = contextOf('s3');
    let reads = 0;
    const hub = {
      run: t.hub.run.bind(t.hub),
      runners: t.hub.runners.bind(t.hub),
      readLog: t.hub.readLog.bind(t.hub),
      runSummary: (id: string) => {
        reads += 1;
        return t.hub.runSummary(id);
      },
    };
    const runs = followRuns({ ...context, hub }, { topic: 'runs' });
    let summaryChanges = 0;
    let detailChanges = 0;
    const stop = t.hub.onChange((change) => {
      if (change.kind === 'run' && change.detail) detailChanges += 1;
      else if (change.kind === 'run') summaryChanges += 1;
      runs.onChange(change);
    });
    await t.hub.core.records(runner.runnerId, runId, epoch, [records.start(Date.now()), records.log('ship', 'one\n')]);
    await t.hub.core.records(runner.runnerId, runId, epoch, [
      records.input({
        type: 'task-finished',
        node: 'ship',
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        at: Date.now(),
      }),
    ]);
    await eventually(async () => sent.some((m) => m.type === 'run-changed' && m.run.state === 'archived'));
    await context.queue.drained();
    stop();
    expect(detailChanges).toBeGreaterThan(0);
    expect(summaryChanges).toBeGreaterThan(0);
    expect(reads).toBe(0);
    const states = sent.map((m) => (m.type === 'run-changed' ? m.run.state : m.type));
    expect(states.at(-1)).toBe('archived');
    expect(sent.at(-1)).toEqual({ type: 'run-changed', sub: 's3', run: await t.hub.runSummary(runId) });
    // Another hub's change says only which run: it is read (and, unchanged, not sent again).
    runs.onChange({ kind: 'run', runId });
    await context.queue.drained();
    expect(reads).toBe(1);
    expect(sent.filter((m) => m.type === 'run-changed' && m.run.state === 'archived')).toHaveLength(1);
  });
});
