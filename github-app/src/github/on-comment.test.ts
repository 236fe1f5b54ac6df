import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub, type FakeRepo } from '../../../test/github/fake-github.js';
import { type GithubHarness, startGithubHarness } from '../../../test/github/github-harness.js';
import { prCommentEvent } from '../../../test/github/webhook-payloads.js';

const FLOE_YAML = `flows:
  - id: check
    triggers:
      - {id: comment, type: comment}
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: echo checked}}
`;

describe('onComment', () => {
  let fake: FakeGithub;
  let h: GithubHarness;
  let repo: FakeRepo;
  let delivery = 0;
  beforeAll(async () => {
    fake = await FakeGithub.start();
    repo = fake.createRepo('acme/comments', { 'FLOE.yaml': FLOE_YAML });
    h = await startGithubHarness(fake);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });
  afterEach(() => {
    expect(fake.failures).toEqual([]);
    fake.reset();
  });

  async function comment(number: number, body: string, login: string) {
    const payload = prCommentEvent(fake, repo, { number, body, login });
    expect((await h.deliver({ id: `comment-${++delivery}`, event: 'issue_comment', payload })).status).toBe(200);
  }

  function openPull(number: number) {
    const headSha = repo.commit({ 'README.md': `pull ${number}\n` }, `pull ${number}`, `refs/pull/${number}/head`);
    fake.pulls.set(number, { number, headSha, headRef: 'topic', baseRef: 'main', fork: false });
    return headSha;
  }

  it('runs the flow at the head commit for a writer, answering with a link and a rocket', async () => {
    const headSha = openPull(5);
    fake.permissions.set('wendy', 'write');
    await comment(5, '/floe run check', 'wendy');
    const runs = (await h.hub.store.listRuns({ repo: repo.fullName, ref: 'refs/pull/5/head' })).runs;
    expect(runs).toEqual([expect.objectContaining({ flowId: 'check', sha: headSha, trigger: expect.anything() })]);
    expect(runs[0]?.trigger).toMatchObject({ type: 'comment', by: 'wendy' });
    expect(fake.comments.at(-1)?.body).toContain(`https://floe.example.test/runs/${runs[0]?.id}`);
    expect(fake.reactions.map((reaction) => reaction.content)).toEqual(['rocket']);
  });

  it('refuses someone without write access, saying so, and starts nothing', async () => {
    openPull(6);
    fake.permissions.set('rita', 'read');
    await comment(6, '/floe run check', 'rita');
    expect((await h.hub.store.listRuns({ repo: repo.fullName, ref: 'refs/pull/6/head' })).runs).toEqual([]);
    expect(fake.comments.at(-1)?.body).toMatch(/needs write access to this repository \(you have read\)/);
    expect(fake.reactions).toEqual([]);
  });

  it('answers /floe help, and ignores comments that are no /floe command', async () => {
    openPull(7);
    await comment(7, 'looks good to me', 'rita');
    expect(fake.comments).toEqual([]);
    await comment(7, '/floe help', 'rita');
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.body).toContain('/floe run');
  });

  it('cancels the runs of the pull request that are going on', async () => {
    openPull(8);
    fake.permissions.set('wendy', 'write');
    await comment(8, '/floe cancel', 'wendy');
    expect(fake.comments.at(-1)?.body).toBe('No run of this pull request is going on to cancel.');
  });
});
