import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('createRun', () => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
  });
  afterEach(() => t.close());

  it('pends a run with the flow as it was at the triggering commit, numbered per flow', async () => {
    const first = await t.hub.startRun('deploy', {}, ADMIN);
    const old = await t.hub.store.getRun(first);
    const sha = t.repo.commit({ 'FLOE.yaml': TEST_FLOE.replace('cmd: ship', 'cmd: ship --fast') });
    const second = await t.hub.startRun('deploy', { repo: 'acme', ref: 'main' }, ADMIN);
    const run = await t.hub.store.getRun(second);
    expect(run).toMatchObject({ number: 2, sha, ref: 'refs/heads/main', state: 'pending', cloneUrl: t.repo.path });
    expect(JSON.stringify(run?.flow)).toContain('ship --fast');
    expect(JSON.stringify(old?.flow)).not.toContain('ship --fast');
    expect(run?.trigger).toEqual({ type: 'manual', by: 'ann', data: {} });
  });

  it('starts a branch with a slash and records its full ref', async () => {
    const sha = t.repo.branch('feature/x');
    const runId = await t.hub.startRun('deploy', { ref: 'feature/x' }, ADMIN);
    expect(await t.hub.store.getRun(runId)).toMatchObject({ ref: 'refs/heads/feature/x', sha });
    await expect(t.hub.startRun('deploy', { ref: 'no-such' }, ADMIN)).rejects.toMatchObject({
      code: 'FLOE_BAD_REQUEST',
      message: 'repository acme has no branch, tag or commit no-such',
    });
  });

  it('refuses a flow with errors, with the diagnostics', async () => {
    t.repo.commit({
      'FLOE.yaml': `${TEST_FLOE}  - id: bad\n    tasks:\n      - {id: a, type: exec, lisen: x, opts: {cmd: x}}\n`,
    });
    await expect(t.hub.startRun('bad', {}, ADMIN)).rejects.toMatchObject({
      code: 'FLOE_FLOW_INVALID',
      message: expect.stringMatching(
        /flow bad of acme at [0-9a-f]{7} \(refs\/heads\/main\) has errors.*\nFLOE\.yaml:\d+:\d+: .*lisen/s,
      ),
    });
    await expect(t.hub.startRun('missing', {}, ADMIN)).rejects.toMatchObject({ code: 'FLOE_FLOW_NOT_FOUND' });
  });

  it('checks start data against the data trigger form', async () => {
    const bad = (data: Record<string, string | number | boolean>) => t.hub.startRun('build', { data }, ADMIN);
    await expect(bad({ size: 'big' })).rejects.toMatchObject({
      code: 'FLOE_DATA_INVALID',
      message: 'start data of flow build: field size is a number, not "big"',
    });
    await expect(bad({ colour: 'red' })).rejects.toMatchObject({
      message: 'start data of flow build: unknown field colour: the form has size, mode',
    });
    await expect(bad({ mode: 'slow' })).rejects.toMatchObject({
      message: 'start data of flow build: field mode is one of fast, full, not "slow"',
    });
    await expect(t.hub.startRun('deploy', { data: { x: 1 } }, ADMIN)).rejects.toMatchObject({
      message: 'flow deploy has no data trigger, so it takes no start data (got x)',
    });
    const ok = await t.hub.startRun('build', { data: { size: 2, mode: 'full' } }, ADMIN);
    expect((await t.hub.store.getRun(ok))?.trigger.data).toEqual({ size: '2', mode: 'full' });
  });

  it('gives a run nobody filled the form of the form’s defaults', async () => {
    const run = await t.hub.createRun({ flowId: 'build', trigger: { type: 'timer', id: 'nightly' } });
    expect(run.trigger).toEqual({ type: 'timer', id: 'nightly', data: { mode: 'fast' } });
  });

  it('asks which repository when two have the flow', async () => {
    const two = await startTestHub(
      { 'FLOE.yaml': TEST_FLOE },
      {
        hub: {
          repos: [
            { name: 'acme', url: t.repo.path },
            { name: 'shop', url: t.repo.path },
          ],
        },
      },
    );
    try {
      await expect(two.hub.startRun('deploy', {}, ADMIN)).rejects.toMatchObject({
        code: 'FLOE_FLOW_AMBIGUOUS',
        message: 'flow deploy is in acme, shop; say which with "repo"',
      });
      const runId = await two.hub.startRun('deploy', { repo: 'shop' }, ADMIN);
      expect((await two.hub.runSummary(runId))?.repo).toBe('shop');
      await expect(two.hub.startRun('deploy', { repo: 'nope' }, ADMIN)).rejects.toMatchObject({
        code: 'FLOE_FLOW_NOT_FOUND',
        message: 'this hub has no repository nope (it has acme, shop)',
      });
    } finally {
      await two.close();
    }
  });

  it('lists the flows of the default branch with their errors', async () => {
    const flows = await t.hub.flows();
    expect(flows.map((f) => f.id)).toEqual(['again', 'approve', 'build', 'deploy', 'gpu', 'slow']);
    expect(flows.find((f) => f.id === 'build')?.triggers[0]).toMatchObject({ type: 'data', id: 'start' });
    expect(flows.every((f) => f.errors === undefined && f.repo === 'acme')).toBe(true);
  });
});
