import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub, type FakeRepo } from '../../../test/github/fake-github.js';
import { type GithubHarness, startGithubHarness } from '../../../test/github/github-harness.js';
import { checkRunRerequestedEvent, pullRequestEvent } from '../../../test/github/webhook-payloads.js';

const FLOE_YAML = `flows:
  - id: check
    triggers:
      - {id: pr, type: pull-request}
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: echo checked}}
`;

// The pull request family (on-pull-request.ts) and the check re-requests (on-check-rerequest.ts), which retry
// the runs pull requests start.
describe('onPullRequest and onCheckRerequest', () => {
  let fake: FakeGithub;
  let h: GithubHarness;
  let repo: FakeRepo;
  let delivery = 0;
  beforeAll(async () => {
    fake = await FakeGithub.start();
    repo = fake.createRepo('acme/pulls', { 'FLOE.yaml': FLOE_YAML });
    h = await startGithubHarness(fake);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });
  afterEach(() => expect(fake.failures).toEqual([]));

  async function opened(number: number, fork: boolean) {
    const headSha = repo.commit({ 'README.md': `pull ${number}\n` }, `pull ${number}`, `refs/pull/${number}/head`);
    fake.pulls.set(number, { number, headSha, headRef: 'topic', baseRef: 'main', fork });
    const payload = pullRequestEvent(fake, repo, { action: 'opened', number, headSha, fork });
    expect((await h.deliver({ id: `pr-${++delivery}`, event: 'pull_request', payload })).status).toBe(200);
    return (await h.hub.store.listRuns({ repo: repo.fullName, ref: `refs/pull/${number}/head` })).runs;
  }

  it('runs the flows of a pull request from the repository itself at its head, untrusted', async () => {
    const [run, ...more] = await opened(1, false);
    expect(more).toEqual([]);
    expect(run).toMatchObject({ flowId: 'check', trigger: { type: 'pull-request', id: 'pr' } });
    // Every pull request run is untrusted (docs/security.md): its ref is under refs/pull/.
    expect(run?.trust).toBe('untrusted');
  });

  it('runs nothing for a pull request from a fork until a writer asks', async () => {
    expect(await opened(2, true)).toEqual([]);
    expect(h.logText()).toContain('pull request from a fork: waiting for /floe run');
  });

  it("retries a check run's run when GitHub asks for it again", async () => {
    const [run] = await opened(3, false);
    if (!run?.sha) throw new Error('no run');
    // A run is retried once it has ended.
    await h.hub.cancelRun(run.id, { name: 'ann', role: 'admin' });
    // Cancelling an active run asks its runner and returns: wait for the run to be archived.
    await expect.poll(async () => (await h.hub.store.getRun(run.id))?.state).toBe('archived');
    const payload = checkRunRerequestedEvent(fake, repo, {
      id: 99,
      externalId: run.id,
      headSha: run.sha,
      name: 'check',
    });
    expect((await h.deliver({ id: `rerun-${++delivery}`, event: 'check_run', payload })).status).toBe(200);
    const listed = async () => (await h.hub.store.listRuns({ repo: repo.fullName, ref: 'refs/pull/3/head' })).runs;
    await expect.poll(async () => (await listed()).length).toBe(2);
    const runs = await listed();
    expect(runs[0]).toMatchObject({ flowId: 'check', sha: run.sha, retryOf: run.id });
  });
});
