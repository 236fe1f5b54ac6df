import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecordMaker } from '../testing/fake-runner.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';
import { git } from '../testing/test-repo.js';

// The base branch: `deploy` holds the `db` resource and needs no host tag; it reads a secret.
const BASE = `flows:
  - id: deploy
    resource-tags: [db]
    env: {KEY: "{{secret.DEPLOY_KEY}}"}
    tasks:
      - {id: ship, type: exec, listen: trigger.good, opts: {cmd: ship}}
`;
// A pull request's version: it claims the deploy runners, drops the resource, reuses a workspace, and adds a flow.
const PULL = `flows:
  - id: deploy
    host-tags: [deploy]
    reuse-space: true
    env: {KEY: "{{secret.DEPLOY_KEY}}"}
    tasks:
      - {id: ship, type: exec, listen: trigger.good, opts: {cmd: ship --evil}}
  - id: extra
    host-tags: [deploy]
    resource-tags: [prod]
    tasks:
      - {id: run, type: exec, listen: trigger.good, opts: {cmd: evil}}
`;

describe('run trust', () => {
  let t: TestHub;
  let pullSha: string;
  beforeEach(async () => {
    t = await startTestHub({ 'FLOE.yaml': BASE }, { hub: { secretKey: 'trust-test-key' } });
    await t.hub.secrets.put('DEPLOY_KEY', 'deploy-key-value');
    // A pull request's head, on no branch: only refs/pull/7/head holds it (as GitHub keeps a fork's commits).
    git(t.repo.path, 'checkout', '-q', '--detach');
    pullSha = t.repo.commit({ 'FLOE.yaml': PULL }, 'pull 7');
    git(t.repo.path, 'update-ref', 'refs/pull/7/head', pullSha);
    git(t.repo.path, 'checkout', '-q', 'main');
  });
  afterEach(() => t.close());

  const trustOf = async (runId: string) => (await t.hub.store.getRun(runId))?.trust;

  it('is trusted for a branch, a tag and a commit a branch holds', async () => {
    const main = git(t.repo.path, 'rev-parse', 'HEAD');
    git(t.repo.path, 'tag', 'v1');
    expect(await trustOf(await t.hub.startRun('deploy', {}, ADMIN))).toBe('trusted');
    expect(await trustOf(await t.hub.startRun('deploy', { ref: 'v1' }, ADMIN))).toBe('trusted');
    expect(await trustOf(await t.hub.startRun('deploy', { ref: main }, ADMIN))).toBe('trusted');
  });

  it('is untrusted for refs/pull/, named in full or short, and for a commit no branch or tag holds', async () => {
    for (const ref of ['refs/pull/7/head', 'pull/7/head', pullSha, pullSha.slice(0, 10)]) {
      const runId = await t.hub.startRun('deploy', { ref }, ADMIN);
      expect(await trustOf(runId), ref).toBe('untrusted');
      expect((await t.hub.store.getRun(runId))?.sha).toBe(pullSha);
    }
  });

  it('is untrusted when the caller says so (a fork), even on a branch; a caller cannot make a run trusted', async () => {
    const run = await t.hub.createRun({
      flowId: 'deploy',
      ref: 'main',
      trigger: { type: 'comment' },
      trust: 'untrusted',
    });
    expect(run.trust).toBe('untrusted');
    const pull = await t.hub.createRun({
      flowId: 'deploy',
      ref: 'refs/pull/7/head',
      trigger: { type: 'comment' },
      trust: 'trusted',
    });
    expect(pull.trust).toBe('untrusted');
  });

  it("takes an untrusted run's host and resource tags from the base branch, and never reuses a workspace", async () => {
    const deploy = await t.hub.store.getRun(await t.hub.startRun('deploy', { ref: 'refs/pull/7/head' }, ADMIN));
    expect(deploy?.flow).toMatchObject({ 'host-tags': [], 'resource-tags': ['db'], 'reuse-space': false });
    // Its own tasks: that is what a pull request changes.
    expect(JSON.stringify(deploy?.flow.tasks)).toContain('ship --evil');
    // A flow the base branch does not have gets no tags at all.
    const extra = await t.hub.store.getRun(await t.hub.startRun('extra', { ref: 'refs/pull/7/head' }, ADMIN));
    expect(extra?.flow).toMatchObject({ 'host-tags': [], 'resource-tags': [] });
    // A trusted run of the same code keeps its own.
    git(t.repo.path, 'branch', 'topic', pullSha);
    const trusted = await t.hub.store.getRun(await t.hub.startRun('extra', { ref: 'topic' }, ADMIN));
    expect(trusted?.flow).toMatchObject({ 'host-tags': ['deploy'], 'resource-tags': ['prod'] });
  });

  it('offers an untrusted run no secrets and only its own repository to check out; its retries stay so', async () => {
    const runner = await t.connect('vm-1', ['deploy'], 4);
    const runId = await t.hub.startRun('deploy', { ref: 'refs/pull/7/head' }, ADMIN);
    const offer = await runner.next('offer', (m) => m.runId === runId);
    expect(offer.run).toMatchObject({ trust: 'untrusted', secrets: {}, checkoutUrls: [t.repo.path] });
    // No network in the runner's sandbox: the hub was not started with --untrusted-network.
    expect(offer.run.network).toBeUndefined();
    expect(JSON.stringify(offer)).not.toContain('deploy-key-value');
    await t.hub.core.accepted(runner.runnerId, runId, offer.epoch);
    const records = new RecordMaker();
    const at = Date.now();
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [
      records.start(at),
      records.input({ type: 'task-finished', node: 'ship', attempt: 1, outcome: { kind: 'exited', exitCode: 1 }, at }),
    ]);
    expect((await t.hub.store.getRun(runId))?.state).toBe('archived');
    expect((await t.hub.run(runId)).trust).toBe('untrusted');

    for (const from of [undefined, 'ship']) {
      const retryId = await t.hub.retryRun(runId, from, ADMIN);
      expect(await trustOf(retryId)).toBe('untrusted');
      const again = await runner.next('offer', (m) => m.runId === retryId);
      expect(again.run).toMatchObject({ trust: 'untrusted', secrets: {} });
      expect(JSON.stringify(again)).not.toContain('deploy-key-value');
      await t.hub.cancelRun(retryId, ADMIN);
    }
    // A retry of the retry too.
    const retries = (await t.hub.store.listRuns({ flowId: 'deploy' })).runs.filter((r) => r.retryOf === runId);
    const second = await t.hub.retryRun(retries[0]?.id as string, undefined, ADMIN);
    expect(await trustOf(second)).toBe('untrusted');
  });

  it('gives untrusted runs the network in the sandbox only when the hub allows it, and waits for a sandboxed runner', async () => {
    const open = await startTestHub({ 'FLOE.yaml': BASE }, { hub: { untrustedNetwork: true } });
    try {
      git(open.repo.path, 'update-ref', 'refs/pull/7/head', 'HEAD');
      const bare = await open.connect('vm-bare', ['deploy'], 4);
      bare.sandbox = { sandboxed: false, reason: 'bubblewrap (bwrap) is not installed' };
      await open.hub.core.runnerConnected(bare, [], '0.1.0');
      const runId = await open.hub.startRun('deploy', { ref: 'refs/pull/7/head' }, ADMIN);
      await vi.waitFor(async () =>
        expect(await open.hub.whyPending(runId)).toBe(
          'an untrusted run goes only to a runner that sandboxes its tasks, and the one matching runner (vm-bare) does not',
        ),
      );
      expect(bare.messages.some((m) => m.type === 'offer')).toBe(false);
      const boxed = await open.connect('vm-boxed', ['deploy'], 4);
      const offer = await boxed.next('offer', (m) => m.runId === runId);
      expect(offer.run).toMatchObject({ trust: 'untrusted', network: true });
    } finally {
      await open.close();
    }
  });

  it('offers a trusted run its secrets', async () => {
    const runner = await t.connect('vm-1', [], 1);
    const runId = await t.hub.startRun('deploy', {}, ADMIN);
    const offer = await runner.next('offer', (m) => m.runId === runId);
    expect(offer.run).toMatchObject({ trust: 'trusted', secrets: { DEPLOY_KEY: 'deploy-key-value' } });
    expect(offer.run.checkoutUrls).toBeUndefined();
  });
});
