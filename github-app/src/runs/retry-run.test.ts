import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('retryRun', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
  });
  afterEach(() => t.close());

  /** A build run on vm-1 whose compile was good and test bad. */
  async function failedBuild() {
    const runner = await t.connect('vm-1');
    const runId = await t.hub.startRun('build', { data: { size: 7 } }, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const records = new RecordMaker();
    const at = Date.now();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.start(at),
      records.input({
        type: 'task-finished',
        node: 'compile',
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        at,
      }),
      records.input({ type: 'task-finished', node: 'test', attempt: 1, outcome: { kind: 'exited', exitCode: 1 }, at }),
    ]);
    return { runner, runId };
  }

  it('makes a new run of the same flow, commit and data, linked to the first', async () => {
    const { runId } = await failedBuild();
    const before = await t.hub.store.getRun(runId);
    // A later commit must not change what the retry runs.
    t.repo.commit({ 'FLOE.yaml': TEST_FLOE.replace('make test', 'make check') });
    await t.hub.refreshRepos();
    const retryId = await t.hub.retryRun(runId, undefined, { name: 'bob', role: 'operator' });
    const retry = await t.hub.store.getRun(retryId);
    expect(retry).toMatchObject({
      number: 2,
      retryOf: runId,
      sha: before?.sha,
      flow: before?.flow,
      trigger: { type: 'retry', by: 'bob', data: { size: '7', mode: 'fast' } },
      state: 'pending',
    });
    expect(retry?.pinnedRunnerId).toBeUndefined();
  });

  it('retries from a node on the runner that holds the workspace, replaying the good upstream nodes', async () => {
    const { runner, runId } = await failedBuild();
    const retryId = await t.hub.retryRun(runId, 'test', ADMIN);
    await t.connect('vm-2', [], 4);
    const offer = await runner.next('offer', (m) => m.runId === retryId);
    expect(offer.run.replay).toMatchObject({ from: 'test', previousRunId: runId });
    await t.hub.core.accepted(runner.runnerId, retryId, offer.epoch);
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, retryId, offer.epoch, [records.start(Date.now())]);
    const run = await t.hub.run(retryId);
    expect(run.nodes.map((n) => `${n.id}:${n.state}${n.replayed ? ':replayed' : ''}`)).toEqual([
      'compile:good:replayed',
      'test:running',
    ]);
  });

  it('refuses to retry from a node when the runner that held the workspace is gone, and says so', async () => {
    const { runner, runId } = await failedBuild();
    await t.hub.store.deleteRunner(runner.runnerId);
    await expect(t.hub.retryRun(runId, 'test', ADMIN)).rejects.toMatchObject({
      code: 'FLOE_RETRY_UNAVAILABLE',
      message: expect.stringMatching(/runner that ran run #1 of build is not registered any more.*retry the whole run/),
    });
    await expect(t.hub.retryRun(runId, 'nope', ADMIN)).rejects.toMatchObject({ code: 'FLOE_NODE_NOT_FOUND' });
  });

  it('refuses to retry a run that has not ended', async () => {
    const runId = await t.hub.startRun('gpu', {}, ADMIN);
    await expect(t.hub.retryRun(runId, undefined, ADMIN)).rejects.toMatchObject({ code: 'FLOE_RETRY_UNAVAILABLE' });
  });
});
