import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from './hub.js';
import { FakeRunner, RecordMaker } from './testing/fake-runner.js';
import { TEST_FLOE } from './testing/test-flows.js';
import { ADMIN, eventually, startTestHub, type TestHub } from './testing/test-hub.js';

describe('createHub', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('starts a run when a polled ref of its own repository appears, at that commit with the full ref', async () => {
    t = await startTestHub({ 'FLOE.yaml': 'id: placeholder\ntasks: []\n' });
    t.repo.commit({
      'FLOE.yaml': `id: watch\ntriggers:\n  - {id: refs, type: poll-git, opts: {url: ${t.repo.path}, refs: 'refs/heads/*', period: 0.05}}\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: x}}\n`,
    });
    await t.hub.refreshRepos();
    await eventually(async () => (await t.hub.store.getTriggerState('poll:acme/watch/refs')) !== undefined);
    const sha = t.repo.branch('feature/deep/x');
    const run = await eventually(async () => (await t.hub.runs()).runs[0]);
    expect(run).toMatchObject({
      flowId: 'watch',
      ref: 'refs/heads/feature/deep/x',
      sha,
      trigger: { type: 'poll-git', id: 'refs' },
    });
  });

  it('re-reads the flows when the default branch moves', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: { repoRefreshMs: 50 } });
    expect((await t.hub.flows()).some((f) => f.id === 'late')).toBe(false);
    t.repo.commit({ 'FLOE.yaml': `${TEST_FLOE}  - id: late\n    tasks: []\n` });
    await eventually(async () => (await t.hub.flows()).some((f) => f.id === 'late'));
  });

  it('says in its log when FLOE.yaml cannot be read at all', async () => {
    t = await startTestHub({ 'FLOE.yaml': 'just some words\n' });
    expect(await t.hub.flows()).toEqual([]);
    const line = t.logs.find((l) => l.msg === 'FLOE.yaml has errors');
    expect(line).toMatchObject({ level: 40, repo: 'acme' });
    expect(String((line?.errors as string[] | undefined)?.[0])).toMatch(/^FLOE\.yaml:\d+:\d+: /);
  });

  it('starts a run from a timer trigger', async () => {
    t = await startTestHub({
      'FLOE.yaml':
        'id: tick\ntriggers:\n  - {id: often, type: timer, opts: {period: 0.1}}\ntasks:\n  - {id: a, type: exec, listen: trigger.good, opts: {cmd: x}}\n',
    });
    const run = await eventually(async () => (await t.hub.runs()).runs[0]);
    expect(run).toMatchObject({ flowId: 'tick', ref: 'refs/heads/main', trigger: { type: 'timer', id: 'often' } });
  });

  it('tells a reconnecting runner to continue the runs it still owns and to stop the others', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const runner = await t.connect('vm-1', [], 2);
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.start(Date.now()),
      records.log('ship', 'x\n'),
    ]);
    // The accept of a second offer was lost with the socket: the run is still only offered.
    const offered = await t.hub.startRun('approve', {}, ADMIN);
    const second = await runner.next('offer', (m) => m.runId === offered);
    await t.hub.core.runnerDisconnected(runner.runnerId, runner);
    const again = new FakeRunner(runner.runnerId, 'vm-1', [], 2);
    const answers = await t.hub.core.runnerConnected(
      again,
      [
        { runId, epoch: offer.epoch, ackedSeq: 1 },
        { runId: 'gone', epoch: 3, ackedSeq: 0 },
      ],
      'test',
    );
    expect(answers).toEqual([
      { runId, epoch: offer.epoch, action: 'continue', ackedSeq: 2 },
      { runId: 'gone', epoch: 3, action: 'stop', ackedSeq: 0 },
    ]);
    // The withdrawn offer is made again with a new epoch, not continued under the old one.
    const reoffer = await again.next('offer', (m) => m.runId === offered);
    expect(reoffer.epoch).toBe(second.epoch + 1);
  });

  it('lets a reconnecting runner send the last output of a run that ended while it was away', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId, offer } = await t.activeRun();
    const records = new RecordMaker();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.start(Date.now()),
      records.input({ type: 'cancel', by: 'ann', at: Date.now() }),
    ]);
    await t.hub.core.runnerDisconnected(runner.runnerId, runner);
    const again = new FakeRunner(runner.runnerId, 'vm-1');
    expect(await t.hub.core.runnerConnected(again, [{ runId, epoch: offer.epoch, ackedSeq: 2 }], 'test')).toEqual([
      { runId, epoch: offer.epoch, action: 'continue', ackedSeq: 2 },
    ]);
    expect(await t.hub.core.records(runner.runnerId, runId, offer.epoch, [records.log('ship', 'bye\n')])).toEqual({
      ackedSeq: 3,
    });
  });

  it('loses at once a run its runner comes back without', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const { runner, runId } = await t.activeRun();
    await t.hub.core.runnerDisconnected(runner.runnerId, runner);
    expect(await t.hub.core.runnerConnected(new FakeRunner(runner.runnerId, 'vm-1'), [], 'test')).toEqual([]);
    expect(await t.hub.runSummary(runId)).toMatchObject({
      state: 'archived',
      reasonCode: 'lost',
      reason: 'runner vm-1 lost',
    });
  });

  it('keeps runs across a restart, and a run whose runner never came back is lost', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE }, { timing: { leaseMs: 200 } });
    const { runId } = await t.activeRun();
    const pending = await t.hub.startRun('gpu', {}, ADMIN);
    await t.hub.close();
    const hub = await createHub({
      dataDir: t.dataDir,
      log: (await import('pino')).pino({ level: 'silent' }),
      repos: [{ name: 'acme', url: t.repo.path }],
      timing: { leaseMs: 200, leaseCheckMs: 20 },
    });
    try {
      expect((await hub.runSummary(pending))?.state).toBe('pending');
      expect((await hub.runners()).map((r) => [r.name, r.connected])).toEqual([['vm-1', false]]);
      const lost = await eventually(async () => {
        const run = await hub.runSummary(runId);
        return run?.state === 'archived' && run;
      });
      expect(lost).toMatchObject({ result: 'bad', reasonCode: 'lost', reason: 'runner vm-1 lost' });
      expect((await hub.startRun('deploy', {}, ADMIN)) > runId).toBe(true);
    } finally {
      await hub.close();
    }
  });

  it('makes API tokens it stores only hashed, and knows who they belong to', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const token = await t.hub.createToken('ci', 'operator', ADMIN);
    expect(await t.hub.verifyToken(token)).toEqual({ name: 'ci', role: 'operator' });
    expect(await t.hub.verifyToken(`${token}x`)).toBeUndefined();
    expect((await t.hub.store.listApiTokens())[0]?.tokenHash).not.toContain(token);
    await expect(t.hub.createToken('ci', 'viewer', ADMIN)).rejects.toMatchObject({ code: 'FLOE_BAD_REQUEST' });
  });

  it('exchanges a registration token once, for a credential that authenticates the runner', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const token = await t.hub.createRunnerToken(ADMIN);
    const registered = await t.hub.core.registerRunner(token, 'vm-9');
    expect(registered).toBeDefined();
    expect(await t.hub.core.registerRunner(token, 'vm-10')).toBeUndefined();
    expect(await t.hub.core.authenticateRunner(registered?.credential as string)).toEqual({
      runnerId: registered?.runnerId,
      name: 'vm-9',
    });
    expect(await t.hub.core.authenticateRunner('floe_runner_nope')).toBeUndefined();
  });
});
