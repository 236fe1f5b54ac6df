import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub, type FakeRepo } from '../../../test/github/fake-github.js';
import { type GithubHarness, startGithubHarness } from '../../../test/github/github-harness.js';
import { pushEvent } from '../../../test/github/webhook-payloads.js';

const FLOE_YAML = `flows:
  - id: build
    triggers:
      - {id: push, type: push, opts: {branches: ["feature/**"], paths: ["src/**"]}}
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: echo built}}
`;

describe('onPush', () => {
  let fake: FakeGithub;
  let h: GithubHarness;
  let repo: FakeRepo;
  let delivery = 0;
  beforeAll(async () => {
    fake = await FakeGithub.start();
    repo = fake.createRepo('acme/push', { 'FLOE.yaml': FLOE_YAML, 'src/a.txt': 'a\n' });
    h = await startGithubHarness(fake);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });
  afterEach(() => expect(fake.failures).toEqual([]));

  async function push(branch: string, message: string, changed: string[]) {
    const sha = repo.commit({ 'src/a.txt': `${message}\n` }, message, branch);
    const payload = pushEvent(fake, repo, { ref: `refs/heads/${branch}`, after: sha, message, changed });
    expect((await h.deliver({ id: `push-${++delivery}`, event: 'push', payload })).status).toBe(200);
    return (await h.hub.store.listRuns({ repo: repo.fullName })).runs.filter((run) => run.sha === sha);
  }

  it('starts the matching flow at the pushed commit, its ref and pusher with it', async () => {
    const [run, ...more] = await push('feature/one', 'change src', ['src/a.txt']);
    expect(more).toEqual([]);
    expect(run).toMatchObject({
      flowId: 'build',
      ref: 'refs/heads/feature/one',
      trigger: { type: 'push', id: 'push' },
    });
  });

  it('starts nothing for a branch or paths its trigger does not match, or a [skip ci] commit', async () => {
    expect(await push('other', 'elsewhere', ['src/a.txt'])).toEqual([]);
    expect(await push('feature/notes', 'notes only', ['notes/guide.txt'])).toEqual([]);
    expect(await push('feature/two', 'tidy [skip ci]', ['src/a.txt'])).toEqual([]);
  });

  it('handles a redelivered push once', async () => {
    const sha = repo.commit({ 'src/a.txt': 'again\n' }, 'again', 'feature/three');
    const payload = pushEvent(fake, repo, {
      ref: 'refs/heads/feature/three',
      after: sha,
      message: 'again',
      changed: ['src/a.txt'],
    });
    await h.deliver({ id: 'push-twice', event: 'push', payload });
    await h.deliver({ id: 'push-twice', event: 'push', payload });
    const runs = (await h.hub.store.listRuns({ repo: repo.fullName })).runs.filter((run) => run.sha === sha);
    expect(runs).toHaveLength(1);
  });
});
