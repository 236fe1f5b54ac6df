import type { FailedTest, RunRecord } from '@floe/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('flaky tests', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
  });
  afterEach(async () => {
    runner = undefined;
    await t.close();
  });

  const report = (seq: number, node: string, tests: number, failed: FailedTest[]): RunRecord => ({
    kind: 'report',
    seq,
    node,
    attempt: 1,
    report: {
      type: 'tests',
      files: ['out/r.xml'],
      tests,
      failures: failed.length,
      errors: 0,
      skipped: 0,
      failed,
      problems: [],
    },
  });

  /** Runs `runId` on `runner`: compile good, test with its report (`failed`), good when none failed. */
  let runner: Awaited<ReturnType<TestHub['connect']>> | undefined;
  async function play(runId: string, failed: FailedTest[], testsRan = 3) {
    runner ??= await t.connect('vm-1');
    const offer = await runner.next('offer', (m) => m.runId === runId);
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const r = new RecordMaker();
    const at = Date.now();
    const exitCode = failed.length > 0 ? 1 : 0;
    const records = [
      r.start(at),
      r.input({ type: 'task-finished', node: 'compile', attempt: 1, outcome: { kind: 'exited', exitCode: 0 }, at }),
    ];
    records.push(report(records.length + 1, 'test', testsRan, failed));
    records.push({
      kind: 'input',
      seq: records.length + 1,
      input: { type: 'task-finished', node: 'test', attempt: 1, outcome: { kind: 'exited', exitCode }, at },
    });
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, records);
  }

  it('flags a test that failed and then passed in a retry at the same commit, and no other', async () => {
    const first = await t.hub.startRun('build', {}, ADMIN);
    await play(first, [
      { name: 'adds', classname: 'math', file: 'src/add.test.ts' },
      { name: 'always', classname: 'math' },
    ]);
    const retry = await t.hub.retryRun(first, undefined, ADMIN);
    await play(retry, [{ name: 'always', classname: 'math' }]);

    const flaky = await t.hub.flakyTests('build', 'acme');
    const sha = (await t.hub.store.getRun(first))?.sha;
    expect(flaky).toEqual([
      {
        node: 'test',
        name: 'adds',
        classname: 'math',
        file: 'src/add.test.ts',
        sha,
        failedRun: { id: first, number: 1 },
        passedRun: { id: retry, number: 2 },
      },
    ]);
    expect(await t.hub.flakyTests('deploy')).toEqual([]);
  });

  it('flags nothing when the retry ran no tests of that node, or ran at another commit', async () => {
    const first = await t.hub.startRun('build', {}, ADMIN);
    await play(first, [{ name: 'adds' }]);
    const retry = await t.hub.retryRun(first, undefined, ADMIN);
    await play(retry, [], 0);
    expect(await t.hub.flakyTests('build')).toEqual([]);

    // A new run at a newer commit that passes is no retry: nothing flaky either.
    t.repo.commit({ 'README.md': 'newer\n' });
    await t.hub.refreshRepos();
    const later = await t.hub.startRun('build', {}, ADMIN);
    await play(later, []);
    expect(await t.hub.flakyTests('build')).toEqual([]);
  });
});
